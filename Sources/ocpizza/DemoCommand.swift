import ArgumentParser
import Migrations
import Postgres
import Runtime

/// `ocpizza demo`: the main job (`demo run`, the default) and the history generator (`demo generate`).
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on the configured (or embedded) database, or generate demo history.",
        subcommands: [Run.self, Generate.self], defaultSubcommand: Run.self)

    /// The main job on the embedded default: for now, migrate and show the database status.
    /// Later issues add the demo chain and the nightly pipeline.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the main job on the configured (or embedded) database: migrate, then show the status.")

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await CommandRunner.run(options, command: "demo") { environment in
                let conninfo = try await environment.conninfo()
                let migration = try await Migrator().migrate(conninfo: conninfo, logger: environment.logger)
                let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: environment.logger)
                let endpoint = try await connection.withSession { $0.endpoint }
                await connection.close()
                let report = DatabaseStatusReport(
                    endpoint: endpoint, embedded: environment.usesEmbeddedDatabase, migrations: migration.states)
                if json {
                    try printJSON(report)
                } else {
                    print(
                        migration.applied.isEmpty
                            ? "Migrations: nothing pending."
                            : "Migrations: applied \(migration.applied.map(\.label).joined(separator: ", ")).")
                    print(report.text)
                }
                return report.isHealthy ? .success : .configuration
            }
        }
    }
}
