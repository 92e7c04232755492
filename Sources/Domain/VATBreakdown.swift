/// Whether a document's line amounts include VAT.
public enum PriceBasis: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Amounts include VAT (TTC, "toutes taxes comprises"): the catalogue prices, orders and receipts.
    case includingVAT = "ttc"
    /// Amounts exclude VAT (HT, "hors taxes"): supplier invoices and credit notes.
    case excludingVAT = "ht"

    public var description: String { rawValue }
}

/// One line of a document, for VAT purposes: its total and its rate.
public struct VATLine: Hashable, Sendable, Codable {
    /// The line total, including or excluding VAT according to the document's ``PriceBasis``.
    /// Negative for a refund or a discount line.
    public var amount: Money
    /// The line's VAT rate.
    public var rate: VATRate

    /// A line from its total.
    public init(amount: Money, rate: VATRate) {
        self.amount = amount
        self.rate = rate
    }

    /// A line of `quantity` items at `unitPrice` each (negative quantities for returns).
    ///
    /// - Throws: ``DomainError/Code/amountOverflow``.
    public init(unitPrice: Money, quantity: Int, rate: VATRate) throws(DomainError) {
        self.init(amount: try unitPrice.multiplied(by: quantity), rate: rate)
    }
}

/// The total of one VAT rate in a document. `ht + vat == ttc` always holds.
public struct VATRateTotal: Hashable, Sendable, Codable {
    /// The rate.
    public let rate: VATRate
    /// The total excluding VAT (HT) of the rate's lines.
    public let ht: Money
    /// The VAT of the rate's lines, computed once on their total.
    public let vat: Money
    /// The total including VAT (TTC) of the rate's lines.
    public let ttc: Money
}

/// The VAT of a document (an order, a receipt, a supplier invoice), per rate and in total.
///
/// **Policy** (domain.md §5 pitfall 7: one function, used everywhere, including reports).
/// VAT is computed once per rate on the document, never per line, and rounded to the cent HALF-UP
/// (away from zero on an exact half, so a credit note is the exact mirror of its invoice):
/// - Prices including VAT (``PriceBasis/includingVAT``, sales): per rate, TTC is the exact sum of
///   the lines, `VAT = round(TTC × rate / (1 + rate))` and `HT = TTC − VAT`. The document's TTC is
///   therefore exactly the sum of its lines, which is what the customer paid.
/// - Prices excluding VAT (``PriceBasis/excludingVAT``, supplier documents): per rate, HT is the
///   exact sum of the lines, `VAT = round(HT × rate)` and `TTC = HT + VAT`, as EN 16931 computes
///   its VAT breakdown (BT-116 to BT-117).
///
/// Either way `HT + VAT = TTC` holds for each rate and for the document, to the cent.
public struct VATBreakdown: Hashable, Sendable, Codable {
    /// What the line amounts were.
    public let basis: PriceBasis
    /// One total per rate present in the lines, from the lowest rate.
    public let rates: [VATRateTotal]
    /// The document's total excluding VAT.
    public let ht: Money
    /// The document's VAT.
    public let vat: Money
    /// The document's total including VAT.
    public let ttc: Money

    /// Computes the breakdown of a document's lines.
    ///
    /// - Throws: ``DomainError/Code/amountOverflow`` when a total does not fit in `Int64` cents.
    public init(lines: [VATLine], basis: PriceBasis) throws(DomainError) {
        var linesTotal: [VATRate: Money] = [:]
        for line in lines {
            linesTotal[line.rate] = try (linesTotal[line.rate] ?? .zero).adding(line.amount)
        }
        var rates: [VATRateTotal] = []
        for (rate, total) in linesTotal.sorted(by: { $0.key < $1.key }) {
            switch basis {
            case .includingVAT:
                let vat = rate.vat(includedIn: total)
                rates.append(VATRateTotal(rate: rate, ht: total - vat, vat: vat, ttc: total))
            case .excludingVAT:
                let vat = rate.vat(dueOn: total)
                rates.append(VATRateTotal(rate: rate, ht: total, vat: vat, ttc: try total.adding(vat)))
            }
        }
        self.basis = basis
        self.rates = rates
        self.ht = try Money.checkedSum(rates.map(\.ht))
        self.vat = try Money.checkedSum(rates.map(\.vat))
        self.ttc = try Money.checkedSum(rates.map(\.ttc))
    }

    /// The total of `rate`, or `nil` when no line has that rate.
    public func total(for rate: VATRate) -> VATRateTotal? {
        rates.first { $0.rate == rate }
    }
}
