import Foundation

// The local retention plan of ops.md section 5: keep every successful backup for 7 days, then the newest
// of each local calendar day up to 3 months, then the newest of each ISO week up to a year, delete older.
// Pure: the caller passes `now`, so tests run it on a fake clock.

public enum BackupKind: String, Sendable, Codable, CaseIterable {
    case scheduled, manual
    case preRelease = "pre-release"
    case preRestore = "pre-restore"
}

/// A finished backup as retention sees it (the caller never passes backups still running).
public struct RetentionCandidate: Sendable, Equatable {
    public var id: Int64
    public var startedAt: Date
    public var succeeded: Bool
    public var kind: BackupKind
    public var pinned: Bool

    public init(id: Int64, startedAt: Date, succeeded: Bool, kind: BackupKind, pinned: Bool = false) {
        self.id = id
        self.startedAt = startedAt
        self.succeeded = succeeded
        self.kind = kind
        self.pinned = pinned
    }
}

public struct RetentionPolicy: Sendable, Equatable {
    public var keepEverythingForDays: Int
    public var dailyForMonths: Int
    public var weeklyForMonths: Int
    public var minimumKept: Int
    public var timeZone: TimeZone

    public init(
        keepEverythingForDays: Int = 7, dailyForMonths: Int = 3, weeklyForMonths: Int = 12, minimumKept: Int = 3,
        timeZone: TimeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt
    ) {
        self.keepEverythingForDays = keepEverythingForDays
        self.dailyForMonths = dailyForMonths
        self.weeklyForMonths = weeklyForMonths
        self.minimumKept = minimumKept
        self.timeZone = timeZone
    }

    public static let standard = RetentionPolicy()
}

public struct RetentionDecision: Sendable, Equatable {
    public enum Reason: Sendable, Equatable, CustomStringConvertible {
        case pinned
        case exempt(BackupKind)
        case newest
        case recent
        case daily(String)
        case weekly(String)
        case minimumKept
        case expired
        case failed

        public var description: String {
            switch self {
            case .pinned: "pinned"
            case .exempt(let kind): "exempt (\(kind.rawValue))"
            case .newest: "newest"
            case .recent: "recent"
            case .daily(let day): "daily \(day)"
            case .weekly(let week): "weekly \(week)"
            case .minimumKept: "minimum kept"
            case .expired: "expired"
            case .failed: "failed"
            }
        }

        var keeps: Bool { self != .expired && self != .failed }
    }

    public var id: Int64
    public var keep: Bool
    public var reason: Reason

    public init(id: Int64, keep: Bool, reason: Reason) {
        self.id = id
        self.keep = keep
        self.reason = reason
    }
}

public enum RetentionPlan {
    /// One decision per input backup, ordered newest first (startedAt desc, then id desc).
    ///
    /// The newest successful non-exempt backup is always kept: it gets its tier reason when it has one and
    /// `.newest` only when the tiers would expire it. A pinned or exempt backup keeps its own reason, so the
    /// newest successful backup overall is kept whatever its kind.
    public static func decide(
        _ backups: [RetentionCandidate], now: Date, policy: RetentionPolicy = .standard
    ) -> [RetentionDecision] {
        let ordered = backups.sorted(by: isNewer)
        let calendar = LocalCalendar(timeZone: policy.timeZone)
        let today = calendar.day(of: now)
        let dailyFrom = today.monthsBefore(policy.dailyForMonths)
        let weeklyFrom = today.monthsBefore(policy.weeklyForMonths)
        let recentSeconds = TimeInterval(policy.keepEverythingForDays) * 86_400
        // Newest first, so the first backup seen in a day or week is the newest of it.
        var seenDays = Set<LocalCalendar.Day>()
        var seenWeeks = Set<LocalCalendar.Week>()
        var reasons: [RetentionDecision.Reason] = []
        reasons.reserveCapacity(ordered.count)
        for backup in ordered {
            guard backup.succeeded else {
                reasons.append(.failed)
                continue
            }
            if backup.pinned {
                reasons.append(.pinned)
                continue
            }
            if isExempt(backup.kind) {
                reasons.append(.exempt(backup.kind))
                continue
            }
            let isNewest = seenDays.isEmpty
            let day = calendar.day(of: backup.startedAt)
            let week = calendar.week(of: backup.startedAt)
            let newestOfDay = seenDays.insert(day).inserted
            let newestOfWeek = seenWeeks.insert(week).inserted
            if now.timeIntervalSince(backup.startedAt) < recentSeconds {
                reasons.append(.recent)
            } else if newestOfDay && day >= dailyFrom {
                reasons.append(.daily(day.description))
            } else if newestOfWeek && day >= weeklyFrom {
                reasons.append(.weekly(week.description))
            } else {
                reasons.append(isNewest ? .newest : .expired)
            }
        }
        // Top up with the newest expired ones. Failed backups never count.
        var kept = reasons.count(where: \.keeps)
        for index in reasons.indices where kept < policy.minimumKept && reasons[index] == .expired {
            reasons[index] = .minimumKept
            kept += 1
        }
        return zip(ordered, reasons).map { RetentionDecision(id: $0.id, keep: $1.keeps, reason: $1) }
    }

    /// Recorded start time decides, never the name; equal times fall back to the id (higher is newer).
    static func isNewer(_ a: RetentionCandidate, _ b: RetentionCandidate) -> Bool {
        a.startedAt != b.startedAt ? a.startedAt > b.startedAt : a.id > b.id
    }

    /// Pre-release and pre-restore backups are taken on purpose before a risky step: never pruned.
    static func isExempt(_ kind: BackupKind) -> Bool {
        kind == .preRelease || kind == .preRestore
    }
}

extension RetentionPlan {
    /// Local calendar days and ISO 8601 weeks (Monday first, week 1 holds the year's first Thursday)
    /// in the policy's time zone.
    struct LocalCalendar {
        struct Day: Hashable, Comparable, CustomStringConvertible {
            var year: Int, month: Int, day: Int

            static func < (a: Day, b: Day) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

            var description: String {
                "\(LocalCalendar.pad(year, 4))-\(LocalCalendar.pad(month, 2))-\(LocalCalendar.pad(day, 2))"
            }

            /// The same day `months` calendar months earlier, clamped to the month's length: a month back
            /// from 31 May is 30 April, three months back is 28 (or 29) February. Integer arithmetic on the
            /// local date, so daylight saving time cannot shift it.
            func monthsBefore(_ months: Int) -> Day {
                let total = year * 12 + (month - 1) - months
                let y = total >= 0 ? total / 12 : (total - 11) / 12
                let m = total - y * 12 + 1
                let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
                let length = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
                return Day(year: y, month: m, day: min(day, length))
            }
        }

        struct Week: Hashable, CustomStringConvertible {
            var year: Int, week: Int
            var description: String { "\(LocalCalendar.pad(year, 4))-W\(LocalCalendar.pad(week, 2))" }
        }

        static func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }

        private let gregorian: Calendar
        private let iso: Calendar

        init(timeZone: TimeZone) {
            var gregorian = Calendar(identifier: .gregorian)
            gregorian.timeZone = timeZone
            var iso = gregorian
            iso.firstWeekday = 2
            iso.minimumDaysInFirstWeek = 4
            self.gregorian = gregorian
            self.iso = iso
        }

        func day(of date: Date) -> Day {
            let parts = gregorian.dateComponents([.year, .month, .day], from: date)
            return Day(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
        }

        func week(of date: Date) -> Week {
            let parts = iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            return Week(year: parts.yearForWeekOfYear ?? 0, week: parts.weekOfYear ?? 0)
        }
    }
}
