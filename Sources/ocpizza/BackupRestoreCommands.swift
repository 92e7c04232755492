import ArgumentParser
import Backups
import Foundation
import Jobs
import Postgres
import Runtime

extension BackupCommand {
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Restore a backup (or a dump file) into another database, or over production.",
            discussion: """
                With --target-db NAME: into that database of the same server (an existing one that \
                holds tables only with --confirm NAME). Without it: over the production database, \
                which needs its name typed on a terminal or --confirm <dbname>; a pre-restore safety \
                backup is taken first, maintenance mode is on meanwhile and off again afterwards, even \
                on failure. Exit 64 when not confirmed.
                """)
        @OptionGroup var common: Common
        @Argument(help: "Backup id.") var id: Int64?
        @Option(help: ArgumentHelp("Restore this pg_dump archive instead of a catalogued backup.", valueName: "path"))
        var file: String?
        @Option(help: ArgumentHelp("Restore into this database instead of production.", valueName: "name"))
        var targetDb: String?
        @Option(help: ArgumentHelp("The target database's name, typed out: the confirmation.", valueName: "dbname"))
        var confirm: String?

        func validate() throws {
            guard (id == nil) != (file == nil) else {
                throw ValidationError("give a backup id or --file PATH, not both")
            }
        }

        func run() async throws {
            let source: RestoreSource = id.map { .backup($0) } ?? .file(file ?? "")
            let targetDb = self.targetDb
            let confirmed = confirm
            let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
            var recorded = ["source": id.map { "backup \($0)" } ?? file ?? ""]
            recorded["target"] = targetDb ?? "production"
            if let targetDb {
                try await BackupCommand.runJob(common, name: "backup-restore", options: recorded) { service, _ in
                    let report = try await service.restore(source, intoDatabase: targetDb, confirm: confirmed)
                    return (report, JobOutcome(counts: ["restores": 1], message: "restored into \(targetDb)"))
                } details: {
                    BackupText.restore($0)
                }
            } else {
                try await restoreOverProduction(source, confirm: confirmed, user: user, recorded: recorded)
            }
        }

        /// Over production the runner cannot keep its row in the database being replaced: the
        /// work runs first and its run is recorded afterwards (``JobRunner/runThenRecord``).
        private func restoreOverProduction(
            _ source: RestoreSource, confirm: String?, user: String, recorded: [String: String]
        ) async throws {
            let common = self.common
            let what = id.map { "backup \($0)" } ?? file ?? ""
            try await CommandRunner.run(common.global, command: "backup-restore") { environment in
                let conninfo = try await environment.conninfo()
                let service = BackupService(
                    conninfo: conninfo, directory: common.directory(environment), logger: environment.logger)
                let name = try await service.databaseName()
                let confirm = confirm ?? name
                guard
                    self.confirm != nil
                        || BackupCommand.confirmOnTerminal(
                            "This replaces the production database \(name) with \(what).", expected: name)
                else {
                    throw ValidationError(
                        "not confirmed: restoring over the production database needs --confirm \(name)")
                }
                let lockConninfo = ConnectionString.replacingDatabase(in: conninfo, with: "postgres") ?? conninfo
                let box = JobResult<RestoreReport>()
                let report = try await environment.jobRunner(conninfo: conninfo).runThenRecord(
                    JobRequest(name: "backup-restore", options: recorded, runsDuringMaintenance: true),
                    lockConninfo: lockConninfo
                ) {
                    let restored = try await service.restoreOverProduction(source, confirm: confirm) { session, on in
                        let flag =
                            on
                            ? MaintenanceFlag(on: true, reason: "restore in progress", since: Date(), by: user)
                            : MaintenanceFlag.off
                        try flag.write(in: session)
                    }
                    box.set(restored)
                    return JobOutcome(
                        counts: ["restores": 1],
                        message:
                            "restored over \(restored.targetDatabase); safety backup \(restored.safetyBackupID ?? 0)")
                }
                if common.json {
                    try printJSON(BackupCommand.JobReport(run: report, result: box.value))
                } else {
                    print(report.summary)
                    if let restored = box.value { print("\n" + BackupText.restore(restored)) }
                }
                return ExitStatus(rawValue: report.exitCode) ?? .failure
            }
        }

    }

    struct CopyDatabase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "copy-db",
            abstract: "Copy one database into another (pg_dump of the source restored over the target).",
            discussion: "The target must hold no tables, or --confirm must repeat its database name. Exit 64 when not "
                + "confirmed.")
        @OptionGroup var common: Common
        @Option(help: ArgumentHelp("The source database (URI or key=value).", valueName: "url")) var from: String
        @Option(help: ArgumentHelp("The target database (URI or key=value).", valueName: "url")) var to: String
        @Option(help: ArgumentHelp("The target database's name, typed out.", valueName: "dbname")) var confirm: String?

        func run() async throws {
            let from = self.from, to = self.to, confirm = self.confirm
            try await BackupCommand.runJob(
                common, name: "backup-copy-db", options: ["target": ConnectionString.databaseName(in: to) ?? "?"]
            ) {
                service, _ in
                let report = try await service.copyDatabase(from: from, to: to, confirm: confirm)
                return (report, JobOutcome(counts: ["copies": 1], message: "copied into \(report.targetDatabase)"))
            } details: {
                BackupText.restore($0)
            }
        }
    }
}
