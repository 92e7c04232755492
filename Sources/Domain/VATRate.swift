import Foundation

/// A VAT rate, held exactly in basis points (5.5 % is 550).
///
/// Basis points make the VAT arithmetic pure integer arithmetic on cents, with no `Decimal` or
/// floating point between a price and its tax. `Codable` as the percentage number (5.5), the
/// form of EN 16931's `RateApplicablePercent` and of the `vat_rate` columns.
public struct VATRate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The rate in hundredths of a percent: 2000 for 20 %.
    public let basisPoints: Int

    /// 20 %: the standard rate (alcoholic drinks, and most non-food goods).
    public static let standard = VATRate(checkedBasisPoints: 2000)
    /// 10 %: the intermediate rate (food and soft drinks for immediate consumption, including
    /// restaurant and take-away meals).
    public static let intermediate = VATRate(checkedBasisPoints: 1000)
    /// 5.5 %: the reduced rate (most food products bought for later consumption, such as
    /// ingredients and packaged goods).
    public static let reduced = VATRate(checkedBasisPoints: 550)
    /// 2.1 %: the super-reduced rate (some medicines and press).
    public static let superReduced = VATRate(checkedBasisPoints: 210)
    /// 0 %: lines that bear no French VAT (exempt, out of scope, or reverse-charged).
    public static let zero = VATRate(checkedBasisPoints: 0)

    /// The five French rates, from the lowest.
    public static let frenchRates: [VATRate] = [zero, superReduced, reduced, intermediate, standard]

    /// Creates a rate from basis points.
    ///
    /// - Throws: ``DomainError/Code/invalidVATRate`` outside 0...10 000 (0 % to 100 %).
    public init(basisPoints: Int) throws(DomainError) {
        guard (0...10_000).contains(basisPoints) else {
            throw DomainError(
                .invalidVATRate, "a VAT rate is between 0 % and 100 %", context: ["basis_points": String(basisPoints)])
        }
        self.init(checkedBasisPoints: basisPoints)
    }

    /// Creates a rate from a percentage (5.5 for 5.5 %).
    ///
    /// - Throws: ``DomainError/Code/invalidVATRate`` when negative, above 100 or finer than a
    ///   hundredth of a percent.
    public init(percent: Decimal) throws(DomainError) {
        let basisPoints = percent * 100
        guard !percent.isNaN, Rounding.halfUp(basisPoints, places: 0) == basisPoints,
            let whole = Int(basisPoints.description)
        else {
            throw DomainError(.invalidVATRate, "a VAT rate has at most 2 decimals", context: ["percent": "\(percent)"])
        }
        try self.init(basisPoints: whole)
    }

    /// Creates a rate from a fraction (0.055 for 5.5 %), the form of the database's `vat_rate`
    /// domain (`numeric(5,4)`).
    ///
    /// - Throws: ``DomainError/Code/invalidVATRate`` as ``init(percent:)``.
    public init(fraction: Decimal) throws(DomainError) {
        try self.init(percent: fraction * 100)
    }

    private init(checkedBasisPoints: Int) {
        self.basisPoints = checkedBasisPoints
    }

    /// The rate as a percentage (5.5).
    public var percent: Decimal { Decimal(basisPoints) / 100 }

    /// The rate as a fraction (0.055), as the database stores it.
    public var fraction: Decimal { Decimal(basisPoints) / 10_000 }

    /// "5.5 %", "20 %".
    public var description: String { "\(percent) %" }

    public static func < (lhs: VATRate, rhs: VATRate) -> Bool { lhs.basisPoints < rhs.basisPoints }

    /// The VAT contained in an amount that includes it (TTC), rounded to the cent HALF-UP:
    /// `TTC × rate / (1 + rate)`. 11,00 € at 10 % contains 1,00 €.
    public func vat(includedIn amountIncludingVAT: Money) -> Money {
        let numerator = Int128(amountIncludingVAT.cents) * Int128(basisPoints)
        // |result| ≤ |amount|, so it fits in Int64 cents.
        return Money(cents: Int64(Rounding.divideHalfUp(numerator, by: Int128(10_000 + basisPoints))))
    }

    /// The VAT due on an amount that excludes it (HT), rounded to the cent HALF-UP:
    /// `HT × rate`. 10,00 € at 5.5 % bears 0,55 €.
    public func vat(dueOn amountExcludingVAT: Money) -> Money {
        let numerator = Int128(amountExcludingVAT.cents) * Int128(basisPoints)
        return Money(cents: Int64(Rounding.divideHalfUp(numerator, by: 10_000)))
    }

    public init(from decoder: any Decoder) throws {
        try self.init(percent: try decoder.singleValueContainer().decode(Decimal.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(percent)
    }
}
