import Foundation
import PropertyBased
import Testing

@testable import Backups

/// Fake-clock helpers shared by the retention and off-site tests (a namespace, so the module's other
/// test files cannot collide with them).
enum RetentionClock {
    static let paris = TimeZone(identifier: "Europe/Paris")!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        return calendar
    }()

    /// An instant from its ISO 8601 form with an explicit offset ("2026-03-29T01:00:00+01:00").
    static func instant(_ text: String) throws -> Date {
        try Date.ISO8601FormatStyle().parse(text)
    }

    /// Paris wall time, or nil when it does not exist (the spring-forward hour), as systemd skips it.
    static func paris(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 2, _ minute: Int = 30) -> Date? {
        let parts = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute)
        guard let date = calendar.date(from: parts) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return back == parts ? date : nil
    }

    /// One scheduled run at 02:30 Paris on each of `nights` consecutive local days, the first `offset` days
    /// after the given day; ids count the nights, so a lost night leaves a hole in the ids.
    static func nightly(from first: (Int, Int, Int), offset: Int = 0, nights: Int) -> [RetentionCandidate] {
        guard let noon = paris(first.0, first.1, first.2, 12, 0) else { return [] }
        return (0..<nights).compactMap { night in
            guard let day = calendar.date(byAdding: .day, value: offset + night, to: noon) else { return nil }
            let local = calendar.dateComponents([.year, .month, .day], from: day)
            guard let year = local.year, let month = local.month, let dayOfMonth = local.day,
                let at = paris(year, month, dayOfMonth)
            else { return nil }
            return RetentionCandidate(id: Int64(night), startedAt: at, succeeded: true, kind: .scheduled)
        }
    }

    static func backup(
        _ id: Int64, _ at: Date, succeeded: Bool = true, _ kind: BackupKind = .scheduled,
        pinned: Bool = false
    ) -> RetentionCandidate {
        RetentionCandidate(id: id, startedAt: at, succeeded: succeeded, kind: kind, pinned: pinned)
    }

    /// Random histories: mostly nightly runs with gaps, extra runs the same day, manual runs, failures,
    /// pinned and pre-release/pre-restore ones, ids shuffled so that id order is not time order. Starts
    /// anywhere in 2024-2025, so long histories cross the DST changes; `now` anywhere up to 15 months past it.
    static let histories = zip(
        zip(Gen.int(in: 0...99), Gen.int(in: 0...14_399), Gen.int(in: 0...99), Gen.int64(in: 0...1_000_000))
            .array(of: 0...800),
        Gen.int(in: 0...730 * 1440), Gen.int(in: 0...1000), Gen.int(in: 0...8)
    ).map { events, startMinute, nowPermille, minimumKept in
        var at = Date(timeIntervalSince1970: 1_704_067_200 + TimeInterval(startMinute) * 60)  // 2024-01-01Z
        let order = events.indices.sorted { (events[$0].3, $0) < (events[$1].3, $1) }
        var ids = [Int64](repeating: 0, count: events.count)
        for (rank, index) in order.enumerated() { ids[index] = Int64(rank + 1) }
        var backups: [RetentionCandidate] = []
        for (index, (gapRoll, minutes, roll, _)) in events.enumerated() {
            let gap = gapRoll < 70 ? 1380 + minutes % 120 : gapRoll < 85 ? minutes % 180 : 1440 * (2 + minutes % 10)
            at += TimeInterval(gap * 60)
            let kind: BackupKind = roll < 80 ? .scheduled : roll < 92 ? .manual : roll < 96 ? .preRelease : .preRestore
            backups.append(backup(ids[index], at, succeeded: minutes % 10 != 0, kind, pinned: roll % 31 == 0))
        }
        let first = backups.first?.startedAt ?? at
        let span = at.timeIntervalSince(first) + 450 * 86_400
        let now = first + span * TimeInterval(nowPermille) / 1000
        return (backups, now, RetentionPolicy(minimumKept: minimumKept))
    }
}

@Suite struct RetentionPlanTests {
    typealias Reason = RetentionDecision.Reason

    func keptByTier(_ decisions: [RetentionDecision]) -> [String: Int] {
        decisions.filter(\.keep).reduce(into: [:]) { counts, decision in
            counts[String(decision.reason.description.prefix { $0 != " " }), default: 0] += 1
        }
    }

    /// ops.md: nightly at 02:30 Paris for 2 years, 2 runs lost to spring-forward, 132 = 7 + 85 + 40. The
    /// figure depends on where the two years end. Ending 2026-06-29 gives exactly the ops.md split: the
    /// daily tier starts 2026-03-29 (3 months back) and runs to 06-22, 88 days less the lost 03-29 = 85;
    /// the weekly tier covers 2025-W26 (its newest, 06-29, is on the cut-off) to 2026-W13, whose newest is
    /// 03-28 because 03-29 was lost: 1 + 26 + 13 = 40. Ending 2026-05-31 the daily tier is 02-28..05-24 (86
    /// days, less 03-29 = 85) and the weekly one 2025-W22..2026-W08 = 39: 131. Either way 730 nights, 728 runs.
    @Test(arguments: [
        ((2024, 6, 30), 132, ["recent": 7, "daily": 85, "weekly": 40]),
        ((2024, 6, 1), 131, ["recent": 7, "daily": 85, "weekly": 39]),
    ])
    func twoYearsOfNightlyRuns(first: (Int, Int, Int), kept: Int, tiers: [String: Int]) throws {
        let backups = RetentionClock.nightly(from: first, nights: 730)
        #expect(backups.count == 728)
        let now = try #require(backups.last).startedAt + 3600
        let decisions = RetentionPlan.decide(backups, now: now)
        #expect(decisions.count(where: \.keep) == kept)
        #expect(keptByTier(decisions) == tiers)
    }

    @Test func handComputedExample() throws {
        let now = try RetentionClock.instant("2026-05-31T12:00:00+02:00")
        let at = { (text: String) in try RetentionClock.instant("2026-\(text):00+02:00") }
        let backups = try [
            RetentionClock.backup(1, at("05-30T02:30"), succeeded: false, pinned: true),
            RetentionClock.backup(2, at("05-29T02:30")),
            RetentionClock.backup(3, at("05-20T02:30")), RetentionClock.backup(4, at("05-20T14:00"), .manual),
            RetentionClock.backup(5, at("04-01T02:30"), .preRelease), RetentionClock.backup(6, at("04-01T01:00")),
            RetentionClock.backup(7, at("01-06T02:30")), RetentionClock.backup(8, at("01-07T02:30")),
            RetentionClock.backup(9, at("01-05T02:30"), pinned: true), RetentionClock.backup(10, at("01-12T02:30")),
        ]
        let decisions = RetentionPlan.decide(backups.shuffled(), now: now)
        let expected: [(Int64, Reason)] = [
            (1, .failed), (2, .recent), (4, .daily("2026-05-20")), (3, .expired), (5, .exempt(.preRelease)),
            (6, .daily("2026-04-01")), (10, .weekly("2026-W03")), (8, .weekly("2026-W02")), (7, .expired),
            (9, .pinned),
        ]
        #expect(
            decisions == expected.map { RetentionDecision(id: $0, keep: $1 != .expired && $1 != .failed, reason: $1) })
    }

    @Test func newestAndMinimumKeptOutliveTheTiers() throws {
        let now = try RetentionClock.instant("2026-05-31T12:00:00+02:00")
        let old = try (1...5).map { try RetentionClock.instant("2024-0\($0)-10T02:30:00+01:00") }
        let backups =
            old.enumerated().map { RetentionClock.backup(Int64($0 + 1), $1) }
            + [RetentionClock.backup(9, now - 3600, .preRelease), RetentionClock.backup(8, now - 60, succeeded: false)]
        let reasons = RetentionPlan.decide(backups, now: now).map(\.reason)
        #expect(reasons == [.failed, .exempt(.preRelease), .newest, .minimumKept, .expired, .expired, .expired])
        let none = RetentionPlan.decide(backups, now: now, policy: RetentionPolicy(minimumKept: 0))
        #expect(none.map(\.reason)[3] == .expired)
    }

    @Test func equalStartTimesFallBackToTheHigherId() throws {
        let at = try RetentionClock.instant("2026-03-01T02:30:00+01:00")
        let decisions = RetentionPlan.decide(
            [RetentionClock.backup(3, at), RetentionClock.backup(7, at), RetentionClock.backup(5, at - 1)],
            now: at + 20 * 86_400, policy: RetentionPolicy(minimumKept: 0))
        #expect(decisions.map(\.id) == [7, 3, 5])
        #expect(decisions.map(\.reason) == [.daily("2026-03-01"), .expired, .expired])
    }

    /// The local Paris day decides, not the UTC one, on both DST change days.
    @Test(arguments: [
        // 23:30Z on 03-28 is 00:30 CET on 03-29; 00:30Z on 03-29 is 01:30 CET, same local
        // day; 22:30Z is 23:30 CET on 03-28, another day.
        (
            "2026-05-01T12:00:00Z", ["2026-03-29T00:30:00Z", "2026-03-28T23:30:00Z", "2026-03-28T22:30:00Z"],
            [Reason.daily("2026-03-29"), .expired, .daily("2026-03-28")]
        ),
        // 22:30Z on 10-24 is 00:30 CEST on 10-25; 21:30Z is 23:30 CEST on 10-24: two local days, two dailies.
        (
            "2026-12-01T12:00:00Z", ["2026-10-25T00:30:00Z", "2026-10-24T22:30:00Z", "2026-10-24T21:30:00Z"],
            [.daily("2026-10-25"), .expired, .daily("2026-10-24")]
        ),
    ])
    func daylightSavingDaysUseTheLocalDay(now: String, times: [String], reasons: [Reason]) throws {
        let backups = try times.enumerated().map { try RetentionClock.backup(Int64($0), RetentionClock.instant($1)) }
        let decisions = RetentionPlan.decide(
            backups, now: try RetentionClock.instant(now), policy: RetentionPolicy(minimumKept: 0))
        #expect(decisions.map(\.reason) == reasons)
    }

    /// The daily tier starts the same day `dailyForMonths` months back, clamped to the month's length.
    @Test(arguments: [
        ((2026, 5, 31), 3, "2026-02-28"), ((2028, 5, 31), 3, "2028-02-29"), ((2026, 5, 31), 1, "2026-04-30"),
        ((2026, 3, 31), 1, "2026-02-28"), ((2026, 1, 15), 3, "2025-10-15"), ((2026, 12, 31), 12, "2025-12-31"),
    ])
    func monthEndArithmetic(today: (Int, Int, Int), months: Int, firstDaily: String) throws {
        let now = try #require(RetentionClock.paris(today.0, today.1, today.2, 23, 0))
        let policy = RetentionPolicy(dailyForMonths: months, weeklyForMonths: 0, minimumKept: 0)
        // One backup a day for the 400 days before: the oldest daily one is the first day of the tier.
        let backups = RetentionClock.nightly(from: today, offset: -400, nights: 400)
        let daily = RetentionPlan.decide(backups, now: now, policy: policy).filter { $0.reason != .expired }
        #expect(daily.last?.reason == .daily(firstDaily))
    }

    /// 2026 has 53 ISO weeks: 2026-W53 runs from Monday 2026-12-28 to Sunday 2027-01-03.
    @Test func isoWeek53() throws {
        let backups = RetentionClock.nightly(from: (2026, 12, 26), nights: 10)  // Sat 12-26 .. Mon 01-04
        let now = try #require(RetentionClock.paris(2027, 6, 1))
        let kept = RetentionPlan.decide(backups, now: now, policy: RetentionPolicy(minimumKept: 0)).filter(\.keep)
        #expect(kept.map(\.reason) == [.weekly("2027-W01"), .weekly("2026-W53"), .weekly("2026-W52")])
        #expect(kept.map(\.id) == [9, 8, 1])  // 01-04, 01-03, 12-27
    }

    @Test func descriptions() {
        let reasons: [Reason] = [.pinned, .exempt(.preRestore), .newest, .daily("2026-05-31"), .weekly("2026-W53")]
        #expect(
            reasons.map(\.description) == [
                "pinned", "exempt (pre-restore)", "newest", "daily 2026-05-31", "weekly 2026-W53",
            ])
        #expect(
            [Reason.recent, .minimumKept, .expired, .failed].map(\.description) == [
                "recent", "minimum kept", "expired", "failed",
            ])
    }
}

/// The invariants of ops.md section 5, checked on generated histories with an oracle written against
/// Foundation's own calendars (Calendar month arithmetic, the `.iso8601` calendar), not the plan's helpers.
@Suite struct RetentionPlanPropertyTests {
    static let isoCalendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = RetentionClock.paris
        return calendar
    }()

    /// No shrinking: a history has up to 800 runs and each shrink step re-runs the whole check, so a failure
    /// would take minutes to shrink; the failing input and seed are printed as generated.
    @Test(.shrinking(false)) func invariantsHoldOnGeneratedHistories() async {
        await propertyCheck(count: 150, input: RetentionClock.histories) { backups, now, policy in
            let decisions = RetentionPlan.decide(backups, now: now, policy: policy)
            let byId = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) })
            let kept = Set(decisions.filter(\.keep).map(\.id))
            let successful = backups.filter(\.succeeded)
            func isNewer(_ a: RetentionCandidate, _ b: RetentionCandidate) -> Bool {
                (a.startedAt, a.id) > (b.startedAt, b.id)
            }

            // One decision per backup, newest first by start time (ids are shuffled).
            #expect(decisions.map(\.id) == backups.sorted(by: isNewer).map(\.id))
            #expect(RetentionPlan.decide(backups.reversed(), now: now, policy: policy) == decisions)
            for decision in decisions {
                #expect(decision.keep == (decision.reason != .expired && decision.reason != .failed))
            }

            if let newest = successful.max(by: { isNewer($1, $0) }) { #expect(kept.contains(newest.id)) }
            #expect(kept.count >= min(policy.minimumKept, successful.count))
            for backup in backups {
                let exempt = backup.pinned || backup.kind == .preRelease || backup.kind == .preRestore
                if !backup.succeeded { #expect(!kept.contains(backup.id)) }
                if backup.succeeded && exempt { #expect(kept.contains(backup.id)) }
                if backup.succeeded && now.timeIntervalSince(backup.startedAt) < 7 * 86_400 {
                    #expect(kept.contains(backup.id))
                }
            }

            // Tiers, over the successful non-exempt backups, grouped by Paris day and ISO week.
            let calendar = RetentionClock.calendar
            let today = calendar.startOfDay(for: now)
            let dailyFrom = calendar.date(byAdding: .month, value: -3, to: today) ?? today
            let weeklyFrom = calendar.date(byAdding: .month, value: -12, to: today) ?? today
            let plain = successful.filter { !$0.pinned && $0.kind != .preRelease && $0.kind != .preRestore }
            let reasons = Dictionary(uniqueKeysWithValues: decisions.map { ($0.id, $0.reason) })
            for (day, group) in Dictionary(grouping: plain, by: { calendar.startOfDay(for: $0.startedAt) })
            where day >= dailyFrom {
                let newest = group.sorted(by: isNewer)[0]
                #expect(kept.contains(newest.id))
                for other in group where other != newest && kept.contains(other.id) {
                    #expect(reasons[other.id] == .recent || reasons[other.id] == .minimumKept)
                }
            }
            func week(_ date: Date) -> DateComponents {
                Self.isoCalendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
            }
            for group in Dictionary(grouping: successful, by: { week($0.startedAt) }).values
            where group.contains(where: { calendar.startOfDay(for: $0.startedAt) >= weeklyFrom }) {
                #expect(group.contains { kept.contains($0.id) })
            }
            func label(_ date: Date) -> (day: String, week: String) {
                let day = calendar.dateComponents([.year, .month, .day], from: date)
                let week = week(date)
                return (
                    String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0),
                    String(format: "%04d-W%02d", week.yearForWeekOfYear ?? 0, week.weekOfYear ?? 0)
                )
            }
            // Each keep reason holds; so nothing older than 12 months is kept unless pinned, exempt, the
            // newest or a minimumKept top-up.
            let newestPlain = plain.max { isNewer($1, $0) }
            for id in kept {
                guard let backup = byId[id] else { continue }
                let day = calendar.startOfDay(for: backup.startedAt)
                switch reasons[id] {
                case .daily(let text): #expect(day >= dailyFrom && text == label(backup.startedAt).day)
                case .weekly(let text): #expect(day >= weeklyFrom && text == label(backup.startedAt).week)
                case .recent: #expect(now.timeIntervalSince(backup.startedAt) < 7 * 86_400)
                case .newest: #expect(backup == newestPlain)
                case .pinned: #expect(backup.pinned)
                case .exempt(let kind):
                    #expect(!backup.pinned && kind == backup.kind && [.preRelease, .preRestore].contains(kind))
                case .minimumKept, .expired, .failed, nil: break
                }
            }

            // minimumKept only tops up, with the newest expired ones.
            if let lastTopUp = decisions.lastIndex(where: { $0.reason == .minimumKept }) {
                #expect(kept.count <= policy.minimumKept)
                #expect(!decisions[..<lastTopUp].contains { $0.reason == .expired })
            }

            // Idempotent: deciding again on the survivors at the same `now` deletes nothing more.
            let survivors = backups.filter { kept.contains($0.id) }
            let again = RetentionPlan.decide(survivors, now: now, policy: policy)
            #expect(again.allSatisfy { $0.keep })
            #expect(again == decisions.filter(\.keep))
        }
    }
}
