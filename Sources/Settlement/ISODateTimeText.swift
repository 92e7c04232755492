import Domain
import Foundation

/// An ISO 8601 date-time as written in a bank or cash-up file: `2023-06-21T12:35:33.115965+00:00`,
/// `2014-12-31T13:15:00+01:00`, `2026-03-14T18:00:00Z`, or with no offset at all
/// (`2026-03-14T18:00`), which is a wall-clock time in some zone only the caller knows.
///
/// Parsed by hand: `ISO8601DateFormatter` needs one configuration per shape (with or without
/// seconds, fraction, offset) and silently accepts some malformed text.
struct ISODateTimeText: Sendable, Equatable {
    var date: LocalDate
    var hour: Int
    var minute: Int
    var second: Int
    var nanosecond: Int
    /// Seconds east of UTC; nil when the text had no offset.
    var offsetSeconds: Int?

    /// Parses `YYYY-MM-DD(T| )HH:MM[:SS[.fraction]][Z|±HH:MM|±HHMM|±HH]`, nil when malformed.
    /// A space instead of `T` is accepted: spreadsheets write it so.
    init?(_ text: some StringProtocol) {
        let characters = Array(text.utf8)
        guard characters.count >= 16, characters[10] == UInt8(ascii: "T") || characters[10] == UInt8(ascii: " "),
            let date = try? LocalDate(iso: String(decoding: characters[0..<10], as: UTF8.self))
        else { return nil }
        var scanner = Scanner(bytes: characters, position: 11)
        guard let hour = scanner.number(digits: 2), scanner.skip(":"), let minute = scanner.number(digits: 2) else {
            return nil
        }
        var second = 0
        var nanosecond = 0
        if scanner.skip(":") {
            guard let seconds = scanner.number(digits: 2) else { return nil }
            second = seconds
            if scanner.skip(".") || scanner.skip(",") {
                let digits = scanner.digits()
                guard (1...9).contains(digits.count) else { return nil }
                let value = digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
                nanosecond = value * Self.powerOfTen(9 - digits.count)
            }
        }
        var offset: Int?
        if scanner.skip("Z") || scanner.skip("z") {
            offset = 0
        } else if let sign = scanner.sign() {
            guard let offsetHours = scanner.number(digits: 2) else { return nil }
            // `+01:00`, `+0100` or `+01`.
            let offsetMinutes = scanner.skip(":") || !scanner.atEnd ? scanner.number(digits: 2) : 0
            guard let offsetMinutes, offsetHours <= 18, offsetMinutes < 60 else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }
        guard scanner.atEnd, hour < 24, minute < 60, second < 60 else { return nil }
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
        self.offsetSeconds = offset
    }

    /// The instant, when the text had an offset.
    var instant: Date? {
        offsetSeconds.map { Date(timeIntervalSince1970: Double(wallSeconds - $0) + Double(nanosecond) / 1e9) }
    }

    /// The instant this wall-clock time denotes in `zone` (the offset in the text wins when given).
    /// In an autumn repeated hour the first occurrence is taken; a spring-gap time is moved forward.
    func instant(in zone: TimeZone) -> Date {
        if let instant { return instant }
        func offset(at seconds: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))) }
        // The offsets a day either side cover both sides of any change (at most one in two days).
        let before = offset(at: wallSeconds - 86_400)
        let after = offset(at: wallSeconds + 86_400)
        let candidates = [wallSeconds - before, wallSeconds - after].filter { offset(at: $0) == wallSeconds - $0 }
        // Overlap: two candidates, take the earlier; gap: none, the offset before the change moves it forward.
        let seconds = candidates.min() ?? wallSeconds - before
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanosecond) / 1e9)
    }

    /// The calendar date of this time in `zone` (the date as written when the text had no offset).
    func date(in zone: TimeZone) -> LocalDate {
        guard let instant else { return date }
        return BusinessCalendar(timeZone: zone, dayCutoff: .midnight).businessDate(of: instant)
    }

    /// Seconds from 1970-01-01T00:00 to the wall-clock time, as if it were UTC.
    private var wallSeconds: Int {
        Self.daysSince1970(date) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// Howard Hinnant's days_from_civil: exact over the proleptic Gregorian calendar.
    private static func daysSince1970(_ date: LocalDate) -> Int {
        let year = date.month <= 2 ? date.year - 1 : date.year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * ((date.month + 9) % 12) + 2) / 5 + date.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func powerOfTen(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { value, _ in value * 10 }
    }

    /// A cursor over the time part's bytes.
    private struct Scanner {
        let bytes: [UInt8]
        var position: Int

        var atEnd: Bool { position == bytes.count }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard !atEnd, bytes[position] == UInt8(ascii: character) else { return false }
            position += 1
            return true
        }

        mutating func number(digits count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<position + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            position += count
            return value
        }

        mutating func digits() -> ArraySlice<UInt8> {
            let start = position
            while !atEnd, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
            return bytes[start..<position]
        }

        mutating func sign() -> Int? {
            if skip("+") { return 1 }
            if skip("-") { return -1 }
            return nil
        }
    }
}
