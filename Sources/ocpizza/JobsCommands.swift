import ArgumentParser
import Foundation
import Jobs
import Postgres
import Runtime

struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "What ran, when, and how it ended.",
        subcommands: [History.self, Status.self, Canary.self])

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The newest job runs, newest first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only this job.") var job: String?
        @Option(help: "How many runs to show.") var limit: Int = 20
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be positive") }
        }

        func run() async throws {
            try await CommandRunner.run(options, command: "jobs history") { environment in
                let (connection, _) = try await environment.connect()
                let runs = try await JobRunStore(connection: connection).history(job: job, limit: limit)
                await connection.close()
                if json {
                    try printJSON(runs)
                    return .success
                }
                guard !runs.isEmpty else {
                    print("No job has run yet.")
                    return .success
                }
                print(
                    Table.render(
                        header: ["run", "job", "date", "status", "exit", "started (UTC)", "duration", "note"],
                        rows: runs.map { run in
                            [
                                "#\(run.runID ?? 0)", run.job, run.businessDate?.description ?? "-",
                                run.status.rawValue,
                                "\(run.exitCode)", Table.timestamp(run.startedAt),
                                run.durationSeconds.map { String(format: "%.1f s", $0) } ?? "-",
                                String((run.message ?? "").prefix(60)),
                            ]
                        }))
                return .success
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Last run and last success of every job, and which are overdue.",
            discussion: "Exits 0; with --check, exits 1 when a job that is built is overdue.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Exit 1 when a built job is overdue (for monitoring).") var check = false
        @Flag(help: "Print the result as JSON.") var json = false

        struct Line: Encodable {
            var job: String
            var available: Bool
            var lastRun: JobRunReport?
            var lastSuccessAt: Date?
            var overdue: Bool
        }

        func run() async throws {
            try await CommandRunner.run(options, command: "jobs status") { environment in
                let (connection, _) = try await environment.connect()
                let latest = try await JobRunStore(connection: connection).latest()
                await connection.close()
                let byJob = Dictionary(latest.map { ($0.last.job, $0) }, uniquingKeysWith: { first, _ in first })
                let known = JobCatalog.nightlySteps + JobCatalog.others
                let now = Date()
                var lines: [Line] = known.map { entry in
                    let runs = byJob[entry.name]
                    let lastSuccess = runs?.lastSuccess?.finishedAt
                    let limit = entry.expectedEvery + JobCatalog.overdueGrace
                    // A job that never ran is "never run", not overdue: a fresh install is not an alert.
                    let overdue =
                        entry.isAvailable
                        && (lastSuccess.map { now.timeIntervalSince($0) > Double(limit.components.seconds) } ?? false)
                    return Line(
                        job: entry.name, available: entry.isAvailable, lastRun: runs?.last, lastSuccessAt: lastSuccess,
                        overdue: overdue)
                }
                for (name, runs) in byJob where !known.contains(where: { $0.name == name }) {
                    lines.append(
                        Line(
                            job: name, available: false, lastRun: runs.last,
                            lastSuccessAt: runs.lastSuccess?.finishedAt, overdue: false))
                }
                if json {
                    try printJSON(lines)
                } else {
                    print(
                        Table.render(
                            header: ["job", "last run", "outcome", "last success", "state"],
                            rows: lines.map { line in
                                [
                                    line.job, line.lastRun.map { Table.timestamp($0.startedAt) } ?? "never",
                                    line.lastRun.map { "\($0.status.rawValue) (\($0.exitCode))" } ?? "-",
                                    line.lastSuccessAt.map(Table.timestamp) ?? "never",
                                    !line.available
                                        ? "not available yet"
                                        : (line.overdue
                                            ? "OVERDUE" : (line.lastSuccessAt == nil ? "never succeeded" : "ok")),
                                ]
                            }))
                }
                return check && lines.contains(where: \.overdue) ? .failure : .success
            }
        }
    }

    struct Canary: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A job that only holds its lock and heartbeats for a while.",
            discussion: """
                Checks the whole chain a real job uses (job-run row, advisory lock, heartbeat, \
                metrics, exit codes) without touching business data: run it from cron on a new \
                server, or twice at once to see one exit 75.
                """)
        @OptionGroup var options: GlobalOptions
        @Option(help: "How long to hold the lock.") var seconds: Int = 1
        @Flag(help: "Fail at the end (to test alerting).") var fail = false
        @Flag(help: "Print the result as JSON.") var json = false

        struct RequestedFailure: Error, CustomStringConvertible {
            var description: String { "failed on request (--fail)" }
        }

        func run() async throws {
            let seconds = self.seconds
            let fail = self.fail
            try await runJobCommand(
                options, json: json, request: JobRequest(name: "canary", options: ["seconds": "\(seconds)"])
            ) { context in
                for second in 0..<seconds {
                    context.progress.update(done: second, total: seconds, unit: "s")
                    try await Task.sleep(for: .seconds(1))
                }
                context.progress.update(done: seconds, total: seconds, unit: "s")
                if fail { throw RequestedFailure() }
                return JobOutcome(counts: ["seconds": seconds])
            }
        }
    }
}

/// Plain-text tables for one-screen summaries.
enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let widths = header.indices.map { column in
            ([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate, .withTime, .withColonSeparatorInTime, .withSpaceBetweenDateAndTime]
        return formatter.string(from: date)
    }
}
