import Domain
import Foundation
import Postgres
import SupplierDocuments
import Synchronization

/// How an import run behaves.
public struct SupplierImportSettings: Sendable {
    /// A price per purchase unit more than this fraction above or below the last one holds the
    /// line (0.30 = 30 %).
    public var priceJumpThreshold: Decimal
    /// CII puts its header after the lines: at most this many lines wait in memory for it.
    public var maximumBufferedLines: Int
    /// The job run the rows are written for.
    public var runID: Int64?

    public init(
        priceJumpThreshold: Decimal = Decimal(30) / 100, maximumBufferedLines: Int = 100_000, runID: Int64? = nil
    ) {
        self.priceJumpThreshold = priceJumpThreshold
        self.maximumBufferedLines = maximumBufferedLines
        self.runID = runID
    }
}

/// Each supplier's active items, read once per run and again after a document of that supplier
/// is posted (its last prices moved).
final class SupplierItemCache: Sendable {
    private let indexes = Mutex<[Int64: SupplierItemIndex]>([:])

    func index(for supplierID: Int64, session: PostgresSession) throws -> SupplierItemIndex {
        if let known = indexes.withLock({ $0[supplierID] }) { return known }
        var records: [SupplierItemRecord] = []
        for row in try session.query(
            """
            SELECT si.id, si.seller_item_id, si.gtin, si.description, si.stock_effect, si.ingredient_id, i.base_unit,
                   si.pack_size, si.purchase_unit_code, si.last_unit_price
            FROM supplier_item si LEFT JOIN ingredient i ON i.id = si.ingredient_id
            WHERE si.supplier_id = \(supplierID) AND si.active
            ORDER BY si.id
            """)
        {
            let effect: String = try row.decode("stock_effect")
            let unit: String? = try row.decode("base_unit")
            records.append(
                SupplierItemRecord(
                    id: try row.decode("id"), sellerItemID: try row.decode("seller_item_id"),
                    gtin: try row.decode("gtin"), description: try row.decode("description"),
                    stockEffect: SupplierItemRecord.StockEffect(rawValue: effect) ?? .nonFood,
                    ingredientID: try row.decode("ingredient_id"), ingredientUnit: unit.flatMap(BaseUnit.init),
                    packSize: try row.decode("pack_size"), purchaseUnitCode: try row.decode("purchase_unit_code"),
                    lastUnitPrice: try row.decode("last_unit_price")))
        }
        let index = SupplierItemIndex(records)
        indexes.withLock { $0[supplierID] = index }
        return index
    }

    func invalidate(_ supplierID: Int64) {
        _ = indexes.withLock { $0.removeValue(forKey: supplierID) }
    }
}

/// The COPY row of one `supplier_document_line`, in the column order of `DocumentImport.flush`.
enum LineRow {
    static func fields(
        _ line: SupplierDocumentLine, resolution: LineResolution, documentID: Int64, file: String
    ) throws(SupplierDocumentError) -> [String?] {
        var flags = line.flags + resolution.flags
        var netCents: String?
        if let amount = line.netAmount {
            let cents = try DocumentTotalsCents.cents(amount, file: file)
            if Decimal(cents) != amount * 100 { flags.append("amount_rounded") }
            netCents = String(cents)
        }
        let unitPrice = line.netPrice.map { price in
            rounded(price / (line.priceBaseQuantity.flatMap { $0 > 0 ? $0 : nil } ?? 1), places: 4)
        }
        let quantityBase = resolution.quantityBase.map { rounded($0, places: 3) }
        if let exact = resolution.quantityBase, let stored = quantityBase, exact != stored {
            flags.append("quantity_rounded")
        }
        let vatRate = line.vatPercent.map { rounded($0 / 100, places: 4) }
        return [
            String(documentID), String(line.position), line.lineID, line.sellerItemID, line.standardItemID?.id,
            line.itemName ?? line.itemDescription, text(line.quantity), resolution.unitCode,
            unitPrice.map(text), netCents, line.vatCategory, vatRate.map(text),
            resolution.supplierItem.map { String($0.id) }, quantityBase.map(text), resolution.hold?.rawValue,
            String(line.fileLine), resolution.movement.rawValue,
            resolution.unitCost.map { text(rounded($0, places: 8)) }, "{" + flags.joined(separator: ",") + "}",
            resolution.holdDetail,
        ]
    }

    static func rounded(_ value: Decimal, places: Int) -> Decimal { value.roundedHalfUp(places: places) }

    /// Plain decimal text (Decimal's description never uses an exponent), as numeric input wants it.
    static func text(_ value: Decimal) -> String { value.description }
}
