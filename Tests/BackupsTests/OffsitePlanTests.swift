import Foundation
import PropertyBased
import Testing

@testable import Backups

@Suite struct OffsitePlanTests {
    /// Nightly runs from 2025-04-01 to Sunday 2026-05-31 (426 nights, 2026-03-29 lost to spring-forward).
    static let nights = RetentionClock.nightly(from: (2025, 4, 1), nights: 426)

    /// The newest run of each ISO week from 2025-W22 (its Sunday 06-01 is after the cut-off 2025-05-31) to
    /// 2026-W21: the Sundays, except 2026-03-29 (lost), replaced by Saturday 03-28.
    static let weeklySundays: [Date] = nights.map(\.startedAt).filter { night in
        let sunday = RetentionClock.calendar.component(.weekday, from: night) == 1
        let inRange =
            (RetentionClock.paris(2025, 6, 1) ?? .distantFuture) <= night
            && night < (RetentionClock.paris(2026, 5, 31) ?? .distantPast)
        return inRange && (sunday || night == RetentionClock.paris(2026, 3, 28))
    }.reversed()

    @Test func wantedIsTheNewestPlusOnePerIsoWeek() throws {
        let now = try #require(RetentionClock.paris(2026, 5, 31, 13, 0))
        let backups =
            Self.nights + [
                RetentionClock.backup(1000, now - 600, succeeded: false),  // newest, but failed: never off-site
                RetentionClock.backup(1001, now - 3600, .preRelease),  // newest successful, any kind: off-site
            ]
        let startedAt = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0.startedAt) })
        let wanted = OffsitePlan.wanted(backups.shuffled(), now: now)
        #expect(wanted.first == 1001)  // also the newest of 2026-W22, so the 05-31 nightly is not wanted
        #expect(Self.weeklySundays.count == 52)
        #expect(wanted.dropFirst().map { startedAt[$0] } == Self.weeklySundays)
    }

    @Test func copiesToDeleteKeepsTheNewestAndTheWeeklyTier() throws {
        let now = try #require(RetentionClock.paris(2026, 6, 2, 12, 0))
        var copies = Self.nights
        copies[10].pinned = true  // 2025-04-11: outside the window, kept because pinned
        copies.append(RetentionClock.backup(2000, now - 86_400, succeeded: false))
        let deleted = Set(OffsitePlan.copiesToDelete(copies, now: now))
        let remaining = copies.filter { !deleted.contains($0.id) }.sorted { $0.startedAt > $1.startedAt }
        // The newest (05-31, also the newest of 2026-W22), then 2026-W21 back to 2025-W23: the window now
        // starts on 2025-06-02, so 2025-W22's Sunday 06-01 is out.
        let expected = [Self.nights.last?.startedAt] + Self.weeklySundays.dropLast() + [copies[10].startedAt]
        #expect(remaining.map(\.startedAt) == expected)
        #expect(deleted.contains(2000))
        #expect(OffsitePlan.copiesToDelete(remaining, now: now).isEmpty)
    }

    @Test func staleAfterEightDays() throws {
        let now = try RetentionClock.instant("2026-11-01T12:00:00+01:00")
        #expect(OffsitePlan.isStale(newestCopyAt: nil, now: now))
        #expect(!OffsitePlan.isStale(newestCopyAt: now - 86_400, now: now))
        #expect(!OffsitePlan.isStale(newestCopyAt: now - 8 * 86_400, now: now))
        #expect(OffsitePlan.isStale(newestCopyAt: now - 8 * 86_400 - 1, now: now))
        #expect(OffsitePlan.isStale(newestCopyAt: now - 86_401, now: now, policy: OffsitePolicy(staleAfterDays: 1)))
    }

    /// No shrinking, for the same reason as RetentionPlanPropertyTests: histories are large.
    @Test(.shrinking(false)) func wantedCopiesAreAStableOffsiteSet() async {
        await propertyCheck(count: 150, input: RetentionClock.histories) { backups, now, _ in
            let wanted = OffsitePlan.wanted(backups, now: now)
            let successful = backups.filter(\.succeeded).sorted { ($0.startedAt, $0.id) > ($1.startedAt, $1.id) }
            #expect(wanted == successful.map(\.id).filter(wanted.contains))  // a subset, newest first
            #expect(wanted.first == successful.first?.id)

            // Exactly one per ISO week whose newest run is inside the 12-month window, plus the newest.
            let calendar = RetentionClock.calendar
            let weeklyFrom = calendar.date(byAdding: .month, value: -12, to: calendar.startOfDay(for: now)) ?? now
            let iso = RetentionPlanPropertyTests.isoCalendar
            let weeks = Dictionary(grouping: successful) {
                iso.dateComponents([.yearForWeekOfYear, .weekOfYear], from: $0.startedAt)
            }
            let newestOfWeeks = weeks.values.compactMap(\.first)
                .filter { calendar.startOfDay(for: $0.startedAt) >= weeklyFrom }.map(\.id)
            #expect(Set(wanted) == Set(newestOfWeeks + (successful.first.map { [$0.id] } ?? [])))

            // Copying exactly what is wanted leaves nothing to delete; deleting is idempotent.
            #expect(OffsitePlan.copiesToDelete(successful.filter { wanted.contains($0.id) }, now: now).isEmpty)
            let deleted = OffsitePlan.copiesToDelete(backups, now: now)
            #expect(Set(deleted).isDisjoint(with: wanted))
            let remaining = backups.filter { !deleted.contains($0.id) }
            #expect(OffsitePlan.copiesToDelete(remaining, now: now).isEmpty)
            #expect(remaining.allSatisfy { $0.succeeded && (wanted.contains($0.id) || $0.pinned) })
        }
    }
}
