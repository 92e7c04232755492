import Foundation

/// An amount of euros held as an exact number of cents.
///
/// Sales, payments and VAT are integer cents (DESIGN.md, data rules): never a floating-point
/// number, so that a day's totals add up to the cent however they are grouped. The currency is
/// always EUR; amounts in other currencies are refused at the edges of the system.
///
/// **Overflow policy.** The operators (`+`, `-`, `*`, prefix `-`, ``sum(_:)``) trap on overflow,
/// like Swift's integer operators: `Int64` cents reach ±92 233 720 368 547 758,07 €, so an overflow
/// there is a programming error, not a business case. Amounts built from outside data go through
/// the throwing entry points instead (``init(cents:)`` cannot overflow; ``adding(_:)``,
/// ``multiplied(by:)``, parsing and ``init(roundingHalfUp:)`` throw ``DomainError/Code/amountOverflow``).
///
/// `Codable` as a bare integer number of cents (`1250` for 12,50 €), like the database columns.
public struct Money: Hashable, Comparable, Sendable, Codable, AdditiveArithmetic {
    /// The amount in cents (euro hundredths), negative for refunds and credit notes.
    public var cents: Int64

    /// The ISO 4217 code of the only currency the back office handles.
    public static let currencyCode = "EUR"

    /// Zero euros.
    public static let zero = Money(cents: 0)

    /// Creates an amount from a number of cents.
    public init(cents: Int64) {
        self.cents = cents
    }

    /// Creates an amount from whole euros, throwing when it does not fit.
    public init(euros: Int64) throws(DomainError) {
        let (cents, overflow) = euros.multipliedReportingOverflow(by: 100)
        guard !overflow else { throw Money.overflowError(operation: "euros") }
        self.init(cents: cents)
    }

    /// Creates an amount from an exact decimal number of euros.
    ///
    /// - Throws: ``DomainError/Code/tooManyDecimals`` when `euros` has a fraction of a cent
    ///   (use ``init(roundingHalfUp:)`` to round on purpose), ``DomainError/Code/amountOverflow``.
    public init(exactly euros: Decimal) throws(DomainError) {
        guard !euros.isNaN else { throw DomainError(.invalidAmount, "the amount is not a number") }
        guard Rounding.halfUp(euros, places: 2) == euros else {
            throw DomainError(
                .tooManyDecimals, "an amount in euros has at most 2 decimals", context: ["amount": "\(euros)"])
        }
        try self.init(roundingHalfUp: euros)
    }

    /// Creates an amount from a decimal number of euros rounded to the cent HALF-UP.
    ///
    /// HALF-UP is the module's one rounding rule: to the nearest cent, and away from zero when the
    /// amount is exactly halfway (1,005 € → 1,01 €; −1,005 € → −1,01 €). Use it wherever a
    /// computed amount (a quantity × a supplier unit price with 4 decimals) becomes money.
    ///
    /// - Throws: ``DomainError/Code/amountOverflow`` when the result does not fit in `Int64` cents.
    public init(roundingHalfUp euros: Decimal) throws(DomainError) {
        guard !euros.isNaN else { throw DomainError(.invalidAmount, "the amount is not a number") }
        let rounded = Rounding.halfUp(euros, places: 2) * 100
        // `description` of an integral Decimal is its plain digits, never an exponent form.
        guard let cents = Int64(rounded.description) else { throw Money.overflowError(operation: "rounding") }
        self.init(cents: cents)
    }

    /// The exact amount in euros (12,50 € → 12.5).
    public var euros: Decimal { Decimal(cents) / 100 }

    /// Whether the amount is below zero (a refund, a credit note).
    public var isNegative: Bool { cents < 0 }

    /// The amount without its sign. Traps for `Int64.min` cents, like `abs`.
    public var magnitude: Money { Money(cents: abs(cents)) }

    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.cents < rhs.cents }

    public static func + (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents + rhs.cents) }

    public static func - (lhs: Money, rhs: Money) -> Money { Money(cents: lhs.cents - rhs.cents) }

    public static prefix func - (amount: Money) -> Money { Money(cents: -amount.cents) }

    /// The amount of `quantity` items at `unitPrice` each. Traps on overflow.
    public static func * (unitPrice: Money, quantity: Int) -> Money {
        Money(cents: unitPrice.cents * Int64(quantity))
    }

    /// The amount of `quantity` items at `unitPrice` each. Traps on overflow.
    public static func * (quantity: Int, unitPrice: Money) -> Money { unitPrice * quantity }

    /// The sum of `amounts`, zero when empty. Traps on overflow.
    public static func sum(_ amounts: some Sequence<Money>) -> Money {
        amounts.reduce(.zero, +)
    }

    /// `self + other`, throwing instead of trapping on overflow.
    public func adding(_ other: Money) throws(DomainError) -> Money {
        let (cents, overflow) = cents.addingReportingOverflow(other.cents)
        guard !overflow else { throw Money.overflowError(operation: "addition") }
        return Money(cents: cents)
    }

    /// `self - other`, throwing instead of trapping on overflow.
    public func subtracting(_ other: Money) throws(DomainError) -> Money {
        let (cents, overflow) = cents.subtractingReportingOverflow(other.cents)
        guard !overflow else { throw Money.overflowError(operation: "subtraction") }
        return Money(cents: cents)
    }

    /// `self × quantity`, throwing instead of trapping on overflow.
    public func multiplied(by quantity: Int) throws(DomainError) -> Money {
        guard let factor = Int64(exactly: quantity) else { throw Money.overflowError(operation: "multiplication") }
        let (cents, overflow) = cents.multipliedReportingOverflow(by: factor)
        guard !overflow else { throw Money.overflowError(operation: "multiplication") }
        return Money(cents: cents)
    }

    /// The sum of `amounts`, throwing instead of trapping on overflow.
    public static func checkedSum(_ amounts: some Sequence<Money>) throws(DomainError) -> Money {
        var total = Money.zero
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    public init(from decoder: any Decoder) throws {
        self.init(cents: try decoder.singleValueContainer().decode(Int64.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(cents)
    }

    static func overflowError(operation: String) -> DomainError {
        DomainError(.amountOverflow, "the amount does not fit in 64-bit cents", context: ["operation": operation])
    }
}

extension Sequence<Money> {
    /// The sum of the amounts, zero when empty. Traps on overflow, like ``Money/sum(_:)``.
    public func sum() -> Money { Money.sum(self) }
}
