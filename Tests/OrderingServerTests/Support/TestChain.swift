import DemoChain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Migrations
import NIOCore
import Ordering
import OrderingServer
import Postgres
import TestSupport

/// The demo chain, ready to take orders, in a database of the test's own.
///
/// Built once per test process as a template database (migrated, demo chain seeded, every
/// trading shop open around the clock, 100 kg / 100 l / 100 000 pieces of every ingredient in
/// stock through an approved opening count), then copied with `CREATE DATABASE ... TEMPLATE` for
/// each test, which takes a fraction of a second. Tests change what they need (opening hours, a
/// low stock) in their own copy.
enum TestChain {
    /// The opening stock of every ingredient in every trading shop, in base units.
    static let openingStock = 100_000

    private static let template = TemplateDatabase(prefix: "ocpizza_chain_template") { conninfo in
        try await build(conninfo)
    }

    /// A fresh copy of the chain for `body`, dropped afterwards.
    static func withDatabase<T>(_ body: (_ conninfo: String) async throws -> T) async throws -> T {
        try await TestDatabase.withDatabase(template: try await template.name()) { conninfo, _ in
            try await body(conninfo)
        }
    }

    /// A copy of the chain and a live server on a free port in front of it (`.live`: real HTTP
    /// over a socket), or the router alone (`.router`: in-process, no socket).
    static func withServer<T: Sendable>(
        _ setup: ServerSetup = .live, poolSize: Int = 4,
        _ body: @escaping @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        try await withDatabase { conninfo in
            let service = OrderingService(
                conninfo: conninfo, poolSize: poolSize, logger: TestDatabase.logger, keyCacheLifetime: .zero)
            let watcher = Task { await service.maintenance.run() }
            defer { watcher.cancel() }
            do {
                let value: T
                switch setup {
                case .live:
                    value = try await LiveServer.run(service: service) { port in
                        try await body(TestServer(transport: .live(port: port), conninfo: conninfo, service: service))
                    }
                case .router:
                    let app = Application(
                        router: OrderingServer.router(service: service),
                        configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: TestDatabase.logger)
                    value = try await app.test(.router) { client in
                        try await body(TestServer(transport: .router(client), conninfo: conninfo, service: service))
                    }
                }
                await service.shutdown()
                return value
            } catch {
                await service.shutdown()
                throw error
            }
        }
    }

    /// Runs SQL on a database of the chain.
    static func sql<T: Sendable>(
        _ conninfo: String, _ body: @escaping @Sendable (PostgresSession) throws -> T
    ) async throws -> T {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
        defer { Task { await connection.close() } }
        return try await connection.withSession(body)
    }

    /// Migrates the template, seeds the demo chain, opens every trading shop and stocks it.
    private static func build(_ conninfo: String) async throws {
        try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
        _ = try await DemoChain.seed(conninfo: conninfo, demo: true, logger: TestDatabase.logger)
        try await sql(conninfo) { session in
            try session.executeScript(
                """
                UPDATE pizzeria SET opening_hours = (
                    SELECT jsonb_object_agg(day, '[["00:00", "00:00"]]'::jsonb)
                    FROM unnest('{mon,tue,wed,thu,fri,sat,sun}'::text[]) AS day)
                WHERE opened_on <= current_date;
                WITH counts AS (
                    INSERT INTO stock_count (pizzeria_id, counted_at, business_date, status, approved_at)
                    SELECT id, now() - interval '1 day', current_date - 1, 'approved', now()
                    FROM pizzeria WHERE opened_on <= current_date
                    RETURNING id, pizzeria_id),
                lines AS (
                    INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
                    SELECT counts.id, counts.pizzeria_id, i.id, \(openingStock)
                    FROM counts CROSS JOIN ingredient i
                    RETURNING id, pizzeria_id, ingredient_id, quantity)
                INSERT INTO stock_movement (
                    pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date, source_type, source_id)
                SELECT pizzeria_id, ingredient_id, 'opening', quantity, now() - interval '1 day', current_date - 1,
                       'stock_count_line', id
                FROM lines;
                """)
        }
    }
}

/// A running endpoint in front of a test's database.
struct TestServer: Sendable {
    enum Transport: Sendable {
        case live(port: Int)
        case router(any TestClientProtocol)
    }

    let transport: Transport
    let conninfo: String
    let service: OrderingService

    /// The live server's port (nil for the in-process router).
    var port: Int? {
        guard case .live(let port) = transport else { return nil }
        return port
    }

    /// Creates an API key with these scopes (bound to `shop` when given) and returns it.
    func key(
        _ scopes: [APIScope] = APIScope.allCases, name: String = "test-channel", shop: String? = nil
    )
        async throws -> String
    {
        try await TestChain.sql(conninfo) { session in
            try APIKeys.create(name: name, scopes: scopes, shop: shop, in: session).key
        }
    }

    /// Sends a request; `json` is sent as the body with `Content-Type: application/json`.
    @discardableResult
    func request(
        _ method: HTTPRequest.Method, _ uri: String, key: String? = nil, idempotencyKey: String? = nil,
        json: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> ServerResponse {
        var headers = extra
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        let body = json.map { ByteBuffer(string: $0) }
        switch transport {
        case .live(let port):
            return try await LiveServer.send(port: port, uri: uri, method: method, headers: headers, body: body)
        case .router(let client):
            let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
            return ServerResponse(head: response.head, body: response.body)
        }
    }

    /// Places an order and returns the response (201 expected by most callers).
    @discardableResult
    func placeOrder(
        _ body: String, key: String, idempotencyKey: String = UUID().uuidString
    ) async throws
        -> ServerResponse
    {
        try await request(.post, "/v1/orders", key: key, idempotencyKey: idempotencyKey, json: body)
    }
}

extension ServerResponse {
    /// The body as text.
    var text: String { String(buffer: body) }

    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }
}

/// Order bodies against the demo chain.
enum Orders {
    /// A web delivery order for PAR11: 2 Margherita with extra mozzarella and a cola, paid
    /// online. 2 × (11.00 + 1.50) + 2.80 = 27.80 € (VAT 10 %: 2.27, 5.5 %: 0.15).
    static let webDelivery = """
        {"shop": "PAR11", "channel": "web",
         "customer": {"phone": "06 12 34 56 78", "name": "Camille Martin"},
         "fulfilment": "delivery",
         "delivery_address": {"line1": "12 rue de la Roquette", "postcode": "75011", "city": "Paris"},
         "lines": [{"product": "PIZ-MARGHERITA", "quantity": 2, "modifiers": ["extra-mozzarella"]},
                   {"product": "DRK-COLA-33", "quantity": 1}],
         "payment": {"method": "online_card", "reference": "pi_test_0001"}}
        """

    /// A counter pickup order paid in cash, without a customer: one Reine.
    static let counterPickup = """
        {"shop": "PAR11", "channel": "counter", "fulfilment": "pickup",
         "lines": [{"product": "PIZ-REINE", "quantity": 1}],
         "payment": {"method": "counter_cash"}}
        """

    /// A phone delivery order paid cash on delivery, for `shop`.
    static func phoneDelivery(shop: String = "PAR11", product: String = "PIZ-REGINA", quantity: Int = 1) -> String {
        """
        {"shop": "\(shop)", "channel": "phone", "customer": {"phone": "+33698765432"},
         "fulfilment": "delivery",
         "delivery_address": {"line1": "3 place Gambetta", "postcode": "75020", "city": "Paris"},
         "lines": [{"product": "\(product)", "quantity": \(quantity)}],
         "payment": {"method": "cash_on_delivery"}}
        """
    }
}
