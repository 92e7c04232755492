import Domain
import Foundation
import PropertyBased
import Testing

/// A date from its ISO form, for readable tests.
func day(_ iso: String) throws -> LocalDate { try LocalDate(iso: iso) }

@Suite struct LocalDateTests {
    @Test func parsesAndFormatsISODates() throws {
        let date = try LocalDate(year: 2026, month: 3, day: 29)
        #expect(date.isoString == "2026-03-29")
        #expect(date.description == "2026-03-29")
        #expect(try day("2026-03-29") == date)
        #expect(try day("0001-01-01").isoString == "0001-01-01")
        #expect(try day("2024-02-29").day == 29)
        for text in [
            "2026-3-29", "2026-03-29T00:00", "26-03-29", "2026/03/29", "2026-02-29", "2026-04-31", "2026-13-01",
            "2026-00-10", "0000-01-01", "+026-01-01", "2026-01-0a", "",
        ] {
            let error = #expect(throws: DomainError.self) { try LocalDate(iso: text) }
            #expect(error?.code == .invalidDate, "\(text)")
        }
        #expect(throws: DomainError.self) { try LocalDate(year: 2100, month: 2, day: 29) }
        #expect(try LocalDate(year: 2000, month: 2, day: 29).isoString == "2000-02-29")
    }

    @Test func addsDaysAcrossMonthsAndYears() throws {
        #expect(try day("2026-03-28").adding(days: 1) == day("2026-03-29"))
        #expect(try day("2026-03-31").adding(days: 1) == day("2026-04-01"))
        #expect(try day("2026-12-31").adding(days: 1) == day("2027-01-01"))
        #expect(try day("2024-02-28").adding(days: 1) == day("2024-02-29"))
        #expect(try day("2026-03-01").adding(days: -1) == day("2026-02-28"))
        #expect(try day("2026-01-01").adding(days: 365) == day("2027-01-01"))
        #expect(try day("2026-01-01").days(until: day("2026-12-31")) == 364)
        #expect(try day("2026-03-29").days(until: day("2026-03-28")) == -1)
        #expect(try day("1969-12-31").adding(days: 1) == day("1970-01-01"))
    }

    @Test func knowsWeekdays() throws {
        #expect(try day("2026-03-29").isoWeekday == 7)  // a Sunday
        #expect(try day("2026-03-30").isoWeekday == 1)
        #expect(try day("1970-01-01").isoWeekday == 4)
        #expect(try day("1969-12-29").isoWeekday == 1)
    }

    @Test func ordersChronologically() throws {
        #expect(try day("2026-03-28") < day("2026-03-29"))
        #expect(try day("2025-12-31") < day("2026-01-01"))
        #expect(try day("2026-02-01") > day("2026-01-31"))
    }

    @Test func codesAsISOString() throws {
        let data = try JSONEncoder().encode(try day("2026-10-25"))
        #expect(String(decoding: data, as: UTF8.self) == "\"2026-10-25\"")
        #expect(try JSONDecoder().decode(LocalDate.self, from: data) == day("2026-10-25"))
    }

    /// From 1586 on: Foundation switches to the Julian calendar before October 1582.
    @Test func agreesWithFoundationsGregorianCalendar() async throws {
        var gregorian = Calendar(identifier: .gregorian)
        gregorian.timeZone = try #require(TimeZone(identifier: "UTC"))
        let calendar = gregorian
        let epoch = try day("1970-01-01")
        await propertyCheck(count: 500, input: Gen.int(in: -140_000...2_900_000)) { offset throws in
            let date = epoch.adding(days: offset)
            let instant = Date(timeIntervalSince1970: TimeInterval(offset) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: instant)
            #expect([date.year, date.month, date.day] == [parts.year, parts.month, parts.day])
            #expect(date.isoWeekday == ((parts.weekday ?? 0) + 5) % 7 + 1)
            #expect(epoch.days(until: date) == offset)
            #expect(try LocalDate(iso: date.isoString) == date)
        }
    }

    @Test func addingIsConsistentWithOrder() async throws {
        let start = try day("2026-01-01")
        await propertyCheck(count: 300, input: Gen.int(in: -5000...5000), Gen.int(in: -5000...5000)) { a, b in
            let first = start.adding(days: a)
            let second = start.adding(days: b)
            #expect((first < second) == (a < b))
            #expect(first.adding(days: b - a) == second)
            #expect(first.days(until: second) == b - a)
        }
    }

    @Test func timesOfDayParseAndValidate() throws {
        #expect(try TimeOfDay(iso: "04:00") == TimeOfDay(hour: 4, minute: 0))
        #expect(try TimeOfDay(iso: "02:30:00").isoString == "02:30")
        #expect(try TimeOfDay(hour: 23, minute: 59).secondsSinceMidnight == 86_340)
        #expect(TimeOfDay.midnight.isoString == "00:00")
        for text in ["4:00", "24:00", "04:60", "04:00:30", "0400", "04-00", ""] {
            let error = #expect(throws: DomainError.self) { try TimeOfDay(iso: text) }
            #expect(error?.code == .invalidTimeOfDay, "\(text)")
        }
        #expect(try TimeOfDay(hour: 2, minute: 30) < TimeOfDay(hour: 4, minute: 0))
        let data = try JSONEncoder().encode(try TimeOfDay(hour: 4, minute: 0))
        #expect(String(decoding: data, as: UTF8.self) == "\"04:00\"")
    }
}
