import Foundation
import Postgres
import TestSupport
import Testing

/// `db migrate` and `db status` against the test server, reached the three ways a user can
/// configure it: `--database-url`, `DATABASE_URL`, and libpq's own PG* variables.
@Suite("db migrate and db status")
struct MigrateCommandTests {
    @Test("db migrate applies 0001_foundation, then finds nothing to do; db status shows it applied")
    func migrateTwiceThenStatus() async throws {
        try await E2E.withDatabase { conninfo, name, scratch in
            let first = try await scratch.run("db", "migrate", "--database-url", conninfo)
            #expect(first.status == 0, "\(first)")
            #expect(first.stdout.contains("Applied"), "\(first)")
            #expect(first.stdout.contains("0001_foundation"), "\(first)")

            let second = try await scratch.run("db", "migrate", "--database-url", conninfo)
            #expect(second.status == 0, "\(second)")
            #expect(second.stdout.contains("up to date"), "\(second)")
            #expect(!second.stdout.contains("Applied"), "\(second)")
            #expect(!second.stdout.contains("0001_foundation"), "\(second)")

            let status = try await scratch.run("db", "status", "--database-url", conninfo)
            #expect(status.status == 0, "\(status)")
            #expect(status.stdout.contains("0001_foundation"), "\(status)")
            #expect(status.stdout.contains("applied"), "\(status)")
            #expect(!status.stdout.contains("pending  "), "\(status)")

            let json = try await scratch.run("db", "status", "--json", "--database-url", conninfo)
            #expect(json.status == 0, "\(json)")
            let document = try #require(json.json, "db status --json is not a JSON object: \(json)")
            let endpoint = try #require(document["endpoint"] as? [String: Any], "\(json)")
            #expect(endpoint["database"] as? String == name)
            #expect(document["embedded"] as? Bool == false)
            let migrations = E2E.migrations(json)
            #expect(!migrations.isEmpty, "\(json)")
            for migration in migrations {
                #expect(migration["status"] as? String == "applied", "\(migration)")
            }
            #expect(E2E.statuses(json)["0001_foundation"] == "applied", "\(json)")
        }
    }

    @Test("db migrate --json reports what it applied")
    func migrateJSON() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let result = try await scratch.run("db", "migrate", "--json", "--database-url", conninfo)
            #expect(result.status == 0, "\(result)")
            let applied = try #require(result.json?["applied"] as? [[String: Any]], "\(result)")
            #expect(applied.contains { $0["name"] as? String == "foundation" && $0["version"] as? Int == 1 })
        }
    }

    @Test("DATABASE_URL selects the database when there is no --database-url")
    func databaseURLVariable() async throws {
        try await E2E.withDatabase { conninfo, name, scratch in
            let environment = ["DATABASE_URL": conninfo]
            let migrate = try await scratch.run("db", "migrate", environment: environment)
            #expect(migrate.status == 0, "\(migrate)")
            #expect(migrate.stdout.contains("0001_foundation"), "\(migrate)")

            let status = try await scratch.run("db", "status", "--json", environment: environment)
            #expect(status.status == 0, "\(status)")
            #expect((status.json?["endpoint"] as? [String: Any])?["database"] as? String == name, "\(status)")
            #expect(E2E.statuses(status)["0001_foundation"] == "applied", "\(status)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.ocpizza"), "embedded cluster created")
        }
    }

    @Test("libpq's PG* variables alone select the database, exactly as psql would")
    func libpqVariables() async throws {
        let server = try TestDatabase.server()
        try await E2E.withDatabase { _, name, scratch in
            let environment = [
                "PGHOST": server.host, "PGPORT": server.port, "PGUSER": server.user, "PGDATABASE": name,
            ]
            let migrate = try await scratch.run("db", "migrate", environment: environment)
            #expect(migrate.status == 0, "\(migrate)")
            #expect(migrate.stdout.contains("0001_foundation"), "\(migrate)")

            let status = try await scratch.run("db", "status", "--json", environment: environment)
            #expect(status.status == 0, "\(status)")
            #expect((status.json?["endpoint"] as? [String: Any])?["database"] as? String == name, "\(status)")
            #expect(E2E.statuses(status)["0001_foundation"] == "applied", "\(status)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.ocpizza"), "embedded cluster created")
        }
    }

    @Test("two db migrate started at once: both succeed, each migration is recorded once")
    func concurrentMigrate() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            // Beside the whole suite, the first run can hold the lock past the default 60 s wait.
            async let first = scratch.run("db", "migrate", "--database-url", conninfo, "--lock-timeout", "600")
            async let second = scratch.run("db", "migrate", "--database-url", conninfo, "--lock-timeout", "600")
            let results = try await [first, second]
            for result in results { #expect(result.status == 0, "\(result)") }
            #expect(
                results.filter { $0.stdout.contains("Applied") }.count == 1,
                "exactly one run should apply: \(results[0])\n\(results[1])")
            #expect(results.filter { $0.stdout.contains("up to date") }.count == 1)

            let status = try await scratch.run("db", "status", "--json", "--database-url", conninfo)
            let expected = E2E.migrations(status).compactMap { $0["version"] as? Int }.map(String.init).sorted()
            #expect(!expected.isEmpty, "\(status)")
            let versions = try await E2E.query(
                "SELECT version::text FROM schema_migration ORDER BY version", conninfo: conninfo)
            #expect(versions.compactMap { $0 }.sorted() == expected)
        }
    }

    @Test("an applied migration changed since is refused by name (exit 78) and shown modified")
    func modifiedMigration() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let migrate = try await scratch.run("db", "migrate", "--database-url", conninfo)
            try #require(migrate.status == 0, "\(migrate)")
            try await E2E.execute("UPDATE schema_migration SET checksum = 'x' WHERE version = 1", conninfo: conninfo)

            let again = try await scratch.run("db", "migrate", "--database-url", conninfo)
            #expect(again.status == 78, "\(again)")
            #expect(again.stderr.contains("0001_foundation"), "\(again)")

            let status = try await scratch.run("db", "status", "--database-url", conninfo)
            #expect(status.status == 78, "\(status)")
            #expect(status.stdout.contains("modified"), "\(status)")
            let row = status.stdout.split(separator: "\n").first { $0.contains("0001_foundation") }
            #expect(row?.contains("modified") == true, "\(status)")

            let json = try await scratch.run("db", "status", "--json", "--database-url", conninfo)
            #expect(json.status == 78, "\(json)")
            #expect(E2E.statuses(json)["0001_foundation"] == "modified", "\(json)")
        }
    }
}
