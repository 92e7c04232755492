import Foundation

/// Conversion of document quantities to an ingredient's base unit, at the edges of the system.
///
/// The rules, in order:
/// 1. A code of the ingredient's own dimension converts by its exact factor
///    (2.5 KGM → 2 500 g; 75 CLT → 750 ml; 2 DZN → 24 pieces). A pack size is not used.
/// 2. A packaging code (XBX, XCS, XPP...) converts through the supplier item's pack size, given
///    in the ingredient's base unit (3 XCS of 15 000 g → 45 000 g).
/// 3. A count code (C62, EA, H87, NAR, DZN, PR) for an ingredient weighed or measured counts
///    packs, and also converts through the pack size (2 EA of a 10 kg bag → 20 000 g).
/// 4. Anything else is an error: a mass for an ingredient in ml or pieces (or the reverse) is a
///    ``DomainError/Code/dimensionMismatch`` (per-ingredient densities are not this module's
///    business), a package without a pack size is ``DomainError/Code/packSizeRequired``, and an
///    unknown code is ``DomainError/Code/unknownUnitCode``.
extension UnitCode {
    /// Converts `value` of this unit into the ingredient's base unit, exactly.
    ///
    /// - Parameters:
    ///   - value: the quantity as written in the document, in this unit.
    ///   - ingredientUnit: the base unit the ingredient is stocked in.
    ///   - packSize: what one package (or one counted item, rule 3) of the supplier item holds, in
    ///     the ingredient's base unit; needed by rules 2 and 3 only.
    /// - Throws: ``DomainError/Code/packSizeRequired``, ``DomainError/Code/invalidPackSize``,
    ///   ``DomainError/Code/dimensionMismatch``.
    public func baseQuantity(
        of value: Decimal, ingredientUnit: BaseUnit, packSize: Quantity? = nil
    ) throws(DomainError) -> Quantity {
        let factor = try factorToBase(ingredientUnit: ingredientUnit, packSize: packSize)
        return Quantity(value: value * factor, unit: ingredientUnit)
    }

    /// Converts a base quantity back into this unit: the inverse of
    /// ``baseQuantity(of:ingredientUnit:packSize:)``, with the same rules.
    ///
    /// Exact for the table's factors (powers of ten, 12, 2, the pound and the ounce divide
    /// exactly when the quantity came from them). Dividing by an arbitrary pack size may not
    /// terminate (1 000 g in packs of 3 g); it is then rounded to `Decimal`'s 38 digits.
    ///
    /// - Throws: as ``baseQuantity(of:ingredientUnit:packSize:)``.
    public func value(of quantity: Quantity, packSize: Quantity? = nil) throws(DomainError) -> Decimal {
        let factor = try factorToBase(ingredientUnit: quantity.unit, packSize: packSize)
        return quantity.value / factor
    }

    /// Looks up `unitCode` and converts `value` of it into the ingredient's base unit.
    ///
    /// - Throws: ``DomainError/Code/unknownUnitCode`` and the errors of
    ///   ``baseQuantity(of:ingredientUnit:packSize:)``.
    public static func baseQuantity(
        of value: Decimal, unitCode: String, ingredientUnit: BaseUnit, packSize: Quantity? = nil
    ) throws(DomainError) -> Quantity {
        try UnitCode(unitCode).baseQuantity(of: value, ingredientUnit: ingredientUnit, packSize: packSize)
    }

    /// How many base units one of this unit is for the ingredient.
    private func factorToBase(ingredientUnit: BaseUnit, packSize: Quantity?) throws(DomainError) -> Decimal {
        switch conversion {
        case .base(let factor, let unit) where unit == ingredientUnit:
            return factor
        case .base(let factor, .piece):
            return factor * (try requirePackSize(packSize, ingredientUnit: ingredientUnit))
        case .base(_, let unit):
            throw DomainError(
                .dimensionMismatch, "the unit measures another dimension than the ingredient's base unit",
                context: ["code": code, "unit": unit.rawValue, "ingredient_unit": ingredientUnit.rawValue])
        case .packaging:
            return try requirePackSize(packSize, ingredientUnit: ingredientUnit)
        }
    }

    /// The pack size's value, once it is known to exist, be positive and be in the ingredient's unit.
    private func requirePackSize(_ packSize: Quantity?, ingredientUnit: BaseUnit) throws(DomainError) -> Decimal {
        guard let packSize else {
            throw DomainError(
                .packSizeRequired, "a package or a count of packs converts only with the supplier item's pack size",
                context: ["code": code, "ingredient_unit": ingredientUnit.rawValue])
        }
        guard packSize.value > 0 else {
            throw DomainError(
                .invalidPackSize, "a pack size is positive", context: ["code": code, "pack_size": "\(packSize)"])
        }
        guard packSize.unit == ingredientUnit else {
            throw DomainError(
                .dimensionMismatch, "the pack size is not in the ingredient's base unit",
                context: [
                    "code": code, "pack_size_unit": packSize.unit.rawValue, "ingredient_unit": ingredientUnit.rawValue,
                ])
        }
        return packSize.value
    }
}
