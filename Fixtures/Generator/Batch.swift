import Foundation
import Postgres

/// The rows of a group of shop-days, one buffer per table, copied in foreign-key order inside
/// one transaction.
struct Batch: Sendable {
    var orders = CopyTable(
        "customer_order",
        [
            "id", "pizzeria_id", "order_number", "customer_id", "channel", "fulfilment_mode", "delivery_address",
            "fulfilment_status", "payment_status", "payment_method", "placed_at", "promised_at", "business_date",
            "idempotency_key", "request_hash", "total_ttc_cents", "total_ht_cents", "total_vat_cents", "taken_by",
            "note",
            "updated_at",
        ])
    var lines = CopyTable(
        "order_line",
        [
            "id", "order_id", "pizzeria_id", "line_no", "product_id", "recipe_id", "quantity", "unit_price_ttc_cents",
            "modifiers_ttc_cents", "vat_rate", "line_total_ttc_cents",
        ])
    var lineModifiers = CopyTable(
        "order_line_modifier", ["order_line_id", "modifier_id", "quantity", "price_delta_cents"])
    var events = CopyTable(
        "order_event",
        [
            "id", "order_id", "pizzeria_id", "kind", "from_status", "to_status", "at", "business_date",
            "actor_employee_id",
            "actor", "reason",
        ])
    var payments = CopyTable(
        "payment",
        [
            "id", "pizzeria_id", "order_id", "parent_payment_id", "method", "status", "amount_cents", "processor",
            "processor_reference", "occurred_at", "business_date", "employee_id", "recorded_at",
        ])
    var documents = CopyTable(
        "supplier_document",
        [
            "id", "supplier_id", "pizzeria_id", "kind", "number", "issue_date", "due_date", "delivery_date", "format",
            "file_name", "file_sha256", "status", "total_ht_cents", "total_vat_cents", "total_ttc_cents", "received_at",
            "posted_at",
        ])
    var documentLines = CopyTable(
        "supplier_document_line",
        [
            "id", "document_id", "line_no", "line_ref", "seller_item_id", "standard_item_id", "description", "quantity",
            "unit_code", "unit_price", "net_cents", "vat_category", "vat_rate", "supplier_item_id", "quantity_base",
        ])
    var counts = CopyTable(
        "stock_count",
        [
            "id", "pizzeria_id", "counted_at", "business_date", "scope", "status", "counted_by", "approved_by",
            "approved_at", "created_at",
        ])
    var countLines = CopyTable(
        "stock_count_line",
        ["id", "count_id", "pizzeria_id", "ingredient_id", "quantity", "entered_quantity", "entered_unit_code"])
    var wastes = CopyTable(
        "waste_log",
        [
            "id", "pizzeria_id", "ingredient_id", "product_id", "recipe_id", "quantity", "reason", "occurred_at",
            "business_date", "employee_id", "note", "created_at",
        ])
    var movements = CopyTable(
        "stock_movement",
        [
            "id", "pizzeria_id", "ingredient_id", "kind", "quantity", "unit_cost", "occurred_at", "business_date",
            "source_type", "source_id", "posted_at",
        ])

    /// The last order number given per shop id in this batch.
    var lastOrderNumbers: [Int64: Int64] = [:]
    var shopDays = 0

    var rowCount: Int {
        orders.rows + lines.rows + lineModifiers.rows + events.rows + payments.rows + documents.rows
            + documentLines.rows + counts.rows + countLines.rows + wastes.rows + movements.rows
    }

    /// Copies every table (parents first) and moves the shops' order-number counters; returns the
    /// rows copied per table and the seconds the server took. Run it inside a transaction.
    mutating func copy(into session: PostgresSession) throws -> [String: (rows: Int, seconds: Double)] {
        var copied: [String: (rows: Int, seconds: Double)] = [:]
        let clock = ContinuousClock()
        func copy(_ table: inout CopyTable) throws {
            let started = clock.now
            let rows = try table.copy(into: session)
            let elapsed = clock.now - started
            copied[table.table, default: (0, 0)].rows += rows
            copied[table.table, default: (0, 0)].seconds +=
                Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        try copy(&orders)
        try copy(&lines)
        try copy(&lineModifiers)
        try copy(&events)
        try copy(&payments)
        try copy(&documents)
        try copy(&documentLines)
        try copy(&counts)
        try copy(&countLines)
        try copy(&wastes)
        try copy(&movements)
        if !lastOrderNumbers.isEmpty {
            let shops = lastOrderNumbers.keys.sorted()
            try session.execute(
                """
                INSERT INTO order_number_counter AS c (pizzeria_id, last_number)
                SELECT * FROM unnest(\(shops)::bigint[], \(shops.map { lastOrderNumbers[$0] ?? 0 })::bigint[])
                ON CONFLICT (pizzeria_id) DO UPDATE SET last_number = greatest(c.last_number, excluded.last_number)
                """)
        }
        lastOrderNumbers = [:]
        return copied
    }
}

/// What a shop's stock and order numbering look like between two of its days.
struct ShopState {
    var nextOrderNumber: Int64
    /// The ledger (sum of stock movements), in thousandths, per ingredient index.
    var ledger: [Int64]
    /// What is really on the shelves (the ledger less unrecorded usage), in thousandths.
    var physical: [Int64]
    var hasOpening: Bool
}
