import Foundation

// Off-site copies (ops.md section 5): copy the weekly tier plus the latest daily to a second target, keep an
// independent retention there, and alert when the newest off-site copy is older than 8 days. The pattern is
// pgBackRest's "local repo short, remote repo long". Pure, like RetentionPlan: the caller passes `now`.

public struct OffsitePolicy: Sendable, Equatable {
    public var weeklyForMonths: Int
    public var staleAfterDays: Int
    public var timeZone: TimeZone

    public init(
        weeklyForMonths: Int = 12, staleAfterDays: Int = 8,
        timeZone: TimeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt
    ) {
        self.weeklyForMonths = weeklyForMonths
        self.staleAfterDays = staleAfterDays
        self.timeZone = timeZone
    }

    public static let standard = OffsitePolicy()
}

public enum OffsitePlan {
    /// The successful backups that belong off-site now: the newest successful backup (the newest daily,
    /// any kind) plus the newest successful backup of each ISO week within weeklyForMonths (the weekly tier).
    /// Returned ids newest first. Every kind counts here, pre-release included: off-site is about having
    /// a recent restorable copy elsewhere, not about which run produced it.
    public static func wanted(
        _ backups: [RetentionCandidate], now: Date, policy: OffsitePolicy = .standard
    ) -> [Int64] {
        selected(backups.filter(\.succeeded), now: now, policy: policy).filter(\.keep).map(\.candidate.id)
    }

    /// Off-site retention, independent of the local one: given the backups that have an off-site copy
    /// (as RetentionCandidate, succeeded true), the ids whose copies to delete: every copy that is
    /// neither the newest copy nor the newest of its ISO week within weeklyForMonths.
    /// Pinned copies are never deleted (an operator pinned them on purpose). A copy passed with
    /// `succeeded == false` is deleted and never counts as the newest of anything. Ids newest first.
    public static func copiesToDelete(
        _ copied: [RetentionCandidate], now: Date, policy: OffsitePolicy = .standard
    ) -> [Int64] {
        let successful = selected(copied.filter(\.succeeded), now: now, policy: policy)
        let deletable = successful.filter { !$0.keep && !$0.candidate.pinned }.map(\.candidate)
        let failed = copied.filter { !$0.succeeded }
        return (deletable + failed).sorted(by: RetentionPlan.isNewer).map(\.id)
    }

    /// True when there is no off-site copy or the newest one was copied more than staleAfterDays ago
    /// (exactly staleAfterDays × 24 h is not yet stale).
    public static func isStale(newestCopyAt: Date?, now: Date, policy: OffsitePolicy = .standard) -> Bool {
        guard let newestCopyAt else { return true }
        return now.timeIntervalSince(newestCopyAt) > TimeInterval(policy.staleAfterDays) * 86_400
    }

    /// Successful backups newest first, each marked whether it is the newest overall or the newest of its
    /// ISO week with a local date on or after the weekly cut-off (same month arithmetic as RetentionPlan).
    private static func selected(
        _ successful: [RetentionCandidate], now: Date, policy: OffsitePolicy
    ) -> [(candidate: RetentionCandidate, keep: Bool)] {
        let calendar = RetentionPlan.LocalCalendar(timeZone: policy.timeZone)
        let weeklyFrom = calendar.day(of: now).monthsBefore(policy.weeklyForMonths)
        var seenWeeks = Set<RetentionPlan.LocalCalendar.Week>()
        return successful.sorted(by: RetentionPlan.isNewer).enumerated().map { index, backup in
            let newestOfWeek = seenWeeks.insert(calendar.week(of: backup.startedAt)).inserted
            let inWindow = calendar.day(of: backup.startedAt) >= weeklyFrom
            return (backup, index == 0 || (newestOfWeek && inWindow))
        }
    }
}
