import Foundation
import HTTPTypes
import HummingbirdTesting
import Ordering
import Postgres
import Testing

/// What guards `/v1`: API keys and their scopes and shop, body limits, content types, problem
/// documents that leak nothing, and maintenance mode.
@Suite struct AuthAndLimitsTests {
    /// Words an answer must never carry: SQL, internal function names, Swift error types and files.
    static let internals = ["SQL", "SELECT", "ocpizza_", "PostgresError", ".swift", "DecodingError"]

    /// An error answer: problem+json with type, title, status and detail, and nothing internal.
    static func expectProblem(
        _ response: ServerResponse, _ status: HTTPResponse.Status, _ slug: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/problem+json", sourceLocation: sourceLocation)
        let object = response.object
        #expect(int(object["status"]) == status.code, sourceLocation: sourceLocation)
        #expect(object["title"] is String && object["detail"] is String, sourceLocation: sourceLocation)
        if let slug {
            #expect(object["type"] as? String == "https://ocpizza.fr/problems/\(slug)", sourceLocation: sourceLocation)
        }
        for word in internals {
            #expect(!response.text.contains(word), "\(word) in \(response.text)", sourceLocation: sourceLocation)
        }
    }

    /// No key, a malformed header, an unknown or a revoked key: 401 with WWW-Authenticate.
    @Test func keysAreRequired() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let none = try await server.request(.get, "/v1/shops")
            Self.expectProblem(none, .unauthorized, "unauthorized")
            #expect(none.headers[.wwwAuthenticate] == #"Bearer realm="ocpizza""#)
            let unknown = "ocp_" + String(repeating: "a", count: 32)
            for header in ["Bearer \(unknown)", "Basic \(key)", "Bearer", key, "Bearer \(key)x", "Bearer ocp_short"] {
                let response = try await server.request(.get, "/v1/shops", headers: [.authorization: header])
                Self.expectProblem(response, .unauthorized, "unauthorized")
                #expect(response.headers[.wwwAuthenticate] != nil)
            }
            #expect(try await server.request(.get, "/v1/shops", key: key).status == .ok)
            let revoked = try await server.sql { session in try APIKeys.revoke(APIKeys.prefix(of: key), in: session) }
            #expect(revoked)
            Self.expectProblem(try await server.request(.get, "/v1/shops", key: key), .unauthorized, "unauthorized")
            Self.expectProblem(
                try await server.placeOrder(Orders.webDelivery, key: key), .unauthorized, "unauthorized")
        }
    }

    /// Each route needs its scope; a key without it gets 403 naming the scope.
    @Test func eachRouteNeedsItsScope() async throws {
        try await TestChain.withServer(.router) { server in
            let all = try await server.key()
            let id = try await server.placeOrder(Orders.counterPickup, key: all).orderID
            let routes: [(APIScope, HTTPRequest.Method, String, String?)] = [
                (.menuRead, .get, "/v1/shops", nil), (.menuRead, .get, "/v1/shops/PAR11/menu", nil),
                (.ordersWrite, .post, "/v1/orders", Orders.counterPickup), (.ordersRead, .get, "/v1/orders/\(id)", nil),
                (.ordersCancel, .post, "/v1/orders/\(id)/cancel", #"{"reason": "test"}"#),
                (.ordersStatus, .post, "/v1/orders/\(id)/status", #"{"status": "accepted"}"#),
            ]
            for (scope, method, path, body) in routes {
                let others = try await server.key(APIScope.allCases.filter { $0 != scope })
                let refused = try await server.request(method, path, key: others, idempotencyKey: "scope", json: body)
                Self.expectProblem(refused, .forbidden, "forbidden")
                #expect((refused.object["detail"] as? String)?.contains(scope.rawValue) == true, "\(path)")
            }
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
            #expect(try await server.orderColumn("fulfilment_status", id) == "placed")
            let reader = try await server.key([.ordersRead])
            #expect(try await server.request(.get, "/v1/orders/\(id)", key: reader).status == .ok)
        }
    }

    /// A key bound to PAR11 places and sees PAR11's orders only: another shop's order is 403 to
    /// place and 404 to read, cancel or move.
    @Test func shopBoundKeysStayInTheirShop() async throws {
        try await TestChain.withServer { server in
            let chain = try await server.key()
            let till = try await server.key(name: "till-par11", shop: "PAR11")
            let elsewhere = try await server.placeOrder(Orders.phoneDelivery(shop: "PAR15"), key: chain).orderID
            #expect(elsewhere > 0)
            Self.expectProblem(
                try await server.placeOrder(Orders.phoneDelivery(shop: "PAR15"), key: till), .forbidden, "forbidden")
            Self.expectProblem(
                try await server.request(.get, "/v1/orders/\(elsewhere)", key: till), .notFound, "not-found")
            Self.expectProblem(try await server.cancel(elsewhere, key: till), .notFound, "not-found")
            Self.expectProblem(try await server.advance(elsewhere, to: "accepted", key: till), .notFound, "not-found")
            #expect(try await server.orderColumn("fulfilment_status", elsewhere) == "placed")

            let own = try await server.placeOrder(Orders.counterPickup, key: till)
            #expect(own.status == .created)
            #expect(try await server.request(.get, "/v1/orders/\(own.orderID)", key: till).status == .ok)
            #expect(try await server.request(.get, "/v1/orders/\(own.orderID)", key: chain).status == .ok)
            #expect(try await server.request(.get, "/v1/shops", key: till).status == .ok)
            Self.expectProblem(try await server.request(.get, "/v1/orders/424242", key: chain), .notFound, "not-found")
            Self.expectProblem(try await server.request(.get, "/v1/orders/abc", key: chain), .notFound, "not-found")
        }
    }

    /// Bodies: over 64 KiB 413, not JSON 400, wrong types or unknown members 422 with the
    /// field, another media type 415.
    @Test func bodiesAreCheckedBeforeAnythingIsWritten() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let large = Orders.webDelivery.replacingOccurrences(
                of: #""channel": "web","#,
                with: #""channel": "web", "note": "\#(String(repeating: "x", count: 70_000))","#)
            Self.expectProblem(try await server.placeOrder(large, key: key), .contentTooLarge, "payload-too-large")
            Self.expectProblem(
                try await server.placeOrder(#"{"shop": "PAR11", "#, key: key), .badRequest, "malformed-json")
            let misspelt = Orders.webDelivery.replacingOccurrences(of: #""modifiers""#, with: #""modifers""#)
            let unknown = try await server.placeOrder(misspelt, key: key)
            Self.expectProblem(unknown, .unprocessableContent, "invalid-value")
            #expect(unknown.field == "/lines/0/modifers")
            let typed = Orders.webDelivery.replacingOccurrences(of: #""quantity": 2"#, with: #""quantity": "2""#)
            let wrongType = try await server.placeOrder(typed, key: key)
            Self.expectProblem(wrongType, .unprocessableContent, "invalid-value")
            #expect(wrongType.field == "/lines/0/quantity")
            let plain = try await server.request(
                .post, "/v1/orders", key: key, idempotencyKey: "plain", json: Orders.webDelivery,
                headers: [.contentType: "text/plain"])
            Self.expectProblem(plain, .unsupportedMediaType, "unsupported-media-type")
            let charset = try await server.request(
                .post, "/v1/orders", key: key, idempotencyKey: "charset", json: Orders.webDelivery,
                headers: [.contentType: "application/json; charset=utf-8"])
            #expect(charset.status == .created)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 1)
        }
    }

    /// Every error answer, whatever produced it, is problem+json and carries nothing internal.
    @Test func errorAnswersNeverLeakInternals() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            let id = try await server.placeOrder(Orders.counterPickup, key: key).orderID
            try await server.walk(id, to: ["accepted", "in_preparation"], key: key)
            try await server.setStock("FIOR-DI-LATTE", to: 0)
            let answers: [(ServerResponse, HTTPResponse.Status)] = [
                (try await server.request(.get, "/nowhere"), .notFound),
                (try await server.request(.get, "/v1/nothing", key: key), .notFound),
                (try await server.request(.delete, "/v1/orders/\(id)", key: key), .notFound),
                (try await server.placeOrder("[]", key: key), .unprocessableContent),
                (try await server.placeOrder(Orders.phoneDelivery(product: "PIZ-MARGHERITA"), key: key), .conflict),
                (
                    try await server.placeOrder(Orders.phoneDelivery(product: "PIZ-HAWAI"), key: key),
                    .unprocessableContent
                ),
                (try await server.placeOrder(Orders.phoneDelivery(shop: "PAR20"), key: key), .conflict),
                (try await server.placeOrder(Orders.counterPickup, key: key, idempotencyKey: "reused"), .created),
                (try await server.placeOrder(Orders.phoneDelivery(), key: key, idempotencyKey: "reused"), .conflict),
                (try await server.cancel(id, key: key), .conflict),
                (try await server.advance(id, to: "collected", key: key), .conflict),
                (try await server.advance(id, to: "served", key: key), .unprocessableContent),
                (try await server.request(.post, "/v1/orders/\(id)/status", key: key, json: "{"), .badRequest),
                (
                    try await server.request(.post, "/v1/orders/\(id)/status", key: key, json: "[1]"),
                    .unprocessableContent
                ),
                (
                    try await server.request(.post, "/v1/orders/99999999999999999999/cancel", key: key, json: "{}"),
                    .notFound
                ),
            ]
            for (response, status) in answers where status != .created {
                Self.expectProblem(response, status)
            }
        }
    }

    /// Text the database cannot store (a NUL character) is a client mistake: 422 naming the
    /// field, never a 500 nor a silently shortened value.
    @Test func nulCharactersAreRefusedAsInvalid() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let named = Orders.webDelivery.replacingOccurrences(of: "Camille Martin", with: #"Camille\u0000Martin"#)
            let order = try await server.placeOrder(named, key: key)
            let id = try await server.placeOrder(Orders.counterPickup, key: key).orderID
            let cancel = try await server.request(
                .post, "/v1/orders/\(id)/cancel", key: key, json: #"{"reason": "late\u0000 driver"}"#)
            #expect(order.status != .created)
            #expect(order.status == .unprocessableContent, "\(order.text)")
            #expect(order.field == "/customer/name")
            #expect(cancel.status == .unprocessableContent, "\(cancel.text)")
            #expect(cancel.field == "/reason")
        }
    }

    /// A problem document has one "status" member, the HTTP status (RFC 9457); an
    /// invalid-transition answer names the order's status "order_status".
    @Test func problemMembersAreNotDuplicated() async throws {
        try await TestChain.withServer(.router) { server in
            let key = try await server.key()
            let id = try await server.placeOrder(Orders.counterPickup, key: key).orderID
            try await server.walk(id, to: ["accepted", "in_preparation"], key: key)
            let response = try await server.advance(id, to: "collected", key: key)
            Self.expectProblem(response, .conflict, "invalid-transition")
            #expect(response.text.components(separatedBy: #""status":"#).count == 2, "\(response.text)")
            #expect(response.object["order_status"] as? String == "in_preparation")
            #expect(response.object["allowed"] as? [String] == ["ready"])
        }
    }

    /// Maintenance mode (set in the database) answers /v1 with 503 and Retry-After within the
    /// watcher's period; /health stays up, /ready says not ready; switching it off reopens /v1.
    @Test func maintenanceModeClosesV1() async throws {
        try await TestChain.withServer { server in
            let key = try await server.key()
            try await server.sql { session in
                try session.execute(
                    """
                    INSERT INTO app_setting (key, value) VALUES ('maintenance', '{"on": true, "reason": "release"}')
                    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                    """)
            }
            let closed = try await Self.poll {
                try await server.request(.get, "/v1/shops", key: key).status == .serviceUnavailable
            }
            #expect(closed)
            let refused = try await server.request(.get, "/v1/shops", key: key)
            Self.expectProblem(refused, .serviceUnavailable, "maintenance")
            #expect(refused.headers[.retryAfter] == "30")
            // Maintenance is answered before the key is checked.
            Self.expectProblem(try await server.request(.get, "/v1/shops"), .serviceUnavailable, "maintenance")
            #expect((refused.object["detail"] as? String)?.contains("release") == true)
            Self.expectProblem(
                try await server.placeOrder(Orders.webDelivery, key: key), .serviceUnavailable, "maintenance")
            #expect(try await server.request(.get, "/health").status == .ok)
            let ready = try await server.request(.get, "/ready")
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.object["maintenance"] as? Bool == true)
            #expect(try await server.count("SELECT count(*) FROM customer_order") == 0)

            try await server.sql { session in
                try session.execute(#"UPDATE app_setting SET value = '{"on": false}' WHERE key = 'maintenance'"#)
            }
            let reopened = try await Self.poll { try await server.request(.get, "/v1/shops", key: key).status == .ok }
            #expect(reopened)
            #expect(try await server.request(.get, "/ready").status == .ok)
            #expect(try await server.placeOrder(Orders.webDelivery, key: key).status == .created)
        }
    }

    /// Polls `condition` every 100 ms for up to 5 minutes (generous: tests share two cores); whether
    /// it became true.
    static func poll(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<3_000 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await condition()
    }
}
