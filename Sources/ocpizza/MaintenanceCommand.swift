import ArgumentParser
import Foundation
import Jobs
import Postgres
import Runtime

/// `ocpizza maintenance on|off|status`: while on, jobs other than backups exit 75 (skipped).
struct Maintenance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Switch maintenance mode (jobs other than backups are skipped while it is on).",
        subcommands: [On.self, Off.self, Status.self])

    struct On: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn maintenance mode on.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Why (shown to anyone whose job is skipped).") var reason: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let flag = MaintenanceFlag(
                on: true, reason: reason, since: Date(), by: ProcessInfo.processInfo.environment["USER"] ?? "unknown")
            try await Maintenance.write(flag, options: options, json: json)
        }
    }

    struct Off: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Turn maintenance mode off.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await Maintenance.write(.off, options: options, json: json)
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show whether maintenance mode is on.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            try await CommandRunner.run(options, command: "maintenance status") { environment in
                let (connection, _) = try await environment.connect()
                let flag = try await connection.withSession { try MaintenanceFlag.read(in: $0) }
                await connection.close()
                Maintenance.show(flag, json: json)
                return .success
            }
        }
    }

    static func write(_ flag: MaintenanceFlag, options: GlobalOptions, json: Bool) async throws {
        try await CommandRunner.run(options, command: "maintenance") { environment in
            let (connection, _) = try await environment.connect()
            try await connection.withSession { try flag.write(in: $0) }
            await connection.close()
            environment.logger.notice(
                "maintenance mode \(flag.on ? "on" : "off")", metadata: ["maintenance.reason": "\(flag.reason ?? "-")"])
            show(flag, json: json)
            return .success
        }
    }

    static func show(_ flag: MaintenanceFlag, json: Bool) {
        if json {
            try? printJSON(flag)
        } else if flag.on {
            var details: [String] = []
            if let since = flag.since { details.append("since \(Table.timestamp(since)) UTC") }
            if let by = flag.by { details.append("by \(by)") }
            print(
                "Maintenance mode is ON" + (flag.reason.map { ": \($0)" } ?? "")
                    + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"))
        } else {
            print("Maintenance mode is off.")
        }
    }
}
