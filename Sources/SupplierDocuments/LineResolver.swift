import Domain
import Foundation

/// A supplier item as the resolver needs it (a row of `supplier_item` with its ingredient's unit).
public struct SupplierItemRecord: Sendable, Equatable {
    public enum StockEffect: String, Sendable, Codable, CaseIterable {
        case ingredient, deposit, transport
        case nonFood = "non_food"
    }

    public var id: Int64
    public var sellerItemID: String?
    public var gtin: String?
    public var description: String?
    public var stockEffect: StockEffect
    /// The ingredient and its base unit; nil unless ``stockEffect`` is `.ingredient`.
    public var ingredientID: Int64?
    public var ingredientUnit: BaseUnit?
    /// Base units of the ingredient in one purchase unit.
    public var packSize: Decimal
    public var purchaseUnitCode: String
    /// The last net price per purchase unit, if any was recorded.
    public var lastUnitPrice: Decimal?

    public init(
        id: Int64, sellerItemID: String?, gtin: String?, description: String?, stockEffect: StockEffect,
        ingredientID: Int64?, ingredientUnit: BaseUnit?, packSize: Decimal, purchaseUnitCode: String,
        lastUnitPrice: Decimal?
    ) {
        self.id = id
        self.sellerItemID = sellerItemID
        self.gtin = gtin
        self.description = description
        self.stockEffect = stockEffect
        self.ingredientID = ingredientID
        self.ingredientUnit = ingredientUnit
        self.packSize = packSize
        self.purchaseUnitCode = purchaseUnitCode
        self.lastUnitPrice = lastUnitPrice
    }
}

/// A supplier's active items, looked up by seller item id, then GTIN, then exact name.
public struct SupplierItemIndex: Sendable {
    private var bySellerID: [String: SupplierItemRecord] = [:]
    private var byGTIN: [String: SupplierItemRecord] = [:]
    /// Names shared by two items are left out: a name is a key only when it is unambiguous.
    private var byName: [String: SupplierItemRecord] = [:]

    public init(_ items: [SupplierItemRecord]) {
        var ambiguous: Set<String> = []
        for item in items {
            if let id = item.sellerItemID { bySellerID[id] = item }
            if let gtin = item.gtin { byGTIN[gtin] = item }
            if let name = item.description.map(Self.normalized), !name.isEmpty {
                if byName[name] != nil { ambiguous.insert(name) }
                byName[name] = item
            }
        }
        for name in ambiguous { byName[name] = nil }
    }

    /// The item a line names (FIELDS.md §6 pitfall 3 and the issue: seller item id, then GTIN,
    /// then the item name as last resort), or nil.
    public func match(sellerItemID: String?, gtin: String?, name: String?) -> SupplierItemRecord? {
        if let id = sellerItemID?.trimmedXMLWhitespace, let item = bySellerID[id] { return item }
        if let gtin, let item = byGTIN[gtin] { return item }
        if let name = name.map(Self.normalized), let item = byName[name] { return item }
        return nil
    }

    static func normalized(_ name: String) -> String {
        name.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}

/// Why a line holds its document (the `hold_reason` column), never guessed around.
public enum HoldReason: String, Sendable, Codable, CaseIterable {
    /// No supplier item matches the line: an operator maps it (`ocpizza supplier-items map`).
    case unmappedItem = "unmapped_item"
    /// The unit code is not a UN/ECE Rec 20/21 code this product knows.
    case unknownUnit = "unknown_unit"
    /// A mass for an ingredient counted in pieces, or similar.
    case unitMismatch = "unit_mismatch"
    /// The line is invoiced in another package than the mapping's, or its price moved by a
    /// whole factor: the pack size probably changed.
    case packSizeChanged = "pack_size_changed"
    /// The price per purchase unit moved more than the threshold since the last one.
    case priceJump = "price_jump"
}

/// A line as stored or read: what the resolver needs.
public struct LineFacts: Sendable {
    public var quantity: Decimal
    public var unitCode: String
    public var netPrice: Decimal?
    public var priceBaseQuantity: Decimal?
    public var netAmount: Decimal?
    public var sellerItemID: String?
    public var gtin: String?
    public var name: String?

    public init(
        quantity: Decimal, unitCode: String, netPrice: Decimal?, priceBaseQuantity: Decimal?, netAmount: Decimal?,
        sellerItemID: String?, gtin: String?, name: String?
    ) {
        self.quantity = quantity
        self.unitCode = unitCode
        self.netPrice = netPrice
        self.priceBaseQuantity = priceBaseQuantity
        self.netAmount = netAmount
        self.sellerItemID = sellerItemID
        self.gtin = gtin
        self.name = name
    }

    public init(_ line: SupplierDocumentLine) {
        self.init(
            quantity: line.quantity, unitCode: line.unitCode, netPrice: line.netPrice,
            priceBaseQuantity: line.priceBaseQuantity, netAmount: line.netAmount, sellerItemID: line.sellerItemID,
            gtin: line.gtin, name: line.itemName ?? line.itemDescription)
    }
}

/// What a line does to stock once resolved.
public struct LineResolution: Sendable, Equatable {
    public enum Movement: String, Sendable, Codable {
        case receipt, `return`, none
    }

    public var supplierItem: SupplierItemRecord?
    public var movement: Movement = .none
    /// The quantity in the ingredient's base unit (positive), when the line moves stock.
    public var quantityBase: Decimal?
    /// Euros per base unit (net amount / base quantity), when the line has an amount.
    public var unitCost: Decimal?
    /// The unit code after mapping a legacy code (KG → KGM).
    public var unitCode: String
    public var hold: HoldReason?
    public var holdDetail: String?
    public var flags: [String] = []

    public var isHeld: Bool { hold != nil }
}

/// Resolves one line against the supplier's items: which item, which unit, how much of the
/// ingredient, at what cost, and whether anything must wait for a person.
///
/// Pure: the job feeds it lines read from a file or from the database (held documents are
/// resolved again on the next run) and writes what it says.
public enum LineResolver {
    /// Units that count "one of what you sell": invoiced in these, a line means one purchase
    /// unit of the mapping, whatever package that is.
    static let countCodes: Set<String> = ["C62", "EA", "H87", "NAR", "XPP"]

    /// - Parameters:
    ///   - direction: from ``LineDirection`` (document kind and signs).
    ///   - items: the supplier's items, or nil when the supplier itself is not known yet.
    ///   - priceJumpThreshold: 0.30 holds a price more than 30 % above or below the last one.
    ///   - acceptedHold: a hold an operator already accepted for this line (not raised again).
    public static func resolve(
        _ facts: LineFacts, direction: LineDirection, items: SupplierItemIndex?, priceJumpThreshold: Decimal,
        acceptedHold: HoldReason? = nil
    ) -> LineResolution {
        var unitCode = facts.unitCode.trimmedXMLWhitespace.uppercased()
        var resolution = LineResolution(unitCode: unitCode)
        if direction.signDisagreement { resolution.flags.append("sign_disagreement") }
        let knownUnit = try? UnitCode(unitCode)
        if knownUnit == nil, let standard = UnitCode.standardCode(forLegacyCode: unitCode) {
            resolution.flags.append("legacy_unit_code")
            unitCode = standard
            resolution.unitCode = standard
        }
        guard let item = items?.match(sellerItemID: facts.sellerItemID, gtin: facts.gtin, name: facts.name) else {
            resolution.hold = .unmappedItem
            resolution.holdDetail =
                "no supplier item for seller id \(facts.sellerItemID ?? "-"), GTIN \(facts.gtin ?? "-"), "
                + "name '\(facts.name ?? "-")'" + (looksLikeDeposit(facts.name) ? " (looks like a deposit)" : "")
            return resolution
        }
        resolution.supplierItem = item
        guard item.stockEffect == .ingredient, let ingredientUnit = item.ingredientUnit else {
            return resolution  // deposit, transport, non-food: recorded, never in stock
        }
        guard let unit = knownUnit ?? (try? UnitCode(unitCode)) else {
            resolution.hold = .unknownUnit
            resolution.holdDetail = "unit code '\(facts.unitCode)' is not a UN/ECE Rec 20/21 code"
            return resolution
        }
        let mappedUnit = item.purchaseUnitCode.uppercased()
        if unit.isPackaging, unitCode != mappedUnit,
            !(countCodes.contains(unitCode) && countCodes.contains(mappedUnit)),
            acceptedHold != .packSizeChanged
        {
            resolution.hold = .packSizeChanged
            resolution.holdDetail =
                "invoiced per \(unitCode), mapped per \(mappedUnit) of \(item.packSize) \(ingredientUnit)"
            return resolution
        }
        let pack = Quantity(value: item.packSize, unit: ingredientUnit)
        let base: Quantity
        do {
            base = try unit.baseQuantity(of: direction.quantity, ingredientUnit: ingredientUnit, packSize: pack)
        } catch {
            resolution.hold = .unitMismatch
            resolution.holdDetail = "\(unitCode) cannot be converted to \(ingredientUnit) for this item"
            return resolution
        }
        resolution.movement = base.value > 0 ? (direction.movement == .receipt ? .receipt : .return) : .none
        resolution.quantityBase = base.value > 0 ? base.value : nil
        if let amount = facts.netAmount, base.value > 0 {
            resolution.unitCost = abs(amount) / base.value
        }
        if acceptedHold != .priceJump, acceptedHold != .packSizeChanged,
            let jump = priceJump(facts, unitCode: unitCode, item: item, threshold: priceJumpThreshold)
        {
            resolution.hold = jump.0
            resolution.holdDetail = jump.1
        }
        return resolution
    }

    /// Compares the price per purchase unit with the item's last one. A ratio close to a whole
    /// number (×2, ×6, ÷4...) is a pack size change rather than a price change.
    static func priceJump(
        _ facts: LineFacts, unitCode: String, item: SupplierItemRecord, threshold: Decimal
    )
        -> (HoldReason, String)?
    {
        guard let last = item.lastUnitPrice, last > 0, let price = facts.netPrice, price > 0 else { return nil }
        let mapped = item.purchaseUnitCode.uppercased()
        // The line counts purchase units: in the mapping's own unit, or in a count code (3 C62 of
        // an item bought per case are 3 cases, converted so: its price must be checked so too).
        guard unitCode == mapped || countCodes.contains(unitCode) else { return nil }
        let perUnit = price / (facts.priceBaseQuantity.flatMap { $0 > 0 ? $0 : nil } ?? 1)
        let ratio = perUnit / last
        guard ratio > 1 + threshold || ratio < 1 / (1 + threshold) else { return nil }
        let text = "\(perUnit) per \(unitCode) after \(last)"
        let factor = ratio >= 1 ? ratio : 1 / ratio
        let whole = factor.roundedHalfUp(places: 0)
        if whole >= 2, abs(factor - whole) <= whole * Decimal(5) / 100 {
            return (.packSizeChanged, "\(text): ×\(ratio >= 1 ? "" : "1/")\(whole), the pack size probably changed")
        }
        return (.priceJump, "\(text) (\(percent(ratio - 1)))")
    }

    static func percent(_ change: Decimal) -> String {
        let value = (change * 100).roundedHalfUp(places: 1)
        return (value > 0 ? "+" : "") + "\(value) %"
    }

    static func looksLikeDeposit(_ name: String?) -> Bool {
        guard let name = name?.lowercased() else { return false }
        return ["consigne", "pfand", "statiegeld", "deposit", "palette"].contains { name.contains($0) }
    }
}
