import ArgumentParser
import Backups
import Foundation
import Jobs
import Postgres
import Runtime

/// `ocpizza backup ...`: logical backups with a catalogue, checks, restores and retention.
/// The commands that change something are jobs of the job runner (run record, lock, metrics)
/// and run while maintenance mode is on.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take, check, restore and prune backups (pg_dump archives with a catalogue).",
        discussion: """
            Archives go to var/backups/ (or OCPIZZA_BACKUP_DIR, or --backup-dir). Every backup is \
            hashed (SHA-256) and recorded with the server and pg_dump versions, sizes, duration and \
            TOC entry count; a drill restores it into a scratch database and proves it.
            """,
        subcommands: [
            Create.self, List.self, Info.self, Verify.self, Drill.self, Restore.self, CopyDatabase.self, Prune.self,
            Delete.self, CopyOffsite.self, Status.self,
        ])

    /// Options every backup subcommand shares.
    struct Common: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @Option(
            help: ArgumentHelp(
                "Where archives live (default: OCPIZZA_BACKUP_DIR, else <var>/backups).", valueName: "dir"))
        var backupDir: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func directory(_ environment: CommandEnvironment) -> String {
            BackupJobs.directory(varDirectory: environment.varDirectory, override: backupDir)
        }
    }

    /// Runs `work` as job `name` and prints the summary followed by `details` (or both as JSON).
    static func runJob<Result: Encodable & Sendable>(
        _ common: Common, name: String, options recorded: [String: String] = [:],
        work: @escaping @Sendable (BackupService, JobContext) async throws -> (Result, JobOutcome),
        details: @escaping @Sendable (Result) -> String
    ) async throws {
        let box = JobResult<Result>()
        let json = common.json
        try await CommandRunner.run(common.global, command: name) { environment in
            let conninfo = try await environment.conninfo()
            let directory = common.directory(environment)
            let report = try await environment.jobRunner(conninfo: conninfo).run(
                JobRequest(name: name, options: recorded, runsDuringMaintenance: true)
            ) { context in
                try await BackupJobs.withMetrics(context) {
                    let (result, outcome) = try await work(BackupJobs.service(context, directory: directory), context)
                    box.set(result)
                    return outcome
                }
            }
            if json {
                try printJSON(JobReport(run: report, result: box.value))
            } else {
                print(report.summary)
                if let result = box.value { print("\n" + details(result)) }
            }
            return ExitStatus(rawValue: report.exitCode) ?? .failure
        }
    }

    struct JobReport<Result: Encodable>: Encodable {
        var run: JobRunReport
        var result: Result?
    }

    /// Reads the catalogue outside the job runner (list, info, status).
    static func read<T: Sendable>(
        _ common: Common, command: String, _ body: @escaping @Sendable (BackupService) async throws -> T
    ) async throws -> T? {
        let box = JobResult<T>()
        try await CommandRunner.run(common.global, command: command) { environment in
            let conninfo = try await environment.conninfo()
            let service = BackupService(
                conninfo: conninfo, directory: common.directory(environment), logger: environment.logger)
            box.set(try await body(service))
            return .success
        }
        return box.value
    }

    /// Asks on a terminal for `expected` to be typed; false when it was not (or no terminal).
    static func confirmOnTerminal(_ prompt: String, expected: String) -> Bool {
        guard isatty(STDIN_FILENO) == 1 else { return false }
        FileHandle.standardError.write(Data("\(prompt)\nType \(expected) to confirm: ".utf8))
        return readLine()?.trimmingCharacters(in: .whitespaces) == expected
    }
}

extension BackupKind: ExpressibleByArgument {}
extension BackupRequest.Format: ExpressibleByArgument {}

extension BackupCommand {
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a backup now (pg_dump, fsynced, hashed, recorded).",
            discussion: "Exit 0 when the backup is taken; 75 when another backup runs; 74 when space is short; "
                + "78 when pg_dump is missing or older than the server.")
        @OptionGroup var common: Common
        @Option(help: "scheduled, manual or pre-release.") var kind: BackupKind = .manual
        @Flag(help: "Exempt it from retention.") var pin = false
        @Option(help: "custom (one file) or directory (parallel dump).") var format: BackupRequest.Format = .custom
        @Option(help: "Parallel pg_dump jobs for the directory format.") var jobs = 2
        @Option(help: "The release a pre-release backup is taken before.") var releaseID: String?
        @Option(help: "pg_dump compression level, 0 (none) to 9 (default: pg_dump's).") var compress: Int?

        func validate() throws {
            guard kind != .preRestore else { throw ValidationError("pre-restore backups are taken by restore itself") }
            guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
            if let compress, !(0...9).contains(compress) { throw ValidationError("--compress must be 0 to 9") }
        }

        func run() async throws {
            let request = BackupRequest(
                kind: kind, pinned: pin, format: format, jobs: jobs, releaseID: releaseID, compressionLevel: compress)
            try await BackupCommand.runJob(
                common, name: "backup-create", options: ["kind": kind.rawValue, "format": format.rawValue]
            ) { service, _ in
                let backup = try await service.create(request)
                return (
                    backup,
                    JobOutcome(
                        counts: ["backups_created": 1, "bytes": Int(backup.sizeBytes ?? 0)],
                        message: "backup \(backup.id) taken")
                )
            } details: {
                BackupText.info($0)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List backups, newest first.")
        @OptionGroup var common: Common
        @Flag(help: "Include deleted backups.") var all = false
        @Flag(help: "Print only the ids of successful backups, newest first, one per line (for scripts).")
        var idsOnly = false
        @Option(help: "Only backups of this kind: scheduled, manual, pre-release or pre-restore.") var kind: BackupKind?
        @Option(help: "Only the pre-release backups of this release.") var releaseId: String?

        func run() async throws {
            let all = self.all, kind = self.kind, releaseId = self.releaseId
            guard
                let backups = try await BackupCommand.read(
                    common, command: "backup list",
                    { service in
                        try await service.list(includeDeleted: all).filter { backup in
                            (kind == nil || backup.kind == kind) && (releaseId == nil || backup.releaseID == releaseId)
                        }
                    })
            else { return }
            if idsOnly {
                backups.filter { $0.succeeded && $0.deletedAt == nil }.forEach { print($0.id) }
            } else if common.json {
                try printJSON(backups)
            } else {
                print(BackupText.list(backups))
            }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Everything the catalogue knows about a backup.")
        @OptionGroup var common: Common
        @Argument(help: "Backup id (default: the newest successful one).") var id: Int64?

        func run() async throws {
            let id = self.id
            guard
                let backup = try await BackupCommand.read(common, command: "backup info", { try await $0.resolve(id) })
            else { return }
            if common.json { try printJSON(backup) } else { print(BackupText.info(backup)) }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash a backup and read it whole (default: the newest successful one).",
            discussion: "Exit 0 when the hash matches and pg_restore reads every entry; 65 otherwise.")
        @OptionGroup var common: Common
        @Argument(help: "Backup id.") var id: Int64?

        func run() async throws {
            let id = self.id
            try await BackupCommand.runJob(
                common, name: "backup-verify", options: ["id": id.map(String.init) ?? "newest"]
            ) {
                service, _ in
                let result = try await service.verify(id)
                return (result, JobOutcome(counts: ["backups_verified": 1], message: "backup \(result.backupID) ok"))
            } details: {
                "backup \($0.backupID): SHA-256 matches, \($0.sizeBytes) bytes read whole by pg_restore"
            }
        }
    }

    struct Drill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup into a scratch database and prove it (default: the newest successful one).",
            discussion: "Checks the sentinel row, every table's row count and checksum, and pg_amcheck; "
                + "drops the scratch database; records the result. Exit 0 when all hold, 65 otherwise.")
        @OptionGroup var common: Common
        @Argument(help: "Backup id.") var id: Int64?
        @Option(help: "Parallel pg_restore and pg_amcheck jobs.") var jobs = 2

        func run() async throws {
            let id = self.id, jobs = self.jobs
            try await BackupCommand.runJob(
                common, name: "backup-drill", options: ["id": id.map(String.init) ?? "newest"]
            ) {
                service, _ in
                let backup = try await service.resolve(id)
                let result = try await service.drill(backup.id, jobs: jobs)
                return (
                    result,
                    JobOutcome(
                        counts: ["tables_checked": result.tables, "rows_checked": Int(result.rows)],
                        message: "backup \(backup.id) restored and proven")
                )
            } details: {
                BackupText.drill($0)
            }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply the retention plan.",
            discussion: """
                Every successful backup is kept 7 days; then the newest of each calendar day \
                (Europe/Paris) up to 3 months; then the newest of each ISO week up to a year. The \
                newest successful backup is never deleted, at least --keep-at-least are kept, pinned, \
                pre-release and pre-restore backups are exempt, failed ones never count.
                """)
        @OptionGroup var common: Common
        @Flag(help: "Only show what would be deleted.") var dryRun = false
        @Option(help: "Never keep fewer successful backups (default: OCPIZZA_BACKUP_KEEP_AT_LEAST, else 3).")
        var keepAtLeast: Int?

        func run() async throws {
            let dryRun = self.dryRun, policy = BackupJobs.policy(keepAtLeast: keepAtLeast)
            try await BackupCommand.runJob(
                common, name: "backup-prune",
                options: ["dry_run": "\(dryRun)", "keep_at_least": "\(policy.minimumKept)"]
            ) { service, _ in
                let lines = try await service.prune(policy: policy, dryRun: dryRun)
                let deleted = lines.filter { !$0.keep }.count
                return (
                    lines,
                    JobOutcome(
                        counts: [
                            "backups_kept": lines.count - deleted,
                            (dryRun ? "would_delete" : "backups_deleted"): deleted,
                        ],
                        message: dryRun ? "dry run: nothing deleted" : nil)
                )
            } details: {
                BackupText.prune($0, dryRun: dryRun)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a backup's files (the catalogue row stays, marked deleted).",
            discussion: "Asks for the id to be typed on a terminal; elsewhere --yes is required (exit 64 without).")
        @OptionGroup var common: Common
        @Argument(help: "Backup id.") var id: Int64
        @Flag(help: "Do not ask.") var yes = false

        func run() async throws {
            if !yes && !BackupCommand.confirmOnTerminal("This deletes backup \(id)'s files.", expected: "\(id)") {
                throw ValidationError("not confirmed: pass --yes to delete backup \(id) without a terminal")
            }
            let id = self.id
            try await BackupCommand.runJob(common, name: "backup-delete", options: ["id": "\(id)"]) { service, _ in
                let backup = try await service.delete(id)
                return (backup, JobOutcome(counts: ["backups_deleted": 1], message: "backup \(id) deleted"))
            } details: {
                "backup \($0.id) deleted: \($0.filePath)"
            }
        }
    }

    struct CopyOffsite: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy-offsite",
            abstract: "Copy the newest backup and the weekly tier to a second location, re-hashed.",
            discussion: "The location is --to or OCPIZZA_OFFSITE_DIR (a mounted disk). Copies there follow "
                + "their own retention (the newest, and one per ISO week for a year).")
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("The off-site folder.", valueName: "dir")) var to: String?

        func run() async throws {
            guard let location = BackupJobs.offsiteDirectory(override: to) else {
                throw ValidationError("no off-site location: pass --to DIR or set OCPIZZA_OFFSITE_DIR")
            }
            try await BackupCommand.runJob(common, name: "backup-copy-offsite", options: ["to": location]) {
                service, _ in
                let report = try await service.copyOffsite(to: location)
                return (
                    report,
                    JobOutcome(counts: ["copied": report.copied.count, "deleted_offsite": report.deleted.count])
                )
            } details: { report in
                "copied \(report.copied.map(String.init).joined(separator: ", ").nonEmpty ?? "nothing new") to "
                    + "\(report.location); already there: \(report.alreadyThere.count); removed there: \(report.deleted.count)"
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Age of the last good backup, restore drill and off-site copy.",
            discussion: "Exit 0 when all are recent enough (backup and drill within 36 h, off-site copy within "
                + "8 days when OCPIZZA_OFFSITE_DIR is set); 1 otherwise.")
        @OptionGroup var common: Common

        func run() async throws {
            let expectOffsite = BackupJobs.offsiteDirectory() != nil
            guard
                let health = try await BackupCommand.read(
                    common, command: "backup status",
                    { service in
                        try await service.health(expectOffsite: expectOffsite)
                    })
            else { return }
            if common.json { try printJSON(health) } else { print(BackupText.status(health)) }
            if health.needsAttention { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
