import ArgumentParser
import Backups
import Foundation
import Jobs
import Migrations
import Postgres
import Runtime

/// `ocpizza release --version V`: the manuals' update procedure, run after the new binary is in
/// place and before the server is restarted on it.
struct Release: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Update procedure: maintenance on, pinned pre-release backup, migrate, maintenance off.",
        discussion: """
            Maintenance mode goes on (the endpoint answers 503, jobs other than backups are \
            skipped); a pinned pre-release backup tagged with the version is taken; pending \
            migrations are applied; maintenance goes off. When the backup fails nothing changed and \
            maintenance goes off again. When a migration fails, maintenance stays ON and the command \
            prints how to roll back: restore the pre-release backup and reinstall the previous binary.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The version being released (recorded on the pre-release backup).") var version: String
    @Option(
        help: ArgumentHelp("Where archives live (default: OCPIZZA_BACKUP_DIR, else <var>/backups).", valueName: "dir"))
    var backupDir: String?
    @Flag(help: "Print the result as JSON.") var json = false

    struct Outcome: Codable, Sendable {
        var version: String
        var backupID: Int64
        var backupPath: String
        var migrationsApplied: [String]
        var rollback: String
    }

    struct MigrationFailed: Error, CustomStringConvertible {
        var underlying: String
        var rollback: String
        var description: String {
            "a migration failed: \(underlying). Maintenance mode stays ON. Roll back: \(rollback)"
        }
    }

    func run() async throws {
        let version = self.version, backupDir = self.backupDir, json = self.json
        let box = JobResult<Outcome>()
        let user = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        try await CommandRunner.run(options, command: "release") { environment in
            let conninfo = try await environment.conninfo()
            let report = try await environment.jobRunner(conninfo: conninfo).run(
                JobRequest(name: "release", options: ["version": version], runsDuringMaintenance: true)
            ) { context in
                let service = BackupJobs.service(context, directory: backupDir)
                let database = try await setMaintenance(
                    MaintenanceFlag(on: true, reason: "release \(version)", since: Date(), by: user), context)
                var outcome = Outcome(
                    version: version, backupID: 0, backupPath: "", migrationsApplied: [], rollback: "")
                var bare: BareBackup?
                do {
                    if try await service.catalogueIsCurrent() {
                        let backup = try await service.create(
                            BackupRequest(kind: .preRelease, pinned: true, releaseID: version))
                        outcome.backupID = backup.id
                        outcome.backupPath = backup.filePath
                    } else {
                        bare = try await service.dumpBare(releaseID: version)
                        outcome.backupPath = bare?.path ?? ""
                    }
                } catch {
                    _ = try? await setMaintenance(.off, context)
                    throw error
                }
                outcome.rollback =
                    "ocpizza backup restore --file \(outcome.backupPath) --confirm \(database), then reinstall the "
                    + "previous ocpizza binary and run: ocpizza maintenance off"
                do {
                    let migration = try await Migrator().migrate(conninfo: context.conninfo, logger: context.logger)
                    outcome.migrationsApplied = migration.applied.map(\.label)
                } catch {
                    throw MigrationFailed(underlying: "\(error)", rollback: outcome.rollback)
                }
                if let bare { outcome.backupID = try await service.recordBareBackup(bare).id }
                outcome.rollback =
                    "ocpizza backup restore \(outcome.backupID) --confirm \(database), then reinstall the previous "
                    + "ocpizza binary"
                _ = try await setMaintenance(.off, context)
                box.set(outcome)
                return JobOutcome(
                    counts: ["migrations_applied": outcome.migrationsApplied.count],
                    message: "release \(version): pre-release backup \(outcome.backupID)")
            }
            if json {
                try printJSON(BackupCommand.JobReport(run: report, result: box.value))
            } else {
                print(report.summary)
                if let outcome = box.value {
                    print("")
                    print("pre-release backup  \(outcome.backupID) (pinned): \(outcome.backupPath)")
                    print(
                        "migrations applied  "
                            + (outcome.migrationsApplied.isEmpty
                                ? "none" : outcome.migrationsApplied.joined(separator: ", ")))
                    print("maintenance         off")
                    print("to roll back        \(outcome.rollback)")
                }
            }
            return ExitStatus(rawValue: report.exitCode) ?? .failure
        }
    }

    /// Writes the flag and returns the database's name.
    private func setMaintenance(_ flag: MaintenanceFlag, _ context: JobContext) async throws -> String {
        let connection = try await PostgresConnection.connect(conninfo: context.conninfo, logger: context.logger)
        do {
            let name = try await connection.withUncancellableSession { session in
                try flag.write(in: session)
                return try session.queryValue("SELECT current_database()", as: String.self) ?? ""
            }
            await connection.close()
            return name
        } catch {
            await connection.close()
            throw error
        }
    }
}
