import Foundation

/// The arithmetic an accountant checks on an invoice or a credit note (FIELDS.md §3 and §5).
///
/// Incremental, so that a file of any size streams through it: feed the lines one by one with
/// ``add(_:)`` as they are read, then call ``finish(_:)`` with the allowances, charges, VAT
/// breakdown and totals. Only the line sums are kept, never the lines.
///
/// **Rounding.** Every computed figure (a line amount, a VAT amount) is rounded to 2 decimals
/// HALF-UP before it is compared: to the nearest hundredth, away from zero on an exact half
/// (1.005 → 1.01, −1.005 → −1.01), with `NSDecimalRound` in `.plain` mode. Domain's `Money`
/// rounds the same way but is euro cents only, and suppliers invoice in HUF, SEK, NOK or DKK too.
///
/// **Signs.** Nothing assumes an amount is positive: a corrected invoice (type 384, the
/// Rechnungskorrektur and `kosit_03.01a` files) carries negative lines and totals, and every
/// check compares the size of a difference, whatever the signs.
///
/// **Tolerances.** A figure a supplier computed by rounding `n` amounts it then added may be off
/// by up to half a hundredth per amount, so a check that adds `n` rounded amounts tolerates
/// 0.01 × `n` (at least 0.01): BT-106 against the line amounts, a VAT category's taxable base
/// against its lines, allowances and charges, its VAT amount (0.01 per line of that rate, for
/// suppliers who compute VAT per line). The equations between document figures (BT-107, BT-108,
/// BT-109, BT-110, BT-112, BT-115) add figures already printed with 2 decimals, so they tolerate
/// 0.01 only.
public struct DocumentArithmetic: Sendable {
    /// The file, for error messages.
    public let file: String
    public let kind: SupplierDocumentKind
    /// Number of lines checked (a despatch advice line has no amount and is not counted).
    public private(set) var lineCount = 0
    /// Σ of the checked lines' net amounts (BT-131) as printed.
    public private(set) var lineNetTotal: Decimal = 0

    /// Line sums per VAT category and rate, in the order first met.
    private var rates: [RateSum] = []
    /// The first line that names no VAT category (BT-151), reported only if the document has a
    /// VAT breakdown to compare it with.
    private var untaggedLine: LineReference?

    /// Creates the checks for one document.
    ///
    /// - Parameters:
    ///   - file: the file name used in error messages.
    ///   - kind: the document kind; a despatch advice's lines carry no money and are skipped.
    public init(file: String, kind: SupplierDocumentKind) {
        self.file = file
        self.kind = kind
    }

    // MARK: - Lines

    /// Checks one line's amount and adds it to the running sums.
    ///
    /// The line net amount (BT-131) must be `quantity × (net price ÷ base quantity) + line charges
    /// − line allowances`, rounded HALF-UP to 2 decimals, within 0.01. The net price already
    /// includes any price discount (BT-147), which is therefore not subtracted again.
    ///
    /// A despatch advice line without an amount is not checked nor counted. On an invoice or a
    /// credit note, the net amount and the net price (BT-146) are required.
    ///
    /// - Throws: ``SupplierDocumentError/Code/missingField`` for a missing amount or price,
    ///   ``SupplierDocumentError/Code/badValue`` for a base quantity that is not positive,
    ///   ``SupplierDocumentError/Code/arithmetic`` when the amount does not add up.
    /// Positions of the lines whose price base quantity (BT-149) had to be ignored for them to
    /// add up: their price is per one unit.
    public private(set) var linesIgnoringBaseQuantity: Set<Int> = []
    /// Lines that add up only if their whole-number price was rounded to the unit: fine in a
    /// currency without minor unit (HUF, JPY...), an error in any other (see finish).
    private var wholeUnitFailures: [SupplierDocumentError] = []

    /// Currencies whose amounts are whole units in practice: ISO 4217 exponent 0, plus HUF,
    /// whose fillér went out of use (the corpus's HUF invoice rounds prices and VAT to forints).
    static let wholeUnitCurrencies: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "HUF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV",
        "XAF", "XOF", "XPF",
    ]

    public mutating func add(_ line: SupplierDocumentLine) throws(SupplierDocumentError) {
        guard let netAmount = line.netAmount else {
            if kind == .despatchAdvice { return }
            throw error(.missingField, at: line.fileLine, "\(Self.name(of: line)) has no net amount (BT-131)")
        }
        guard let netPrice = line.netPrice else {
            throw error(.missingField, at: line.fileLine, "\(Self.name(of: line)) has no net price (BT-146)")
        }
        let baseQuantity = line.priceBaseQuantity ?? 1
        guard baseQuantity > 0 else {
            throw error(
                .badValue, at: line.fileLine,
                "\(Self.name(of: line)): the price base quantity (BT-149) is \(baseQuantity), it must be positive")
        }
        var charges: Decimal = 0
        var allowances: Decimal = 0
        for allowanceCharge in line.allowanceCharges {
            if allowanceCharge.isCharge {
                charges += allowanceCharge.amount
            } else {
                allowances += allowanceCharge.amount
            }
        }
        // Multiply before dividing: 3 × 10.00 / 3 stays exact, 3 × (10.00 / 3) would not.
        let computed = Self.rounded(line.quantity * netPrice / baseQuantity + charges - allowances)
        // Real documents are sloppy in two known ways, both accepted with a trace:
        // - the quantity and the amount disagree in sign (+6 and −109.98 for returned goods):
        //   the magnitudes must agree, and LineDirection flags the line;
        // - a CII BasisQuantity that repeats the price (the CEN CII examples 2 and 8): when the
        //   line adds up without it, the base quantity is ignored and the line remembered.
        let withoutBase = Self.rounded(line.quantity * netPrice + charges - allowances)
        // A net price is often printed rounded (the Factur-X samples print 4.10 for 4.095): the
        // line may then differ by the quantity times half a unit of the price's last decimal,
        // on top of the cent of rounding every line is allowed.
        // A whole-number price counts as printed with cents (25.00: Decimal keeps no trailing
        // zeros) unless the currency has no minor unit in practice: that is only known at the end
        // of a CII file, so such a line is judged in finish(_:currency:).
        let magnitude = line.quantity < 0 ? -line.quantity : line.quantity
        func passes(_ value: Decimal, base: Decimal, wholeUnits: Bool) -> Bool {
            let tolerance = Self.cent + magnitude / base * Self.halfUnit(of: netPrice, wholeUnits: wholeUnits)
            return Self.agrees(value, netAmount, tolerance: tolerance)
                || Self.agrees(-value, netAmount, tolerance: tolerance)
        }
        var formula = "\(line.quantity) × \(Self.figure(netPrice))"
        if baseQuantity != 1 { formula += " / \(baseQuantity)" }
        if charges != 0 { formula += " + \(Self.figure(charges)) charges" }
        if allowances != 0 { formula += " − \(Self.figure(allowances)) allowances" }
        let failure = error(
            .arithmetic, at: line.fileLine,
            "\(Self.name(of: line)): \(formula) = \(Self.figure(computed)) "
                + "but the line amount is \(Self.figure(netAmount))")
        if passes(computed, base: baseQuantity, wholeUnits: false) {
            // adds up
        } else if baseQuantity != 1, passes(withoutBase, base: 1, wholeUnits: false) {
            linesIgnoringBaseQuantity.insert(line.position)
        } else if passes(computed, base: baseQuantity, wholeUnits: true) {
            wholeUnitFailures.append(failure)
        } else if baseQuantity != 1, passes(withoutBase, base: 1, wholeUnits: true) {
            linesIgnoringBaseQuantity.insert(line.position)
            wholeUnitFailures.append(failure)
        } else {
            throw failure
        }
        lineCount += 1
        lineNetTotal += netAmount
        if let category = line.vatCategory {
            let key = RateKey(category: category, percent: line.vatPercent)
            let reference = LineReference(description: Self.name(of: line), fileLine: line.fileLine)
            if let index = rates.firstIndex(where: { $0.key == key }) {
                rates[index].net += netAmount
                rates[index].lines += 1
            } else {
                rates.append(RateSum(key: key, net: netAmount, lines: 1, firstUse: reference))
            }
        } else if untaggedLine == nil {
            untaggedLine = LineReference(description: Self.name(of: line), fileLine: line.fileLine)
        }
    }

    // MARK: - Document

    /// Checks the document's totals and VAT breakdown against the lines added so far.
    ///
    /// In this order, stopping at the first failure:
    /// 1. BT-106 = Σ BT-131 (only when there are lines: a Factur-X MINIMUM or BASIC WL has none).
    /// 2. BT-107 = Σ document allowances, BT-108 = Σ document charges (EN 16931 BR-CO-11/12).
    /// 3. BT-109 = BT-106 − BT-107 + BT-108; an absent BT-107 or BT-108 counts as the sum of the
    ///    document allowances or charges (zero when there are none).
    /// 4. Every VAT category and rate used by a line or a document allowance or charge has a
    ///    breakdown entry (BG-23).
    /// 5. Per breakdown entry: its taxable base (BT-116) = Σ its lines − its allowances + its
    ///    charges (only when there are lines); its VAT amount (BT-117) is 0 in categories E, AE,
    ///    K, G, O and Z, else taxable base × rate / 100.
    /// 6. BT-110 = Σ BT-117.
    /// 7. BT-112 = BT-109 + BT-110, BT-115 = BT-112 − BT-113 + BT-114 (absent BT-113/114 count 0).
    ///
    /// A check whose figures are absent is skipped, and so is everything about VAT when the
    /// breakdown is absent: the import checks what the supplier sent, it does not demand the
    /// fields a profile leaves out. Categories are compared without case, rates numerically
    /// (5.5 = 5.50), and an absent rate counts as 0 (category O has none).
    ///
    /// - Throws: ``SupplierDocumentError/Code/arithmetic`` naming the field, the expected and the
    ///   printed figure, at the file line of the totals or the breakdown entry;
    ///   ``SupplierDocumentError/Code/missingField`` when a line or an allowance/charge has no
    ///   VAT category although the document has a breakdown.
    public func finish(_ settlement: DocumentSettlement, currency: String? = nil) throws(SupplierDocumentError) {
        let wholeUnits = currency.map { Self.wholeUnitCurrencies.contains($0.uppercased()) } ?? false
        if !wholeUnits, let failure = wholeUnitFailures.first { throw failure }
        let totals = settlement.totals
        try checkLineTotal(totals)
        let documentAllowances = settlement.allowanceCharges.filter { !$0.isCharge }
        let documentCharges = settlement.allowanceCharges.filter(\.isCharge)
        let allowanceSum = documentAllowances.reduce(Decimal(0)) { $0 + $1.amount }
        let chargeSum = documentCharges.reduce(Decimal(0)) { $0 + $1.amount }
        try checkSum(
            totals.allowanceTotal, of: allowanceSum, count: documentAllowances.count,
            field: "BT-107 (sum of allowances on document level)", items: "document allowance", at: totals.fileLine)
        try checkSum(
            totals.chargeTotal, of: chargeSum, count: documentCharges.count,
            field: "BT-108 (sum of charges on document level)", items: "document charge", at: totals.fileLine)
        if let lineTotal = totals.lineTotal, let taxExclusive = totals.taxExclusive {
            let allowances = totals.allowanceTotal ?? allowanceSum
            let charges = totals.chargeTotal ?? chargeSum
            let expected = lineTotal - allowances + charges
            try checkEquation(
                taxExclusive, expected,
                field: "BT-109 (total without VAT)",
                formula: "\(Self.figure(lineTotal)) − \(Self.figure(allowances)) + \(Self.figure(charges))",
                at: totals.fileLine)
        }
        if !settlement.vatBreakdown.isEmpty {
            try checkBreakdown(settlement, wholeUnits: wholeUnits)
        }
        if let taxTotal = totals.taxTotal, !settlement.vatBreakdown.isEmpty {
            let sum = settlement.vatBreakdown.reduce(Decimal(0)) { $0 + $1.taxAmount }
            try checkSum(
                taxTotal, of: sum, count: settlement.vatBreakdown.count,
                field: "BT-110 (total VAT)", items: "VAT breakdown entry", at: totals.fileLine)
        }
        if let taxExclusive = totals.taxExclusive, let taxTotal = totals.taxTotal,
            let taxInclusive = totals.taxInclusive
        {
            try checkEquation(
                taxInclusive, taxExclusive + taxTotal,
                field: "BT-112 (total with VAT)",
                formula: "\(Self.figure(taxExclusive)) + \(Self.figure(taxTotal))", at: totals.fileLine)
        }
        if let taxInclusive = totals.taxInclusive, let payable = totals.payable {
            let prepaid = totals.prepaid ?? 0
            let rounding = totals.rounding ?? 0
            let formula = "\(Self.figure(taxInclusive)) − \(Self.figure(prepaid)) + \(Self.figure(rounding))"
            try checkEquation(
                payable, taxInclusive - prepaid + rounding,
                field: "BT-115 (amount due for payment)", formula: formula, at: totals.fileLine)
        }
    }

    /// BT-106 against the lines, tolerating 0.01 per line.
    private func checkLineTotal(_ totals: DocumentTotals) throws(SupplierDocumentError) {
        guard lineCount > 0, let lineTotal = totals.lineTotal else { return }
        guard Self.agrees(lineNetTotal, lineTotal, tolerance: Self.tolerance(lines: lineCount)) else {
            throw error(
                .arithmetic, at: totals.fileLine,
                "BT-106 (sum of line net amounts): the \(Self.count(lineCount, "line")) add up to "
                    + "\(Self.figure(lineNetTotal)) but the document says \(Self.figure(lineTotal))")
        }
    }

    /// A printed total against the sum of the printed amounts it totals, within 0.01.
    private func checkSum(
        _ printed: Decimal?, of sum: Decimal, count: Int, field: String, items: String, at fileLine: Int
    ) throws(SupplierDocumentError) {
        guard let printed, !Self.agrees(sum, printed, tolerance: Self.cent) else { return }
        throw error(
            .arithmetic, at: fileLine,
            "\(field): the \(Self.count(count, items)) add up to \(Self.figure(sum)) "
                + "but the document says \(Self.figure(printed))")
    }

    /// An equation between document figures, within 0.01.
    private func checkEquation(
        _ printed: Decimal, _ expected: Decimal, field: String, formula: String, at fileLine: Int
    ) throws(SupplierDocumentError) {
        guard !Self.agrees(expected, printed, tolerance: Self.cent) else { return }
        throw error(
            .arithmetic, at: fileLine,
            "\(field): \(formula) = \(Self.figure(expected)) but the document says \(Self.figure(printed))")
    }

    /// Checks 4 and 5 of ``finish(_:)``: every rate has an entry, every entry adds up.
    private func checkBreakdown(_ settlement: DocumentSettlement, wholeUnits: Bool) throws(SupplierDocumentError) {
        if let untaggedLine {
            throw error(
                .missingField, at: untaggedLine.fileLine,
                "\(untaggedLine.description) has no VAT category (BT-151), but the document has a VAT breakdown")
        }
        if let untagged = settlement.allowanceCharges.first(where: { $0.vatCategory == nil }) {
            throw error(
                .missingField, at: untagged.fileLine,
                "a document \(untagged.isCharge ? "charge" : "allowance") of \(Self.figure(untagged.amount)) "
                    + "has no VAT category (BT-\(untagged.isCharge ? 102 : 95))")
        }
        let entries = settlement.vatBreakdown.map { RateKey(category: $0.category, percent: $0.percent) }
        let lineUses = rates.map { ($0.key, $0.firstUse) }
        let allowanceUses = settlement.allowanceCharges.map { allowanceCharge in
            let description =
                "a document \(allowanceCharge.isCharge ? "charge" : "allowance") of "
                + Self.figure(allowanceCharge.amount)
            return (
                RateKey(category: allowanceCharge.vatCategory ?? "", percent: allowanceCharge.vatPercent),
                LineReference(description: description, fileLine: allowanceCharge.fileLine)
            )
        }
        for (key, use) in lineUses + allowanceUses where !entries.contains(key) {
            throw error(
                .arithmetic, at: use.fileLine,
                "BG-23 (VAT breakdown): no entry for VAT \(key), used by \(use.description)")
        }
        for subtotal in settlement.vatBreakdown {
            try checkEntry(subtotal, settlement.allowanceCharges, wholeUnits: wholeUnits)
        }
    }

    /// One breakdown entry's taxable base and VAT amount.
    private func checkEntry(
        _ subtotal: VATSubtotal, _ allowanceCharges: [AllowanceCharge], wholeUnits: Bool
    )
        throws(SupplierDocumentError)
    {
        let key = RateKey(category: subtotal.category, percent: subtotal.percent)
        let rate = rates.first { $0.key == key }
        let lines = rate?.lines ?? 0
        if lineCount > 0 {
            let own = allowanceCharges.filter {
                RateKey(category: $0.vatCategory ?? "", percent: $0.vatPercent) == key
            }
            let allowances = own.filter { !$0.isCharge }.reduce(Decimal(0)) { $0 + $1.amount }
            let charges = own.filter(\.isCharge).reduce(Decimal(0)) { $0 + $1.amount }
            let lineSum = rate?.net ?? 0
            let expected = lineSum - allowances + charges
            guard Self.agrees(expected, subtotal.taxableAmount, tolerance: Self.tolerance(lines: lines + own.count))
            else {
                throw error(
                    .arithmetic, at: subtotal.fileLine,
                    "BT-116 (VAT category taxable amount) for VAT \(key): \(Self.count(lines, "line")) "
                        + "\(Self.figure(lineSum)) − allowances \(Self.figure(allowances)) + charges "
                        + "\(Self.figure(charges)) = \(Self.figure(expected)) "
                        + "but the breakdown says \(Self.figure(subtotal.taxableAmount))")
            }
        }
        if key.bearsNoVAT {
            guard subtotal.taxAmount == 0 else {
                throw error(
                    .arithmetic, at: subtotal.fileLine,
                    "BT-117 (VAT category tax amount) for VAT \(key): category \(key.category) bears no VAT, "
                        + "expected 0.00 but the breakdown says \(Self.figure(subtotal.taxAmount))")
            }
            return
        }
        let expected = Self.rounded(subtotal.taxableAmount * key.percent / 100)
        // VAT printed as a whole number (forints: HUF VAT is rounded to the unit) may be off by
        // half a unit: the same printed-precision rule as net prices.
        let tolerance = max(Self.tolerance(lines: lines), Self.halfUnit(of: subtotal.taxAmount, wholeUnits: wholeUnits))
        guard Self.agrees(expected, subtotal.taxAmount, tolerance: tolerance) else {
            throw error(
                .arithmetic, at: subtotal.fileLine,
                "BT-117 (VAT category tax amount) for VAT \(key): \(Self.figure(subtotal.taxableAmount)) × "
                    + "\(key.percent) % = \(Self.figure(expected)) "
                    + "but the breakdown says \(Self.figure(subtotal.taxAmount))")
        }
    }

    // MARK: - Helpers

    private func error(
        _ code: SupplierDocumentError.Code, at fileLine: Int, _ message: String
    ) -> SupplierDocumentError {
        SupplierDocumentError(code, file: file, line: fileLine, message)
    }

    private static let cent = Decimal(sign: .plus, exponent: -2, significand: 1)

    /// Half a unit of the last decimal `price` shows, at least of the cent (4.10 → 0.005,
    /// 0.1212 → 0.00005, 25 → 0.005); with `wholeUnits` (a currency without minor unit), a whole
    /// number is taken as rounded to the unit (36109 → 0.5).
    static func halfUnit(of price: Decimal, wholeUnits: Bool = false) -> Decimal {
        var places = 0
        var scaled = price < 0 ? -price : price
        while places < 8, scaled != rounded(scaled, places: 0) {
            scaled *= 10
            places += 1
        }
        let shown = places == 0 && wholeUnits ? 0 : max(places, 2)
        return Decimal(sign: .plus, exponent: -shown, significand: 5) / 10
    }

    static func rounded(_ value: Decimal, places: Int) -> Decimal { value.roundedHalfUp(places: places) }

    /// 0.01 per rounded amount added, at least 0.01.
    private static func tolerance(lines: Int) -> Decimal { cent * Decimal(max(lines, 1)) }

    private static func agrees(_ expected: Decimal, _ printed: Decimal, tolerance: Decimal) -> Bool {
        let difference = expected - printed
        return (difference < 0 ? -difference : difference) <= tolerance
    }

    /// `value` to 2 decimals HALF-UP, away from zero on an exact half (`.plain`).
    static func rounded(_ value: Decimal) -> Decimal { value.roundedHalfUp(places: 2) }

    /// An amount for a message, with at least 2 decimals ("19.90", "-8.79", "0.125").
    static func figure(_ value: Decimal) -> String {
        var text = value.description
        if let dot = text.firstIndex(of: ".") {
            let decimals = text.distance(from: dot, to: text.endIndex) - 1
            if decimals < 2 { text += String(repeating: "0", count: 2 - decimals) }
        } else {
            text += ".00"
        }
        return text
    }

    /// "line 3 (id 'X')", or "line 3 (no id)".
    static func name(of line: SupplierDocumentLine) -> String {
        "line \(line.position) (\(line.lineID.map { "id '\($0)'" } ?? "no id"))"
    }

    /// "1 line", "3 lines"; "2 VAT breakdown entries".
    private static func count(_ number: Int, _ noun: String) -> String {
        guard number != 1 else { return "1 \(noun)" }
        return noun.hasSuffix("y") ? "\(number) \(noun.dropLast())ies" : "\(number) \(noun)s"
    }
}

/// A VAT category and rate, the key of the breakdown: the category without case or spaces, an
/// absent rate as 0, rates compared numerically.
private struct RateKey: Sendable, Equatable, CustomStringConvertible {
    var category: String
    var percent: Decimal

    init(category: String, percent: Decimal?) {
        self.category = category.trimmingCharacters(in: .whitespaces).uppercased()
        self.percent = percent ?? 0
    }

    /// Exempt, reverse charge, intra-EU, export, out of scope and zero-rated: no VAT amount.
    var bearsNoVAT: Bool { ["E", "AE", "K", "G", "O", "Z"].contains(category) }

    /// "S 5.5 %".
    var description: String { "\(category) \(percent) %" }
}

/// Where a rate was first used, for the message naming a missing breakdown entry.
private struct LineReference: Sendable {
    var description: String
    var fileLine: Int
}

/// The lines of one rate.
private struct RateSum: Sendable {
    var key: RateKey
    var net: Decimal
    var lines: Int
    var firstUse: LineReference
}
