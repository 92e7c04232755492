import Foundation
import Postgres

extension BackupService {
    /// Whether the database's backup catalogue is the one this build writes (migration 0014):
    /// a release from an older version must not write catalogue rows before it has migrated.
    public func catalogueIsCurrent() async throws -> Bool {
        try await withConnection { connection in
            try await connection.withSession { session in
                (try session.queryValue(
                    """
                    SELECT count(*) FROM information_schema.columns
                    WHERE table_schema = current_schema() AND table_name = 'backup' AND column_name = 'fingerprint'
                    """, as: Int64.self) ?? 0) == 1
            }
        }
    }

    /// A pre-release dump of a database whose catalogue is older than this build: the archive is
    /// written (temporary name, fsync, hash, rename) now, and recorded by ``recordBareBackup(_:)``
    /// once the migrations have made the catalogue current.
    public func dumpBare(releaseID: String) async throws -> BareBackup {
        try ArchiveStorage.makeDirectory(directory)
        let started = Date()
        let (tools, serverVersion) = try await withConnection { try await self.tools(on: $0) }
        let database = try await withConnection { connection in
            try await connection.withSession { try $0.queryValue("SELECT current_database()", as: String.self) ?? "db" }
        }
        let path = archivePath(id: 0, database: database, format: .custom, at: started)
            .replacingOccurrences(
                of: "-0.dump", with: "-\(releaseID.filter { $0.isLetter || $0.isNumber || $0 == "." }).dump")
        let temporary = path + ".partial"
        let outcome = try await ToolProcess.run(
            tools.pgDump, ["--format=custom", "--file=\(temporary)", "--dbname=\(conninfo)"])
        guard outcome.succeeded else {
            ArchiveStorage.removeQuietly(temporary)
            throw BackupError(.toolFailed, "pg_dump failed (\(outcome.ending)): \(outcome.stderr)")
        }
        try ArchiveStorage.sync(temporary)
        let (sha256, size) = try ArchiveStorage.digest(of: temporary)
        try ArchiveStorage.publish(temporary, as: path)
        return BareBackup(
            path: path, sha256: sha256, sizeBytes: size, serverVersion: serverVersion, pgDumpVersion: tools.version,
            releaseID: releaseID, startedAt: started, durationMs: Int64(Date().timeIntervalSince(started) * 1000))
    }

    /// Records a ``BareBackup`` in the (now current) catalogue: pinned, kind pre-release.
    public func recordBareBackup(_ backup: BareBackup) async throws -> BackupRecord {
        try await withConnection { connection in
            try await connection.withSession { session in
                let id =
                    try session.queryValue(
                        """
                        INSERT INTO backup (kind, pinned, status, format, file_path, size_bytes, sha256, server_version,
                                            pg_dump_version, duration_ms, release_id, job_run_id, started_at,
                                            finished_at, database_name)
                        VALUES ('pre-release', true, 'ok', 'custom', \(backup.path), \(backup.sizeBytes),
                                \(backup.sha256), \(backup.serverVersion), \(backup.pgDumpVersion),
                                \(backup.durationMs), \(backup.releaseID), \(jobRunID), \(backup.startedAt), now(),
                                current_database())
                        RETURNING id
                        """, as: Int64.self) ?? 0
                return try BackupCatalog.find(id, in: session)
            }
        }
    }
}

/// A pre-release archive taken before the catalogue could record it.
public struct BareBackup: Sendable {
    public var path: String
    public var sha256: String
    public var sizeBytes: Int64
    public var serverVersion: String
    public var pgDumpVersion: String
    public var releaseID: String
    public var startedAt: Date
    public var durationMs: Int64
}
