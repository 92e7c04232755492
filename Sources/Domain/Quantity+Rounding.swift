import Foundation

/// Rounding of quantities, for display and purchasing only.
///
/// Stored quantities are never rounded (domain.md §5 pitfall 3: rounding inside conversions turns
/// 60 into 61 and 1 ml into 2 ml). These helpers exist for the two places where rounding is wanted:
/// showing a quantity to a person, and turning a need into whole packs to buy.
extension Quantity {
    /// The quantity rounded HALF-UP (away from zero on an exact half) to `places` decimals,
    /// for display: 2.345 kg → 2.35, −0.5 piece → −1 with `places` 0.
    public func roundedHalfUp(places: Int) -> Quantity {
        Quantity(value: Rounding.halfUp(value, places: places), unit: unit)
    }

    /// How many whole packs of `packSize` cover this quantity: the need divided by the pack size,
    /// rounded up (2 001 g in 1 000 g packs → 3). A need of zero or less needs no pack.
    ///
    /// - Throws: ``DomainError/Code/invalidPackSize`` when the pack size is not positive,
    ///   ``DomainError/Code/unitMismatch`` when it is in another unit,
    ///   ``DomainError/Code/invalidQuantity`` when the count does not fit in an `Int`.
    public func wholePacks(ofSize packSize: Quantity) throws(DomainError) -> Int {
        guard packSize.value > 0 else {
            throw DomainError(.invalidPackSize, "a pack size is positive", context: ["pack_size": "\(packSize)"])
        }
        guard unit == packSize.unit else {
            throw DomainError(
                .unitMismatch, "the need and the pack size are in different base units",
                context: ["need": unit.rawValue, "pack_size": packSize.unit.rawValue])
        }
        guard value > 0 else { return 0 }
        let packs = Rounding.up(value / packSize.value, places: 0)
        guard let count = Int(packs.description) else {
            throw DomainError(.invalidQuantity, "the number of packs is too large", context: ["need": "\(self)"])
        }
        return count
    }

    /// This quantity rounded up to a whole number of packs of `packSize` (the quantity to order).
    ///
    /// - Throws: as ``wholePacks(ofSize:)``.
    public func roundedUp(toPacksOf packSize: Quantity) throws(DomainError) -> Quantity {
        let packs = try wholePacks(ofSize: packSize)
        return packSize.multiplied(by: Decimal(packs))
    }
}
