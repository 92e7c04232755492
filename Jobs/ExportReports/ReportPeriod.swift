import Foundation
import Postgres

/// The span of a report: a business day, the ISO week or the calendar month that contains the
/// date, and the folder name and comparisons that go with it.
public enum ReportPeriod: String, Sendable, CaseIterable, Codable {
    case day, week, month

    public struct Span: Sendable, Equatable {
        public var from: CalendarDate
        public var to: CalendarDate
        /// `2026-03-15`, `2026-W11`, `2026-03`.
        public var folder: String
        public var previousFrom: CalendarDate
        public var previousTo: CalendarDate
        public var lastWeekDay: CalendarDate?
        public var label: String
        public var comparedWith: String
    }

    public func span(containing date: CalendarDate) -> Span {
        let day = Self.days(date)
        switch self {
        case .day:
            return Span(
                from: date, to: date, folder: date.description, previousFrom: Self.date(day - 1),
                previousTo: Self.date(day - 1), lastWeekDay: Self.date(day - 7), label: "Day",
                comparedWith: "the day before and the same weekday last week")
        case .week:
            // ISO: weeks start on Monday; 1970-01-01 was a Thursday.
            let monday = day - ((day + 3) % 7 + 7) % 7
            let thursday = Self.date(monday + 3)
            let isoWeek = Self.isoWeek(thursdayDays: monday + 3, year: thursday.year)
            return Span(
                from: Self.date(monday), to: Self.date(monday + 6),
                folder: String(format: "%04d-W%02d", thursday.year, isoWeek), previousFrom: Self.date(monday - 7),
                previousTo: Self.date(monday - 1), lastWeekDay: nil, label: "Week", comparedWith: "the week before")
        case .month:
            let first = CalendarDate(year: date.year, month: date.month, day: 1)!
            let next =
                date.month == 12
                ? CalendarDate(year: date.year + 1, month: 1, day: 1)!
                : CalendarDate(year: date.year, month: date.month + 1, day: 1)!
            let previous =
                date.month == 1
                ? CalendarDate(year: date.year - 1, month: 12, day: 1)!
                : CalendarDate(year: date.year, month: date.month - 1, day: 1)!
            return Span(
                from: first, to: Self.date(Self.days(next) - 1),
                folder: String(format: "%04d-%02d", date.year, date.month), previousFrom: previous,
                previousTo: Self.date(Self.days(first) - 1), lastWeekDay: nil, label: "Month",
                comparedWith: "the month before")
        }
    }

    /// The ISO week number of the week whose Thursday is `thursdayDays` (days since 1970): the
    /// week belongs to its Thursday's year, and week 1 holds that year's first Thursday.
    static func isoWeek(thursdayDays: Int, year: Int) -> Int {
        let januaryFirst = days(CalendarDate(year: year, month: 1, day: 1)!)
        return (thursdayDays - januaryFirst) / 7 + 1
    }

    static func days(_ date: CalendarDate) -> Int { date.daysSinceEpoch }

    static func date(_ days: Int) -> CalendarDate { CalendarDate(daysSinceEpoch: days) }
}
