import Foundation
import Testing

@Suite("api-keys create, list and revoke through the binary")
struct APIKeysCommandTests {
    @Test func createListRevoke() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let environment = ["DATABASE_URL": conninfo]
            let migrate = try await scratch.run("db", "migrate", environment: environment)
            try #require(migrate.status == 0, "\(migrate)")
            let seed = try await scratch.run("db", "seed", "--demo", environment: environment)
            try #require(seed.status == 0, "\(seed)")

            let created = try await scratch.run(
                "api-keys", "create", "--name", "website", "--scopes", "orders:write,menu:read", "--json",
                environment: environment)
            #expect(created.status == 0, "\(created)")
            let key = try #require(created.json?["key"] as? String, "\(created)")
            #expect(key.hasPrefix("ocp_") && key.count == 36)
            // Stored hashed: the key appears nowhere in the database.
            let dump = try await E2E.query("SELECT row_to_json(k)::text FROM api_key k", conninfo: conninfo)
            #expect(dump.count == 1)
            #expect(dump.allSatisfy { !($0 ?? "").contains(key) }, "\(dump)")

            let list = try await scratch.run("api-keys", "list", environment: environment)
            #expect(list.status == 0, "\(list)")
            #expect(list.stdout.contains("website") && list.stdout.contains(String(key.prefix(12))), "\(list)")
            #expect(!list.stdout.contains(key), "the listing shows the whole key")

            let badScope = try await scratch.run(
                "api-keys", "create", "--name", "x", "--scopes", "orders:delete", environment: environment)
            #expect(badScope.status == 64, "\(badScope)")
            let badShop = try await scratch.run(
                "api-keys", "create", "--name", "till", "--scopes", "orders:write", "--shop", "NOWHERE",
                environment: environment)
            #expect(badShop.status == 65, "\(badShop)")
            let till = try await scratch.run(
                "api-keys", "create", "--name", "till", "--scopes", "orders:write", "--shop", "par11", "--json",
                environment: environment)
            #expect((till.json?["info"] as? [String: Any])?["shop"] as? String == "PAR11", "\(till)")

            let revoke = try await scratch.run("api-keys", "revoke", String(key.prefix(12)), environment: environment)
            #expect(revoke.status == 0, "\(revoke)")
            let again = try await scratch.run("api-keys", "revoke", String(key.prefix(12)), environment: environment)
            #expect(again.status == 65, "\(again)")
            #expect(
                try await E2E.query(
                    "SELECT count(*)::text FROM api_key WHERE revoked_at IS NOT NULL", conninfo: conninfo)
                    == ["1"])
        }
    }
}
