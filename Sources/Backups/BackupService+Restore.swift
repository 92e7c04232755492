import Foundation
import Postgres

/// Where a restore reads from.
public enum RestoreSource: Sendable {
    case backup(Int64)
    /// A pg_dump archive (custom or directory format) given by path.
    case file(String)
}

/// What a restore did.
public struct RestoreReport: Sendable, Codable, Equatable {
    public var source: String
    public var targetDatabase: String
    public var overProduction: Bool
    /// The pre-restore backup taken of the production database first.
    public var safetyBackupID: Int64?
    public var seconds: Double
}

extension BackupService {
    /// Restores into another database of the same server. An existing database that holds
    /// tables is replaced only when `confirm` repeats its name.
    public func restore(
        _ source: RestoreSource, intoDatabase target: String, confirm: String?
    ) async throws
        -> RestoreReport
    {
        let (archive, label) = try await archivePath(of: source)
        let current = try await withConnection { connection in
            try await connection.withSession { try $0.queryValue("SELECT current_database()", as: String.self) }
        }
        guard target != current else {
            throw BackupError(
                .invalidRequest, "\(target) is the production database: restore over it with --confirm \(target)")
        }
        guard let targetConninfo = ConnectionString.replacingDatabase(in: conninfo, with: target) else {
            throw BackupError(.invalidRequest, "the connection string cannot be parsed")
        }
        let hasTables = try await databaseHasTables(target)
        if hasTables && confirm != target {
            throw BackupError(
                .confirmationRequired,
                "database \(target) exists and holds tables: repeat its name with --confirm \(target) to replace it")
        }
        let started = ContinuousClock.now
        let (tools, _) = try await withConnection { try await self.tools(on: $0) }
        try await createDatabase(target, replacing: true)
        do {
            try await restoreArchive(archive, into: targetConninfo, tools: tools, jobs: 2)
        } catch {
            await dropDatabaseQuietly(target)
            throw error
        }
        return RestoreReport(
            source: label, targetDatabase: target, overProduction: false, safetyBackupID: nil,
            seconds: (ContinuousClock.now - started).seconds)
    }

    /// Restores over the production database, as the manuals' procedure asks: the typed
    /// confirmation, a safety backup first, maintenance mode on (through `setMaintenance`, in the
    /// old and the new database), the archive restored into a new database beside production,
    /// the backup catalogue carried over (so the restore does not forget the backups taken since),
    /// then the two swapped by name while connections are refused, and maintenance off again,
    /// whatever happened.
    public func restoreOverProduction(
        _ source: RestoreSource, confirm: String,
        setMaintenance: @escaping @Sendable (PostgresSession, Bool) throws -> Void
    ) async throws -> RestoreReport {
        let production = try await withConnection { connection in
            try await connection.withSession { try $0.queryValue("SELECT current_database()", as: String.self) ?? "" }
        }
        guard confirm == production else {
            throw BackupError(
                .confirmationRequired,
                "restoring over the production database needs its name: --confirm \(production)")
        }
        let (archive, label) = try await archivePath(of: source)
        let started = ContinuousClock.now
        let safety = try await create(BackupRequest(kind: .preRestore))
        try await withConnection { connection in
            try await connection.withUncancellableSession { try setMaintenance($0, true) }
        }
        let incoming = String("\(production)_restoring_\(getpid())".prefix(63))
        do {
            let (tools, _) = try await withConnection { try await self.tools(on: $0) }
            guard let incomingConninfo = ConnectionString.replacingDatabase(in: conninfo, with: incoming) else {
                throw BackupError(.invalidRequest, "the connection string cannot be parsed")
            }
            try await createDatabase(incoming, replacing: true)
            try await restoreArchive(archive, into: incomingConninfo, tools: tools, jobs: 2)
            try await carryCatalogue(to: incomingConninfo, setMaintenance: setMaintenance)
            try await swap(production: production, incoming: incoming)
        } catch {
            await dropDatabaseQuietly(incoming)
            _ = try? await withConnection { connection in
                try await connection.withUncancellableSession { try setMaintenance($0, false) }
            }
            throw error
        }
        // The restored database now has the production name: maintenance off there.
        try await withConnection { connection in
            try await connection.withUncancellableSession { try setMaintenance($0, false) }
        }
        return RestoreReport(
            source: label, targetDatabase: production, overProduction: true, safetyBackupID: safety.id,
            seconds: (ContinuousClock.now - started).seconds)
    }

    /// Copies one database into another (`backup copy-db`): a dump of the source restored over
    /// the target, which must be empty or confirmed by name.
    public func copyDatabase(from source: String, to target: String, confirm: String?) async throws -> RestoreReport {
        let targetName = ConnectionString.databaseName(in: target) ?? target
        let sourceService = BackupService(conninfo: source, directory: directory, logger: logger)
        let targetService = BackupService(conninfo: target, directory: directory, logger: logger)
        let hasTables = try await targetService.withConnection { connection in
            try await connection.withSession { session in
                (try session.queryValue(
                    """
                    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    """, as: Int64.self) ?? 0) > 0
            }
        }
        if hasTables && confirm != targetName {
            throw BackupError(
                .confirmationRequired,
                "database \(targetName) holds tables: repeat its name with --confirm \(targetName) to overwrite it")
        }
        let started = ContinuousClock.now
        let (tools, _) = try await sourceService.withConnection { try await sourceService.tools(on: $0) }
        try ArchiveStorage.makeDirectory(directory)
        let temporary = "\(directory)/copy-db-\(getpid()).dump.partial"
        defer { ArchiveStorage.removeQuietly(temporary) }
        let dump = try await ToolProcess.run(
            tools.pgDump, ["--format=custom", "--file=\(temporary)", "--dbname=\(source)"])
        guard dump.succeeded else { throw BackupError(.toolFailed, "pg_dump failed (\(dump.ending)): \(dump.stderr)") }
        // Clean the target: every non-system schema is dropped and public recreated empty.
        try await targetService.withConnection { connection in
            try await connection.withSession { session in
                let schemas = try session.query(
                    """
                    SELECT nspname FROM pg_namespace
                    WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%'
                    """
                ).map { try $0.decode("nspname", as: String.self) }
                for schema in schemas {
                    try session.executeScript("DROP SCHEMA \(SQL.quoteIdentifier(schema)) CASCADE")
                }
                try session.executeScript("CREATE SCHEMA IF NOT EXISTS public")
            }
        }
        let restore = try await ToolProcess.run(
            tools.pgRestore, ["--no-owner", "--no-privileges", "--exit-on-error", "--dbname=\(target)", temporary])
        guard restore.succeeded else {
            throw BackupError(.toolFailed, "pg_restore failed (\(restore.ending)): \(restore.stderr)")
        }
        return RestoreReport(
            source: ConnectionString.databaseName(in: source) ?? "source", targetDatabase: targetName,
            overProduction: false, safetyBackupID: nil, seconds: (ContinuousClock.now - started).seconds)
    }

    // MARK: Steps

    private func archivePath(of source: RestoreSource) async throws -> (String, String) {
        switch source {
        case .backup(let id):
            let backup = try await record(id)
            try Self.requireUsable(backup)
            let digest = try ArchiveStorage.digest(of: backup.filePath)
            guard digest.sha256 == backup.sha256 else {
                throw BackupError(
                    .mismatch, "backup \(id)'s archive does not match its recorded SHA-256: refusing to restore it")
            }
            return (backup.filePath, "backup \(id)")
        case .file(let path):
            guard ArchiveStorage.exists(path) else { throw BackupError(.notFound, "\(path) does not exist") }
            return (path, path)
        }
    }

    private func databaseHasTables(_ name: String) async throws -> Bool {
        let exists = try await withConnection { connection in
            try await connection.withSession { session in
                (try session.queryValue("SELECT count(*) FROM pg_database WHERE datname = \(name)", as: Int64.self)
                    ?? 0) > 0
            }
        }
        guard exists, let other = ConnectionString.replacingDatabase(in: conninfo, with: name) else { return false }
        return try await withConnection(to: other) { connection in
            try await connection.withSession { session in
                (try session.queryValue(
                    """
                    SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                    """, as: Int64.self) ?? 0) > 0
            }
        }
    }

    /// The restored database gets production's backup catalogue (rows for backups taken after
    /// the restored one would otherwise vanish) and maintenance mode on.
    private func carryCatalogue(
        to incoming: String, setMaintenance: @escaping @Sendable (PostgresSession, Bool) throws -> Void
    ) async throws {
        let (backups, copies) = try await withConnection { connection in
            try await connection.withSession { session in
                (
                    try session.queryValue("SELECT coalesce(json_agg(b), '[]')::text FROM backup b", as: String.self)
                        ?? "[]",
                    try session.queryValue(
                        "SELECT coalesce(json_agg(c), '[]')::text FROM backup_copy c", as: String.self) ?? "[]"
                )
            }
        }
        try await withConnection(to: incoming) { connection in
            try await connection.withSession { session in
                try session.transaction { session in
                    try session.execute(
                        """
                        CREATE TEMP TABLE carried_backup ON COMMIT DROP AS
                        SELECT * FROM json_populate_recordset(NULL::backup, \(backups)::json)
                        """)
                    try session.execute(
                        """
                        UPDATE carried_backup c SET job_run_id = NULL
                        WHERE NOT EXISTS (SELECT 1 FROM job_run r WHERE r.id = c.job_run_id)
                        """)
                    try session.execute("DELETE FROM backup_copy")
                    try session.execute("DELETE FROM backup")
                    try session.execute("INSERT INTO backup OVERRIDING SYSTEM VALUE SELECT * FROM carried_backup")
                    try session.execute(
                        """
                        INSERT INTO backup_copy OVERRIDING SYSTEM VALUE
                        SELECT * FROM json_populate_recordset(NULL::backup_copy, \(copies)::json)
                        """)
                    try session.execute(
                        """
                        SELECT setval(pg_get_serial_sequence('backup', 'id'), coalesce(max(id), 0) + 1, false) FROM backup
                        """)
                    try session.execute(
                        """
                        SELECT setval(pg_get_serial_sequence('backup_copy', 'id'), coalesce(max(id), 0) + 1, false)
                        FROM backup_copy
                        """)
                    try setMaintenance(session, true)
                }
            }
        }
    }

    /// Renames production aside and the restored database into its place, with connections to
    /// production refused meanwhile (servers reconnect to the restored one), then drops the old one
    /// (the safety backup holds it).
    private func swap(production: String, incoming: String) async throws {
        let aside = String("\(production)_before_restore_\(getpid())".prefix(63))
        guard let maintenanceConninfo = ConnectionString.replacingDatabase(in: conninfo, with: incoming) else {
            throw BackupError(.invalidRequest, "the connection string cannot be parsed")
        }
        let quotedProduction = SQL.quoteIdentifier(production)
        try await withConnection(to: maintenanceConninfo) { connection in
            try await connection.withSession { session in
                try session.executeScript("ALTER DATABASE \(quotedProduction) ALLOW_CONNECTIONS false")
                try session.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(production)")
                try session.executeScript("ALTER DATABASE \(quotedProduction) RENAME TO \(SQL.quoteIdentifier(aside))")
            }
        }
        // The incoming database cannot be renamed from a connection to itself: use the old one.
        guard let asideConninfo = ConnectionString.replacingDatabase(in: conninfo, with: aside) else { return }
        try await withConnection(to: maintenanceConninfo) { connection in
            try await connection.withSession { session in
                try session.executeScript("ALTER DATABASE \(SQL.quoteIdentifier(aside)) ALLOW_CONNECTIONS true")
            }
        }
        do {
            try await withConnection(to: asideConninfo) { connection in
                try await connection.withSession { session in
                    try session.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(incoming)")
                    try session.executeScript(
                        "ALTER DATABASE \(SQL.quoteIdentifier(incoming)) RENAME TO \(quotedProduction)")
                }
            }
        } catch {
            // Put production back under its name before anyone drops anything.
            try await withConnection(to: maintenanceConninfo) { connection in
                try await connection.withUncancellableSession { session in
                    try session.executeScript(
                        "ALTER DATABASE \(SQL.quoteIdentifier(aside)) RENAME TO \(quotedProduction)")
                }
            }
            throw error
        }
        await dropDatabaseQuietly(aside)
    }
}
