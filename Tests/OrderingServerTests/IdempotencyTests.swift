import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Ordering
import Testing

/// `Idempotency-Key`: a retried order is answered, never placed twice; a key reused for another
/// order is refused.
@Suite struct IdempotencyTests {
    static let replayed = HTTPField.Name("Idempotent-Replayed")!

    /// The same key with the same body answers the stored order: same id, Idempotent-Replayed,
    /// one row, the stock taken once.
    @Test func sameKeySameBodyAnswersTheSameOrder() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let first = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: "retry-1")
            let taken = try await server.balances()
            let second = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: "retry-1")
            #expect(first.status == .created && second.status == .created)
            #expect(first.headers[Self.replayed] == nil)
            #expect(second.headers[Self.replayed] == "true")
            #expect(second.orderID == first.orderID && first.orderID > 0)
            #expect(second.headers[.location] == first.headers[.location])
            #expect(second.object["totals"] as? NSDictionary == first.object["totals"] as? NSDictionary)
            #expect(
                try await server.count("SELECT count(*) FROM customer_order WHERE idempotency_key = 'retry-1'") == 1)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
            #expect(try await server.balances() == taken)
        }
    }

    /// Another spacing, member order or phone formatting of the same order is the same request.
    @Test func equivalentBodyIsTheSameRequest() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let first = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: "retry-2")
            let reformatted = """
                {"payment":{"reference":"pi_test_0001","method":"online_card"},"shop":"par11",
                 "lines":[{"modifiers":["extra-mozzarella"],"quantity":2,"product":"piz-margherita"},
                          {"product":"DRK-COLA-33","quantity":1,"modifiers":[]}],
                 "delivery_address":{"city":"Paris","postcode":"75011","line1":"12 rue de la Roquette"},
                 "fulfilment":"delivery","channel":"web",
                 "customer":{"name":"Camille Martin","phone":"+33 6 12 34 56 78"}}
                """
            let second = try await server.placeOrder(reformatted, key: key, idempotencyKey: "retry-2")
            #expect(second.status == .created)
            #expect(second.headers[Self.replayed] == "true")
            #expect(second.orderID == first.orderID)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
        }
    }

    /// The same key with another order is 409 idempotency-key-reused, and nothing is placed.
    @Test func sameKeyOtherBodyIsRefused() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let first = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: "retry-3")
            let other = Orders.webDelivery.replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": 3"#)
            let second = try await server.placeOrder(other, key: key, idempotencyKey: "retry-3")
            #expect(second.status == .conflict)
            #expect(second.headers[.contentType] == "application/problem+json")
            #expect(second.object["type"] as? String == "https://ocpizza.fr/problems/idempotency-key-reused")
            #expect(int(second.object["order_id"]) == Int(first.orderID))
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
            #expect(try await server.count("SELECT sum(quantity) FROM order_line") == 3)
        }
    }

    /// A till key reusing another shop's key learns nothing of that order, not even its id.
    @Test func tillKeyNeverReplaysAnotherShopsOrder() async throws {
        try await TestChain.withServer(.router) { server in
            let chain = try await server.key()
            let till = try await server.key(name: "till-par15", shop: "PAR15")
            let first = try await server.placeOrder(Orders.webDelivery, key: chain, idempotencyKey: "retry-5")
            #expect(first.status == .created)
            let replay = try await server.placeOrder(Orders.webDelivery, key: till, idempotencyKey: "retry-5")
            #expect(replay.status == .conflict)
            #expect(replay.object["type"] as? String == "https://ocpizza.fr/problems/idempotency-key-reused")
            #expect(replay.object["order_id"] == nil)
            #expect((replay.object["detail"] as? String)?.contains("order \(first.orderID)") == false)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
        }
    }

    /// An order without an Idempotency-Key (or with an unusable one) is refused with 400.
    @Test func missingOrInvalidHeaderIsRefused() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let missing = try await server.request(.post, "/v1/orders", key: key, json: Orders.webDelivery)
            #expect(missing.status == .badRequest)
            #expect(missing.object["type"] as? String == "https://ocpizza.fr/problems/idempotency-key-required")
            let blank = try await server.request(
                .post, "/v1/orders", key: key, json: Orders.webDelivery,
                headers: [HTTPField.Name("Idempotency-Key")!: ""])
            #expect(blank.status == .badRequest)
            for unusable in [String(repeating: "k", count: 256), "two words", "clé"] {
                let response = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: unusable)
                #expect(response.status == .badRequest, "\(unusable)")
                #expect(response.object["type"] as? String == "https://ocpizza.fr/problems/idempotency-key-invalid")
            }
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)
            let longest = try await server.placeOrder(
                Orders.webDelivery, key: key, idempotencyKey: String(repeating: "k", count: 255))
            #expect(longest.status == .created)
        }
    }

    /// Eight simultaneous retries of one key (eight connections, eight pooled database
    /// connections) place one order, and every answer is that order.
    @Test func concurrentRetriesPlaceOneOrder() async throws {
        try await TestChain.withServer(poolSize: 8) { server in
            let key = try await server.key()
            let answers = try await Self.concurrently(8, server: server) { _ in
                (key: key, idempotencyKey: "same-key-8", body: Orders.webDelivery)
            }
            #expect(answers.count == 8)
            #expect(answers.allSatisfy { $0.status == .created })
            #expect(Set(answers.map(\.orderID)).count == 1)
            #expect(answers.filter { !$0.replayed }.count == 1)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
            #expect(try await server.count("SELECT count(*) FROM payment") == 1)
        }
    }

    /// A client that wrongly resends one paid order with new keys, all at once: one order is
    /// placed and the others are refused 422 /payment/reference (the reference pays one order).
    @Test func simultaneousNewKeysForOnePaymentPlaceOneOrder() async throws {
        try await TestChain.withServer(poolSize: 6) { server in
            let key = try await server.key()
            let answers = try await Self.concurrently(6, server: server) { _ in
                (key: key, idempotencyKey: UUID().uuidString, body: Orders.webDelivery)
            }
            #expect(answers.filter { $0.status == .created }.count == 1)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
            #expect(try await server.count("SELECT count(*) FROM payment") == 1)
            #expect(
                answers.filter { $0.status == .unprocessableContent && $0.field == "/payment/reference" }.count == 5)
            #expect(!answers.contains { $0.status == .internalServerError })
        }
    }

    /// A retry after the order moved on still answers the order, as it is now.
    @Test func retryAfterTheOrderMovedOn() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let first = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: "retry-4")
            #expect(try await server.advance(first.orderID, to: "accepted", key: key).status == .ok)
            let retry = try await server.placeOrder(Orders.webDelivery, key: key, idempotencyKey: "retry-4")
            #expect(retry.status == .created)
            #expect(retry.headers[Self.replayed] == "true")
            #expect(retry.orderID == first.orderID)
            #expect(retry.object["status"] as? String == "accepted")
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
        }
    }

    /// One answer of ``concurrently(_:server:_:)``.
    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var orderID: Int64
        var replayed: Bool
        var field: String?
    }

    /// Sends `count` orders at once, each on its own connection to the live server.
    static func concurrently(
        _ count: Int, server: TestServer,
        _ request: @escaping @Sendable (Int) -> (key: String, idempotencyKey: String, body: String)
    ) async throws -> [Answer] {
        let port = try #require(server.port)
        return try await withThrowingTaskGroup(of: Answer.self) { group in
            for index in 0..<count {
                let (key, idempotencyKey, body) = request(index)
                group.addTask {
                    try await TestClient.withClient(
                        host: "127.0.0.1", port: port, configuration: .init(timeout: LiveServer.requestTimeout)
                    ) { client in
                        let response = try await client.execute(
                            .init(
                                "/v1/orders", method: .post,
                                headers: [
                                    .authorization: "Bearer \(key)", .contentType: "application/json",
                                    HTTPField.Name("Idempotency-Key")!: idempotencyKey,
                                ], body: ByteBuffer(string: body)))
                        let text = String(buffer: response.body ?? ByteBuffer())
                        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                        return Answer(
                            status: response.status, orderID: Int64(int(object?["id"]) ?? 0),
                            replayed: response.headers[IdempotencyTests.replayed] == "true",
                            field: object?["field"] as? String)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }
}
