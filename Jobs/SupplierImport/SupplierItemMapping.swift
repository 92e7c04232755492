import CSV
import Domain
import Foundation
import Postgres
import SupplierDocuments

/// An operator's answer to an unmapped or changed supplier line: this supplier article is this
/// ingredient, in packs of this size (or never enters stock: a deposit, transport, non-food).
public struct SupplierItemMapping: Sendable, Codable, Equatable {
    /// The supplier: its id, SIREN, VAT number or exact name.
    public var supplier: String
    public var sellerItemID: String?
    public var gtin: String?
    /// The ingredient's SKU; nil for a line that never enters stock.
    public var ingredient: String?
    /// Base units of the ingredient in one purchase unit (needed for packages and counts).
    public var packSize: Decimal?
    /// The unit the supplier invoices the article in (KGM, XCS, C62...).
    public var unitCode: String?
    public var stockEffect: SupplierItemRecord.StockEffect
    public var description: String?

    public init(
        supplier: String, sellerItemID: String?, gtin: String?, ingredient: String?, packSize: Decimal?,
        unitCode: String?, stockEffect: SupplierItemRecord.StockEffect = .ingredient, description: String? = nil
    ) {
        self.supplier = supplier
        self.sellerItemID = sellerItemID
        self.gtin = gtin
        self.ingredient = ingredient
        self.packSize = packSize
        self.unitCode = unitCode
        self.stockEffect = stockEffect
        self.description = description
    }
}

/// What applying a mapping did.
public struct SupplierItemMappingResult: Sendable, Codable, Equatable {
    public enum Change: String, Sendable, Codable {
        /// A new supplier item.
        case created
        /// The article was mapped differently: the old item is deactivated, a new one replaces it.
        case replaced
        /// Already mapped exactly so.
        case unchanged
    }

    public var supplierItemID: Int64
    public var change: Change
    public var supplier: String
    public var article: String
}

/// A mapping that cannot be applied, with the CSV row when it came from one (exit 65).
public struct SupplierItemMappingError: Error, Sendable, CustomStringConvertible {
    public var row: Int?
    public var message: String
    public var description: String { row.map { "row \($0): \(message)" } ?? message }
}

public enum SupplierItemMapper {
    /// Applies the mappings in one transaction: all or nothing.
    public static func apply(
        _ mappings: [SupplierItemMapping], in session: PostgresSession
    ) throws
        -> [SupplierItemMappingResult]
    {
        try session.transaction { session in
            var results: [SupplierItemMappingResult] = []
            for (index, mapping) in mappings.enumerated() {
                do {
                    results.append(try apply(mapping, session: session))
                } catch var error as SupplierItemMappingError {
                    error.row = mappings.count > 1 ? index + 2 : nil
                    throw error
                }
            }
            return results
        }
    }

    private static func apply(
        _ mapping: SupplierItemMapping, session: PostgresSession
    ) throws
        -> SupplierItemMappingResult
    {
        guard mapping.sellerItemID?.isEmpty == false || mapping.gtin?.isEmpty == false else {
            throw SupplierItemMappingError(message: "give the supplier's item id or the GTIN of the article")
        }
        let supplierID = try supplier(mapping.supplier, session: session)
        var ingredientID: Int64?
        var packSize = mapping.packSize ?? 1
        var unit = (mapping.unitCode ?? "C62").uppercased()
        if mapping.stockEffect == .ingredient {
            guard let sku = mapping.ingredient?.uppercased(),
                let row = try session.query("SELECT id, base_unit FROM ingredient WHERE sku = \(sku)").first
            else {
                throw SupplierItemMappingError(message: "unknown ingredient '\(mapping.ingredient ?? "")'")
            }
            ingredientID = try row.decode("id")
            let baseUnit = BaseUnit(rawValue: try row.decode("base_unit", as: String.self)) ?? .piece
            guard let code = mapping.unitCode else {
                throw SupplierItemMappingError(message: "give the unit the supplier invoices the article in (--unit)")
            }
            unit = UnitCode.standardCode(forLegacyCode: code) ?? code.uppercased()
            let parsed: UnitCode
            do { parsed = try UnitCode(unit) } catch {
                throw SupplierItemMappingError(message: "unit '\(code)' is not a UN/ECE Rec 20/21 code")
            }
            let pack = mapping.packSize.map { Quantity(value: $0, unit: baseUnit) }
            do { _ = try parsed.baseQuantity(of: 1, ingredientUnit: baseUnit, packSize: pack) } catch {
                throw SupplierItemMappingError(
                    message: "\(unit) does not convert to \(baseUnit) for \(mapping.ingredient ?? ""): "
                        + "\(error.reason) (give --pack-size in \(baseUnit) per \(unit))")
            }
            packSize = mapping.packSize ?? 1
        }
        guard packSize > 0 else { throw SupplierItemMappingError(message: "the pack size must be positive") }
        let existing = try session.query(
            """
            SELECT id, ingredient_id, pack_size, purchase_unit_code, stock_effect, last_unit_price FROM supplier_item
            WHERE supplier_id = \(supplierID) AND active
              AND (seller_item_id = \(mapping.sellerItemID) OR gtin = \(mapping.gtin))
            ORDER BY id
            """)
        let article = mapping.sellerItemID ?? mapping.gtin ?? ""
        var change = SupplierItemMappingResult.Change.created
        var lastPrice: Decimal?
        for row in existing {
            let id: Int64 = try row.decode("id")
            let same =
                try row.decode("ingredient_id", as: Int64?.self) == ingredientID
                && row.decode("pack_size", as: Decimal.self) == packSize
                && row.decode("purchase_unit_code", as: String.self) == unit
                && row.decode("stock_effect", as: String.self) == mapping.stockEffect.rawValue
            if same, existing.count == 1 {
                return SupplierItemMappingResult(
                    supplierItemID: id, change: .unchanged, supplier: mapping.supplier, article: article)
            }
            if try row.decode("pack_size", as: Decimal.self) == packSize {
                lastPrice = try row.decode("last_unit_price")
            }
            try session.execute("UPDATE supplier_item SET active = false WHERE id = \(id)")
            change = .replaced
        }
        let inserted = try session.queryValue(
            """
            INSERT INTO supplier_item (supplier_id, seller_item_id, gtin, ingredient_id, description, pack_size,
                purchase_unit_code, last_unit_price, stock_effect)
            VALUES (\(supplierID), \(mapping.sellerItemID), \(mapping.gtin), \(ingredientID), \(mapping.description),
                \(packSize), \(unit), \(lastPrice), \(mapping.stockEffect.rawValue))
            RETURNING id
            """, as: Int64.self)
        return SupplierItemMappingResult(
            supplierItemID: inserted ?? 0, change: change, supplier: mapping.supplier, article: article)
    }

    /// A supplier by id, SIREN, VAT number or exact name (case-insensitive); exactly one.
    public static func supplier(_ key: String, session: PostgresSession) throws -> Int64 {
        let rows = try session.query(
            """
            SELECT id FROM supplier
            WHERE id::text = \(key) OR siren = \(key) OR vat_id = upper(\(key)) OR lower(name) = lower(\(key))
            """)
        guard rows.count == 1, let row = rows.first else {
            throw SupplierItemMappingError(
                message: rows.count == 0 ? "unknown supplier '\(key)'" : "'\(key)' names \(rows.count) suppliers")
        }
        return try row.decode("id")
    }

    /// Reads mappings from a CSV file with a header row: `supplier, seller_item_id, gtin,
    /// ingredient, pack_size, unit, stock_effect, description` (stock_effect and description
    /// optional; comma or semicolon separated; UTF-8, with or without BOM).
    public static func readCSV(path: String) throws -> [SupplierItemMapping] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SupplierItemMappingError(message: "\(path): cannot read")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let firstLine = text.prefix { $0 != "\n" }
        let delimiter: UnicodeScalar = firstLine.contains(";") && !firstLine.contains(",") ? ";" : ","
        let reader = try CSVReader(string: text, hasHeaderRow: true, trimFields: true, delimiter: delimiter)
        // Column names are matched case-insensitively ("Supplier" is supplier).
        let header = (reader.headerRow ?? []).map { $0.lowercased() }
        let columns = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for required in ["supplier", "ingredient"] where !header.contains(required) {
            throw SupplierItemMappingError(message: "\(path): the header has no '\(required)' column")
        }
        var mappings: [SupplierItemMapping] = []
        var rowNumber = 1
        while let row = reader.next() {
            rowNumber += 1
            func field(_ name: String) -> String? {
                guard let index = columns[name], index < row.count, !row[index].isEmpty else { return nil }
                return row[index]
            }
            let effect = field("stock_effect").map { $0.lowercased() } ?? "ingredient"
            guard let stockEffect = SupplierItemRecord.StockEffect(rawValue: effect) else {
                throw SupplierItemMappingError(row: rowNumber, message: "unknown stock_effect '\(effect)'")
            }
            var packSize: Decimal?
            if let text = field("pack_size") {
                guard let value = Decimal(exactly: text) else {
                    throw SupplierItemMappingError(row: rowNumber, message: "pack_size '\(text)' is not a number")
                }
                packSize = value
            }
            mappings.append(
                SupplierItemMapping(
                    supplier: field("supplier") ?? "", sellerItemID: field("seller_item_id"), gtin: field("gtin"),
                    ingredient: field("ingredient"), packSize: packSize, unitCode: field("unit"),
                    stockEffect: stockEffect, description: field("description")))
        }
        return mappings
    }
}
