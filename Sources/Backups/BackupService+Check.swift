import Foundation
import Postgres

/// What `backup verify` found.
public struct VerifyResult: Sendable, Codable, Equatable {
    public var backupID: Int64
    public var ok: Bool
    public var sha256Matches: Bool
    public var sizeBytes: Int64
    /// pg_restore read every entry of the archive, data included, without error.
    public var readable: Bool
    public var error: String?
}

extension BackupService {
    /// Re-hashes the archive and reads it whole (`pg_restore -f /dev/null`, which decompresses
    /// every data block): catches truncation, flipped bytes, and (through the hash) an edit that
    /// pg_restore alone would restore without a word. The result is recorded on the backup.
    public func verify(_ id: Int64?) async throws -> VerifyResult {
        let backup = try await resolve(id)
        try Self.requireUsable(backup)
        var problems: [String] = []
        var sha256Matches = false
        var size: Int64 = 0
        if ArchiveStorage.exists(backup.filePath) {
            let digest = try ArchiveStorage.digest(of: backup.filePath)
            size = digest.size
            sha256Matches = digest.sha256 == backup.sha256 && digest.size == backup.sizeBytes
            if !sha256Matches {
                problems.append(
                    "SHA-256 \(digest.sha256.prefix(12))… over \(digest.size) bytes, "
                        + "recorded \((backup.sha256 ?? "?").prefix(12))… over \(backup.sizeBytes ?? 0) bytes")
            }
        } else {
            problems.append("\(backup.filePath) is missing")
        }
        var readable = false
        if problems.isEmpty || ArchiveStorage.exists(backup.filePath) {
            let (tools, _) = try await withConnection { try await self.tools(on: $0) }
            let outcome = try await ToolProcess.run(tools.pgRestore, ["--file=/dev/null", backup.filePath])
            readable = outcome.succeeded
            if !readable { problems.append("pg_restore cannot read it whole (\(outcome.ending)): \(outcome.stderr)") }
        }
        let result = VerifyResult(
            backupID: backup.id, ok: problems.isEmpty, sha256Matches: sha256Matches, sizeBytes: size,
            readable: readable, error: problems.isEmpty ? nil : problems.joined(separator: "; "))
        try await withConnection { connection in
            try await connection.withUncancellableSession { session in
                try BackupCatalog.recordVerify(backup.id, ok: result.ok, error: result.error, in: session)
            }
        }
        guard result.ok else {
            throw BackupError(.mismatch, "backup \(backup.id) failed verification: \(result.error ?? "")")
        }
        return result
    }

    /// Restores the backup into a scratch database and proves it: the archive's hash, the
    /// sentinel row written just before the dump, every table's row count and checksum against
    /// the figures of the dump's snapshot, then `pg_amcheck` on tables and indexes. The scratch
    /// database is dropped whatever happens; the result is recorded on the backup.
    public func drill(_ id: Int64?, jobs: Int = 2) async throws -> DrillResult {
        let backup = try await resolve(id)
        try Self.requireUsable(backup)
        let (tools, _) = try await withConnection { try await self.tools(on: $0) }
        // Drills of one database are serialized by their job lock: a scratch database of this
        // database still there belongs to a drill that was killed. (The production database's
        // OID is in the name: other databases on the server drill on their own.)
        let owner = try await withConnection { connection in
            try await connection.withSession { session in
                try session.queryValue(
                    "SELECT oid::text FROM pg_database WHERE datname = current_database()", as: String.self) ?? "0"
            }
        }
        let leftovers = try await withConnection { connection in
            try await connection.withSession { session in
                try session.query(
                    "SELECT datname FROM pg_database WHERE datname LIKE \("ocpizza\\_drill\\_\(owner)\\_%")"
                )
                .map { try $0.decode("datname", as: String.self) }
            }
        }
        for name in leftovers { await dropDatabaseQuietly(name) }
        let scratch = "ocpizza_drill_\(owner)_\(backup.id)_\(getpid())"
        guard let scratchConninfo = ConnectionString.replacingDatabase(in: conninfo, with: scratch) else {
            throw BackupError(.invalidRequest, "the connection string cannot be parsed")
        }
        var result = DrillResult(
            ok: false, sentinel: false, tables: 0, rows: 0, amcheck: "not run", differences: [], notes: [],
            restoreSeconds: 0, error: nil)
        do {
            let digest = try ArchiveStorage.digest(of: backup.filePath)
            guard digest.sha256 == backup.sha256 else {
                throw BackupError(.mismatch, "the archive's SHA-256 differs from the one recorded at dump time")
            }
            // From template1: an operator who cannot install extensions at will (a role with
            // CREATEDB, not superuser) puts amcheck there once, as docs/OPERATIONS.md says.
            try await createDatabase(scratch, replacing: true, template: "template1")
            let started = ContinuousClock.now
            try await restoreArchive(backup.filePath, into: scratchConninfo, tools: tools, jobs: jobs)
            result.restoreSeconds = (ContinuousClock.now - started).seconds
            let expected = try await withConnection { connection in
                try await connection.withSession { try BackupCatalog.fingerprint(of: backup.id, in: $0) }
            }
            let methods = expected?.methods ?? [:]
            let (sentinelFound, restored) = try await withConnection(to: scratchConninfo) { connection in
                try await connection.withSession { session in
                    let found =
                        try session.queryValue(
                            "SELECT count(*) FROM backup_sentinel WHERE token = \(backup.sentinel ?? "")",
                            as: Int64.self) ?? 0
                    return (found == 1, try DatabaseFingerprint.read(in: session, methods: methods))
                }
            }
            // A backup recorded without a sentinel or fingerprint (a pre-release archive of a
            // database older than the drills) is proven by the restore and pg_amcheck alone.
            result.sentinel = backup.sentinel == nil || sentinelFound
            if backup.sentinel == nil { result.notes.append("no sentinel was recorded for this backup") }
            result.tables = restored.tables.count
            result.rows = restored.tables.values.reduce(0) { $0 + $1.rows }
            if let expected {
                result.differences = expected.differences(from: restored)
            } else {
                result.notes.append("no row counts or checksums were recorded at dump time")
            }
            let amcheck = try await ToolProcess.run(
                tools.pgAmcheck, ["--install-missing", "--jobs=\(max(1, jobs))", scratchConninfo])
            result.amcheck = amcheck.succeeded ? "clean" : "errors: \(amcheck.stderr.prefix(500))"
            result.ok = result.sentinel && result.differences.isEmpty && amcheck.succeeded
            if !result.ok {
                var reasons: [String] = []
                if !result.sentinel { reasons.append("the sentinel row is missing") }
                reasons += result.differences.prefix(10)
                if !amcheck.succeeded { reasons.append("pg_amcheck found problems") }
                result.error = reasons.joined(separator: "; ")
            }
        } catch {
            result.ok = false
            result.error = "\(error)"
        }
        await dropDatabaseQuietly(scratch)
        let recorded = result
        try await withConnection { connection in
            try await connection.withUncancellableSession { session in
                try BackupCatalog.recordDrill(backup.id, result: recorded, in: session)
            }
        }
        guard result.ok else {
            throw BackupError(.mismatch, "restore drill of backup \(backup.id) failed: \(result.error ?? "")")
        }
        return result
    }

    // MARK: Databases

    /// Creates an empty database on the production server (dropping one of that name first
    /// when `replacing`).
    func createDatabase(_ name: String, replacing: Bool, template: String = "template0") async throws {
        try await withConnection { connection in
            try await connection.withSession { session in
                if replacing {
                    try session.executeScript("DROP DATABASE IF EXISTS \(SQL.quoteIdentifier(name)) WITH (FORCE)")
                }
                try session.executeScript(
                    "CREATE DATABASE \(SQL.quoteIdentifier(name)) TEMPLATE \(SQL.quoteIdentifier(template))")
            }
        }
    }

    func dropDatabaseQuietly(_ name: String) async {
        do {
            try await withConnection { connection in
                try await connection.withUncancellableSession { session in
                    try session.executeScript("DROP DATABASE IF EXISTS \(SQL.quoteIdentifier(name)) WITH (FORCE)")
                }
            }
        } catch {
            logger.warning(
                "could not drop a scratch database", metadata: ["database": "\(name)", "error": "\(error)"])
        }
    }

    /// `pg_restore` with the documented no-owner policy: objects belong to the restoring role,
    /// grants are not replayed (roles are captured apart, in the `.globals.sql` file). Stops at
    /// the first error: a restore that "ignored 7 errors" is not a restore.
    func restoreArchive(_ archive: String, into target: String, tools: PostgresTools, jobs: Int) async throws {
        let outcome = try await ToolProcess.run(
            tools.pgRestore,
            [
                "--no-owner", "--no-privileges", "--exit-on-error", "--jobs=\(max(1, jobs))", "--dbname=\(target)",
                archive,
            ])
        guard outcome.succeeded else {
            throw BackupError(.toolFailed, "pg_restore failed (\(outcome.ending)): \(outcome.stderr)")
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
