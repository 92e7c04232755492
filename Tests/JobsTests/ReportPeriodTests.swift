import Jobs
import Postgres
import Testing

@Suite struct ReportPeriodTests {
    func date(_ text: String) throws -> CalendarDate { try #require(CalendarDate(iso8601: text)) }

    @Test func aDayIsComparedWithTheDayBeforeAndTheSameWeekdayLastWeek() throws {
        let span = ReportPeriod.day.span(containing: try date("2026-03-15"))
        #expect(span.folder == "2026-03-15")
        #expect(span.previousFrom.description == "2026-03-14" && span.previousTo.description == "2026-03-14")
        #expect(span.lastWeekDay?.description == "2026-03-08")
    }

    @Test(arguments: [
        ("2026-03-15", "2026-W11", "2026-03-09", "2026-03-15"),  // a Sunday: the week that ends that day
        ("2026-03-16", "2026-W12", "2026-03-16", "2026-03-22"),  // a Monday
        ("2027-01-01", "2026-W53", "2026-12-28", "2027-01-03"),  // a Friday in the last ISO week of 2026
        ("2025-12-29", "2026-W01", "2025-12-29", "2026-01-04"),  // a Monday in week 1 of 2026
    ])
    func isoWeeks(day: String, folder: String, from: String, to: String) throws {
        let span = ReportPeriod.week.span(containing: try date(day))
        #expect(span.folder == folder)
        #expect(span.from.description == from && span.to.description == to)
        #expect(span.previousTo.daysSinceEpoch == span.from.daysSinceEpoch - 1)
        #expect(span.previousTo.daysSinceEpoch - span.previousFrom.daysSinceEpoch == 6)
        #expect(span.lastWeekDay == nil)
    }

    @Test func monthsRunFromTheFirstToTheLastDayAndCompareWithTheMonthBefore() throws {
        let march = ReportPeriod.month.span(containing: try date("2026-03-15"))
        #expect(
            march.folder == "2026-03" && march.from.description == "2026-03-01" && march.to.description == "2026-03-31")
        #expect(march.previousFrom.description == "2026-02-01" && march.previousTo.description == "2026-02-28")
        let january = ReportPeriod.month.span(containing: try date("2026-01-31"))
        #expect(january.previousFrom.description == "2025-12-01" && january.previousTo.description == "2025-12-31")
        let december = ReportPeriod.month.span(containing: try date("2025-12-02"))
        #expect(december.to.description == "2025-12-31")
    }
}
