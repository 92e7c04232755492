/// A calendar date with no time and no time zone, in the proleptic Gregorian calendar.
///
/// Business dates, validity dates of prices and recipes, and report periods are plain dates: a
/// `Date` (an instant) would drag a time zone into every comparison and is how sales end up on the
/// wrong day (domain.md §5 pitfall 8). Day arithmetic is pure integer arithmetic on the day count,
/// so it needs no `Calendar` and cannot be affected by daylight-saving changes.
///
/// Years 1...9999 only, so that the ISO form is always `YYYY-MM-DD`. `Codable` as that string,
/// which is also what PostgreSQL's `date` type reads and writes.
public struct LocalDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The year, 1...9999.
    public let year: Int
    /// The month, 1...12.
    public let month: Int
    /// The day of the month, 1...28/29/30/31.
    public let day: Int

    /// The range of supported years.
    public static let supportedYears = 1...9999

    /// Creates a date, refusing days that do not exist (2026-02-29, 2026-04-31).
    ///
    /// - Throws: ``DomainError/Code/invalidDate``.
    public init(year: Int, month: Int, day: Int) throws(DomainError) {
        guard LocalDate.supportedYears.contains(year), (1...12).contains(month),
            (1...LocalDate.daysIn(month: month, year: year)).contains(day)
        else {
            throw DomainError(
                .invalidDate, "no such calendar date",
                context: ["year": String(year), "month": String(month), "day": String(day)])
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses the ISO 8601 calendar form `YYYY-MM-DD` ("2026-03-29"), nothing else.
    ///
    /// - Throws: ``DomainError/Code/invalidDate``.
    public init(iso text: String) throws(DomainError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else {
            throw DomainError(.invalidDate, "not an ISO date YYYY-MM-DD", context: ["text": text])
        }
        try self.init(year: year, month: month, day: day)
    }

    /// The date `daysSince1970` days after 1970-01-01 (negative: before).
    ///
    /// Internal: callers outside the module move between dates with ``adding(days:)``.
    init(daysSince1970 days: Int) {
        // Howard Hinnant's civil_from_days, exact for the whole proleptic Gregorian calendar.
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        precondition(LocalDate.supportedYears.contains(year), "a LocalDate is between years 1 and 9999")
        self.year = year
        self.month = month
        self.day = day
    }

    /// The number of days from 1970-01-01 to this date (negative before it).
    var daysSince1970: Int {
        // Howard Hinnant's days_from_civil.
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` days later (earlier when negative). Traps outside years 1...9999.
    public func adding(days: Int) -> LocalDate {
        LocalDate(daysSince1970: daysSince1970 + days)
    }

    /// The number of days from this date to `other` (negative when `other` is earlier).
    public func days(until other: LocalDate) -> Int {
        other.daysSince1970 - daysSince1970
    }

    /// The ISO 8601 weekday: 1 for Monday ... 7 for Sunday.
    public var isoWeekday: Int {
        // 1970-01-01 was a Thursday (4).
        let fromMonday = (daysSince1970 + 3) % 7
        return (fromMonday < 0 ? fromMonday + 7 : fromMonday) + 1
    }

    /// The ISO 8601 form `YYYY-MM-DD`.
    public var isoString: String {
        LocalDate.padded(year, width: 4) + "-" + LocalDate.padded(month, width: 2) + "-"
            + LocalDate.padded(day, width: 2)
    }

    public var description: String { isoString }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        try self.init(iso: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(isoString)
    }

    /// Whether `year` has a 29 February.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days of `month` in `year`.
    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private static func padded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
