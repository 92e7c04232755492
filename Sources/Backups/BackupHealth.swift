import Foundation
import Postgres

/// The backup state monitoring cares about: the age of the last good backup, of the last good
/// drill and of the newest off-site copy. Silence is the failure mode of backups (ops.md §1.5),
/// so what is alerted on is the absence of a recent success, not the presence of an error.
public struct BackupHealth: Sendable, Codable, Equatable {
    public var lastGoodBackupAt: Date?
    public var lastGoodBackupID: Int64?
    public var lastGoodDrillAt: Date?
    public var lastGoodDrillBackupID: Int64?
    public var newestOffsiteCopyAt: Date?
    public var lastFailure: String?
    public var backupStale: Bool
    public var drillStale: Bool
    public var offsiteStale: Bool
    /// One line per thing that needs attention.
    public var problems: [String]

    /// A nightly schedule with one missed night of grace.
    public static let backupMaximumAge: TimeInterval = 36 * 3600
    public static let drillMaximumAge: TimeInterval = 36 * 3600

    public var needsAttention: Bool { !problems.isEmpty }

    public static func read(
        in session: PostgresSession, now: Date = Date(), offsite: OffsitePolicy = .standard, expectOffsite: Bool
    ) throws -> BackupHealth {
        let backup = try session.query(
            """
            SELECT id, finished_at FROM backup WHERE status = 'ok' AND deleted_at IS NULL
            ORDER BY started_at DESC, id DESC LIMIT 1
            """
        ).first
        let drill = try session.query(
            """
            SELECT id, drill_at FROM backup WHERE (drill_result ->> 'ok')::boolean
            ORDER BY drill_at DESC LIMIT 1
            """
        ).first
        let failure = try session.queryValue(
            """
            SELECT 'backup ' || id || ' failed at ' || to_char(finished_at, 'YYYY-MM-DD HH24:MI') || ' UTC: ' || error
            FROM backup WHERE status = 'failed' ORDER BY started_at DESC LIMIT 1
            """, as: String.self)
        let newestCopy =
            try session.queryValue("SELECT max(copied_at) FROM backup_copy WHERE deleted_at IS NULL", as: Date?.self)
            ?? nil
        var health = BackupHealth(
            lastGoodBackupAt: try backup?.decode("finished_at", as: Date.self),
            lastGoodBackupID: try backup?.decode("id", as: Int64.self),
            lastGoodDrillAt: try drill?.decode("drill_at", as: Date.self),
            lastGoodDrillBackupID: try drill?.decode("id", as: Int64.self), newestOffsiteCopyAt: newestCopy,
            lastFailure: failure, backupStale: true, drillStale: true, offsiteStale: false, problems: [])
        health.backupStale = health.lastGoodBackupAt.map { now.timeIntervalSince($0) > backupMaximumAge } ?? true
        health.drillStale = health.lastGoodDrillAt.map { now.timeIntervalSince($0) > drillMaximumAge } ?? true
        health.offsiteStale = expectOffsite && OffsitePlan.isStale(newestCopyAt: newestCopy, now: now, policy: offsite)
        if health.backupStale {
            health.problems.append(
                health.lastGoodBackupAt.map { "the last good backup is \(Self.age($0, now)) old" }
                    ?? "there is no successful backup")
        }
        if health.drillStale {
            health.problems.append(
                health.lastGoodDrillAt.map { "the last good restore drill is \(Self.age($0, now)) old" }
                    ?? "no backup has passed a restore drill")
        }
        if health.offsiteStale {
            health.problems.append(
                newestCopy.map { "the newest off-site copy is \(Self.age($0, now)) old" } ?? "there is no off-site copy"
            )
        }
        return health
    }

    static func age(_ date: Date, _ now: Date) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds >= 86_400 { return "\(seconds / 86_400) d \((seconds % 86_400) / 3600) h" }
        return "\(seconds / 3600) h \((seconds % 3600) / 60) min"
    }
}

extension BackupService {
    public func health(now: Date = Date(), expectOffsite: Bool) async throws -> BackupHealth {
        try await withConnection { connection in
            try await connection.withSession { try BackupHealth.read(in: $0, now: now, expectOffsite: expectOffsite) }
        }
    }
}
