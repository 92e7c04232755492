import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import Ordering
import Postgres
import Testing

// MARK: - Shared by the ordering suites (PlaceOrder, Idempotency, Stock, Cancellation, Auth)

/// An integer member of a JSONSerialization result.
func int(_ value: Any?) -> Int? {
    switch value {
    case let number as Int: number
    case let number as NSNumber: number.intValue
    default: nil
    }
}

/// A decimal from its text (exact, unlike a Double literal).
func dec(_ text: String) -> Decimal { Decimal(string: text) ?? .nan }

extension ServerResponse {
    /// The `id` of an order answer (0 when the answer is not an order).
    var orderID: Int64 { Int64(int(object["id"]) ?? 0) }

    /// The JSON Pointer of a 422 answer.
    var field: String? { object["field"] as? String }
}

/// A payment row as the tests compare it.
struct PaymentRow: Equatable, Sendable {
    var method: String
    var status: String
    var amount: Int64
    var processor: String?
    var reference: String?
    /// Whether it points at a parent payment (a capture or a void of the authorisation).
    var parent: Bool
    var employee: Int64?
}

extension TestServer {
    /// Runs SQL on the test's database.
    func sql<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await TestChain.sql(conninfo, body)
    }

    /// The single integer a query returns.
    func count(_ query: SQL) async throws -> Int64 {
        try await sql { session in try session.queryValue(query, as: Int64.self) ?? 0 }
    }

    /// A text column of an order.
    func orderColumn(_ column: String, _ id: Int64) async throws -> String? {
        try await sql { session in
            try session.queryValue(
                "SELECT \(identifier: column)::text FROM customer_order WHERE id = \(id)", as: String.self)
        }
    }

    /// The theoretical on-hand of every ingredient of a shop, by SKU.
    func balances(_ shop: String = "PAR11") async throws -> [String: Decimal] {
        try await sql { session in
            Dictionary(
                uniqueKeysWithValues: try session.query(
                    """
                    SELECT i.sku, b.quantity FROM stock_balance b JOIN ingredient i ON i.id = b.ingredient_id
                    WHERE b.pizzeria_id = (SELECT id FROM pizzeria WHERE code = \(shop))
                    """
                ).map { (try $0.decode("sku", as: String.self), try $0.decode("quantity", as: Decimal.self)) })
        }
    }

    /// Sets an ingredient's on-hand the way a shop does: an approved partial count, posted as a
    /// count_adjustment movement of the difference.
    func setStock(_ sku: String, to quantity: Decimal, shop: String = "PAR11") async throws {
        try await sql { session in
            try session.execute(
                """
                WITH shop AS (SELECT id, ocpizza_business_date(id, now()) AS day FROM pizzeria WHERE code = \(shop)),
                counted AS (
                    INSERT INTO stock_count (pizzeria_id, counted_at, business_date, scope, status, approved_at)
                    SELECT id, now(), day, 'partial', 'approved', now() FROM shop RETURNING id, pizzeria_id, business_date),
                line AS (
                    INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
                    SELECT counted.id, counted.pizzeria_id, i.id, \(quantity) FROM counted, ingredient i WHERE i.sku = \(sku)
                    RETURNING id, pizzeria_id, ingredient_id, quantity)
                INSERT INTO stock_movement (
                    pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date, source_type, source_id)
                SELECT line.pizzeria_id, line.ingredient_id, 'count_adjustment', line.quantity - b.quantity, now(),
                       counted.business_date, 'stock_count_line', line.id
                FROM line JOIN counted ON true
                JOIN stock_balance b ON b.pizzeria_id = line.pizzeria_id AND b.ingredient_id = line.ingredient_id
                WHERE line.quantity <> b.quantity
                """)
        }
        #expect(try await balances(shop)[sku] == quantity)
    }

    /// The payment rows of an order, oldest first.
    func payments(of order: Int64) async throws -> [PaymentRow] {
        try await sql { session in
            try session.query(
                """
                SELECT method, status, amount_cents, processor, processor_reference, parent_payment_id IS NOT NULL AS parent,
                       employee_id
                FROM payment WHERE order_id = \(order) ORDER BY id
                """
            ).map { row in
                PaymentRow(
                    method: try row.decode("method"), status: try row.decode("status"),
                    amount: try row.decode("amount_cents"),
                    processor: try row.decode("processor"), reference: try row.decode("processor_reference"),
                    parent: try row.decode("parent"), employee: try row.decode("employee_id"))
            }
        }
    }

    /// `POST /v1/orders/{id}/status`.
    @discardableResult
    func advance(_ id: Int64, to status: String, key: String, employee: Int64? = nil) async throws -> ServerResponse {
        let member = employee.map { #", "employee_id": \#($0)"# } ?? ""
        return try await request(
            .post, "/v1/orders/\(id)/status", key: key, json: #"{"status": "\#(status)"\#(member)}"#)
    }

    /// `POST /v1/orders/{id}/cancel`.
    @discardableResult
    func cancel(
        _ id: Int64, reason: String = "customer called back", key: String, employee: Int64? = nil
    ) async throws
        -> ServerResponse
    {
        let member = employee.map { #", "employee_id": \#($0)"# } ?? ""
        return try await request(
            .post, "/v1/orders/\(id)/cancel", key: key, json: #"{"reason": "\#(reason)"\#(member)}"#)
    }

    /// An employee of a shop in a role (the demo chain has drivers, pizzaiolos, order takers...).
    func employee(_ role: String, shop: String = "PAR11") async throws -> Int64 {
        try await count(
            """
            SELECT min(e.id) FROM employee e JOIN pizzeria p ON p.id = e.pizzeria_id
            WHERE p.code = \(shop) AND e.role = \(role)
            """)
    }
}

/// An order_event row as the tests compare it.
struct EventRow: Equatable, Sendable {
    var kind: String
    var from: String?
    var to: String
    var actor: String
    var employee: Int64?
    var reason: String?
}

/// An order's sale_consumption movements and their counter-entries.
struct LedgerSummary: Equatable, Sendable {
    var consumed: Int64
    var reversed: Int64
    var net: Decimal
}

extension TestServer {
    /// Moves an order through `statuses`, expecting each move to be accepted.
    func walk(_ id: Int64, to statuses: [String], key: String) async throws {
        for status in statuses {
            let response = try await advance(id, to: status, key: key)
            #expect(response.status == .ok, "→ \(status): \(response.text)")
        }
    }

    /// The events of an order, in order.
    func events(of order: Int64) async throws -> [EventRow] {
        try await sql { session in
            try session.query(
                """
                SELECT kind, from_status, to_status, actor, actor_employee_id, reason
                FROM order_event WHERE order_id = \(order) ORDER BY at, id
                """
            ).map { row in
                EventRow(
                    kind: try row.decode("kind"), from: try row.decode("from_status"), to: try row.decode("to_status"),
                    actor: try row.decode("actor"), employee: try row.decode("actor_employee_id"),
                    reason: try row.decode("reason"))
            }
        }
    }

    /// How many consumption movements an order's lines have, how many were reversed, and their
    /// net quantity.
    func reversals(of order: Int64) async throws -> LedgerSummary {
        try await sql { session in
            let row = try session.query(
                """
                SELECT count(*) FILTER (WHERE m.reverses_movement_id IS NULL) AS consumed,
                       count(*) FILTER (WHERE m.reverses_movement_id IS NOT NULL) AS reversed,
                       coalesce(sum(m.quantity), 0) AS net
                FROM stock_movement m JOIN order_line l ON l.id = m.source_id
                WHERE m.source_type = 'order_line' AND m.kind = 'sale_consumption' AND l.order_id = \(order)
                """
            ).first
            return LedgerSummary(
                consumed: try row?.decode("consumed") ?? -1, reversed: try row?.decode("reversed") ?? -1,
                net: try row?.decode("net") ?? -1)
        }
    }
}
