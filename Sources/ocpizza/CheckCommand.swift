import ArgumentParser
import Backups
import Foundation
import Jobs
import Migrations
import Postgres
import Runtime

/// `ocpizza check`, like `barman check`: every condition an operator or monitoring should know
/// about, one line each, and an exit status that says whether something needs attention.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database, the schema, the folders, pg_dump, backups, drills and overdue jobs.",
        discussion: """
            Exits 0 when all is well; 69 if the database is unreachable; 78 if migrations are pending, \
            modified or unknown, or pg_dump is missing or older than the server; 74 if a working folder \
            is not writable; 1 if the last good backup or restore drill is older than 36 hours (or \
            there is none), the off-site copy is stale, or a job is overdue.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(
        help: ArgumentHelp("Where archives live (default: OCPIZZA_BACKUP_DIR, else <var>/backups).", valueName: "dir"))
    var backupDir: String?
    @Flag(help: "Print the result as JSON.") var json = false

    struct Report: Encodable {
        var endpoint: PostgresEndpoint
        var embedded: Bool
        var pendingMigrations: [String]
        var problemMigrations: [String]
        var varDirectory: String
        var varWritable: Bool
        var backupDirectory: String
        var backupDirectoryWritable: Bool
        var pgDump: String?
        var pgDumpProblem: String?
        var backups: BackupHealth?
        var overdueJobs: [String]
    }

    func run() async throws {
        let backupDir = self.backupDir, json = self.json
        try await CommandRunner.run(options, command: "check") { environment in
            let (connection, _) = try await environment.connect()
            let endpoint = try await connection.withSession { $0.endpoint }
            let states = try await Migrator().status(on: connection)
            let current = states.allSatisfy { $0.status == .applied }
            let backupDirectory = BackupJobs.directory(varDirectory: environment.varDirectory, override: backupDir)
            var report = Report(
                endpoint: endpoint, embedded: environment.usesEmbeddedDatabase,
                pendingMigrations: states.filter { $0.status == .pending }.map(\.label),
                problemMigrations: states.filter { $0.status == .modified || $0.status == .unknown }.map(\.label),
                varDirectory: environment.varDirectory, varWritable: Self.isWritable(environment.varDirectory),
                backupDirectory: backupDirectory, backupDirectoryWritable: Self.isWritable(backupDirectory),
                pgDump: nil, pgDumpProblem: nil, backups: nil, overdueJobs: [])
            let serverMajor = try await connection.withSession {
                try $0.queryValue("SELECT current_setting('server_version_num')::int", as: Int.self) ?? 0
            }
            do {
                let tools = try await PostgresTools.locate(serverMajor: serverMajor / 10_000)
                report.pgDump = "\(tools.pgDump) \(tools.version)"
            } catch {
                report.pgDumpProblem = "\(error)"
            }
            if current {
                let expectOffsite = BackupJobs.offsiteDirectory() != nil
                report.backups = try await connection.withSession {
                    try BackupHealth.read(in: $0, expectOffsite: expectOffsite)
                }
                report.overdueJobs = try await Self.overdueJobs(connection)
            }
            await connection.close()
            if json { try printJSON(report) } else { Self.print(report) }
            if !report.varWritable || !report.backupDirectoryWritable { return .ioFailure }
            if !current || report.pgDumpProblem != nil { return .configuration }
            if report.backups?.needsAttention == true || !report.overdueJobs.isEmpty { return .failure }
            return .success
        }
    }

    static func print(_ report: Report) {
        func line(_ label: String, _ ok: Bool, _ text: String) {
            Swift.print(label.padding(toLength: 12, withPad: " ", startingAt: 0) + (ok ? "ok: " : "ATTENTION: ") + text)
        }
        line("database", true, "\(report.endpoint)")
        let schemaOK = report.pendingMigrations.isEmpty && report.problemMigrations.isEmpty
        line(
            "schema", schemaOK,
            schemaOK
                ? "up to date"
                : "pending \(report.pendingMigrations), modified or unknown \(report.problemMigrations)")
        line(
            "var", report.varWritable, report.varWritable ? report.varDirectory : "NOT WRITABLE: \(report.varDirectory)"
        )
        line(
            "backup dir", report.backupDirectoryWritable,
            report.backupDirectoryWritable ? report.backupDirectory : "NOT WRITABLE: \(report.backupDirectory)")
        line("pg_dump", report.pgDumpProblem == nil, report.pgDump ?? report.pgDumpProblem ?? "")
        if let health = report.backups {
            line(
                "backups", !health.needsAttention,
                health.needsAttention
                    ? health.problems.joined(separator: "; ")
                    : "last good backup \(health.lastGoodBackupID ?? 0), drilled at "
                        + (health.lastGoodDrillAt.map { Table.timestamp($0) + " UTC" } ?? "-"))
        }
        line(
            "jobs", report.overdueJobs.isEmpty,
            report.overdueJobs.isEmpty ? "none overdue" : "overdue: \(report.overdueJobs.joined(separator: ", "))")
    }

    /// Built jobs whose last success is older than their period plus the grace (never-run jobs
    /// are not overdue: a fresh install is not an alert).
    static func overdueJobs(_ connection: PostgresConnection) async throws -> [String] {
        let latest = try await JobRunStore(connection: connection).latest()
        let now = Date()
        return (JobCatalog.nightlySteps + JobCatalog.others).compactMap { entry in
            guard entry.isAvailable,
                let lastSuccess = latest.first(where: { $0.last.job == entry.name })?.lastSuccess?.finishedAt
            else { return nil }
            let limit = Double((entry.expectedEvery + JobCatalog.overdueGrace).components.seconds)
            return now.timeIntervalSince(lastSuccess) > limit ? entry.name : nil
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
