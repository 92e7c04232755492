import ArgumentParser
import EmbeddedPostgres
import Foundation
import Runtime

struct DevDatabase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-db",
        abstract: "Manage the embedded PostgreSQL cluster under .ocpizza/postgres (development only).",
        subcommands: [Start.self, Stop.self, Status.self, Reset.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Initialise (first time) and start the cluster.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await CommandRunner.run(options, command: "dev-db start") { environment in
                let cluster = environment.embeddedCluster
                let outcome = try await cluster.start(logger: environment.logger)
                let report = DevDatabaseReport(cluster: cluster, state: outcome.rawValue, environment: environment)
                if json { try printJSON(report) } else { print(report.text) }
                return .success
            }
        }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop the cluster (fast shutdown).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await CommandRunner.run(options, command: "dev-db stop") { environment in
                let cluster = environment.embeddedCluster
                let stopped = try await cluster.stop(logger: environment.logger)
                let report = DevDatabaseReport(
                    cluster: cluster, state: stopped ? "stopped" : "was not running", environment: environment)
                if json { try printJSON(report) } else { print(report.text) }
                return .success
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show whether the cluster is initialised and running.",
            discussion: "Exits 0 when running, 3 when stopped or not initialised (like pg_ctl status).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            var running = false
            try await CommandRunner.run(options, command: "dev-db status") { environment in
                let cluster = environment.embeddedCluster
                let state: String
                var pid: Int?
                switch try await cluster.status() {
                case .notInitialized: state = "not initialized"
                case .stopped: state = "stopped"
                case .running(let serverPID):
                    state = "running"
                    running = true
                    pid = serverPID
                }
                var report = DevDatabaseReport(cluster: cluster, state: state, environment: environment)
                report.pid = pid
                if json { try printJSON(report) } else { print(report.text) }
                return .success
            }
            if !running { throw ExitCode(3) }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the cluster, delete all its data, and start a fresh one.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Do not ask for confirmation.") var yes = false
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await CommandRunner.run(options, command: "dev-db reset") { environment in
                let cluster = environment.embeddedCluster
                if !yes {
                    guard isatty(STDIN_FILENO) == 1 else {
                        throw ValidationError("dev-db reset deletes every database of \(cluster.root): pass --yes")
                    }
                    print("This deletes every database of \(cluster.root). Type 'reset' to go on: ", terminator: "")
                    guard readLine() == "reset" else {
                        print("Nothing done.")
                        return .success
                    }
                }
                try await cluster.reset(logger: environment.logger)
                let report = DevDatabaseReport(cluster: cluster, state: "reset and running", environment: environment)
                if json { try printJSON(report) } else { print(report.text) }
                return .success
            }
        }
    }
}

struct DevDatabaseReport: Encodable {
    var cluster: String
    var state: String
    var socketDirectory: String
    var conninfo: String
    var inUse: Bool
    /// The postmaster's process id, when running.
    var pid: Int?

    init(cluster: EmbeddedCluster, state: String, environment: CommandEnvironment) {
        self.cluster = cluster.root
        self.state = state
        self.socketDirectory = cluster.socketDirectory
        self.conninfo = cluster.conninfo()
        self.inUse = environment.usesEmbeddedDatabase
    }

    var text: String {
        var lines = [
            "Embedded PostgreSQL  \(state)\(pid.map { " (pid \($0))" } ?? "")", "Cluster              \(cluster)",
            "Connect with         psql \"\(conninfo)\"",
        ]
        if !inUse { lines.append("Note                 a database is configured, so commands do not use this cluster") }
        return lines.joined(separator: "\n")
    }
}
