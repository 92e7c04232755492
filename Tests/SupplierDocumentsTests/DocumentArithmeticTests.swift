import Foundation
import SupplierDocuments
import Testing

/// An exact decimal from its text (never through a `Double` literal).
private func dec(_ text: String) -> Decimal {
    Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
}

/// An invoice line at file line 10 + position, id = position.
private func line(
    _ position: Int, _ quantity: String, _ price: String, _ amount: String?, vat category: String? = "S",
    _ percent: String? = "5.5", base: String? = nil
) -> SupplierDocumentLine {
    var line = SupplierDocumentLine(
        position: position, fileLine: 10 + position, quantity: dec(quantity), unitCode: "C62")
    line.lineID = String(position)
    line.netPrice = dec(price)
    line.netAmount = amount.map(dec)
    line.priceBaseQuantity = base.map(dec)
    line.vatCategory = category
    line.vatPercent = percent.map(dec)
    return line
}

private func totals(
    lines: String? = nil, allowances: String? = nil, charges: String? = nil, exclusive: String? = nil,
    vat: String? = nil, inclusive: String? = nil, prepaid: String? = nil, rounding: String? = nil,
    payable: String? = nil
) -> DocumentTotals {
    var totals = DocumentTotals()
    totals.lineTotal = lines.map(dec)
    totals.allowanceTotal = allowances.map(dec)
    totals.chargeTotal = charges.map(dec)
    totals.taxExclusive = exclusive.map(dec)
    totals.taxTotal = vat.map(dec)
    totals.taxInclusive = inclusive.map(dec)
    totals.prepaid = prepaid.map(dec)
    totals.rounding = rounding.map(dec)
    totals.payable = payable.map(dec)
    totals.fileLine = 90
    return totals
}

private func subtotal(
    _ category: String, _ percent: String?, _ taxable: String, _ tax: String, at fileLine: Int
)
    -> VATSubtotal
{
    VATSubtotal(
        category: category, percent: percent.map(dec), taxableAmount: dec(taxable), taxAmount: dec(tax),
        fileLine: fileLine)
}

/// Feeds `lines` then finishes with `settlement`, returning the error if any.
private func check(
    _ lines: [SupplierDocumentLine], _ settlement: DocumentSettlement, kind: SupplierDocumentKind = .invoice
) -> SupplierDocumentError? {
    var arithmetic = DocumentArithmetic(file: "supplier.xml", kind: kind)
    do {
        for line in lines { try arithmetic.add(line) }
        try arithmetic.finish(settlement)
        return nil
    } catch {
        return error
    }
}

/// A correct invoice:
/// 1: 2 × 9.95 = 19.90 (S 5.5); 2: 3 × 4.1234 = 12.3702 → 12.37 (S 5.5); 3: 1 × 25.00 = 25.00 (S 20).
/// BT-106 = 57.27; S 5.5: 32.27 × 5.5 % = 1.77485 → 1.77; S 20: 25.00 → 5.00; BT-110 = 6.77;
/// BT-112 = 64.04; 10.00 prepaid → BT-115 = 54.04.
private let goodLines = [
    line(1, "2", "9.95", "19.90"),
    line(2, "3", "4.1234", "12.37"),
    line(3, "1", "25.00", "25.00", vat: "S", "20"),
]

private func goodSettlement() -> DocumentSettlement {
    var settlement = DocumentSettlement()
    settlement.vatBreakdown = [
        subtotal("S", "5.5", "32.27", "1.77", at: 80),
        subtotal("S", "20", "25.00", "5.00", at: 85),
    ]
    settlement.totals = totals(
        lines: "57.27", exclusive: "57.27", vat: "6.77", inclusive: "64.04", prepaid: "10.00", payable: "54.04")
    return settlement
}

@Suite struct DocumentArithmeticTests {
    @Test func correctThreeLineInvoicePasses() throws {
        var arithmetic = DocumentArithmetic(file: "supplier.xml", kind: .invoice)
        for line in goodLines { try arithmetic.add(line) }
        try arithmetic.finish(goodSettlement())
        #expect(arithmetic.lineCount == 3)
        #expect(arithmetic.lineNetTotal == dec("57.27"))
    }

    @Test func wrongLineAmountIsCaughtAtTheLine() {
        var arithmetic = DocumentArithmetic(file: "supplier.xml", kind: .invoice)
        let error = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(3, "2", "9.95", "19.00"))
        }
        #expect(error?.code == .arithmetic)
        #expect(error?.line == 13)
        #expect(error?.file == "supplier.xml")
        #expect(error?.message == "line 3 (id '3'): 2 × 9.95 = 19.90 but the line amount is 19.00")
        #expect(arithmetic.lineCount == 0)
    }

    @Test func lineToleranceIsOneCent() throws {
        // 2 × 9.95 = 19.90: 19.89 and 19.91 pass, 19.88 and 19.92 do not.
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        try arithmetic.add(line(1, "2", "9.95", "19.89"))
        try arithmetic.add(line(2, "2", "9.95", "19.91"))
        for amount in ["19.88", "19.92"] {
            let error = #expect(throws: SupplierDocumentError.self) { try arithmetic.add(line(3, "2", "9.95", amount)) }
            #expect(error?.message == "line 3 (id '3'): 2 × 9.95 = 19.90 but the line amount is \(amount)")
        }
        #expect(arithmetic.lineCount == 2)
        #expect(arithmetic.lineNetTotal == dec("39.80"))
    }

    @Test func computedLineAmountRoundsHalfUpAwayFromZero() {
        // 1 × 1.005 = 1.005 → 1.01; −1 × 1.005 → −1.01 (not −1.00).
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        let positive = #expect(throws: SupplierDocumentError.self) { try arithmetic.add(line(1, "1", "1.005", "0.90")) }
        #expect(positive?.message == "line 1 (id '1'): 1 × 1.005 = 1.01 but the line amount is 0.90")
        let negative = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(2, "-1", "1.005", "-0.90"))
        }
        #expect(negative?.message == "line 2 (id '2'): -1 × 1.005 = -1.01 but the line amount is -0.90")
    }

    @Test func priceBaseQuantityDividesThePrice() throws {
        // 4.50 per 10 units, 25 units: 25 × 4.50 / 10 = 11.25.
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        try arithmetic.add(line(1, "25", "4.50", "11.25", base: "10"))
        let error = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(2, "25", "4.50", "112.50", base: "10"))
        }
        #expect(error?.message == "line 2 (id '2'): 25 × 4.50 / 10 = 11.25 but the line amount is 112.50")
        let zeroBase = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(3, "25", "4.50", "11.25", base: "0"))
        }
        #expect(zeroBase?.code == .badValue)
    }

    @Test func lineAllowancesAndChargesAdjustTheAmount() throws {
        // 4 × 12.50 = 50.00, + 1.20 charge − 5.00 allowance = 46.20.
        func adjusted(_ amount: String) -> SupplierDocumentLine {
            var adjusted = line(1, "4", "12.50", amount)
            adjusted.allowanceCharges = [
                AllowanceCharge(isCharge: false, amount: dec("5.00"), reasonCode: "95"),
                AllowanceCharge(isCharge: true, amount: dec("1.20"), reasonCode: "PC"),
            ]
            return adjusted
        }
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        try arithmetic.add(adjusted("46.20"))
        let error = #expect(throws: SupplierDocumentError.self) { try arithmetic.add(adjusted("50.00")) }
        #expect(
            error?.message == "line 1 (id '1'): 4 × 12.50 + 1.20 charges − 5.00 allowances = 46.20 "
                + "but the line amount is 50.00")
    }

    @Test func invoiceLineWithoutAmountIsMissingAField() {
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        let error = #expect(throws: SupplierDocumentError.self) { try arithmetic.add(line(2, "1", "3.00", nil)) }
        #expect(error?.code == .missingField)
        #expect(error?.line == 12)
        #expect(error?.message == "line 2 (id '2') has no net amount (BT-131)")
    }

    @Test func despatchAdviceLinesAreNotChecked() throws {
        var arithmetic = DocumentArithmetic(file: "f", kind: .despatchAdvice)
        var despatched = SupplierDocumentLine(position: 1, fileLine: 5, quantity: 12, unitCode: "KGM")
        despatched.lineID = "1"
        try arithmetic.add(despatched)
        try arithmetic.finish(DocumentSettlement())
        #expect(arithmetic.lineCount == 0)
        #expect(arithmetic.lineNetTotal == 0)
    }

    @Test func lineTotalMismatchIsCaught() {
        var settlement = goodSettlement()
        settlement.totals.lineTotal = dec("57.37")
        let error = check(goodLines, settlement)
        #expect(error?.code == .arithmetic)
        #expect(error?.line == 90)
        #expect(
            error?.message
                == "BT-106 (sum of line net amounts): the 3 lines add up to 57.27 but the document says 57.37")
    }

    @Test func lineTotalToleratesOneCentPerLine() {
        // 3 lines: 57.27 ± 0.03 passes; the document totals are moved along so only BT-106 differs.
        var settlement = goodSettlement()
        settlement.totals = totals(
            lines: "57.30", exclusive: "57.30", vat: "6.77", inclusive: "64.07", payable: "64.07")
        #expect(check(goodLines, settlement) == nil)
        settlement.totals = totals(
            lines: "57.31", exclusive: "57.31", vat: "6.77", inclusive: "64.08", payable: "64.08")
        #expect(check(goodLines, settlement)?.message.hasPrefix("BT-106") == true)
    }

    @Test func taxExclusiveMismatchIsCaught() {
        var settlement = goodSettlement()
        settlement.totals.taxExclusive = dec("57.00")
        let error = check(goodLines, settlement)
        #expect(error?.line == 90)
        #expect(
            error?.message == "BT-109 (total without VAT): 57.27 − 0.00 + 0.00 = 57.27 "
                + "but the document says 57.00")
    }

    @Test func documentAllowanceTotalMismatchIsCaught() {
        var settlement = goodSettlement()
        settlement.totals.allowanceTotal = dec("3.00")
        let error = check(goodLines, settlement)
        #expect(
            error?.message
                == "BT-107 (sum of allowances on document level): the 0 document allowances add up to 0.00 "
                + "but the document says 3.00")
    }

    @Test func vatTotalMismatchIsCaught() {
        var settlement = goodSettlement()
        settlement.totals.taxTotal = dec("6.70")
        let error = check(goodLines, settlement)
        #expect(error?.line == 90)
        #expect(
            error?.message
                == "BT-110 (total VAT): the 2 VAT breakdown entries add up to 6.77 but the document says 6.70")
    }

    @Test func taxInclusiveMismatchIsCaught() {
        var settlement = goodSettlement()
        settlement.totals.taxInclusive = dec("64.14")
        let error = check(goodLines, settlement)
        #expect(error?.message == "BT-112 (total with VAT): 57.27 + 6.77 = 64.04 but the document says 64.14")
    }

    @Test func payableMismatchIsCaught() {
        var settlement = goodSettlement()
        settlement.totals.payable = dec("54.14")
        settlement.totals.rounding = dec("0.00")
        let error = check(goodLines, settlement)
        #expect(
            error?.message
                == "BT-115 (amount due for payment): 64.04 − 10.00 + 0.00 = 54.04 but the document says 54.14")
    }

    @Test func documentToleranceIsExactlyOneCent() {
        // BT-112 = 57.27 + 6.77 = 64.04: 64.05 passes (payable follows), 64.06 does not.
        var settlement = goodSettlement()
        settlement.totals.taxInclusive = dec("64.05")
        settlement.totals.payable = dec("54.05")
        #expect(check(goodLines, settlement) == nil)
        settlement.totals.taxInclusive = dec("64.06")
        settlement.totals.payable = dec("54.06")
        #expect(
            check(goodLines, settlement)?.message.hasPrefix("BT-112 (total with VAT): 57.27 + 6.77 = 64.04") == true)
    }

    @Test func taxableBaseMismatchIsCaught() {
        var settlement = goodSettlement()
        settlement.vatBreakdown[1] = subtotal("S", "20", "25.50", "5.10", at: 85)
        let error = check(goodLines, settlement)
        #expect(error?.line == 85)
        #expect(
            error?.message == "BT-116 (VAT category taxable amount) for VAT S 20 %: 1 line 25.00 − allowances 0.00 "
                + "+ charges 0.00 = 25.00 but the breakdown says 25.50")
    }

    @Test func vatAmountMismatchIsCaught() {
        // S 5.5 has 2 lines, so 1.77 ± 0.02 passes and 1.80 does not.
        var settlement = goodSettlement()
        settlement.vatBreakdown[0] = subtotal("S", "5.5", "32.27", "1.79", at: 80)
        settlement.totals = totals(
            lines: "57.27", exclusive: "57.27", vat: "6.79", inclusive: "64.06", payable: "64.06")
        #expect(check(goodLines, settlement) == nil)
        settlement.vatBreakdown[0] = subtotal("S", "5.5", "32.27", "1.80", at: 80)
        let error = check(goodLines, settlement)
        #expect(error?.line == 80)
        #expect(
            error?.message
                == "BT-117 (VAT category tax amount) for VAT S 5.5 %: 32.27 × 5.5 % = 1.77 "
                + "but the breakdown says 1.80")
    }

    @Test func vatAmountToleranceIsOneCentForOneLine() {
        // One line at 20 %: 25.00 → 5.00; 5.01 passes, 5.02 does not.
        var settlement = goodSettlement()
        settlement.vatBreakdown[1] = subtotal("S", "20", "25.00", "5.01", at: 85)
        settlement.totals = totals(
            lines: "57.27", exclusive: "57.27", vat: "6.78", inclusive: "64.05", payable: "64.05")
        #expect(check(goodLines, settlement) == nil)
        settlement.vatBreakdown[1] = subtotal("S", "20", "25.00", "5.02", at: 85)
        #expect(check(goodLines, settlement)?.message.hasSuffix("= 5.00 but the breakdown says 5.02") == true)
    }

    @Test func exemptCategoryMustBearNoVAT() throws {
        // A 12.00 exempt line (E, 0 %) and an out-of-scope 3.00 line (O, no rate).
        let lines = [
            line(1, "1", "12.00", "12.00", vat: "E", "0"),
            line(2, "1", "3.00", "3.00", vat: "O", nil),
        ]
        var settlement = DocumentSettlement()
        settlement.vatBreakdown = [
            subtotal("E", "0", "12.00", "0.00", at: 80), subtotal("O", nil, "3.00", "0", at: 81),
        ]
        settlement.totals = totals(
            lines: "15.00", exclusive: "15.00", vat: "0.00", inclusive: "15.00", payable: "15.00")
        #expect(check(lines, settlement) == nil)
        settlement.vatBreakdown[0] = subtotal("E", "0", "12.00", "0.01", at: 80)
        settlement.totals.taxTotal = dec("0.01")
        settlement.totals.taxInclusive = dec("15.01")
        settlement.totals.payable = dec("15.01")
        let error = check(lines, settlement)
        #expect(error?.line == 80)
        #expect(
            error?.message == "BT-117 (VAT category tax amount) for VAT E 0 %: category E bears no VAT, "
                + "expected 0.00 but the breakdown says 0.01")
    }

    /// Lines: 10 × 2.40 = 24.00 (S 5.5), 5 × 3.00 = 15.00 (S 5.5), 2 × 7.50 = 15.00 (S 20); a 2.00
    /// allowance at 5.5 % and a 10.00 freight charge at 20 %. BT-106 = 54.00, BT-109 = 54 − 2 + 10 = 62.00;
    /// S 5.5: 39.00 − 2.00 = 37.00 × 5.5 % = 2.035 → 2.04 (half-up); S 20: 15.00 + 10.00 = 25.00 → 5.00;
    /// BT-110 = 7.04, BT-112 = BT-115 = 69.04.
    private static let twoRateLines = [
        line(1, "10", "2.40", "24.00"),
        line(2, "5", "3.00", "15.00"),
        line(3, "2", "7.50", "15.00", vat: "S", "20"),
    ]

    private static func twoRateSettlement() -> DocumentSettlement {
        var settlement = DocumentSettlement()
        settlement.allowanceCharges = [
            AllowanceCharge(
                isCharge: false, amount: dec("2.00"), reasonCode: "95", vatCategory: "S",
                vatPercent: dec("5.5"), fileLine: 70),
            AllowanceCharge(
                isCharge: true, amount: dec("10.00"), reasonCode: "FC", vatCategory: "S",
                vatPercent: dec("20"), fileLine: 75),
        ]
        settlement.vatBreakdown = [
            subtotal("S", "5.50", "37.00", "2.04", at: 80),
            subtotal("S", "20.00", "25.00", "5.00", at: 85),
        ]
        settlement.totals = totals(
            lines: "54.00", allowances: "2.00", charges: "10.00", exclusive: "62.00", vat: "7.04", inclusive: "69.04",
            payable: "69.04")
        return settlement
    }

    @Test func twoRatesWithADocumentChargeInOneCategory() {
        // The breakdown writes 5.50 and 20.00 where the lines write 5.5 and 20: numerically equal.
        #expect(check(Self.twoRateLines, Self.twoRateSettlement()) == nil)
        var forgotCharge = Self.twoRateSettlement()
        forgotCharge.vatBreakdown[1] = subtotal("S", "20", "15.00", "3.00", at: 85)
        forgotCharge.totals = totals(
            lines: "54.00", allowances: "2.00", charges: "10.00", exclusive: "62.00", vat: "5.04", inclusive: "67.04",
            payable: "67.04")
        let error = check(Self.twoRateLines, forgotCharge)
        #expect(error?.line == 85)
        #expect(
            error?.message == "BT-116 (VAT category taxable amount) for VAT S 20 %: 1 line 15.00 − allowances 0.00 "
                + "+ charges 10.00 = 25.00 but the breakdown says 15.00")
        var absentTotals = Self.twoRateSettlement()
        absentTotals.totals.allowanceTotal = nil
        absentTotals.totals.chargeTotal = nil
        #expect(check(Self.twoRateLines, absentTotals) == nil, "BT-107/108 absent: the allowance/charge sums stand in")
    }

    @Test func missingBreakdownEntryIsCaught() {
        var settlement = goodSettlement()
        settlement.vatBreakdown.removeLast()
        settlement.totals = totals(
            lines: "57.27", exclusive: "57.27", vat: "1.77", inclusive: "59.04", payable: "59.04")
        let error = check(goodLines, settlement)
        #expect(error?.code == .arithmetic)
        #expect(error?.line == 13)
        #expect(error?.message == "BG-23 (VAT breakdown): no entry for VAT S 20 %, used by line 3 (id '3')")

        var charged = Self.twoRateSettlement()
        charged.allowanceCharges[1].vatPercent = dec("10")
        let chargeError = check(Self.twoRateLines, charged)
        #expect(chargeError?.line == 75)
        #expect(
            chargeError?.message == "BG-23 (VAT breakdown): no entry for VAT S 10 %, used by a document charge of 10.00"
        )
    }

    @Test func lineWithoutVATCategoryIsMissingAField() {
        var untagged = goodLines
        untagged[1].vatCategory = nil
        let error = check(untagged, goodSettlement())
        #expect(error?.code == .missingField)
        #expect(error?.line == 12)
        #expect(error?.message == "line 2 (id '2') has no VAT category (BT-151), but the document has a VAT breakdown")
    }

    @Test func negativeCorrectiveInvoicePasses() {
        // Type 384 correction: −2 × 3.50 = −7.00 and −1 × 1.21 = −1.21 at 7 %: BT-106 = −8.21,
        // VAT −8.21 × 7 % = −0.5747 → −0.57, BT-112 = BT-115 = −8.78.
        let lines = [line(1, "-2", "3.50", "-7.00", vat: "S", "7"), line(2, "-1", "1.21", "-1.21", vat: "S", "7")]
        var settlement = DocumentSettlement()
        settlement.vatBreakdown = [subtotal("S", "7", "-8.21", "-0.57", at: 80)]
        settlement.totals = totals(
            lines: "-8.21", exclusive: "-8.21", vat: "-0.57", inclusive: "-8.78", payable: "-8.78")
        #expect(check(lines, settlement) == nil)
        settlement.totals.payable = dec("8.78")
        #expect(
            check(lines, settlement)?.message
                == "BT-115 (amount due for payment): -8.78 − 0.00 + 0.00 = -8.78 but the document says 8.78")
    }

    @Test func minimumProfileWithoutLinesChecksOnlyItsTotals() throws {
        // Factur-X MINIMUM: no lines, no breakdown, no BT-106; 100.00 + 5.50 = 105.50.
        var settlement = DocumentSettlement()
        settlement.totals = totals(exclusive: "100.00", vat: "5.50", inclusive: "105.50", payable: "105.50")
        let arithmetic = DocumentArithmetic(file: "minimum.pdf", kind: .invoice)
        try arithmetic.finish(settlement)
        #expect(arithmetic.lineCount == 0)
        settlement.totals.taxInclusive = dec("105.00")
        settlement.totals.payable = dec("105.00")
        let error = #expect(throws: SupplierDocumentError.self) { try arithmetic.finish(settlement) }
        #expect(error?.message == "BT-112 (total with VAT): 100.00 + 5.50 = 105.50 but the document says 105.00")
        #expect(error?.file == "minimum.pdf")
    }

    @Test func basicWLWithoutLinesSkipsTheLineChecks() {
        // BASIC WL: BT-106 and a breakdown, no lines. BT-106 and BT-116 are not compared with the
        // (absent) lines, BT-117 still is: 100.00 × 5.5 % = 5.50.
        var settlement = DocumentSettlement()
        settlement.vatBreakdown = [subtotal("S", "5.5", "100.00", "5.50", at: 80)]
        settlement.totals = totals(
            lines: "100.00", exclusive: "100.00", vat: "5.50", inclusive: "105.50", payable: "105.50")
        #expect(check([], settlement) == nil)
        settlement.vatBreakdown = [subtotal("S", "5.5", "100.00", "5.00", at: 80)]
        settlement.totals.taxTotal = dec("5.00")
        settlement.totals.taxInclusive = dec("105.00")
        settlement.totals.payable = dec("105.00")
        #expect(check([], settlement)?.message.hasPrefix("BT-117 (VAT category tax amount) for VAT S 5.5 %") == true)
    }
}
