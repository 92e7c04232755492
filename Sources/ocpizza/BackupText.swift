import Backups
import Foundation

/// The one-screen texts of the backup commands.
enum BackupText {
    static func list(_ backups: [BackupRecord]) -> String {
        guard !backups.isEmpty else { return "No backups yet. Take one: ocpizza backup create" }
        return Table.render(
            header: ["id", "started (UTC)", "kind", "status", "size", "verified", "drill", "file"],
            rows: backups.map { backup in
                [
                    "\(backup.id)\(backup.pinned ? "*" : "")", Table.timestamp(backup.startedAt), backup.kind.rawValue,
                    backup.deletedAt == nil ? backup.status : "deleted", bytes(backup.sizeBytes),
                    backup.verifyOK.map { $0 ? "ok" : "FAILED" } ?? "-",
                    backup.drill.map { $0.ok ? "ok" : "FAILED" } ?? "-",
                    (backup.filePath as NSString).lastPathComponent,
                ]
            }) + "\n(* pinned: exempt from retention)"
    }

    static func info(_ backup: BackupRecord) -> String {
        var lines: [(String, String)] = [
            ("id", "\(backup.id)"), ("kind", backup.kind.rawValue + (backup.pinned ? ", pinned" : "")),
            ("status", backup.deletedAt.map { "deleted at \(Table.timestamp($0)) UTC" } ?? backup.status),
            ("file", backup.filePath), ("format", backup.format),
            ("size", bytes(backup.sizeBytes) + (backup.databaseSizeBytes.map { " (database \(bytes($0)))" } ?? "")),
            ("sha256", backup.sha256 ?? "-"), ("started", Table.timestamp(backup.startedAt) + " UTC"),
            ("duration", backup.durationMs.map { String(format: "%.1f s", Double($0) / 1000) } ?? "-"),
            ("database", backup.databaseName ?? "-"),
            ("versions", "server \(backup.serverVersion ?? "-"), pg_dump \(backup.pgDumpVersion ?? "-")"),
            ("toc entries", backup.tocEntries.map(String.init) ?? "-"),
        ]
        if let release = backup.releaseID { lines.append(("release", release)) }
        if let globals = backup.globalsPath { lines.append(("globals", globals)) }
        lines.append(
            (
                "verified",
                backup.verifiedAt.map {
                    "\(Table.timestamp($0)) UTC: \(backup.verifyOK == true ? "ok" : "FAILED \(backup.verifyError ?? "")")"
                } ?? "never"
            ))
        lines.append(
            ("drill", backup.drillAt.map { "\(Table.timestamp($0)) UTC: \(drillLine(backup.drill))" } ?? "never"))
        for copy in backup.offsiteCopies {
            lines.append(("off-site", "\(copy.path ?? copy.location) at \(Table.timestamp(copy.copiedAt)) UTC"))
        }
        if let error = backup.error { lines.append(("error", error)) }
        return lines.map { $0.0.padding(toLength: 12, withPad: " ", startingAt: 0) + $0.1 }.joined(separator: "\n")
    }

    static func drillLine(_ result: DrillResult?) -> String {
        guard let result else { return "-" }
        return result.ok
            ? "ok (sentinel, \(result.tables) tables, \(result.rows) rows, pg_amcheck \(result.amcheck))"
            : "FAILED: \(result.error ?? "")"
    }

    static func drill(_ result: DrillResult) -> String {
        "restored in \(String(format: "%.1f", result.restoreSeconds)) s; sentinel found; \(result.tables) tables, "
            + "\(result.rows) rows match the dump's counts and checksums; pg_amcheck \(result.amcheck)"
    }

    static func prune(_ lines: [PruneLine], dryRun: Bool) -> String {
        guard !lines.isEmpty else { return "No backups." }
        return Table.render(
            header: ["id", "started (UTC)", "kind", "status", dryRun ? "would" : "done", "why"],
            rows: lines.map {
                [
                    "\($0.backupID)", Table.timestamp($0.startedAt), $0.kind.rawValue, $0.status,
                    $0.keep ? "keep" : "delete", $0.reason,
                ]
            })
    }

    static func restore(_ report: RestoreReport) -> String {
        var text =
            "\(report.source) restored into \(report.targetDatabase) in \(String(format: "%.1f", report.seconds)) s"
        if let safety = report.safetyBackupID {
            text +=
                "\nsafety backup of the replaced database: \(safety) (roll back: ocpizza backup restore \(safety) "
                + "--confirm \(report.targetDatabase))"
        }
        return text
    }

    static func status(_ health: BackupHealth) -> String {
        func line(_ label: String, _ date: Date?, _ id: Int64?, stale: Bool) -> String {
            label.padding(toLength: 16, withPad: " ", startingAt: 0)
                + (date.map {
                    "\(stale ? "STALE" : "ok"): \(Table.timestamp($0)) UTC" + (id.map { " (backup \($0))" } ?? "")
                }
                    ?? "NONE")
        }
        var lines = [
            line("last backup", health.lastGoodBackupAt, health.lastGoodBackupID, stale: health.backupStale),
            line("last drill", health.lastGoodDrillAt, health.lastGoodDrillBackupID, stale: health.drillStale),
            line("off-site copy", health.newestOffsiteCopyAt, nil, stale: health.offsiteStale),
        ]
        if let failure = health.lastFailure { lines.append("last failure    \(failure)") }
        lines += health.problems.map { "ATTENTION: \($0)" }
        return lines.joined(separator: "\n")
    }

    static func bytes(_ value: Int64?) -> String {
        guard let value else { return "-" }
        let units = ["B", "kB", "MB", "GB", "TB"]
        var size = Double(value)
        var unit = 0
        while size >= 1000 && unit < units.count - 1 {
            size /= 1000
            unit += 1
        }
        return unit == 0 ? "\(value) B" : String(format: "%.1f", size) + " " + units[unit]
    }
}
