import ArgumentParser
import Foundation
import Migrations
import Postgres
import Runtime

struct Database: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Apply and inspect the database migrations.",
        subcommands: [Migrate.self, Status.self, Seed.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply pending migrations, each in its own transaction (safe to run twice, or twice at once).")

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false
        @Option(help: "Seconds to wait for a concurrent db migrate before giving up (exit 75).")
        var lockTimeout: Int = 60

        func run() async throws {
            try await CommandRunner.run(options, command: "db migrate") { environment in
                let conninfo = try await environment.conninfo()
                let report = try await Migrator().migrate(
                    conninfo: conninfo, lockTimeout: .seconds(lockTimeout), logger: environment.logger)
                if json {
                    try printJSON(report)
                } else if report.applied.isEmpty {
                    print("Database is up to date: \(report.states.count) migrations applied, nothing to do.")
                } else {
                    print("Applied \(report.applied.count) migrations:")
                    for state in report.applied { print("  \(state.label)") }
                }
                return .success
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List migrations: applied, pending, modified (file changed after it was applied) or unknown.",
            discussion: "Exits 78 when an applied migration was modified or is unknown to this build.")

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await CommandRunner.run(options, command: "db status") { environment in
                let (connection, _) = try await environment.connect()
                let endpoint = try await connection.withSession { $0.endpoint }
                let states = try await Migrator().status(on: connection)
                await connection.close()
                let report = DatabaseStatusReport(
                    endpoint: endpoint, embedded: environment.usesEmbeddedDatabase, migrations: states)
                if json { try printJSON(report) } else { print(report.text) }
                return report.isHealthy ? .success : .configuration
            }
        }
    }
}

/// What `db status` (and `demo`) shows.
struct DatabaseStatusReport: Encodable {
    var endpoint: PostgresEndpoint
    var embedded: Bool
    var migrations: [MigrationState]

    func count(_ status: MigrationState.Status) -> Int { migrations.filter { $0.status == status }.count }

    var isHealthy: Bool { count(.modified) == 0 && count(.unknown) == 0 }

    /// The database and the migration counts, in two lines.
    var headline: String { text.split(separator: "\n").prefix(2).joined(separator: "\n") }

    var text: String {
        var lines = [
            "Database    \(endpoint)\(embedded ? " [embedded]" : "")",
            "Migrations  \(count(.applied)) applied, \(count(.pending)) pending, \(count(.modified)) modified, "
                + "\(count(.unknown)) unknown",
            "",
        ]
        let width = max(24, (migrations.map(\.label.count).max() ?? 0) + 2)
        lines.append(
            "  " + "migration".padding(toLength: width, withPad: " ", startingAt: 0) + "status    applied at (UTC)")
        for state in migrations {
            let applied = state.appliedAt.map(Self.format) ?? "-"
            lines.append(
                "  " + state.label.padding(toLength: width, withPad: " ", startingAt: 0)
                    + state.status.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + applied)
        }
        if count(.modified) > 0 {
            lines.append("")
            lines.append(
                "Modified migrations were changed after being applied: restore the applied file, add a new migration.")
        }
        return lines.joined(separator: "\n")
    }

    private static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
