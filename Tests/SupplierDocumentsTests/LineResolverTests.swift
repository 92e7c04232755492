import Domain
import Foundation
import Testing

@testable import SupplierDocuments

/// An exact decimal from its text.
private func number(_ text: String) -> Decimal {
    Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
}

/// A supplier item built by hand (a `supplier_item` row): an ingredient unless `effect` says otherwise.
private func item(
    _ id: Int64, seller: String? = nil, gtin: String? = nil, name: String? = nil,
    effect: SupplierItemRecord.StockEffect = .ingredient, unit: BaseUnit = .gram, pack: String = "10000",
    per purchaseUnit: String = "XCS", last: String? = nil
) -> SupplierItemRecord {
    let isIngredient = effect == .ingredient
    return SupplierItemRecord(
        id: id, sellerItemID: seller, gtin: gtin, description: name, stockEffect: effect,
        ingredientID: isIngredient ? 100 + id : nil, ingredientUnit: isIngredient ? unit : nil,
        packSize: number(pack), purchaseUnitCode: purchaseUnit, lastUnitPrice: last.map(number))
}

/// A document line as read (file line 40), with the fields the resolver looks at.
private func documentLine(
    _ quantity: String, _ unit: String, price: String? = nil, base: String? = nil, amount: String? = nil,
    seller: String? = nil, gtin: String? = nil, name: String? = nil
) -> SupplierDocumentLine {
    var line = SupplierDocumentLine(position: 1, fileLine: 40, quantity: number(quantity), unitCode: unit)
    line.lineID = "1"
    line.netPrice = price.map(number)
    line.priceBaseQuantity = base.map(number)
    line.netAmount = amount.map(number)
    line.sellerItemID = seller
    line.standardItemID = gtin.map { SchemedID(id: $0, scheme: "0160") }
    line.itemName = name
    return line
}

/// Mozzarella by the case of 10 × 1 kg (10 000 g), last bought at 21.60 per case.
private let mozzarella = item(
    1, seller: "MOZ-10", gtin: "8001234567890", name: "Mozzarella fior di latte 10 x 1 kg", last: "21.60")
/// Flour by the kilogram.
private let flour = item(2, seller: "FAR-T55", name: "Farine T55", pack: "1000", per: "KGM", last: "0.92")
/// Eggs, an ingredient counted in pieces, by the tray of 30.
private let eggs = item(3, seller: "OEUF-30", name: "Oeufs plein air", unit: .piece, pack: "30", per: "XPU")
/// Frying fat, 10 kg per EA.
private let fryingFat = item(4, seller: "175137", name: "FRITUUR VET 10 KG", per: "EA", last: "18.33")
/// A crate deposit, boxes and transport: recorded, never in stock.
private let crateDeposit = item(
    5, seller: "CONS-CAISSE", name: "Consigne caisse", effect: .deposit, pack: "1", per: "C62")
private let pizzaBoxes = item(
    6, seller: "BOX-33", name: "Cartons pizza 33 cm", effect: .nonFood, pack: "100", per: "XBX")
private let freight = item(7, seller: "PORT", name: "Frais de port", effect: .transport, pack: "1", per: "C62")

private let catalogue = SupplierItemIndex([mozzarella, flour, eggs, fryingFat, crateDeposit, pizzaBoxes, freight])

/// Resolves `line` of a document of `kind` the way the import does (direction from the line).
private func resolve(
    _ line: SupplierDocumentLine, kind: SupplierDocumentKind = .invoice, items: SupplierItemIndex? = catalogue,
    threshold: String = "0.30", accepted: HoldReason? = nil
) throws -> LineResolution {
    let direction = try LineDirection.of(line, kind: kind, file: "supplier.xml")
    return LineResolver.resolve(
        LineFacts(line), direction: direction, items: items, priceJumpThreshold: number(threshold),
        acceptedHold: accepted)
}

@Suite struct LineResolverTests {
    // MARK: - Matching

    @Test func matchesBySellerItemIDThenGTINThenName() {
        let byID = item(1, seller: "NOUG250", name: "Nougat de l'Abbaye 250g")
        let byGTIN = item(2, gtin: "3518370400049", name: "Nougat (GTIN)")
        let byName = item(3, name: "Huile d'olive à l'ancienne")
        let index = SupplierItemIndex([byID, byGTIN, byName])
        // The seller id wins over a GTIN and a name that name other items.
        let oil = "Huile d'olive à l'ancienne"
        #expect(index.match(sellerItemID: "NOUG250", gtin: "3518370400049", name: oil)?.id == 1)
        // Surrounding spaces of the seller id do not matter.
        #expect(index.match(sellerItemID: " NOUG250 ", gtin: nil, name: nil)?.id == 1)
        // An unknown seller id falls back to the GTIN, which wins over the name.
        #expect(index.match(sellerItemID: "UNKNOWN", gtin: "3518370400049", name: oil)?.id == 2)
        // Neither: the name, without case and with spaces collapsed.
        let shouted = "  HUILE d'olive   à l'ancienne "
        #expect(index.match(sellerItemID: "UNKNOWN", gtin: "0000000000000", name: shouted)?.id == 3)
        #expect(index.match(sellerItemID: nil, gtin: nil, name: oil)?.id == 3)
        // Nothing matches.
        #expect(index.match(sellerItemID: "UNKNOWN", gtin: "0000000000000", name: "Farine T55") == nil)
        #expect(index.match(sellerItemID: nil, gtin: nil, name: nil) == nil)
        #expect(SupplierItemIndex([]).match(sellerItemID: "NOUG250", gtin: nil, name: nil) == nil)
    }

    @Test func ambiguousNamesDoNotMatch() {
        let first = item(1, seller: "MOZ-1", name: "Mozzarella")
        let second = item(2, seller: "MOZ-2", name: "  MOZZARELLA ")
        let third = item(3, seller: "MOZ-3", name: "mozzarella")
        let blank = item(4, seller: "BLANK", name: "   ")
        let index = SupplierItemIndex([first, second, third, blank, item(5, name: "Ricotta")])
        #expect(index.match(sellerItemID: nil, gtin: nil, name: "Mozzarella") == nil)
        #expect(index.match(sellerItemID: "NOPE", gtin: nil, name: "mozzarella") == nil)
        // Each stays reachable by its seller id.
        #expect(index.match(sellerItemID: "MOZ-2", gtin: nil, name: "Mozzarella")?.id == 2)
        // An empty name is never a key.
        #expect(index.match(sellerItemID: nil, gtin: nil, name: "") == nil)
        #expect(index.match(sellerItemID: nil, gtin: nil, name: "  ") == nil)
        // Other names still match.
        #expect(index.match(sellerItemID: nil, gtin: nil, name: "ricotta")?.id == 5)
    }

    @Test func gtinOfTheLineIsUsedForMatching() throws {
        // No seller id on the line: the GTIN (scheme 0160) finds the mozzarella.
        let resolution = try resolve(documentLine("1", "XCS", price: "21.60", amount: "21.60", gtin: "8001234567890"))
        #expect(resolution.supplierItem == mozzarella)
        #expect(resolution.hold == nil)
    }

    // MARK: - Holds

    @Test func unmappedItemHolds() throws {
        let unknown = try resolve(
            documentLine("2", "KGM", price: "9.95", amount: "19.90", seller: "X1", name: "Burrata"))
        #expect(unknown.hold == .unmappedItem)
        #expect(unknown.holdDetail == "no supplier item for seller id X1, GTIN -, name 'Burrata'")
        #expect(unknown.supplierItem == nil)
        #expect(unknown.movement == .none)
        #expect(unknown.quantityBase == nil)
        #expect(unknown.unitCost == nil)
        #expect(unknown.unitCode == "KGM")
        #expect(unknown.isHeld)
        // A deposit the supplier has not been mapped for yet: the detail says so.
        let consigne = try resolve(
            documentLine("3", "C62", price: "4.50", amount: "13.50", gtin: "3000000000017", name: "CONSIGNE fût 30 L"))
        #expect(consigne.hold == .unmappedItem)
        #expect(
            consigne.holdDetail
                == "no supplier item for seller id -, GTIN 3000000000017, name 'CONSIGNE fût 30 L' "
                + "(looks like a deposit)")
        let pfand = try resolve(documentLine("12", "C62", price: "0.25", amount: "3.00", name: "Pfand Mehrweg"))
        #expect(pfand.holdDetail?.hasSuffix("name 'Pfand Mehrweg' (looks like a deposit)") == true)
        // Supplier not known yet: no items at all.
        let noSupplier = try resolve(
            documentLine("1", "XCS", price: "21.60", amount: "21.60", seller: "MOZ-10"), items: nil)
        #expect(noSupplier.hold == .unmappedItem)
        #expect(noSupplier.holdDetail == "no supplier item for seller id MOZ-10, GTIN -, name '-'")
    }

    @Test func legacyUnitKGIsReadAsKGMAndFlagged() throws {
        // 12.5 KG of flour mapped per KGM: 12 500 g, 11.50 / 12 500 = 0.00092 €/g.
        let resolution = try resolve(documentLine("12.5", "kg ", price: "0.92", amount: "11.50", seller: "FAR-T55"))
        #expect(resolution.unitCode == "KGM")
        #expect(resolution.flags == ["legacy_unit_code"])
        #expect(resolution.hold == nil)
        #expect(resolution.movement == .receipt)
        #expect(resolution.quantityBase == 12_500)
        #expect(resolution.unitCost == number("0.00092"))
    }

    @Test func unknownUnitHolds() throws {
        let resolution = try resolve(documentLine("2", "BAGX", price: "9.95", amount: "19.90", seller: "FAR-T55"))
        #expect(resolution.hold == .unknownUnit)
        #expect(resolution.holdDetail == "unit code 'BAGX' is not a UN/ECE Rec 20/21 code")
        #expect(resolution.supplierItem == flour)
        #expect(resolution.movement == .none)
        #expect(resolution.quantityBase == nil)
        #expect(resolution.flags.isEmpty)
    }

    @Test func otherPackageThanTheMappingIsAPackSizeChange() throws {
        // Invoiced per box (XBX), mapped per case (XCS) of 10 000 g: how much a box holds is unknown.
        let resolution = try resolve(documentLine("2", "XBX", price: "21.60", amount: "43.20", seller: "MOZ-10"))
        #expect(resolution.hold == .packSizeChanged)
        #expect(resolution.holdDetail == "invoiced per XBX, mapped per XCS of 10000 g")
        #expect(resolution.movement == .none)
        #expect(resolution.quantityBase == nil)
        #expect(resolution.unitCost == nil)
    }

    @Test func countCodesStandForOnePurchaseUnit() throws {
        // C62 and EA on a case mapping: one case each, 3 × 10 000 g, no hold.
        for code in ["C62", "EA", "H87"] {
            let resolution = try resolve(documentLine("3", code, price: "21.60", amount: "64.80", seller: "MOZ-10"))
            #expect(resolution.hold == nil, "\(code)")
            #expect(resolution.unitCode == code)
            #expect(resolution.quantityBase == 30_000, "\(code)")
            #expect(resolution.unitCost == number("0.00216"), "\(code)")
        }
        // XPP (a package piece) and C62 are both count codes: no pack size change for an EA mapping.
        let packagePiece = try resolve(documentLine("2", "XPP", price: "18.33", amount: "36.66", seller: "175137"))
        #expect(packagePiece.hold == nil)
        #expect(packagePiece.quantityBase == 20_000)
    }

    @Test func massForAPieceIngredientIsAUnitMismatch() throws {
        let resolution = try resolve(documentLine("5", "KGM", price: "4.00", amount: "20.00", seller: "OEUF-30"))
        #expect(resolution.hold == .unitMismatch)
        #expect(resolution.holdDetail == "KGM cannot be converted to piece for this item")
        #expect(resolution.supplierItem == eggs)
        #expect(resolution.movement == .none)
        #expect(resolution.quantityBase == nil)
        // The same eggs by the tray convert: 4 trays of 30 = 120 pieces, 26.40 / 120 = 0.22 €.
        let trays = try resolve(documentLine("4", "XPU", price: "6.60", amount: "26.40", seller: "OEUF-30"))
        #expect(trays.hold == nil)
        #expect(trays.quantityBase == 120)
        #expect(trays.unitCost == number("0.22"))
    }

    // MARK: - Quantities, costs and directions

    @Test func exactBaseQuantityAndUnitCost() throws {
        // 3 cases of 10 000 g at 21.60 = 64.80: 30 000 g at 64.80 / 30 000 = 0.00216 €/g, exactly.
        let resolution = try resolve(documentLine("3", "XCS", price: "21.60", amount: "64.80", seller: "MOZ-10"))
        var expected = LineResolution(unitCode: "XCS")
        expected.supplierItem = mozzarella
        expected.movement = .receipt
        expected.quantityBase = 30_000
        expected.unitCost = number("0.00216")
        #expect(resolution == expected)
        // Weighed: 2.5 KGM of flour = 2 500 g (the pack size is not used), 2.30 / 2 500 = 0.00092.
        let weighed = try resolve(documentLine("2.5", "KGM", price: "0.92", amount: "2.30", seller: "FAR-T55"))
        #expect(weighed.quantityBase == 2_500)
        #expect(weighed.unitCost == number("0.00092"))
        // A line without an amount (despatch advice) moves stock but has no cost.
        let despatched = try resolve(documentLine("3", "XCS", seller: "MOZ-10"), kind: .despatchAdvice)
        #expect(despatched.movement == .receipt)
        #expect(despatched.quantityBase == 30_000)
        #expect(despatched.unitCost == nil)
        // A zero quantity moves nothing.
        let zero = try resolve(documentLine("0", "XCS", price: "21.60", amount: "-2.00", seller: "MOZ-10"))
        #expect(zero.movement == .none)
        #expect(zero.quantityBase == nil)
        #expect(zero.unitCost == nil)
    }

    @Test func returnsMoveStockOut() throws {
        // FRITUUR VET 10 KG RETOUR: +6 EA at −109.98 on an invoice. Out, 60 000 g, flagged.
        let frituur = try resolve(
            documentLine(
                "6", "EA", price: "18.33", amount: "-109.98", seller: "175137", name: "FRITUUR VET 10 KG RETOUR"))
        #expect(frituur.movement == .return)
        #expect(frituur.quantityBase == 60_000)
        #expect(frituur.unitCost == number("0.001833"))
        #expect(frituur.flags == ["sign_disagreement"])
        #expect(frituur.hold == nil)
        // A negative invoice line (correction): out, not flagged.
        let corrected = try resolve(documentLine("-2", "XCS", price: "21.60", amount: "-43.20", seller: "MOZ-10"))
        #expect(corrected.movement == .return)
        #expect(corrected.quantityBase == 20_000)
        #expect(corrected.unitCost == number("0.00216"))
        #expect(corrected.flags.isEmpty)
        // A credit note's positive line sends goods back.
        let credited = try resolve(
            documentLine("1", "XCS", price: "21.60", amount: "21.60", seller: "MOZ-10"), kind: .creditNote)
        #expect(credited.movement == .return)
        #expect(credited.quantityBase == 10_000)
        // Legacy unit and sign disagreement together: both flags.
        let both = try resolve(documentLine("2", "KG", price: "0.92", amount: "-1.84", seller: "FAR-T55"))
        #expect(both.flags == ["sign_disagreement", "legacy_unit_code"])
        #expect(both.movement == .return)
    }

    @Test func depositsNonFoodAndTransportDoNotMoveStock() throws {
        let cases: [(SupplierDocumentLine, SupplierItemRecord)] = [
            (documentLine("4", "C62", price: "4.50", amount: "18.00", seller: "CONS-CAISSE"), crateDeposit),
            (documentLine("-4", "C62", price: "4.50", amount: "-18.00", seller: "CONS-CAISSE"), crateDeposit),
            (documentLine("2", "XBX", price: "19.00", amount: "38.00", seller: "BOX-33"), pizzaBoxes),
            (documentLine("1", "C62", price: "15.00", amount: "15.00", name: "frais de port"), freight),
            // An unknown unit does not matter for an item that never goes to stock.
            (documentLine("1", "PALETTE", price: "15.00", amount: "15.00", seller: "CONS-CAISSE"), crateDeposit),
        ]
        for (line, expectedItem) in cases {
            let resolution = try resolve(line)
            #expect(resolution.supplierItem == expectedItem)
            #expect(resolution.movement == .none)
            #expect(resolution.hold == nil)
            #expect(resolution.holdDetail == nil)
            #expect(resolution.quantityBase == nil)
            #expect(resolution.unitCost == nil)
        }
    }

    // MARK: - Prices

    @Test func priceJumpOverTheThresholdHolds() throws {
        // Last price 21.60 per case, threshold 30 %.
        // 30.24 = 21.60 × 1.4: +40 %.
        let up = try resolve(documentLine("1", "XCS", price: "30.24", amount: "30.24", seller: "MOZ-10"))
        #expect(up.hold == .priceJump)
        #expect(up.holdDetail == "30.24 per XCS after 21.6 (+40 %)")
        // The quantity and cost are still worked out for the operator.
        #expect(up.movement == .receipt)
        #expect(up.quantityBase == 10_000)
        #expect(up.unitCost == number("0.003024"))
        // 15.12 = 21.60 × 0.7: −30 %, below 1 / 1.3.
        let down = try resolve(documentLine("1", "XCS", price: "15.12", amount: "15.12", seller: "MOZ-10"))
        #expect(down.hold == .priceJump)
        #expect(down.holdDetail == "15.12 per XCS after 21.6 (-30 %)")
        // Exactly +30 % (28.08) is not over the threshold; one cent more is.
        #expect(try resolve(documentLine("1", "XCS", price: "28.08", amount: "28.08", seller: "MOZ-10")).hold == nil)
        let justOver = try resolve(documentLine("1", "XCS", price: "28.09", amount: "28.09", seller: "MOZ-10"))
        #expect(justOver.hold == .priceJump)
        #expect(justOver.holdDetail == "28.09 per XCS after 21.6 (+30 %)")
        // 21.60 / 1.3 = 16.6153…: 16.62 is within, 16.61 is not.
        #expect(try resolve(documentLine("1", "XCS", price: "16.62", amount: "16.62", seller: "MOZ-10")).hold == nil)
        let justUnder = try resolve(documentLine("1", "XCS", price: "16.61", amount: "16.61", seller: "MOZ-10"))
        #expect(justUnder.hold == .priceJump)
        // The price base quantity divides the price: 216.00 per 10 cases is 21.60 per case.
        let perTen = try resolve(
            documentLine("10", "XCS", price: "216.00", base: "10", amount: "216.00", seller: "MOZ-10"))
        #expect(perTen.hold == nil)
        // A lower threshold holds smaller moves: +10.6 % with 10 %.
        let tight = try resolve(
            documentLine("1", "XCS", price: "23.90", amount: "23.90", seller: "MOZ-10"), threshold: "0.10")
        #expect(tight.hold == .priceJump)
        #expect(tight.holdDetail == "23.9 per XCS after 21.6 (+10.6 %)")
        // No last price: nothing to compare.
        let firstTime = item(9, seller: "NEW", name: "Burrata", per: "XCS")
        let first = try resolve(
            documentLine("1", "XCS", price: "99.00", amount: "99.00", seller: "NEW"),
            items: SupplierItemIndex([firstTime]))
        #expect(first.hold == nil)
    }

    @Test func wholePriceRatioIsAPackSizeChange() throws {
        // ×6: 129.60 = 6 × 21.60, the supplier now invoices a case of 6.
        let six = try resolve(documentLine("1", "XCS", price: "129.60", amount: "129.60", seller: "MOZ-10"))
        #expect(six.hold == .packSizeChanged)
        #expect(six.holdDetail == "129.6 per XCS after 21.6: ×6, the pack size probably changed")
        // ÷6: 3.60.
        let sixth = try resolve(documentLine("1", "XCS", price: "3.60", amount: "3.60", seller: "MOZ-10"))
        #expect(sixth.hold == .packSizeChanged)
        #expect(sixth.holdDetail == "3.6 per XCS after 21.6: ×1/6, the pack size probably changed")
        // ×2.04 is within 5 % of 2.
        let double = try resolve(documentLine("1", "XCS", price: "44.064", amount: "44.06", seller: "MOZ-10"))
        #expect(double.hold == .packSizeChanged)
        #expect(double.holdDetail?.hasSuffix(": ×2, the pack size probably changed") == true)
        // ×2.5 is not a whole factor: a price jump of +150 %.
        let twoAndAHalf = try resolve(documentLine("1", "XCS", price: "54.00", amount: "54.00", seller: "MOZ-10"))
        #expect(twoAndAHalf.hold == .priceJump)
        #expect(twoAndAHalf.holdDetail == "54 per XCS after 21.6 (+150 %)")
    }

    @Test func acceptedHoldIsNotRaisedAgain() throws {
        let jump = documentLine("1", "XCS", price: "30.24", amount: "30.24", seller: "MOZ-10")
        let accepted = try resolve(jump, accepted: .priceJump)
        #expect(accepted.hold == nil)
        #expect(accepted.holdDetail == nil)
        #expect(accepted.movement == .receipt)
        #expect(accepted.quantityBase == 10_000)
        // A ×6 ratio accepted as a pack size change.
        let six = documentLine("1", "XCS", price: "129.60", amount: "129.60", seller: "MOZ-10")
        #expect(try resolve(six, accepted: .packSizeChanged).hold == nil)
        // A box accepted against the case mapping: converted with the mapping's pack size.
        let box = try resolve(
            documentLine("2", "XBX", price: "21.60", amount: "43.20", seller: "MOZ-10"), accepted: .packSizeChanged)
        #expect(box.hold == nil)
        #expect(box.quantityBase == 20_000)
        #expect(box.unitCost == number("0.00216"))
        // Accepting one reason does not silence another.
        let stillUnmapped = try resolve(
            documentLine("1", "C62", price: "1", amount: "1", name: "Burrata"), accepted: .priceJump)
        #expect(stillUnmapped.hold == .unmappedItem)
        let stillMismatched = try resolve(
            documentLine("5", "KGM", price: "4.00", amount: "20.00", seller: "OEUF-30"), accepted: .packSizeChanged)
        #expect(stillMismatched.hold == .unitMismatch)
        let boxNotAccepted = try resolve(
            documentLine("2", "XBX", price: "21.60", amount: "43.20", seller: "MOZ-10"), accepted: .unitMismatch)
        #expect(boxNotAccepted.hold == .packSizeChanged)
    }

    @Test func countCodeLineOfAPackageMappingIsPriceChecked() throws {
        // C62 on a case mapping means one case (countCodesStandForOnePurchaseUnit converts it so), so its
        // price is a price per case and must be compared with the last one: ×6 is a pack size change
        // (the stock would otherwise get 10 000 g per C62 for what is now a sixth of the case).
        let six = try resolve(documentLine("1", "C62", price: "129.60", amount: "129.60", seller: "MOZ-10"))
        #expect(six.hold == .packSizeChanged)
        #expect(six.holdDetail == "129.6 per C62 after 21.6: ×6, the pack size probably changed")
        let jump = try resolve(documentLine("1", "EA", price: "30.24", amount: "30.24", seller: "MOZ-10"))
        #expect(jump.hold == .priceJump)
        #expect(jump.holdDetail == "30.24 per EA after 21.6 (+40 %)")
        // The other count codes that are not packages (XPP is one: held by the pack size check).
        for code in ["H87", "NAR"] {
            let line = try resolve(documentLine("1", code, price: "129.60", amount: "129.60", seller: "MOZ-10"))
            #expect(line.hold == .packSizeChanged, "\(code)")
            #expect(line.holdDetail == "129.6 per \(code) after 21.6: ×6, the pack size probably changed")
        }
        // The price per base quantity is compared: 64.80 per 3 is 21.60 per case, no jump.
        let perThree = try resolve(
            documentLine("2", "H87", price: "64.80", base: "3", amount: "43.20", seller: "MOZ-10"))
        #expect(perThree.hold == nil)
        // The same price per case in a count code raises nothing, and the line is converted as one case.
        let same = try resolve(documentLine("3", "C62", price: "21.60", amount: "64.80", seller: "MOZ-10"))
        #expect(same.hold == nil)
        #expect(same.quantityBase == 30_000)
        #expect(same.movement == .receipt)
    }
}
