import Backups
import Foundation
import Postgres
import Synchronization

/// The backup jobs: the job runner's side of ``BackupService`` (folders from the environment,
/// counts for the job-run row, the backup metrics textfile after every run).
public enum BackupJobs {
    /// `OCPIZZA_BACKUP_DIR`, else `<var>/backups`.
    public static func directory(varDirectory: String, override: String? = nil) -> String {
        if let override, !override.isEmpty { return override }
        if let configured = ProcessInfo.processInfo.environment["OCPIZZA_BACKUP_DIR"], !configured.isEmpty {
            return configured
        }
        return varDirectory + "/backups"
    }

    /// `OCPIZZA_OFFSITE_DIR`: the second location (a mounted disk), if one is configured.
    public static func offsiteDirectory(override: String? = nil) -> String? {
        if let override, !override.isEmpty { return override }
        let configured = ProcessInfo.processInfo.environment["OCPIZZA_OFFSITE_DIR"] ?? ""
        return configured.isEmpty ? nil : configured
    }

    /// `OCPIZZA_BACKUP_KEEP_AT_LEAST` (default 3): retention never keeps fewer successful backups.
    public static func policy(keepAtLeast: Int? = nil) -> RetentionPolicy {
        let configured = ProcessInfo.processInfo.environment["OCPIZZA_BACKUP_KEEP_AT_LEAST"].flatMap { Int($0) }
        return RetentionPolicy(minimumKept: keepAtLeast ?? configured ?? 3)
    }

    public static func service(_ context: JobContext, directory: String? = nil) -> BackupService {
        BackupService(
            conninfo: context.conninfo,
            directory: Self.directory(varDirectory: context.varDirectory, override: directory),
            logger: context.logger, jobRunID: context.runID)
    }

    /// Runs `body` and rewrites the backup metrics afterwards, whether it succeeded or not.
    public static func withMetrics<T: Sendable>(
        _ context: JobContext, _ body: () async throws -> T
    ) async throws -> T {
        do {
            let value = try await body()
            await writeMetrics(context)
            return value
        } catch {
            await writeMetrics(context)
            throw error
        }
    }

    /// `var/metrics/ocpizza_backup.prom`: the age of the last good backup, drill and off-site
    /// copy, for the alert rules in deploy/prometheus.
    public static func writeMetrics(_ context: JobContext) async {
        do {
            let connection = try await PostgresConnection.connect(conninfo: context.conninfo, logger: context.logger)
            let (health, size) = try await connection.withUncancellableSession { session in
                (
                    try BackupHealth.read(in: session, expectOffsite: offsiteDirectory() != nil),
                    try session.queryValue(
                        """
                        SELECT size_bytes FROM backup WHERE status = 'ok' AND deleted_at IS NULL
                        ORDER BY started_at DESC LIMIT 1
                        """, as: Int64.self)
                )
            }
            await connection.close()
            try BackupMetrics(varDirectory: context.varDirectory).write(health, lastSizeBytes: size)
        } catch {
            context.logger.warning("could not write the backup metrics", metadata: ["error": "\(error)"])
        }
    }

    /// The nightly steps' work.
    static func nightlyCreate(_ context: JobContext) async throws -> JobOutcome {
        try await withMetrics(context) {
            let backup = try await service(context).create(BackupRequest(kind: .scheduled))
            return JobOutcome(
                counts: ["backups_created": 1, "bytes": Int(backup.sizeBytes ?? 0)],
                message: "backup \(backup.id): \(backup.sizeBytes ?? 0) bytes, \(backup.tocEntries ?? 0) TOC entries")
        }
    }

    static func nightlyVerify(_ context: JobContext) async throws -> JobOutcome {
        try await withMetrics(context) {
            let result = try await service(context).verify(nil)
            return JobOutcome(
                counts: ["backups_verified": 1], message: "backup \(result.backupID): hash and full read ok")
        }
    }

    static func nightlyDrill(_ context: JobContext) async throws -> JobOutcome {
        try await withMetrics(context) {
            let backup = try await service(context).resolve(nil)
            let result = try await service(context).drill(backup.id)
            return JobOutcome(
                counts: ["tables_checked": result.tables, "rows_checked": Int(result.rows)],
                message:
                    "backup \(backup.id) restored in \(String(format: "%.1f", result.restoreSeconds)) s: sentinel, "
                    + "\(result.tables) tables' counts and checksums, pg_amcheck \(result.amcheck)")
        }
    }

    static func nightlyPrune(_ context: JobContext) async throws -> JobOutcome {
        try await withMetrics(context) {
            let lines = try await service(context).prune(policy: policy(), dryRun: false)
            let deleted = lines.filter { !$0.keep }.count
            return JobOutcome(
                counts: ["backups_kept": lines.count - deleted, "backups_deleted": deleted],
                message: "\(lines.count - deleted) kept, \(deleted) deleted")
        }
    }

    static func nightlyCopyOffsite(_ context: JobContext) async throws -> JobOutcome {
        guard let location = offsiteDirectory() else {
            return JobOutcome(message: "no off-site location configured (set OCPIZZA_OFFSITE_DIR)")
        }
        return try await withMetrics(context) {
            let report = try await service(context).copyOffsite(to: location)
            return JobOutcome(
                counts: ["copied": report.copied.count, "deleted_offsite": report.deleted.count],
                message: "\(report.copied.count) copied to \(location), \(report.deleted.count) removed there")
        }
    }
}

/// Holds what a job's work produced, for the command that prints it after the runner returns.
public final class JobResult<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)
    public init() {}
    public func set(_ value: Value) { storage.withLock { $0 = value } }
    public var value: Value? { storage.withLock { $0 } }
}
