import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ocpizza serve` as an operator runs it: the built binary, a real socket, signals, and a
/// database that goes away and comes back.
@Suite struct ServeCommandTests {
    /// SIGTERM while orders are in flight: the server drains and exits 0, and every order it
    /// answered 201 is in the database, whole (lines, events, stock movements).
    @Test func sigtermDrainsInFlightOrdersAndLosesNothing() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let environment = ["DATABASE_URL": conninfo]
            try await Self.prepareChain(scratch: scratch, environment: environment, conninfo: conninfo)
            let key = try await Self.createKey(scratch: scratch, environment: environment)
            let server = try OCPizzaBinary.start(
                ["serve", "--port", "0", "--pool-size", "4"], in: scratch.path, environment: environment)
            let base = try await Self.waitForAddress(server)

            let answers = await withTaskGroup(of: (String, Int?, Int64?).self) { group in
                for index in 0..<24 {
                    group.addTask {
                        let idempotencyKey = "drain-\(index)"
                        let answer = try? await HTTP.send(
                            "POST", base + "/v1/orders", key: key, idempotencyKey: idempotencyKey,
                            body: Self.order(quantity: 1 + index % 3))
                        let id = (answer?.json["id"] as? NSNumber)?.int64Value
                        return (idempotencyKey, answer?.status, id)
                    }
                }
                // Stop the server as soon as the first answers come back, with others in flight.
                var collected: [(String, Int?, Int64?)] = []
                var signalled = false
                for await answer in group {
                    collected.append(answer)
                    if !signalled {
                        server.send(SIGTERM)
                        signalled = true
                    }
                }
                return collected
            }
            let result = try await server.wait(timeout: .seconds(300))
            #expect(result.status == 0, "\(result)")

            let created = answers.filter { $0.1 == 201 }
            #expect(!created.isEmpty)
            for (idempotencyKey, _, id) in created {
                let stored = try await E2E.query(
                    "SELECT id::text FROM customer_order WHERE idempotency_key = \(idempotencyKey)", conninfo: conninfo)
                #expect(stored == [id.map(String.init)], "order \(idempotencyKey) answered 201 but not stored")
            }
            // Whatever was committed is whole: no order without its lines, events and stock movements.
            let incomplete = try await E2E.query(
                """
                SELECT o.id::text FROM customer_order o
                WHERE NOT EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.id)
                   OR NOT EXISTS (SELECT 1 FROM order_event e WHERE e.order_id = o.id AND e.to_status = 'placed')
                   OR NOT EXISTS (SELECT 1 FROM stock_movement m JOIN order_line l ON l.id = m.source_id
                                  WHERE l.order_id = o.id AND m.source_type = 'order_line')
                """, conninfo: conninfo)
            #expect(incomplete.isEmpty)
        }
    }

    /// The database restarts under a running server (the embedded cluster, stopped and started
    /// again): requests answer 503 with Retry-After meanwhile, and the server recovers by itself.
    @Test func aDatabaseRestartGives503sThenRecoversWithoutRestartingTheServer() async throws {
        try await ScratchDirectory.with { scratch in
            #expect(try await scratch.run("db", "migrate").status == 0)
            let status = try await scratch.run("dev-db", "status", "--json")
            let conninfo = try #require(status.json?["conninfo"] as? String, "\(status)")
            try await Self.prepareChain(scratch: scratch, environment: [:], conninfo: conninfo)
            let key = try await Self.createKey(scratch: scratch, environment: [:])
            let server = try OCPizzaBinary.start(["serve", "--port", "0"], in: scratch.path)
            do {
                let base = try await Self.waitForAddress(server)
                let first = try await HTTP.send(
                    "POST", base + "/v1/orders", key: key, idempotencyKey: "before", body: Self.order(quantity: 1))
                #expect(first.status == 201, "\(first.text)")

                #expect(try await scratch.run("dev-db", "stop").status == 0)
                let during = try await HTTP.send(
                    "POST", base + "/v1/orders", key: key, idempotencyKey: "during", body: Self.order(quantity: 1))
                #expect(during.status == 503, "\(during.text)")
                #expect(during.headers["Retry-After"] != nil)
                #expect(during.json["type"] as? String == "https://ocpizza.fr/problems/database-unavailable")
                #expect(try await HTTP.send("GET", base + "/ready").status == 503)
                #expect(try await HTTP.send("GET", base + "/health").status == 200)

                #expect(try await scratch.run("dev-db", "start").status == 0)
                var after: HTTP.Answer?
                // Generous: on a loaded machine the cluster's start and the pool's reconnection
                // can take many seconds; the loop ends at the first 201.
                for _ in 0..<3_000 {
                    after = try await HTTP.send(
                        "POST", base + "/v1/orders", key: key, idempotencyKey: "during", body: Self.order(quantity: 1))
                    if after?.status == 201 { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(after?.status == 201, "\(after?.text ?? "")")
                let orders = try await E2E.query(
                    "SELECT idempotency_key FROM customer_order ORDER BY id", conninfo: conninfo)
                #expect(orders == ["before", "during"])
            } catch {
                server.send(SIGKILL)
                _ = try? await server.wait()
                _ = try? await scratch.run("dev-db", "stop")
                throw error
            }
            server.send(SIGTERM)
            #expect(try await server.wait(timeout: .seconds(300)).status == 0)
            _ = try await scratch.run("dev-db", "stop")
        }
    }

    // MARK: Helpers

    /// Migrated and seeded, every trading shop open around the clock with stock for the orders.
    static func prepareChain(scratch: ScratchDirectory, environment: [String: String], conninfo: String) async throws {
        let migrate = try await scratch.run("db", "migrate", environment: environment)
        #expect(migrate.status == 0, "\(migrate)")
        let seed = try await scratch.run("db", "seed", "--demo", environment: environment)
        #expect(seed.status == 0, "\(seed)")
        try await E2E.execute(
            """
            UPDATE pizzeria SET opening_hours = (
                SELECT jsonb_object_agg(day, '[["00:00", "00:00"]]'::jsonb)
                FROM unnest('{mon,tue,wed,thu,fri,sat,sun}'::text[]) AS day)
            WHERE opened_on <= current_date
            """, conninfo: conninfo)
        try await E2E.execute(
            """
            WITH counts AS (
                INSERT INTO stock_count (pizzeria_id, counted_at, business_date, status, approved_at)
                SELECT id, now(), current_date, 'approved', now() FROM pizzeria WHERE code = 'PAR11'
                RETURNING id, pizzeria_id),
            lines AS (
                INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
                SELECT counts.id, counts.pizzeria_id, i.id, 100000 FROM counts CROSS JOIN ingredient i
                RETURNING id, pizzeria_id, ingredient_id, quantity)
            INSERT INTO stock_movement (
                pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date, source_type, source_id)
            SELECT pizzeria_id, ingredient_id, 'opening', quantity, now(), current_date, 'stock_count_line', id
            FROM lines
            """, conninfo: conninfo)
    }

    static func createKey(scratch: ScratchDirectory, environment: [String: String]) async throws -> String {
        let created = try await scratch.run(
            "api-keys", "create", "--name", "website", "--scopes", "menu:read,orders:write,orders:read",
            environment: environment)
        #expect(created.status == 0, "\(created)")
        return try #require(created.stdout.split(separator: "\n").first.map(String.init))
    }

    /// The `http://host:port` the server printed once listening.
    static func waitForAddress(_ server: RunningCommand) async throws -> String {
        for _ in 0..<3_600 {  // up to three minutes: the suite shares two cores
            if let line = server.stdout.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                return String(line.dropFirst("listening on ".count))
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        server.send(SIGKILL)
        let result = try await server.wait()
        throw SpawnError("the server never said it was listening: \(result)")
    }

    static func order(quantity: Int) -> String {
        """
        {"shop": "PAR11", "channel": "phone", "customer": {"phone": "06 11 22 33 44"}, "fulfilment": "pickup",
         "lines": [{"product": "PIZ-MARGHERITA", "quantity": \(quantity)}], "payment": {"method": "counter_card"}}
        """
    }
}

/// A minimal HTTP client over URLSession for the end-to-end tests.
enum HTTP {
    struct Answer: Sendable {
        var status: Int
        var headers: [String: String]
        var text: String
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        }
    }

    static func send(
        _ method: String, _ url: String, key: String? = nil, idempotencyKey: String? = nil, body: String? = nil
    ) async throws -> Answer {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 120)  // only a guard against a hang
        request.httpMethod = method
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        if let idempotencyKey { request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key") }
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.utf8)
        }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                guard let response = response as? HTTPURLResponse else {
                    continuation.resume(throwing: error ?? SpawnError("no HTTP answer from \(url)"))
                    return
                }
                var headers: [String: String] = [:]
                for (name, value) in response.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name] = value }
                }
                continuation.resume(
                    returning: Answer(
                        status: response.statusCode, headers: headers,
                        text: data.map { String(decoding: $0, as: UTF8.self) } ?? ""))
            }.resume()
        }
    }
}
