import Foundation
import Postgres

/// What `backup create` is asked for.
public struct BackupRequest: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        /// One compressed file (`pg_dump -Fc`).
        case custom
        /// A folder, dumped with parallel jobs (`pg_dump -Fd -j N`).
        case directory
    }

    public var kind: BackupKind
    public var pinned: Bool
    public var format: Format
    public var jobs: Int
    public var releaseID: String?
    /// pg_dump's `--compress` level (0: none); nil: pg_dump's default.
    public var compressionLevel: Int?

    public init(
        kind: BackupKind = .manual, pinned: Bool = false, format: Format = .custom, jobs: Int = 2,
        releaseID: String? = nil, compressionLevel: Int? = nil
    ) {
        self.compressionLevel = compressionLevel
        self.kind = kind
        self.pinned = pinned
        self.format = format
        self.jobs = jobs
        self.releaseID = releaseID
    }
}

extension BackupService {
    /// Takes a backup: catalogue row first (so a failure is recorded), tools and free space
    /// checked, sentinel row written, pg_dump run on an exported snapshot while the fingerprint
    /// of that same snapshot is read, then fsync, hash and rename. Any failure leaves the row
    /// 'failed' and no file under a final name.
    public func create(_ request: BackupRequest) async throws -> BackupRecord {
        try ArchiveStorage.makeDirectory(directory)
        let (id, path, databaseSize, started) = try await withConnection { connection in
            try await begin(request, connection: connection)
        }
        do {
            let record = try await withConnection { connection in
                try await dump(
                    id: id, path: path, request: request, databaseSize: databaseSize, started: started,
                    connection: connection)
            }
            logger.notice(
                "backup taken",
                metadata: [
                    "backup.id": "\(id)", "backup.path": "\(path)", "backup.size_bytes": "\(record.sizeBytes ?? 0)",
                ])
            return record
        } catch {
            ArchiveStorage.removeQuietly(path + ".partial")
            ArchiveStorage.removeQuietly(path)
            let message = error is CancellationError ? "interrupted (SIGTERM, SIGINT or cancellation)" : "\(error)"
            // A new connection: the dump's may be the thing that failed.
            _ = try? await withConnection { recorder in
                try await recorder.withUncancellableSession { session in
                    try session.execute(
                        """
                        UPDATE backup SET status = 'failed', finished_at = now(), error = \(message),
                            duration_ms = (extract(epoch FROM now() - started_at) * 1000)::bigint
                        WHERE id = \(id) AND status = 'running'
                        """)
                }
            }
            throw error
        }
    }

    /// Cleans up after abandoned backups and writes the new backup's 'running' row.
    private func begin(
        _ request: BackupRequest, connection: PostgresConnection
    ) async throws -> (Int64, String, Int64, Date) {
        let abandoned = try await connection.withSession { try BackupCatalog.failAbandoned(in: $0) }
        for path in abandoned {
            ArchiveStorage.removeQuietly(path + ".partial")
            ArchiveStorage.removeQuietly(path)
            logger.warning("removed what an abandoned backup left", metadata: ["backup.path": "\(path)"])
        }

        let started = Date()
        let (id, databaseName, databaseSize) = try await connection.withSession { session in
            let name = try session.queryValue("SELECT current_database()", as: String.self) ?? "postgres"
            let size = try session.queryValue("SELECT pg_database_size(current_database())", as: Int64.self) ?? 0
            let id =
                try session.queryValue(
                    """
                    INSERT INTO backup (kind, pinned, format, file_path, release_id, job_run_id, database_name,
                                        database_size_bytes)
                    VALUES (\(request.kind.rawValue), \(request.pinned), \(request.format.rawValue),
                            'pending-' || gen_random_uuid(), \(request.releaseID), \(jobRunID), \(name), \(size))
                    RETURNING id
                    """, as: Int64.self) ?? 0
            return (id, name, size)
        }
        let path = archivePath(id: id, database: databaseName, format: request.format, at: started)
        try await connection.withSession { session in
            _ = try session.execute("UPDATE backup SET file_path = \(path) WHERE id = \(id)")
        }
        return (id, path, databaseSize, started)
    }

    private func dump(
        id: Int64, path: String, request: BackupRequest, databaseSize: Int64, started: Date,
        connection: PostgresConnection
    ) async throws -> BackupRecord {
        let (tools, serverVersion) = try await self.tools(on: connection)
        try await checkFreeSpace(connection: connection, format: request.format, databaseSize: databaseSize)

        // The sentinel is committed before the snapshot is taken, so it is in the dump.
        let sentinel = "backup-\(id)-\(UInt64.random(in: .min ... .max))"
        let snapshot = try await connection.withSession { session in
            try session.execute("INSERT INTO backup_sentinel (token) VALUES (\(sentinel))")
            try session.executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return try session.queryValue("SELECT pg_export_snapshot()", as: String.self) ?? ""
        }
        let temporary = path + ".partial"
        var arguments = ["--format=\(request.format == .custom ? "custom" : "directory")", "--snapshot=\(snapshot)"]
        if request.format == .directory { arguments.append("--jobs=\(max(1, request.jobs))") }
        if let level = request.compressionLevel { arguments.append("--compress=\(level)") }
        arguments += ["--file=\(temporary)", "--dbname=\(conninfo)"]
        let dumpTask = Task { try await ToolProcess.run(tools.pgDump, arguments) }

        // Read while pg_dump works; the transaction (and so the snapshot) stays open until
        // pg_dump has finished, since it imports the snapshot at its own pace.
        let fingerprint: DatabaseFingerprint
        do {
            fingerprint = try await connection.withSession { try DatabaseFingerprint.read(in: $0) }
        } catch {
            dumpTask.cancel()
            _ = try? await dumpTask.value
            throw error
        }
        let outcome = try await withTaskCancellationHandler {
            try await dumpTask.value
        } onCancel: {
            dumpTask.cancel()
        }
        try await connection.withSession { try $0.executeScript("COMMIT") }
        try Task.checkCancellation()
        guard outcome.succeeded else {
            let full = outcome.stderr.contains("No space left on device")
            throw BackupError(
                full ? .storage : .toolFailed,
                "pg_dump failed (\(outcome.ending))\(full ? ", the disk is full" : ""): \(outcome.stderr)")
        }

        let toc = try await ToolProcess.runCapturing(tools.pgRestore, ["--list", temporary])
        let tocEntries = toc.split(separator: "\n").filter { !$0.hasPrefix(";") && !$0.isEmpty }.count
        try ArchiveStorage.sync(temporary)
        let (sha256, size) = try ArchiveStorage.digest(of: temporary)
        try ArchiveStorage.publish(temporary, as: path)
        let globals = await dumpGlobals(tools: tools, next: path)

        let duration = Int64(Date().timeIntervalSince(started) * 1000)
        let fingerprintJSON = try JSONB(encoding: fingerprint)
        return try await connection.withSession { session in
            try session.execute(
                """
                UPDATE backup SET status = 'ok', finished_at = now(), size_bytes = \(size), sha256 = \(sha256),
                    server_version = \(serverVersion), pg_dump_version = \(tools.version),
                    duration_ms = \(duration), toc_entries = \(tocEntries), sentinel = \(sentinel),
                    fingerprint = \(fingerprintJSON), globals_path = \(globals)
                WHERE id = \(id)
                """)
            return try BackupCatalog.find(id, in: session)
        }
    }

    /// `ocpizza-<database>-<UTC time>-<id>.dump` (or `.dir` for the directory format).
    func archivePath(id: Int64, database: String, format: BackupRequest.Format, at date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let safeName = String(database.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" ? $0 : "_" })
        let suffix = format == .custom ? "dump" : "dir"
        return "\(directory)/ocpizza-\(safeName)-\(formatter.string(from: date))-\(id).\(suffix)"
    }

    /// Refuses to start when the backup folder cannot hold the expected archive: the last
    /// successful archive of this format plus 25 %, or, for a first backup, an eighth of the
    /// database's size (a compressed dump holds no indexes and compresses its data).
    private func checkFreeSpace(
        connection: PostgresConnection, format: BackupRequest.Format, databaseSize: Int64
    ) async throws {
        let lastSize = try await connection.withSession { session in
            try session.queryValue(
                """
                SELECT size_bytes FROM backup WHERE status = 'ok' AND format = \(format.rawValue)
                ORDER BY started_at DESC LIMIT 1
                """, as: Int64.self)
        }
        let needed = lastSize.map { $0 + $0 / 4 } ?? databaseSize / 8
        let free = try ArchiveStorage.freeBytes(at: directory)
        guard free >= needed else {
            throw BackupError(
                .storage,
                "not enough free space in \(directory): \(free) bytes free, about \(needed) needed "
                    + "(the last backup's size plus 25 %, or an eighth of the database for a first one)")
        }
    }

    /// Roles and settings a restore on a new server needs (`pg_dumpall --globals-only
    /// --no-role-passwords`), beside the archive. Best effort: a role that may not read them
    /// gets a warning and the documented no-owner restore policy (`--no-owner --no-privileges`).
    private func dumpGlobals(tools: PostgresTools, next archive: String) async -> String? {
        let path = archive + ".globals.sql"
        do {
            let outcome = try await ToolProcess.run(
                tools.pgDumpAll, ["--globals-only", "--no-role-passwords", "--file=\(path)", "--dbname=\(conninfo)"])
            guard outcome.succeeded else {
                ArchiveStorage.removeQuietly(path)
                logger.warning("roles and settings not captured", metadata: ["error": "\(outcome.stderr)"])
                return nil
            }
            try ArchiveStorage.sync(path)
            return path
        } catch {
            logger.warning("roles and settings not captured", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
