import Foundation
import Postgres
import TestSupport
import Testing

/// Every failure class ends with its documented exit code, so cron and monitoring can tell them apart:
/// 64 usage, 69 database unreachable, 74 file I/O, 75 skipped, 78 configuration, 1 anything else.
@Suite("Exit codes")
struct ExitCodeTests {
    @Test("64: unknown subcommand")
    func unknownSubcommand() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run("db", "frobnicate")
            #expect(result.status == 64, "\(result)")
        }
    }

    @Test("64: bad option value")
    func badOptionValue() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run(
                "db", "status", "--log-level", "loud", "--database-url", "host=/nonexistent-ocpizza dbname=x")
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("loud"), "\(result)")
        }
    }

    @Test("64: dev-db reset without --yes and no terminal")
    func resetWithoutConfirmation() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run("dev-db", "reset")
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains("--yes"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.ocpizza/postgres/data"))
        }
    }

    @Test("69: database unreachable")
    func unreachable() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run(
                "db", "status", "--database-url", "host=/nonexistent-ocpizza port=5432 dbname=x")
            #expect(result.status == 69, "\(result)")
            #expect(result.stderr.contains("database unreachable"), "\(result)")
        }
    }

    @Test("78: a malformed connection string is bad configuration, not an unreachable database")
    func malformedConnectionString() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run("db", "status", "--database-url", "host='unterminated")
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("invalid connection string"), "\(result)")
            #expect(!result.stderr.contains("database unreachable"), "\(result)")
        }
    }

    @Test("78: production with no database configured names DATABASE_URL and PGHOST")
    func productionWithoutDatabase() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run("db", "status", environment: ["OCPIZZA_ENV": "production"])
            #expect(result.status == 78, "\(result)")
            #expect(result.stderr.contains("DATABASE_URL"), "\(result)")
            #expect(result.stderr.contains("PGHOST"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.ocpizza"), "embedded cluster created")
        }
    }

    @Test("75: db migrate while another session holds the migration lock")
    func lockHeld() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let lock = try #require(
                try await AdvisoryLock.tryAcquire("db-migrate", conninfo: conninfo, logger: TestDatabase.logger))
            let result: CommandResult
            do {
                result = try await scratch.run("db", "migrate", "--lock-timeout", "0", "--database-url", conninfo)
            } catch {
                await lock.release()
                throw error
            }
            await lock.release()
            #expect(result.status == 75, "\(result)")
            #expect(!result.stdout.contains("0001_foundation"), "\(result)")

            // Once the lock is free, the same command works.
            let after = try await scratch.run("db", "migrate", "--lock-timeout", "0", "--database-url", conninfo)
            #expect(after.status == 0, "\(after)")
        }
    }

    @Test("74: a file named .ocpizza where the cluster folder should go")
    func clusterFolderBlocked() async throws {
        try await ScratchDirectory.with { scratch in
            try Data("not a folder\n".utf8).write(to: URL(fileURLWithPath: scratch.path + "/.ocpizza"))
            let result = try await scratch.run("dev-db", "start")
            #expect(result.status == 74, "\(result)")
            #expect(result.stderr.contains(".ocpizza"), "\(result)")
        }
    }

    @Test("1: a schema_migration table of the wrong shape")
    func wrongHistoryTable() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            try await E2E.execute("CREATE TABLE schema_migration (x int)", conninfo: conninfo)
            let result = try await scratch.run("db", "status", "--database-url", conninfo)
            #expect(result.status == 1, "\(result)")
            #expect(
                result.stderr.contains("42703") || result.stderr.contains("column \\\"version\\\"")
                    || result.stderr.contains("column \"version\""),
                "\(result)")
        }
    }

    @Test("check: 78 on a fresh database (pending migrations), 1 until a backup is taken and drilled, then 0")
    func check() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let fresh = try await scratch.run("check", "--database-url", conninfo)
            #expect(fresh.status == 78, "\(fresh)")
            #expect(fresh.stdout.contains("0001_foundation"), "\(fresh)")

            let migrate = try await scratch.run("db", "migrate", "--database-url", conninfo)
            try #require(migrate.status == 0, "\(migrate)")

            let migrated = try await scratch.run("check", "--database-url", conninfo)
            #expect(migrated.status == 1, "\(migrated)")
            #expect(migrated.stdout.contains("up to date"), "\(migrated)")
            #expect(migrated.stdout.contains("ATTENTION: there is no successful backup"), "\(migrated)")

            let backup = try await scratch.run("backup", "create", "--database-url", conninfo)
            try #require(backup.status == 0, "\(backup)")
            let drill = try await scratch.run("backup", "drill", "--database-url", conninfo)
            try #require(drill.status == 0, "\(drill)")

            let json = try await scratch.run("check", "--json", "--database-url", conninfo)
            #expect(json.status == 0, "\(json)")
            #expect((json.json?["pendingMigrations"] as? [Any])?.isEmpty == true, "\(json)")
            #expect(json.json?["varWritable"] as? Bool == true, "\(json)")
        }
    }

    @Test("check: 74 when the working folders cannot be written")
    func checkVarNotWritable() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let migrate = try await scratch.run("db", "migrate", "--database-url", conninfo)
            try #require(migrate.status == 0, "\(migrate)")
            try Data().write(to: URL(fileURLWithPath: scratch.path + "/blocker"))
            let result = try await scratch.run("check", "--var", "blocker/var", "--database-url", conninfo)
            #expect(result.status == 74, "\(result)")
            #expect(result.stdout.contains("NOT WRITABLE"), "\(result)")
        }
    }
}
