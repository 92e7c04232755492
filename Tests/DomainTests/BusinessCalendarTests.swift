import Domain
import Foundation
import PropertyBased
import Testing

/// An instant from its ISO 8601 form with an explicit offset ("2026-03-29T01:00:00Z").
func instant(_ text: String) throws -> Date {
    try Date.ISO8601FormatStyle().parse(text)
}

let paris = TimeZone(identifier: "Europe/Paris")!

/// A Paris calendar with the cutoff `hour:minute`.
func parisCalendar(_ hour: Int, _ minute: Int) throws -> BusinessCalendar {
    try BusinessCalendar(timeZone: paris, dayCutoff: (hour: hour, minute: minute))
}

/// Every instant of 2026, to the millisecond.
let instantsOf2026 = Gen.int64(in: 1_767_225_600_000...1_798_761_599_999).map {
    Date(timeIntervalSince1970: TimeInterval($0) / 1000)
}

@Suite struct BusinessCalendarTests {
    @Test(arguments: [
        // Cutoff 04:00, spring forward on 2026-03-29 (02:00 CET → 03:00 CEST).
        ("2026-03-28T23:30:00+01:00", "2026-03-28"), ("2026-03-29T01:59:59+01:00", "2026-03-28"),
        ("2026-03-29T03:00:00+02:00", "2026-03-28"), ("2026-03-29T03:59:59+02:00", "2026-03-28"),
        ("2026-03-29T04:00:00+02:00", "2026-03-29"), ("2026-03-28T03:59:59+01:00", "2026-03-27"),
        ("2026-03-28T04:00:00+01:00", "2026-03-28"),
        // Cutoff 04:00, fall back on 2026-10-25 (03:00 CEST → 02:00 CET): 02:30 happens twice.
        ("2026-10-25T02:30:00+02:00", "2026-10-24"), ("2026-10-25T02:30:00+01:00", "2026-10-24"),
        ("2026-10-25T03:59:59+01:00", "2026-10-24"), ("2026-10-25T04:00:00+01:00", "2026-10-25"),
        ("2026-10-24T23:59:59+02:00", "2026-10-24"),
        // Ordinary days, winter and summer.
        ("2026-01-15T12:00:00+01:00", "2026-01-15"), ("2026-07-14T01:30:00+02:00", "2026-07-13"),
        ("2026-12-31T23:59:59+01:00", "2026-12-31"), ("2027-01-01T03:00:00+01:00", "2026-12-31"),
    ])
    func cutoffAtFour(time: String, expected: String) throws {
        #expect(try parisCalendar(4, 0).businessDate(of: instant(time)) == day(expected))
    }

    @Test(arguments: [
        // Cutoff 02:30 falls in the spring gap: the day starts when the gap ends, at 03:00 CEST.
        ("2026-03-29T01:59:59+01:00", "2026-03-28"), ("2026-03-29T03:00:00+02:00", "2026-03-29"),
        ("2026-03-28T02:29:59+01:00", "2026-03-27"), ("2026-03-28T02:30:00+01:00", "2026-03-28"),
        ("2026-03-30T02:29:59+02:00", "2026-03-29"), ("2026-03-30T02:30:00+02:00", "2026-03-30"),
        // Cutoff 02:30 falls in the autumn overlap: the day starts at the first 02:30 (CEST) and the
        // second pass through 02:00-02:30 (CET) stays on the new day.
        ("2026-10-25T02:15:00+02:00", "2026-10-24"), ("2026-10-25T02:30:00+02:00", "2026-10-25"),
        ("2026-10-25T02:00:00+01:00", "2026-10-25"), ("2026-10-25T02:29:59+01:00", "2026-10-25"),
        ("2026-10-25T02:30:00+01:00", "2026-10-25"), ("2026-10-26T02:29:59+01:00", "2026-10-25"),
        ("2026-10-26T02:30:00+01:00", "2026-10-26"),
    ])
    func cutoffInsideTheChangeHour(time: String, expected: String) throws {
        #expect(try parisCalendar(2, 30).businessDate(of: instant(time)) == day(expected))
    }

    @Test func intervalsAreTwentyThreeOrTwentyFiveHoursOnChangeDays() throws {
        let calendar = try parisCalendar(4, 0)
        let spring = calendar.interval(of: try day("2026-03-28"))
        #expect(spring.lowerBound == (try instant("2026-03-28T03:00:00Z")))
        #expect(spring.upperBound == (try instant("2026-03-29T02:00:00Z")))
        #expect(spring.upperBound.timeIntervalSince(spring.lowerBound) == 23 * 3600)
        let autumn = calendar.interval(of: try day("2026-10-24"))
        #expect(autumn.lowerBound == (try instant("2026-10-24T02:00:00Z")))
        #expect(autumn.upperBound == (try instant("2026-10-25T03:00:00Z")))
        #expect(autumn.upperBound.timeIntervalSince(autumn.lowerBound) == 25 * 3600)
        var date = try day("2026-01-01")
        while date.year == 2026 {
            let interval = calendar.interval(of: date)
            let hours = interval.upperBound.timeIntervalSince(interval.lowerBound) / 3600
            let expected: Double = date == (try day("2026-03-28")) ? 23 : date == (try day("2026-10-24")) ? 25 : 24
            #expect(hours == expected, "\(date)")
            date = date.adding(days: 1)
        }
    }

    @Test func startsInsideTheChangeHourFollowTheDocumentedRule() throws {
        let calendar = try parisCalendar(2, 30)
        // 02:30 does not exist on 2026-03-29: the day starts at the end of the gap, 03:00 CEST.
        #expect(calendar.start(of: try day("2026-03-29")) == (try instant("2026-03-29T01:00:00Z")))
        // 02:30 happens twice on 2026-10-25: the day starts at the first one, 02:30 CEST.
        #expect(calendar.start(of: try day("2026-10-25")) == (try instant("2026-10-25T00:30:00Z")))
        // The lost hour is split between the two days around the gap; the extra one goes to the day
        // of the overlap.
        let lengths = try ["2026-03-28", "2026-03-29", "2026-10-24", "2026-10-25"].map { text in
            let interval = calendar.interval(of: try day(text))
            return interval.upperBound.timeIntervalSince(interval.lowerBound) / 3600
        }
        #expect(lengths == [23.5, 23.5, 24, 25])
        // A cutoff at the very start of the gap (02:00) also starts at 03:00 CEST.
        #expect(try parisCalendar(2, 0).start(of: day("2026-03-29")) == (try instant("2026-03-29T01:00:00Z")))
        // A cutoff at 02:00 on the autumn day starts at the first 02:00 (CEST).
        #expect(try parisCalendar(2, 0).start(of: day("2026-10-25")) == (try instant("2026-10-25T00:00:00Z")))
    }

    @Test func yesterdayIsWhatNightlyProcesses() throws {
        let calendar = try parisCalendar(4, 0)
        #expect(
            calendar.previousBusinessDate(asOf: try instant("2026-03-29T05:00:00+02:00")) == (try day("2026-03-28")))
        #expect(
            calendar.previousBusinessDate(asOf: try instant("2026-10-25T05:00:00+01:00")) == (try day("2026-10-24")))
        // Before the cutoff, the day in progress is still yesterday's calendar date.
        #expect(
            calendar.previousBusinessDate(asOf: try instant("2026-06-10T03:00:00+02:00")) == (try day("2026-06-08")))
    }

    @Test func validatesItsInputs() throws {
        let cutoff = try TimeOfDay(hour: 4, minute: 0)
        let error = #expect(throws: DomainError.self) {
            try BusinessCalendar(timeZoneIdentifier: "Europe/Atlantis", dayCutoff: cutoff)
        }
        #expect(error?.code == .unknownTimeZone)
        #expect(try BusinessCalendar(timeZoneIdentifier: "Europe/Paris", dayCutoff: cutoff) == parisCalendar(4, 0))
        #expect(throws: DomainError.self) { try BusinessCalendar(timeZone: paris, dayCutoff: (hour: 24, minute: 0)) }
        #expect(throws: DomainError.self) { try BusinessCalendar(timeZone: paris, dayCutoff: (hour: 4, minute: -1)) }
    }

    @Test(arguments: [(0, 0), (2, 0), (2, 30), (3, 0), (4, 0), (23, 30)])
    func everyInstantLiesInItsBusinessDatesInterval(hour: Int, minute: Int) async throws {
        let calendar = try parisCalendar(hour, minute)
        await propertyCheck(count: 1000, input: instantsOf2026) { moment in
            let date = calendar.businessDate(of: moment)
            #expect(calendar.interval(of: date).contains(moment), "\(moment) → \(date)")
        }
    }

    @Test func businessDatesFollowTimeOrder() async throws {
        let calendar = try parisCalendar(2, 30)
        await propertyCheck(count: 1000, input: instantsOf2026, Gen.int(in: 0...7_200_000)) { moment, milliseconds in
            let later = moment.addingTimeInterval(TimeInterval(milliseconds) / 1000)
            #expect(calendar.businessDate(of: moment) <= calendar.businessDate(of: later))
        }
    }

    @Test func aCutoffOutsideTheChangeHoursIsTheWallClockRule() async throws {
        // The plain rule, computed independently with Foundation: local date, minus a day before 04:00.
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = paris
        let local = gregorian
        let calendar = try parisCalendar(4, 0)
        let instants = Gen.int64(in: 946_684_800...2_208_988_800).map { Date(timeIntervalSince1970: TimeInterval($0)) }
        await propertyCheck(count: 1000, input: instants) { moment in
            let parts = local.dateComponents([.year, .month, .day, .hour], from: moment)
            let localDate = try LocalDate(year: parts.year ?? 0, month: parts.month ?? 0, day: parts.day ?? 0)
            let expected = (parts.hour ?? 0) < 4 ? localDate.adding(days: -1) : localDate
            #expect(calendar.businessDate(of: moment) == expected)
        }
    }

    @Test func everyDayOf2026StartsInsideItself() throws {
        for (hour, minute) in [(4, 0), (2, 30), (0, 0)] {
            let calendar = try parisCalendar(hour, minute)
            var date = try day("2026-01-01")
            while date.year == 2026 {
                let interval = calendar.interval(of: date)
                #expect(calendar.businessDate(of: interval.lowerBound) == date)
                #expect(calendar.businessDate(of: interval.upperBound.addingTimeInterval(-0.001)) == date)
                date = date.adding(days: 1)
            }
        }
    }
}
