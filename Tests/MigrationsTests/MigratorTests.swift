import Foundation
import Logging
import Migrations
import Postgres
import TestSupport
import Testing

@Suite struct MigratorTests {
    static let first = Migration(version: 1, name: "first", sql: "CREATE TABLE shop (code text PRIMARY KEY);")
    static let second = Migration(
        version: 2, name: "second",
        sql: "ALTER TABLE shop ADD COLUMN name text; INSERT INTO shop VALUES ('PAR1', 'Paris');")

    @Test func freshDatabaseGetsEveryMigrationInOrder() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let report = try await Migrator(migrations: [Self.second, Self.first])
                .migrate(conninfo: conninfo, logger: TestDatabase.logger)
            #expect(report.applied.map(\.label) == ["0001_first", "0002_second"])
            #expect(report.states.allSatisfy { $0.status == .applied })

            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            let rows = try await connection.query(
                "SELECT version, name, checksum FROM schema_migration ORDER BY version"
            ) {
                [
                    String(try $0.decode("version", as: Int.self)), try $0.decode("name", as: String.self),
                    try $0.decode("checksum", as: String.self),
                ]
            }
            #expect(rows.map { $0[0] } == ["1", "2"])
            #expect(rows.map { $0[1] } == ["first", "second"])
            // The checksum is the SHA-256 of the file, hex: 64 characters.
            #expect(rows.allSatisfy { $0[2].count == 64 && $0[2].allSatisfy(\.isHexDigit) })
            let name = try await connection.query("SELECT name FROM shop") { try $0.decode("name", as: String.self) }
            #expect(name == ["Paris"])
            await connection.close()
        }
    }

    @Test func runningTwiceChangesNothing() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let migrator = Migrator(migrations: [Self.first, Self.second])
            _ = try await migrator.migrate(conninfo: conninfo, logger: TestDatabase.logger)
            let again = try await migrator.migrate(conninfo: conninfo, logger: TestDatabase.logger)
            #expect(again.applied.isEmpty)
            #expect(again.states.map(\.status) == [.applied, .applied])
        }
    }

    @Test func onlyPendingMigrationsApplyLater() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            _ = try await Migrator(migrations: [Self.first]).migrate(conninfo: conninfo, logger: TestDatabase.logger)
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            let before = try await Migrator(migrations: [Self.first, Self.second]).status(on: connection)
            #expect(before.map(\.status) == [.applied, .pending])
            let report = try await Migrator(migrations: [Self.first, Self.second])
                .migrate(conninfo: conninfo, logger: TestDatabase.logger)
            #expect(report.applied.map(\.version) == [2])
            await connection.close()
        }
    }

    @Test func modifiedAppliedMigrationIsRefusedByName() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            _ = try await Migrator(migrations: [Self.first]).migrate(conninfo: conninfo, logger: TestDatabase.logger)
            let edited = Migration(version: 1, name: "first", sql: "CREATE TABLE shop (code text PRIMARY KEY, x int);")
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(migrations: [edited, Self.second]).migrate(
                    conninfo: conninfo, logger: TestDatabase.logger)
            }
            #expect(error?.description.contains("0001_first") == true)
            // Refused before anything ran: the second migration is still pending.
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            let states = try await Migrator(migrations: [edited, Self.second]).status(on: connection)
            #expect(states.map(\.status) == [.modified, .pending])
            await connection.close()
        }
    }

    @Test func migrationsUnknownToThisBuildAreReported() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            _ = try await Migrator(migrations: [Self.first, Self.second]).migrate(
                conninfo: conninfo, logger: TestDatabase.logger)
            let olderBuild = Migrator(migrations: [Self.first])
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            #expect(try await olderBuild.status(on: connection).map(\.status) == [.applied, .unknown])
            await connection.close()
            await #expect(throws: MigrationError.self) {
                try await olderBuild.migrate(conninfo: conninfo, logger: TestDatabase.logger)
            }
        }
    }

    @Test func failingMigrationLeavesNothingBehind() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let broken = Migration(
                version: 2, name: "broken", sql: "CREATE TABLE half_done (id int); SELECT * FROM no_such_table;")
            let error = await #expect(throws: PostgresError.self) {
                try await Migrator(migrations: [Self.first, broken]).migrate(
                    conninfo: conninfo, logger: TestDatabase.logger)
            }
            #expect(error?.sqlState == .undefinedTable)
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            let exists = try await connection.withSession {
                try $0.queryValue("SELECT to_regclass('half_done') IS NOT NULL", as: Bool.self)
            }
            #expect(exists == false)
            let states = try await Migrator(migrations: [Self.first, broken]).status(on: connection)
            #expect(states.map(\.status) == [.applied, .pending])
            await connection.close()
        }
    }

    @Test func concurrentRunsApplyEachMigrationOnce() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let slow = Migration(
                version: 3, name: "slow", sql: "SELECT pg_sleep(0.5); CREATE TABLE slow_done (id int);")
            let migrator = Migrator(migrations: [Self.first, Self.second, slow])
            // The default 60 s wait for the other run's lock is too short beside the whole suite.
            async let a = migrator.migrate(conninfo: conninfo, lockTimeout: .seconds(600), logger: TestDatabase.logger)
            async let b = migrator.migrate(conninfo: conninfo, lockTimeout: .seconds(600), logger: TestDatabase.logger)
            let reports = try await [a, b]
            #expect(reports.map(\.applied.count).sorted() == [0, 3])
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            let count = try await connection.withSession {
                try $0.queryValue("SELECT count(*) FROM schema_migration", as: Int.self)
            }
            #expect(count == 3)
            await connection.close()
        }
    }

    @Test func lockHeldElsewhereTimesOut() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let holder = try #require(
                try await AdvisoryLock.tryAcquire(Migrator.lockName, conninfo: conninfo, logger: TestDatabase.logger))
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(migrations: [Self.first])
                    .migrate(conninfo: conninfo, lockTimeout: .milliseconds(200), logger: TestDatabase.logger)
            }
            if case .lockTimeout = error {
            } else {
                Issue.record("expected lockTimeout, got \(String(describing: error))")
            }
            await holder.release()
        }
    }

    @Test func shippedMigrationsApplyOnAFreshDatabase() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let report = try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
            #expect(report.applied.count == MigrationCatalog.all.count)
            #expect(report.states.allSatisfy { $0.status == .applied })
        }
    }
}
