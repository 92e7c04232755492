import Foundation
import Postgres

/// One line of `backup prune`: what the plan decided for a backup and why.
public struct PruneLine: Sendable, Codable, Equatable {
    public var backupID: Int64
    public var startedAt: Date
    public var kind: BackupKind
    public var status: String
    public var keep: Bool
    public var reason: String
}

/// What `backup copy-offsite` did.
public struct OffsiteReport: Sendable, Codable, Equatable {
    public var location: String
    public var copied: [Int64]
    public var alreadyThere: [Int64]
    public var deleted: [Int64]
    public var newestCopyAt: Date?
    public var stale: Bool
}

extension BackupService {
    /// Applies the retention plan (``RetentionPlan``) to the catalogue: files of the backups it
    /// does not keep are removed and their rows marked deleted (the rows stay, as history).
    /// `dryRun` only says what would go.
    public func prune(
        policy: RetentionPolicy = .standard, now: Date = Date(), dryRun: Bool
    ) async throws
        -> [PruneLine]
    {
        let backups = try await list().filter { $0.status != "running" }
        let decisions = RetentionPlan.decide(
            backups.map {
                RetentionCandidate(
                    id: $0.id, startedAt: $0.startedAt, succeeded: $0.succeeded, kind: $0.kind, pinned: $0.pinned)
            }, now: now, policy: policy)
        let byID = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) })
        var lines: [PruneLine] = []
        for decision in decisions {
            guard let backup = byID[decision.id] else { continue }
            lines.append(
                PruneLine(
                    backupID: backup.id, startedAt: backup.startedAt, kind: backup.kind, status: backup.status,
                    keep: decision.keep, reason: decision.reason.description))
            guard !decision.keep, !dryRun else { continue }
            try await remove(backup)
        }
        return lines
    }

    /// Deletes one backup (its files and off-site copies; the row stays, marked deleted).
    public func delete(_ id: Int64) async throws -> BackupRecord {
        let backup = try await record(id)
        guard backup.deletedAt == nil else { throw BackupError(.notFound, "backup \(id) is already deleted") }
        guard backup.status != "running" else {
            throw BackupError(.invalidRequest, "backup \(id) is still running")
        }
        try await remove(backup)
        return try await record(id)
    }

    private func remove(_ backup: BackupRecord) async throws {
        ArchiveStorage.removeQuietly(backup.filePath)
        ArchiveStorage.removeQuietly(backup.filePath + ".partial")
        if let globals = backup.globalsPath { ArchiveStorage.removeQuietly(globals) }
        try await withConnection { connection in
            try await connection.withUncancellableSession { try BackupCatalog.markDeleted(backup.id, in: $0) }
        }
        logger.info("backup removed", metadata: ["backup.id": "\(backup.id)", "backup.path": "\(backup.filePath)"])
    }

    /// Copies the newest backup and the weekly tier to `location` (a folder: a mounted disk),
    /// re-hashing each copy; then applies the off-site retention there.
    public func copyOffsite(
        to location: String, policy: OffsitePolicy = .standard, now: Date = Date()
    ) async throws -> OffsiteReport {
        try ArchiveStorage.makeDirectory(location)
        let backups = try await list().filter { $0.succeeded }
        let wanted = OffsitePlan.wanted(
            backups.map { RetentionCandidate(id: $0.id, startedAt: $0.startedAt, succeeded: true, kind: $0.kind) },
            now: now, policy: policy)
        let byID = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) })
        var report = OffsiteReport(
            location: location, copied: [], alreadyThere: [], deleted: [], newestCopyAt: nil, stale: true)
        for id in wanted {
            guard let backup = byID[id], let expected = backup.sha256 else { continue }
            if backup.offsiteCopies.contains(where: { $0.location == location }) {
                report.alreadyThere.append(id)
                continue
            }
            let destination = location + "/" + (backup.filePath as NSString).lastPathComponent
            try ArchiveStorage.copy(backup.filePath, to: destination)
            let digest = try ArchiveStorage.digest(of: destination)
            guard digest.sha256 == expected else {
                ArchiveStorage.removeQuietly(destination)
                throw BackupError(
                    .mismatch, "the off-site copy of backup \(id) at \(destination) does not hash like the original")
            }
            try await withConnection { connection in
                try await connection.withUncancellableSession { session in
                    try session.execute(
                        """
                        INSERT INTO backup_copy (backup_id, location, sha256, size_bytes, copy_path)
                        VALUES (\(id), \(location), \(digest.sha256), \(digest.size), \(destination))
                        ON CONFLICT (backup_id, location) DO UPDATE
                        SET sha256 = EXCLUDED.sha256, size_bytes = EXCLUDED.size_bytes, copy_path = EXCLUDED.copy_path,
                            copied_at = now(), deleted_at = NULL
                        """)
                }
            }
            report.copied.append(id)
        }
        // Off-site retention, independent of the local one.
        let copies = try await withConnection { connection in
            try await connection.withSession { session in
                try session.query(
                    """
                    SELECT c.backup_id, b.started_at, c.copy_path, c.copied_at, b.pinned, b.kind FROM backup_copy c
                    JOIN backup b ON b.id = c.backup_id
                    WHERE c.location = \(location) AND c.deleted_at IS NULL
                    """
                ).map {
                    (
                        try $0.decode("backup_id", as: Int64.self), try $0.decode("started_at", as: Date.self),
                        try $0.decode("copy_path", as: String?.self), try $0.decode("pinned", as: Bool.self),
                        BackupKind(rawValue: try $0.decode("kind", as: String.self)) ?? .scheduled
                    )
                }
            }
        }
        let doomed = Set(
            OffsitePlan.copiesToDelete(
                copies.map { RetentionCandidate(id: $0.0, startedAt: $0.1, succeeded: true, kind: $0.4, pinned: $0.3) },
                now: now, policy: policy))
        for (id, _, path, _, _) in copies where doomed.contains(id) {
            if let path { ArchiveStorage.removeQuietly(path) }
            try await withConnection { connection in
                try await connection.withUncancellableSession { session in
                    try session.execute(
                        """
                        UPDATE backup_copy SET deleted_at = now()
                        WHERE backup_id = \(id) AND location = \(location) AND deleted_at IS NULL
                        """)
                }
            }
            report.deleted.append(id)
        }
        report.newestCopyAt = try await newestOffsiteCopy()
        report.stale = OffsitePlan.isStale(newestCopyAt: report.newestCopyAt, now: now, policy: policy)
        return report
    }

    func newestOffsiteCopy() async throws -> Date? {
        try await withConnection { connection in
            try await connection.withSession { session in
                try session.queryValue(
                    "SELECT max(copied_at) FROM backup_copy WHERE deleted_at IS NULL", as: Date?.self) ?? nil
            }
        }
    }
}
