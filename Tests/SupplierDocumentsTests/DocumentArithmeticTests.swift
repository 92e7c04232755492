import Foundation
import Testing

@testable import SupplierDocuments

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

/// Feeds `lines` then finishes with `settlement` in `currency`, returning the error if any.
private func check(
    _ lines: [SupplierDocumentLine], _ settlement: DocumentSettlement, kind: SupplierDocumentKind = .invoice,
    currency: String? = "EUR"
) -> SupplierDocumentError? {
    var arithmetic = DocumentArithmetic(file: "supplier.xml", kind: kind)
    do {
        for line in lines { try arithmetic.add(line) }
        try arithmetic.finish(settlement, currency: currency)
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

    @Test func lineToleranceIsOneCentPlusHalfAPriceUnitPerUnit() throws {
        // 2 × 9.95 = 19.90. 9.95 shows 2 decimals: 0.01 + 2 × 0.005 = 0.02, so 19.88 and 19.92
        // pass (on the bound), 19.87 and 19.93 do not.
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        try arithmetic.add(line(1, "2", "9.95", "19.88"))
        try arithmetic.add(line(2, "2", "9.95", "19.92"))
        for amount in ["19.87", "19.93"] {
            let error = #expect(throws: SupplierDocumentError.self) { try arithmetic.add(line(3, "2", "9.95", amount)) }
            #expect(error?.code == .arithmetic)
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
        // 4.50 per 10 units, 25 units: 25 × 4.50 / 10 = 11.25, tolerance 0.01 + 25 / 10 × 0.005 = 0.0225.
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        try arithmetic.add(line(1, "25", "4.50", "11.25", base: "10"))
        try arithmetic.add(line(2, "25", "4.50", "11.27", base: "10"))
        try arithmetic.add(line(3, "25", "4.50", "11.23", base: "10"))
        #expect(arithmetic.linesIgnoringBaseQuantity.isEmpty, "these lines add up with their base quantity")
        for amount in ["11.28", "11.22", "11.50"] {
            let error = #expect(throws: SupplierDocumentError.self) {
                try arithmetic.add(line(4, "25", "4.50", amount, base: "10"))
            }
            #expect(error?.message == "line 4 (id '4'): 25 × 4.50 / 10 = 11.25 but the line amount is \(amount)")
        }
        // 112.50 = 25 × 4.50 without the base quantity: accepted since rule 3 (see
        // basisQuantityRepeatingThePriceIsIgnored), and listed.
        try arithmetic.add(line(5, "25", "4.50", "112.50", base: "10"))
        #expect(arithmetic.linesIgnoringBaseQuantity == [5])
        let zeroBase = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(6, "25", "4.50", "11.25", base: "0"))
        }
        #expect(zeroBase?.code == .badValue)
        let negativeBase = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(7, "25", "4.50", "-11.25", base: "-10"))
        }
        #expect(negativeBase?.code == .badValue)
        #expect(arithmetic.lineCount == 4)
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
        // (absent) lines, BT-117 still is: 100.00 × 5.5 % = 5.50, within 0.01 (no line of the rate)
        // for an amount printed with cents.
        var settlement = DocumentSettlement()
        settlement.vatBreakdown = [subtotal("S", "5.5", "100.00", "5.50", at: 80)]
        settlement.totals = totals(
            lines: "100.00", exclusive: "100.00", vat: "5.50", inclusive: "105.50", payable: "105.50")
        #expect(check([], settlement) == nil)
        func withVAT(_ vat: String, inclusive: String) -> DocumentSettlement {
            var changed = settlement
            changed.vatBreakdown = [subtotal("S", "5.5", "100.00", vat, at: 80)]
            changed.totals.taxTotal = dec(vat)
            changed.totals.taxInclusive = dec(inclusive)
            changed.totals.payable = dec(inclusive)
            return changed
        }
        #expect(check([], withVAT("5.49", inclusive: "105.49")) == nil)
        let error = check([], withVAT("5.48", inclusive: "105.48"))
        #expect(error?.line == 80)
        #expect(
            error?.message
                == "BT-117 (VAT category tax amount) for VAT S 5.5 %: 100.00 × 5.5 % = 5.50 "
                + "but the breakdown says 5.48")
        // A VAT amount printed "5.00" (read as the whole number 5) counts as printed with cents in
        // EUR: 0.01, so 5.00 is refused; only a currency without minor unit tolerates half a unit.
        let whole = check([], withVAT("5.00", inclusive: "105.00"))
        #expect(whole?.line == 80)
        #expect(
            whole?.message
                == "BT-117 (VAT category tax amount) for VAT S 5.5 %: 100.00 × 5.5 % = 5.50 "
                + "but the breakdown says 5.00")
        let noCurrency = check([], withVAT("5.00", inclusive: "105.00"), currency: nil)
        #expect(noCurrency?.message.hasSuffix("says 5.00") == true)
        // In forints, half a unit: 5 passes, 4.49 (printed with cents: 0.01) does not.
        #expect(check([], withVAT("5.00", inclusive: "105.00"), currency: "HUF") == nil)
        let forints = check([], withVAT("4.49", inclusive: "104.49"), currency: "HUF")
        #expect(forints?.message.hasSuffix("says 4.49") == true)
    }

    // MARK: - Rule 1: a rounded net price is tolerated per unit

    @Test func halfUnitIsHalfTheLastDecimalShownWithAtLeastCents() {
        // (price, half unit, half unit in a currency without minor unit)
        let cases: [(String, String, String)] = [
            ("4.10", "0.005", "0.005"), ("4.1", "0.005", "0.005"), ("9.95", "0.005", "0.005"),
            ("0.5", "0.005", "0.005"), ("-4.10", "0.005", "0.005"), ("1.005", "0.0005", "0.0005"),
            ("0.1212", "0.00005", "0.00005"), ("3.3333", "0.00005", "0.00005"), ("0.0088", "0.00005", "0.00005"),
            // A whole number counts as printed with cents (25.00: Decimal keeps no trailing zeros),
            // unless the currency has no minor unit (HUF: the corpus prints 36109.00 for forints).
            ("36109", "0.005", "0.5"), ("36109.00", "0.005", "0.5"), ("25", "0.005", "0.5"),
            ("-25", "0.005", "0.5"), ("0", "0.005", "0.5"),
            // At most 8 decimals are looked at.
            ("0.12345678", "0.000000005", "0.000000005"), ("0.123456789", "0.000000005", "0.000000005"),
        ]
        for (price, half, wholeUnitHalf) in cases {
            #expect(DocumentArithmetic.halfUnit(of: dec(price)) == dec(half), "halfUnit(\(price))")
            #expect(
                DocumentArithmetic.halfUnit(of: dec(price), wholeUnits: false) == dec(half), "halfUnit(\(price))")
            #expect(
                DocumentArithmetic.halfUnit(of: dec(price), wholeUnits: true) == dec(wholeUnitHalf),
                "halfUnit(\(price), wholeUnits: true)")
        }
    }

    @Test func wholeUnitCurrenciesAreThoseWithoutMinorUnit() {
        for currency in ["HUF", "JPY", "KRW", "ISK", "CLP", "XOF"] {
            #expect(DocumentArithmetic.wholeUnitCurrencies.contains(currency), "\(currency)")
        }
        for currency in ["EUR", "SEK", "NOK", "DKK", "CHF", "GBP", "USD"] {
            #expect(!DocumentArithmetic.wholeUnitCurrencies.contains(currency), "\(currency)")
        }
    }

    @Test func facturXPriceRoundedTo4_10IsTolerated() throws {
        // fnfe Factur-X: 20 × 4.10 = 82.00 but the line says 81.90 (the true price is 4.095).
        // Tolerance 0.01 + 20 × 0.005 = 0.11: 81.89 … 82.11 pass, 81.88 and 82.12 do not.
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        for (index, amount) in ["81.90", "81.89", "82.11"].enumerated() {
            try arithmetic.add(line(index + 1, "20", "4.10", amount, vat: "S", "20"))
        }
        for amount in ["81.88", "82.12"] {
            let error = #expect(throws: SupplierDocumentError.self) {
                try arithmetic.add(line(4, "20", "4.10", amount))
            }
            #expect(error?.line == 14)
            #expect(error?.message == "line 4 (id '4'): 20 × 4.10 = 82.00 but the line amount is \(amount)")
        }
        #expect(arithmetic.lineCount == 3)
        #expect(arithmetic.lineNetTotal == dec("245.90"))
    }

    @Test func lineToleranceFollowsThePricePrecisionAndTheQuantity() throws {
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        // 4 decimals: 1000 × 0.1212 = 121.20, 0.01 + 1000 × 0.00005 = 0.06.
        try arithmetic.add(line(1, "1000", "0.1212", "121.26"))
        try arithmetic.add(line(2, "1000", "0.1212", "121.14"))
        // A whole price counts as printed with cents: 3 × 36109 = 108327, 0.01 + 3 × 0.005 = 0.025. Lines
        // 3 and 4 only add up with half a unit (forints: 0.01 + 3 × 0.5 = 1.51): add() accepts them,
        // finish() decides by the currency (see wholeUnitPriceIsJudgedByTheCurrency).
        try arithmetic.add(line(3, "3", "36109", "108328.51"))
        try arithmetic.add(line(4, "3", "36109", "108325.49"))
        // A negative quantity counts by its size: −20 × 4.10 = −82.00, 0.11.
        try arithmetic.add(line(5, "-20", "4.10", "-81.89"))
        let refused: [(String, String, String, String)] = [
            ("1000", "0.1212", "121.27", "1000 × 0.1212 = 121.20"),
            ("1000", "0.1212", "121.13", "1000 × 0.1212 = 121.20"),
            ("3", "36109", "108328.52", "3 × 36109.00 = 108327.00"),
            ("3", "36109", "108325.48", "3 × 36109.00 = 108327.00"),
            ("-20", "4.10", "-81.88", "-20 × 4.10 = -82.00"),
        ]
        for (quantity, price, amount, formula) in refused {
            let error = #expect(throws: SupplierDocumentError.self) {
                try arithmetic.add(line(9, quantity, price, amount))
            }
            #expect(error?.message == "line 9 (id '9'): \(formula) but the line amount is \(amount)")
        }
        #expect(arithmetic.lineCount == 5)
        // Within 0.025 of 108327: adds up in any currency.
        var cents = DocumentArithmetic(file: "f", kind: .invoice)
        try cents.add(line(1, "3", "36109", "108327.02"))
        try cents.finish(DocumentSettlement(), currency: "EUR")
        let error = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.finish(DocumentSettlement(), currency: "EUR")
        }
        #expect(error?.message == "line 3 (id '3'): 3 × 36109.00 = 108327.00 but the line amount is 108328.51")
        try arithmetic.finish(DocumentSettlement(), currency: "HUF")
    }

    @Test func wholeUnitPriceIsJudgedByTheCurrency() throws {
        // 10 × 25.00 = 250.00 billed 255.00: 0.01 + 10 × 0.005 = 0.06 for a price with cents (EUR),
        // 0.01 + 10 × 0.5 = 5.01 for a price in whole yen. add() cannot tell (a CII file gives its
        // currency after the lines): it keeps the line, and finish() refuses it unless the
        // currency has no minor unit.
        let lines = [line(1, "10", "25.00", "255.00", vat: "S", "10")]
        var settlement = DocumentSettlement()
        settlement.vatBreakdown = [subtotal("S", "10", "255", "26", at: 80)]
        settlement.totals = totals(lines: "255", exclusive: "255", vat: "26", inclusive: "281", payable: "281")
        var arithmetic = DocumentArithmetic(file: "supplier.xml", kind: .invoice)
        try arithmetic.add(lines[0])
        #expect(arithmetic.lineCount == 1)
        #expect(arithmetic.lineNetTotal == dec("255.00"))
        for currency: String? in ["EUR", "eur", "SEK", nil] {
            let error = #expect(throws: SupplierDocumentError.self) {
                try arithmetic.finish(settlement, currency: currency)
            }
            #expect(error?.code == .arithmetic)
            #expect(error?.line == 11)
            #expect(error?.file == "supplier.xml")
            #expect(error?.message == "line 1 (id '1'): 10 × 25.00 = 250.00 but the line amount is 255.00")
        }
        // The same figures in yen or forints add up (VAT 25.50 printed 26: half a yen).
        for currency in ["JPY", "jpy", "HUF"] {
            #expect(check(lines, settlement, currency: currency) == nil, "\(currency)")
        }
        // A whole-unit currency widens the line tolerance to 5.01, no further: 255.02 is refused by add().
        let over = check([line(1, "10", "25.00", "255.02", vat: "S", "10")], settlement, currency: "JPY")
        #expect(over?.line == 11)
        #expect(over?.message == "line 1 (id '1'): 10 × 25.00 = 250.00 but the line amount is 255.02")
        // In EUR, the line within the cent tolerance passes.
        var euro = settlement
        euro.vatBreakdown = [subtotal("S", "10", "250.06", "25.01", at: 80)]
        euro.totals = totals(
            lines: "250.06", exclusive: "250.06", vat: "25.01", inclusive: "275.07", payable: "275.07")
        #expect(check([line(1, "10", "25.00", "250.06", vat: "S", "10")], euro) == nil)
    }

    // MARK: - Rule 2: quantity and amount of opposite signs

    @Test func oppositeSignsPassWhenTheSizesAgree() throws {
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        // FRITUUR VET 10 KG RETOUR (cen example 1, line 20): +6 × 18.33 = 109.98, amount −109.98.
        try arithmetic.add(line(1, "6", "18.33", "-109.98", vat: "S", "6"))
        // The other way round: −3 × 4.95 = −14.85 billed +14.85.
        try arithmetic.add(line(2, "-3", "4.95", "14.85", vat: "S", "6"))
        // Same tolerance as with agreeing signs: 0.01 + 6 × 0.005 = 0.04.
        try arithmetic.add(line(3, "6", "18.33", "-110.02", vat: "S", "6"))
        let error = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(4, "6", "18.33", "-110.03", vat: "S", "6"))
        }
        #expect(error?.message == "line 4 (id '4'): 6 × 18.33 = 109.98 but the line amount is -110.03")
        #expect(arithmetic.lineCount == 3)
        // The printed (signed) amounts are what is summed: −109.98 + 14.85 − 110.02.
        #expect(arithmetic.lineNetTotal == dec("-205.15"))
        #expect(arithmetic.linesIgnoringBaseQuantity.isEmpty)
    }

    @Test func returnedLineCountsWithItsPrintedSignInTheTotals() {
        // 2 × 9.95 = 19.90 and the FRITUUR return −109.98, both S 6: BT-106 = −90.08;
        // VAT −90.08 × 6 % = −5.4048 → −5.40; BT-112 = BT-115 = −95.48.
        let lines = [line(1, "2", "9.95", "19.90", vat: "S", "6"), line(2, "6", "18.33", "-109.98", vat: "S", "6")]
        var settlement = DocumentSettlement()
        settlement.vatBreakdown = [subtotal("S", "6", "-90.08", "-5.40", at: 80)]
        settlement.totals = totals(
            lines: "-90.08", exclusive: "-90.08", vat: "-5.40", inclusive: "-95.48", payable: "-95.48")
        #expect(check(lines, settlement) == nil)
        // Summing the sizes instead (129.88) would be caught.
        settlement.totals.lineTotal = dec("129.88")
        #expect(
            check(lines, settlement)?.message
                == "BT-106 (sum of line net amounts): the 2 lines add up to -90.08 but the document says 129.88")
    }

    // MARK: - Rule 3: a price base quantity that only repeats the price

    @Test func basisQuantityRepeatingThePriceIsIgnored() throws {
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        // CEN CII example 2, line 1: 1 NAR at 1273 per 1273: with the base 1 × 1273 / 1273 = 1.00, without it
        // 1273.00 as printed.
        try arithmetic.add(line(1, "1", "1273", "1273", base: "1273"))
        // Line 3 of the same file: 2 × 2.48 per 2.48 = 2.00 with the base, 4.96 without.
        try arithmetic.add(line(2, "2", "2.48", "4.96", base: "2.48"))
        // Adds up with its base quantity: not listed.
        try arithmetic.add(line(3, "25", "4.50", "11.25", base: "10"))
        // Base quantity 1: nothing to ignore.
        try arithmetic.add(line(4, "2", "9.95", "19.90", base: "1"))
        #expect(arithmetic.linesIgnoringBaseQuantity == [1, 2])
        // Adds up neither way (2.00 with, 4.96 without): refused, and not listed.
        let error = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(5, "2", "2.48", "5.50", base: "2.48"))
        }
        #expect(error?.message == "line 5 (id '5'): 2 × 2.48 / 2.48 = 2.00 but the line amount is 5.50")
        #expect(arithmetic.linesIgnoringBaseQuantity == [1, 2])
        #expect(arithmetic.lineCount == 4)
        #expect(arithmetic.lineNetTotal == dec("1309.11"))
    }

    @Test func ignoredBaseQuantityAndOppositeSignsCombine() throws {
        // CEN CII example 2, line 2: −1 NAR at 3.96 per 3.96, amount −3.96; and a return written +1 / −3.96.
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        try arithmetic.add(line(2, "-1", "3.96", "-3.96", base: "3.96"))
        try arithmetic.add(line(3, "1", "3.96", "-3.96", base: "3.96"))
        #expect(arithmetic.linesIgnoringBaseQuantity == [2, 3])
        #expect(arithmetic.lineNetTotal == dec("-7.92"))
    }

    // MARK: - Rule 4: VAT amounts rounded to whole units

    /// One line of `taxable` at S `rate` %, a breakdown printing `vat`, and BT-106/BT-110 to match.
    private static func oneRate(
        _ taxable: String, _ rate: String, vat: String, currency: String? = "EUR"
    ) -> SupplierDocumentError? {
        var settlement = DocumentSettlement()
        settlement.vatBreakdown = [subtotal("S", rate, taxable, vat, at: 80)]
        settlement.totals = totals(lines: taxable, vat: vat)
        return check([line(1, "1", taxable, taxable, vat: "S", rate)], settlement, currency: currency)
    }

    @Test func wholeVATAmountToleratesHalfAUnit() {
        // In a currency without minor unit only. HUF: 108327 × 27 % = 29248.29, printed in whole
        // forints as 29248.
        #expect(Self.oneRate("108327", "27", vat: "29248", currency: "HUF") == nil)
        // 1002 × 25 % = 250.50: 250 and 251 are both half a unit away.
        #expect(Self.oneRate("1002", "25", vat: "250", currency: "HUF") == nil)
        #expect(Self.oneRate("1002", "25", vat: "251", currency: "HUF") == nil)
        // 1001.96 × 25 % = 250.49: 250 passes (0.49), 251 does not (0.51).
        #expect(Self.oneRate("1001.96", "25", vat: "250", currency: "HUF") == nil)
        let error = Self.oneRate("1001.96", "25", vat: "251", currency: "HUF")
        #expect(error?.line == 80)
        #expect(
            error?.message
                == "BT-117 (VAT category tax amount) for VAT S 25 %: 1001.96 × 25 % = 250.49 "
                + "but the breakdown says 251.00")
        // The same whole VAT amounts in EUR (or with no currency) count as printed with cents: 0.01.
        for currency: String? in ["EUR", nil] {
            let forints = Self.oneRate("108327", "27", vat: "29248", currency: currency)
            #expect(forints?.line == 80)
            #expect(
                forints?.message
                    == "BT-117 (VAT category tax amount) for VAT S 27 %: 108327.00 × 27 % = 29248.29 "
                    + "but the breakdown says 29248.00")
            for (taxable, vat) in [("1002", "250"), ("1002", "251"), ("1001.96", "250")] {
                let error = Self.oneRate(taxable, "25", vat: vat, currency: currency)
                #expect(error?.message.hasSuffix("but the breakdown says \(vat).00") == true, "\(taxable) \(vat)")
            }
        }
        // A whole VAT amount that is right to the cent still passes: 1000 × 25 % = 250.
        #expect(Self.oneRate("1000", "25", vat: "250") == nil)
        #expect(Self.oneRate("1000", "25", vat: "250.01") == nil)
        #expect(Self.oneRate("1000", "25", vat: "250.02")?.message.hasSuffix("says 250.02") == true)
    }

    @Test(arguments: ["EUR", "HUF"])
    func vatAmountWithCentsKeepsOneCentPerLine(_ currency: String) {
        // 1001.96 × 25 % = 250.49 printed with cents: 0.01 for the one line, whatever the currency.
        #expect(Self.oneRate("1001.96", "25", vat: "250.50", currency: currency) == nil)
        #expect(Self.oneRate("1001.96", "25", vat: "250.48", currency: currency) == nil)
        let over = Self.oneRate("1001.96", "25", vat: "250.51", currency: currency)
        #expect(over?.message.hasSuffix("= 250.49 but the breakdown says 250.51") == true)
        let under = Self.oneRate("1001.96", "25", vat: "250.47", currency: currency)
        #expect(under?.message.hasSuffix("= 250.49 but the breakdown says 250.47") == true)
    }

    @Test func vatToleranceIsTheLargerOfLinesAndHalfUnit() {
        // 3 lines of 10.01 at 25 %: 30.03 × 25 % = 7.5075 → 7.51. Printed with cents: 0.03 (3 lines)
        // > 0.005, so 7.54 passes and 7.55 does not.
        let lines = (1...3).map { line($0, "1", "10.01", "10.01", vat: "S", "25") }
        func breakdown(_ vat: String) -> DocumentSettlement {
            var settlement = DocumentSettlement()
            settlement.vatBreakdown = [subtotal("S", "25", "30.03", vat, at: 80)]
            settlement.totals = totals(lines: "30.03", vat: vat)
            return settlement
        }
        #expect(check(lines, breakdown("7.54")) == nil)
        #expect(check(lines, breakdown("7.48")) == nil)
        #expect(check(lines, breakdown("7.55"))?.message.hasSuffix("= 7.51 but the breakdown says 7.55") == true)
        // Printed whole in EUR: still with cents, 0.03, so 8 (0.49 away) is refused.
        #expect(check(lines, breakdown("8"))?.message.hasSuffix("= 7.51 but the breakdown says 8.00") == true)
        // Printed whole in a currency without minor unit: 0.50 > 0.03, so 8 (0.49 away) passes and
        // 7 (0.51 away) does not; a VAT amount with cents keeps the 0.03.
        #expect(check(lines, breakdown("8"), currency: "HUF") == nil)
        let seven = check(lines, breakdown("7"), currency: "HUF")
        #expect(seven?.message.hasSuffix("= 7.51 but the breakdown says 7.00") == true)
        #expect(check(lines, breakdown("7.54"), currency: "HUF") == nil)
        #expect(check(lines, breakdown("7.55"), currency: "HUF")?.message.hasSuffix("says 7.55") == true)
    }

    // MARK: - Rule 3 and rule 1 together

    @Test func ignoredBaseQuantityDoesNotDivideTheTolerance() throws {
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        // 20 × 4.10 per 100 = 0.82; without the base 82.00 for 81.90 (the Factur-X rounded price):
        // 0.01 + 20 × 0.005 = 0.11, not 0.01 + 20 / 100 × 0.005 = 0.011.
        try arithmetic.add(line(1, "20", "4.10", "81.90", base: "100"))
        try arithmetic.add(line(2, "20", "4.10", "82.11", base: "100"))
        let over = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(3, "20", "4.10", "82.12", base: "100"))
        }
        #expect(over?.message == "line 3 (id '3'): 20 × 4.10 / 100 = 0.82 but the line amount is 82.12")
        // A base below 1 no longer widens it: 2 × 9.95 per 0.5 = 39.80, without the base 19.90;
        // 0.01 + 2 × 0.005 = 0.02, not 0.01 + 2 / 0.5 × 0.005 = 0.03.
        try arithmetic.add(line(4, "2", "9.95", "19.92", base: "0.5"))
        let wide = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(5, "2", "9.95", "19.93", base: "0.5"))
        }
        #expect(wide?.message == "line 5 (id '5'): 2 × 9.95 / 0.5 = 39.80 but the line amount is 19.93")
        #expect(arithmetic.linesIgnoringBaseQuantity == [1, 2, 4])
        #expect(arithmetic.lineCount == 3)
        try arithmetic.finish(DocumentSettlement(), currency: "EUR")
    }

    @Test func ignoredBaseQuantityOfAWholeUnitPriceIsJudgedByTheCurrency() throws {
        // 3 × 36109 per 36109 = 3.00; without the base 108327 for 108328: only with half a forint
        // per unit, 0.01 + 3 × 0.5 = 1.51 (dividing by the base would leave 0.01).
        var arithmetic = DocumentArithmetic(file: "f", kind: .invoice)
        try arithmetic.add(line(1, "3", "36109", "108328", base: "36109"))
        #expect(arithmetic.linesIgnoringBaseQuantity == [1])
        #expect(arithmetic.lineCount == 1)
        try arithmetic.finish(DocumentSettlement(), currency: "HUF")
        let error = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.finish(DocumentSettlement(), currency: "EUR")
        }
        #expect(error?.message == "line 1 (id '1'): 3 × 36109.00 / 36109 = 3.00 but the line amount is 108328.00")
        // 1.52 away: refused by add() whatever the currency.
        let far = #expect(throws: SupplierDocumentError.self) {
            try arithmetic.add(line(2, "3", "36109", "108328.52", base: "36109"))
        }
        #expect(far?.message == "line 2 (id '2'): 3 × 36109.00 / 36109 = 3.00 but the line amount is 108328.52")
        #expect(arithmetic.linesIgnoringBaseQuantity == [1])
    }
}
