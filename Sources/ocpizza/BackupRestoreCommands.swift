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
            guard (id == nil) != (file == nil) else { throw ValidationError("give a backup id or --file PATH, not both") }
        }

        func run() async throws {
            let source: RestoreSource = id.map { .backup($0) } ?? .file(file ?? "")
            let targetDb = self.targetDb
            var confirm = self.confirm
            if targetDb == nil && confirm == nil {
                let name = try await productionName()
                guard
                    BackupCommand.confirmOnTerminal(
                        "This replaces the production database \(name) with \(id.map { "backup \($0)" } ?? file ?? "").",
                        expected: name)
                else {
                    throw ValidationError(
                        "not confirmed: restoring over the production database needs --confirm \(name)")
                }
                confirm = name
            }
            let confirmed = confirm
            let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
            var recorded = ["source": id.map { "backup \($0)" } ?? file ?? ""]
            recorded["target"] = targetDb ?? "production"
            try await BackupCommand.runJob(common, name: "backup-restore", options: recorded) { service, _ in
                let report: RestoreReport
                if let targetDb {
                    report = try await service.restore(source, intoDatabase: targetDb, confirm: confirmed)
                } else {
                    report = try await service.restoreOverProduction(source, confirm: confirmed ?? "") { session, on in
                        let flag =
                            on
                            ? MaintenanceFlag(on: true, reason: "restore in progress", since: Date(), by: user)
                            : MaintenanceFlag.off
                        try flag.write(in: session)
                    }
                }
                return (report, JobOutcome(counts: ["restores": 1], message: "restored into \(report.targetDatabase)"))
            } details: { BackupText.restore($0) }
        }

        private func productionName() async throws -> String {
            let box = JobResult<String>()
            try await CommandRunner.run(common.global, command: "backup restore") { environment in
                let (connection, _) = try await environment.connect()
                let name = try await connection.withSession {
                    try $0.queryValue("SELECT current_database()", as: String.self) ?? ""
                }
                await connection.close()
                box.set(name)
                return .success
            }
            return box.value ?? ""
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
            try await BackupCommand.runJob(common, name: "backup-copy-db", options: ["target": ConnectionString.databaseName(in: to) ?? "?"]) {
                service, _ in
                let report = try await service.copyDatabase(from: from, to: to, confirm: confirm)
                return (report, JobOutcome(counts: ["copies": 1], message: "copied into \(report.targetDatabase)"))
            } details: { BackupText.restore($0) }
        }
    }
}
