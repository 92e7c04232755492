import Foundation
import Postgres

/// The orders, shops and menus the endpoint serves, read and written through the ordering
/// functions of migration 0013: one statement, so one round trip and one transaction, per call.
///
/// Answers are the JSON documents PostgreSQL builds (`ocpizza_order_json`, `ocpizza_menu_json`),
/// passed through as they are: the endpoint never re-encodes an order. Errors come out as
/// ``OrderingError`` when the client can act on them; anything else is rethrown for the server
/// to log and answer 500.
public struct OrderStore: Sendable {
    public let pool: ConnectionPool

    public init(pool: ConnectionPool) { self.pool = pool }

    /// An order placed, or the stored one for a retried request.
    public struct Placement: Sendable, Equatable {
        /// False when the idempotency key had already placed this order (a retry).
        public var created: Bool
        public var orderID: Int64
        public var json: String
    }

    /// `GET /v1/shops`: every shop, with its address, hours and whether it takes orders now.
    public func shops() async throws -> String {
        try await value(
            """
            SELECT coalesce(json_agg(json_build_object(
                'code', p.code, 'name', p.name, 'phone', p.phone, 'email', p.email,
                'address', json_build_object('line1', a.line1, 'line2', a.line2, 'postcode', a.postcode,
                                             'city', a.city, 'country_code', a.country_code),
                'timezone', p.timezone, 'day_cutoff', to_char(p.day_cutoff, 'HH24:MI'),
                'opening_hours', p.opening_hours, 'opened_on', p.opened_on, 'closed_on', p.closed_on,
                'status', CASE WHEN ocpizza_business_date(p.id, now()) >= p.closed_on THEN 'closed'
                               WHEN ocpizza_business_date(p.id, now()) < p.opened_on THEN 'planned'
                               ELSE 'trading' END,
                'open_now', ocpizza_shop_is_open(p.id, now())) ORDER BY p.code), '[]')::text
            FROM pizzeria p JOIN address a ON a.id = p.address_id
            """) ?? "[]"
    }

    /// `GET /v1/shops/{code}/menu`, or nil for an unknown shop.
    public func menu(shop code: String) async throws -> String? {
        try await value("SELECT ocpizza_menu_json(id)::text FROM pizzeria WHERE code = \(code.uppercased())")
    }

    /// `POST /v1/orders`: prices, checks and records the order (see `ocpizza_place_order`).
    public func place(
        _ request: OrderRequest, idempotencyKey: String, by caller: APIKeyInfo
    ) async throws
        -> Placement
    {
        let body = JSONB(text: request.canonicalJSON)
        let hash = request.hash
        return try await run { session in
            guard
                let row = try session.query(
                    """
                    SELECT created, order_id, body::text AS body
                    FROM ocpizza_place_order(\(body), \(idempotencyKey), \(hash), \(caller.name),
                        (SELECT id FROM pizzeria WHERE code = \(caller.shop)))
                    """
                ).first
            else { throw PostgresError(code: .invalidUsage, message: "ocpizza_place_order returned no row") }
            return Placement(
                created: try row.decode("created"), orderID: try row.decode("order_id"), json: try row.decode("body"))
        }
    }

    /// `GET /v1/orders/{id}`, or nil when there is no such order for this key.
    public func order(id: Int64, by caller: APIKeyInfo) async throws -> String? {
        try await value(
            """
            SELECT ocpizza_order_json(o.id)::text FROM customer_order o
            WHERE o.id = \(id)
              AND (\(caller.shop)::text IS NULL OR o.pizzeria_id = (SELECT id FROM pizzeria WHERE code = \(caller.shop)))
            """)
    }

    /// `POST /v1/orders/{id}/cancel`: only before preparation; gives the stock back.
    public func cancel(id: Int64, reason: String, employeeID: Int64?, by caller: APIKeyInfo) async throws -> String {
        try await requiredValue(
            """
            SELECT ocpizza_cancel_order(\(id), \(reason), \(caller.name), \(employeeID),
                (SELECT id FROM pizzeria WHERE code = \(caller.shop)))::text
            """)
    }

    /// `POST /v1/orders/{id}/status`: one step of the fulfilment state machine.
    public func advance(
        id: Int64, to status: String, employeeID: Int64?, reason: String?, by caller: APIKeyInfo
    ) async throws -> String {
        try await requiredValue(
            """
            SELECT ocpizza_advance_order(\(id), \(status), \(caller.name), \(employeeID), \(reason),
                (SELECT id FROM pizzeria WHERE code = \(caller.shop)))::text
            """)
    }

    /// The first column of the first row, as text.
    private func value(_ sql: SQL) async throws -> String? {
        try await run { session in try session.queryValue(sql, as: String.self) }
    }

    /// The first column of the first row, for the functions that answer or raise (never NULL).
    private func requiredValue(_ sql: SQL) async throws -> String {
        guard let text = try await value(sql) else {
            throw PostgresError(code: .invalidUsage, message: "an ordering function answered NULL")
        }
        return text
    }

    /// Runs `body` on a pooled connection, turning the database's errors into the client's.
    private func run<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        do {
            return try await pool.withConnection { connection in try await connection.withSession(body) }
        } catch let error as PostgresError {
            throw OrderingError.from(error) ?? error
        }
    }
}
