import Foundation
import Postgres

/// One row of the backup catalogue, as `backup list`, `info` and `--json` show it.
public struct BackupRecord: Sendable, Codable, Equatable {
    public var id: Int64
    public var kind: BackupKind
    public var pinned: Bool
    /// running, ok or failed.
    public var status: String
    public var format: String
    public var filePath: String
    public var sizeBytes: Int64?
    public var sha256: String?
    public var serverVersion: String?
    public var pgDumpVersion: String?
    public var databaseName: String?
    public var databaseSizeBytes: Int64?
    public var durationMs: Int64?
    public var tocEntries: Int?
    public var releaseID: String?
    public var jobRunID: Int64?
    public var startedAt: Date
    public var finishedAt: Date?
    public var error: String?
    public var verifiedAt: Date?
    public var verifyOK: Bool?
    public var verifyError: String?
    public var drillAt: Date?
    public var drill: DrillResult?
    public var deletedAt: Date?
    public var sentinel: String?
    public var globalsPath: String?
    public var offsiteCopies: [OffsiteCopy] = []

    public var succeeded: Bool { status == "ok" }

    public struct OffsiteCopy: Sendable, Codable, Equatable {
        public var location: String
        public var path: String?
        public var sha256: String
        public var sizeBytes: Int64?
        public var copiedAt: Date
    }
}

/// What a restore drill found, stored as `backup.drill_result`.
public struct DrillResult: Sendable, Codable, Equatable {
    public var ok: Bool
    public var sentinel: Bool
    public var tables: Int
    public var rows: Int64
    /// "clean", "errors" or "skipped (reason)".
    public var amcheck: String
    public var differences: [String]
    /// What the drill could not check, and why.
    public var notes: [String]
    public var restoreSeconds: Double
    public var error: String?
}

/// Reads and writes the `backup` and `backup_copy` tables.
public enum BackupCatalog {
    static let columns = """
        id, kind, pinned, status, format, file_path, size_bytes, sha256, server_version, pg_dump_version,
        database_name, database_size_bytes, duration_ms, toc_entries, release_id, job_run_id, started_at,
        finished_at, error, verified_at, verify_ok, verify_error, drill_at, drill_result::text AS drill_result,
        deleted_at, sentinel, globals_path
        """

    public static func list(in session: PostgresSession, includeDeleted: Bool = false) throws -> [BackupRecord] {
        let rows = try session.query(
            SQL(
                unsafeSQL: "SELECT \(columns) FROM backup"
                    + (includeDeleted ? "" : " WHERE deleted_at IS NULL") + " ORDER BY started_at DESC, id DESC"))
        var records = try rows.map(record)
        let copies = try offsiteCopies(in: session)
        for index in records.indices { records[index].offsiteCopies = copies[records[index].id] ?? [] }
        return records
    }

    public static func find(_ id: Int64, in session: PostgresSession) throws -> BackupRecord {
        guard let row = try session.query("SELECT \(unsafeRaw: columns) FROM backup WHERE id = \(id)").first
        else { throw BackupError(.notFound, "no backup \(id) in the catalogue (see: ocpizza backup list)") }
        var found = try record(row)
        found.offsiteCopies = try offsiteCopies(in: session)[id] ?? []
        return found
    }

    /// The newest successful backup whose file is still there, if any.
    public static func newestSuccessful(in session: PostgresSession) throws -> BackupRecord? {
        try list(in: session).first { $0.succeeded }
    }

    /// The fingerprint recorded at dump time.
    static func fingerprint(of id: Int64, in session: PostgresSession) throws -> DatabaseFingerprint? {
        guard
            let text = try session.queryValue("SELECT fingerprint::text FROM backup WHERE id = \(id)", as: String?.self)
                ?? nil
        else { return nil }
        return try JSONDecoder().decode(DatabaseFingerprint.self, from: Data(text.utf8))
    }

    static func record(_ row: Row) throws -> BackupRecord {
        let drillText = try row.decode("drill_result", as: String?.self)
        return BackupRecord(
            id: try row.decode("id"), kind: BackupKind(rawValue: try row.decode("kind", as: String.self)) ?? .manual,
            pinned: try row.decode("pinned"), status: try row.decode("status"), format: try row.decode("format"),
            filePath: try row.decode("file_path"), sizeBytes: try row.decode("size_bytes"),
            sha256: try row.decode("sha256"), serverVersion: try row.decode("server_version"),
            pgDumpVersion: try row.decode("pg_dump_version"), databaseName: try row.decode("database_name"),
            databaseSizeBytes: try row.decode("database_size_bytes"), durationMs: try row.decode("duration_ms"),
            tocEntries: try row.decode("toc_entries"), releaseID: try row.decode("release_id"),
            jobRunID: try row.decode("job_run_id"), startedAt: try row.decode("started_at"),
            finishedAt: try row.decode("finished_at"), error: try row.decode("error"),
            verifiedAt: try row.decode("verified_at"), verifyOK: try row.decode("verify_ok"),
            verifyError: try row.decode("verify_error"), drillAt: try row.decode("drill_at"),
            drill: try drillText.map { try JSONDecoder().decode(DrillResult.self, from: Data($0.utf8)) },
            deletedAt: try row.decode("deleted_at"), sentinel: try row.decode("sentinel"),
            globalsPath: try row.decode("globals_path"))
    }

    static func offsiteCopies(in session: PostgresSession) throws -> [Int64: [BackupRecord.OffsiteCopy]] {
        var copies: [Int64: [BackupRecord.OffsiteCopy]] = [:]
        for row in try session.query(
            """
            SELECT backup_id, location, copy_path, sha256, size_bytes, copied_at FROM backup_copy
            WHERE deleted_at IS NULL ORDER BY copied_at
            """)
        {
            copies[try row.decode("backup_id"), default: []].append(
                BackupRecord.OffsiteCopy(
                    location: try row.decode("location"), path: try row.decode("copy_path"),
                    sha256: try row.decode("sha256"), sizeBytes: try row.decode("size_bytes"),
                    copiedAt: try row.decode("copied_at")))
        }
        return copies
    }

    // MARK: Writes

    /// Marks backups left 'running' by a process that died (no live job run holds them) as failed,
    /// and returns their paths so the caller can remove what they left.
    static func failAbandoned(in session: PostgresSession) throws -> [String] {
        try session.query(
            """
            UPDATE backup b SET status = 'failed', finished_at = now(),
                error = 'abandoned: the process taking it died (killed, crashed or the machine stopped)'
            WHERE b.status = 'running'
              AND NOT EXISTS (SELECT 1 FROM job_run r WHERE r.id = b.job_run_id AND r.status = 'running')
              AND (b.job_run_id IS NOT NULL OR b.started_at < now() - interval '1 day')
            RETURNING file_path
            """
        ).map { try $0.decode("file_path", as: String.self) }
    }

    static func recordVerify(_ id: Int64, ok: Bool, error: String?, in session: PostgresSession) throws {
        try session.execute(
            "UPDATE backup SET verified_at = now(), verify_ok = \(ok), verify_error = \(error) WHERE id = \(id)")
    }

    static func recordDrill(_ id: Int64, result: DrillResult, in session: PostgresSession) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = JSONB(text: String(decoding: try encoder.encode(result), as: UTF8.self))
        try session.execute("UPDATE backup SET drill_at = now(), drill_result = \(json) WHERE id = \(id)")
    }

    static func markDeleted(_ id: Int64, in session: PostgresSession) throws {
        try session.execute("UPDATE backup SET deleted_at = now() WHERE id = \(id) AND deleted_at IS NULL")
    }
}
