import ArgumentParser
import Foundation
import Migrations
import Postgres
import Runtime

/// A quick health check for operators and monitoring: database reachable, schema current,
/// working folders writable.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database connection, the schema and the working folders.",
        discussion: "Exits 0 when all is well, 69 if the database is unreachable, 74 if --var is not writable, "
            + "78 if migrations are pending, modified or unknown.")

    @OptionGroup var options: GlobalOptions
    @Flag(help: "Print the result as JSON.") var json = false

    struct Report: Encodable {
        var endpoint: PostgresEndpoint
        var embedded: Bool
        var pendingMigrations: [String]
        var problemMigrations: [String]
        var varDirectory: String
        var varWritable: Bool
    }

    func run() async throws {
        try await CommandRunner.run(options, command: "check") { environment in
            let (connection, _) = try await environment.connect()
            let endpoint = try await connection.withSession { $0.endpoint }
            let states = try await Migrator().status(on: connection)
            await connection.close()
            let report = Report(
                endpoint: endpoint, embedded: environment.usesEmbeddedDatabase,
                pendingMigrations: states.filter { $0.status == .pending }.map(\.label),
                problemMigrations: states.filter { $0.status == .modified || $0.status == .unknown }.map(\.label),
                varDirectory: environment.varDirectory, varWritable: Self.isWritable(environment.varDirectory))
            if json {
                try printJSON(report)
            } else {
                print("database    ok: \(endpoint)")
                print(
                    "schema      "
                        + (report.pendingMigrations.isEmpty && report.problemMigrations.isEmpty
                            ? "ok: up to date"
                            : "pending \(report.pendingMigrations), modified or unknown \(report.problemMigrations)"))
                print("var         \(report.varWritable ? "ok" : "NOT WRITABLE"): \(report.varDirectory)")
            }
            if !report.varWritable { return .ioFailure }
            return report.pendingMigrations.isEmpty && report.problemMigrations.isEmpty ? .success : .configuration
        }
    }

    /// Creates the folder if needed and checks a file can be written in it.
    static func isWritable(_ directory: String) -> Bool {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let probe = directory + "/.ocpizza-check-\(getpid())"
            guard FileManager.default.createFile(atPath: probe, contents: Data()) else { return false }
            try FileManager.default.removeItem(atPath: probe)
            return true
        } catch {
            return false
        }
    }
}
