import Foundation

/// The unit every ingredient quantity is stored in: one per dimension.
///
/// Stock, recipes, counts and movements are all kept in an ingredient's base unit, so no
/// conversion happens inside the ledger (domain.md §5 pitfall 3). Raw values are the strings the
/// database stores.
public enum BaseUnit: String, CaseIterable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Mass, in grams.
    case gram = "g"
    /// Volume, in millilitres.
    case millilitre = "ml"
    /// A count of items (eggs, boxes of pizza, cans).
    case piece

    public var description: String { rawValue }
}

/// An exact amount of an ingredient in its base unit.
///
/// The value is a `Decimal`, so 0.1 g + 0.2 g is exactly 0.3 g and a round trip through a unit
/// conversion gives back exactly what went in. Quantities may be negative (a stock movement out,
/// a negative theoretical stock). Adding or subtracting quantities of different units is refused.
public struct Quantity: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The exact amount, in ``unit``.
    public var value: Decimal
    /// The base unit of the amount.
    public var unit: BaseUnit

    /// Creates a quantity of `value` base units.
    public init(value: Decimal, unit: BaseUnit) {
        self.value = value
        self.unit = unit
    }

    /// Zero of `unit`.
    public static func zero(_ unit: BaseUnit) -> Quantity { Quantity(value: 0, unit: unit) }

    /// Parses a plain decimal ("2.5", "-0.125", "250"; a dot only, no grouping, no exponent).
    ///
    /// - Throws: ``DomainError/Code/invalidQuantity`` for anything else, including numbers with
    ///   more than the 38 significant digits a `Decimal` holds exactly.
    public init(parsing text: String, unit: BaseUnit) throws(DomainError) {
        let trimmed = Substring(text).trimmingWhitespace()
        guard let literal = DecimalText.parse(trimmed, separators: .dot, allowsGrouping: false),
            let value = literal.decimal
        else {
            throw DomainError(.invalidQuantity, "not a decimal quantity", context: ["text": text])
        }
        self.init(value: value, unit: unit)
    }

    /// Whether the quantity is below zero.
    public var isNegative: Bool { value < 0 }

    /// Whether the quantity is zero.
    public var isZero: Bool { value.isZero }

    /// `self + other`; both must be in the same unit.
    ///
    /// - Throws: ``DomainError/Code/unitMismatch`` when the units differ.
    public func adding(_ other: Quantity) throws(DomainError) -> Quantity {
        try requireSameUnit(as: other, operation: "addition")
        return Quantity(value: value + other.value, unit: unit)
    }

    /// `self - other`; both must be in the same unit.
    ///
    /// - Throws: ``DomainError/Code/unitMismatch`` when the units differ.
    public func subtracting(_ other: Quantity) throws(DomainError) -> Quantity {
        try requireSameUnit(as: other, operation: "subtraction")
        return Quantity(value: value - other.value, unit: unit)
    }

    /// The quantity scaled by `factor` (a recipe quantity × portions sold, × (1 + waste %)).
    public func multiplied(by factor: Decimal) -> Quantity {
        Quantity(value: value * factor, unit: unit)
    }

    /// The opposite quantity (a stock movement reversed by a counter-entry).
    public static prefix func - (quantity: Quantity) -> Quantity {
        Quantity(value: -quantity.value, unit: quantity.unit)
    }

    /// The sum of `quantities`, all in `unit`; zero of `unit` when empty.
    ///
    /// - Throws: ``DomainError/Code/unitMismatch`` when one of them is in another unit.
    public static func sum(_ quantities: some Sequence<Quantity>, unit: BaseUnit) throws(DomainError) -> Quantity {
        var total = Quantity.zero(unit)
        for quantity in quantities { total = try total.adding(quantity) }
        return total
    }

    /// Compares two quantities of the same unit.
    ///
    /// - Throws: ``DomainError/Code/unitMismatch`` when the units differ.
    public func isLess(than other: Quantity) throws(DomainError) -> Bool {
        try requireSameUnit(as: other, operation: "comparison")
        return value < other.value
    }

    /// "2.5 g", "12 piece".
    public var description: String { "\(value) \(unit)" }

    private func requireSameUnit(as other: Quantity, operation: String) throws(DomainError) {
        guard unit == other.unit else {
            throw DomainError(
                .unitMismatch, "quantities of different base units cannot be combined",
                context: ["operation": operation, "left": unit.rawValue, "right": other.unit.rawValue])
        }
    }
}
