import FoundationEssentials

/// A calendar date with no time and no time zone: PostgreSQL's `date`.
///
/// Business dates are calendar dates: they are computed once from a shop's time zone and cutoff,
/// then stored and compared as dates, never as UTC instants.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public var year: Int
    public var month: Int
    public var day: Int

    /// Creates a date, checking that it exists (no 30 February).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= CalendarDate.daysIn(month: month, year: year) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso8601 string: some StringProtocol) {
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    public var daysSinceEpoch: Int { CivilCalendar.days(year: year, month: month, day: day) }

    public init(daysSinceEpoch days: Int) {
        let civil = CivilCalendar.civil(fromDays: days)
        self.year = civil.year
        self.month = civil.month
        self.day = civil.day
    }

    public func adding(days: Int) -> CalendarDate { CalendarDate(daysSinceEpoch: daysSinceEpoch + days) }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public init(from decoder: any Decoder) throws {
        let string = try decoder.singleValueContainer().decode(String.self)
        guard let date = CalendarDate(iso8601: string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a date: \(string)"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension CalendarDate: PostgresCodable {
    public static var postgresType: PostgresType { .date }
    public var postgresText: String? { description }
    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .date else { throw .mismatch(type, CalendarDate.self) }
        guard let date = CalendarDate(iso8601: text.string) else {
            throw PostgresDecodingFailure("'\(text.string)' is not a date between 0001 and 9999 (DateStyle ISO)")
        }
        self = date
    }
}

/// `timestamptz` ⇄ `Date`, exact to the microsecond (PostgreSQL's resolution).
///
/// Sessions run with `TimeZone = 'UTC'` and `DateStyle = 'ISO, YMD'`, but the parser accepts
/// any offset so that a session setting changed by a caller cannot corrupt instants.
extension Date: PostgresCodable {
    public static var postgresType: PostgresType { .timestamptz }

    public var postgresText: String? {
        let micros = Int64((timeIntervalSince1970 * 1_000_000).rounded())
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let date = CalendarDate(daysSinceEpoch: Int(days))
        func pad(_ value: Int64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(date) \(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            + ".\(pad(fraction, 6))+00"
    }

    public init(postgresText text: PostgresText, type: PostgresType) throws(PostgresDecodingFailure) {
        guard type == .timestamptz else {
            if type == .timestamp {
                throw PostgresDecodingFailure(
                    "a timestamp without time zone is not an instant; use timestamptz or convert with AT TIME ZONE")
            }
            throw .mismatch(type, Date.self)
        }
        guard let micros = parseTimestampWithOffset(text.string) else {
            throw PostgresDecodingFailure("'\(text.string)' is not a finite ISO timestamptz")
        }
        self = Date(timeIntervalSince1970: Double(micros / 1_000_000) + Double(micros % 1_000_000) / 1_000_000)
    }
}

/// Parses `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]]` into microseconds since the epoch.
func parseTimestampWithOffset(_ string: String) -> Int64? {
    let bytes = Array(string.utf8)
    guard bytes.count >= 22, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: " ") else { return nil }
    func number(_ range: Range<Int>) -> Int? {
        guard range.upperBound <= bytes.count else { return nil }
        var value = 0
        for index in range {
            let byte = bytes[index]
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }
    guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
        let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
        CalendarDate(year: year, month: month, day: day) != nil
    else { return nil }
    var index = 19
    var micros = 0
    if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
        index += 1
        var digits = 0
        while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
            if digits < 6 { micros = micros * 10 + Int(bytes[index] - 48) }
            digits += 1
            index += 1
        }
        if digits < 6 { for _ in digits..<6 { micros *= 10 } }
    }
    guard index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") else {
        return nil
    }
    let sign = bytes[index] == UInt8(ascii: "-") ? -1 : 1
    index += 1
    guard let offsetHours = number(index..<index + 2) else { return nil }
    index += 2
    var offsetSeconds = offsetHours * 3600
    if index < bytes.count, bytes[index] == UInt8(ascii: ":"), let minutes = number(index + 1..<index + 3) {
        offsetSeconds += minutes * 60
        index += 3
        if index < bytes.count, bytes[index] == UInt8(ascii: ":"), let seconds = number(index + 1..<index + 3) {
            offsetSeconds += seconds
            index += 3
        }
    }
    guard index == bytes.count else { return nil }  // e.g. " BC"
    let days = CivilCalendar.days(year: year, month: month, day: day)
    let localSeconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    return (localSeconds - Int64(sign * offsetSeconds)) * 1_000_000 + Int64(micros)
}

/// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian, exact for any year).
enum CivilCalendar {
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
