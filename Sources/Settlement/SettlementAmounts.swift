import Domain
import Foundation

// Money and time text of the processor reports, parsed by hand: the readers see a million rows a
// night, and a per-row `DateFormatter` or `Decimal` would cost more than the CSV itself.

/// ISO 4217 codes and their minor-unit exponents.
enum CurrencyCode {
    /// Currencies without the usual 2 decimals (ISO 4217 list); every other code has 2.
    private static let exponents: [String: Int] = [
        "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0, "RWF": 0,
        "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
        "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    ]

    /// The number of decimals of the currency's minor unit (EUR 2, JPY 0, KWD 3).
    static func exponent(of code: String) -> Int { exponents[code] ?? 2 }

    /// Three ASCII letters, upper-cased (Stripe writes `eur`); nil for anything else.
    static func normalised(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, bytes.allSatisfy({ (0x41...0x5A).contains($0 & 0xDF) }) else { return nil }
        return String(decoding: bytes.map { $0 & 0xDF }, as: UTF8.self)
    }
}

/// Why an amount was not read.
enum AmountFailure: Error {
    /// Not a number in the expected layout.
    case notANumber
    /// More non-zero decimals than the currency has (`12.345` EUR): refused, never rounded.
    case finerThanMinorUnit
    case overflow
}

enum AmountText {
    /// A signed decimal in major units ("-0.77", "1,653.75", "4.626,81") as minor units of a
    /// currency with `exponent` decimals. `grouping`, when given, may separate thousands in the
    /// integer part (groups of 3 digits after the first); extra decimals must be zeros.
    static func minorUnits(
        major text: String, exponent: Int, decimalSeparator: UInt8 = UInt8(ascii: "."), grouping: UInt8? = nil
    ) -> Result<Int64, AmountFailure> {
        var bytes = text.utf8[...]
        while let first = bytes.first, first == 0x20 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 { bytes = bytes.dropLast() }
        var negative = false
        if let sign = bytes.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var units: Int64 = 0
        var integerDigits = 0
        var digitsInGroup = 0
        var sawGrouping = false
        var fractionDigits = -1  // -1: no decimal separator yet
        for byte in bytes {
            if byte >= 0x30 && byte <= 0x39 {
                let digit = Int64(byte - 0x30)
                if fractionDigits < 0 {
                    integerDigits += 1
                    digitsInGroup += 1
                    guard let value = multiplyAdd(units, 10, digit) else { return .failure(.overflow) }
                    units = value
                } else {
                    fractionDigits += 1
                    if fractionDigits > exponent {
                        if digit != 0 { return .failure(.finerThanMinorUnit) }
                    } else {
                        guard let value = multiplyAdd(units, 10, digit) else { return .failure(.overflow) }
                        units = value
                    }
                }
            } else if byte == decimalSeparator, fractionDigits < 0 {
                guard integerDigits > 0, !sawGrouping || digitsInGroup == 3 else { return .failure(.notANumber) }
                fractionDigits = 0
            } else if let grouping, byte == grouping, fractionDigits < 0 {
                // The first group has 1 to 3 digits, every later one exactly 3.
                guard digitsInGroup > 0, digitsInGroup <= 3, !sawGrouping || digitsInGroup == 3 else {
                    return .failure(.notANumber)
                }
                sawGrouping = true
                digitsInGroup = 0
            } else {
                return .failure(.notANumber)
            }
        }
        // A digit before the point, one after it when there is a point ("12." is refused), and a
        // whole last group ("1,50" is not a thousands group).
        guard integerDigits > 0, fractionDigits != 0, !sawGrouping || fractionDigits >= 0 || digitsInGroup == 3
        else { return .failure(.notANumber) }
        let decimalsRead = min(max(fractionDigits, 0), exponent)
        for _ in decimalsRead..<exponent {
            guard let value = multiplyAdd(units, 10, 0) else { return .failure(.overflow) }
            units = value
        }
        return .success(negative ? -units : units)
    }

    /// PayPal STL/TRR amounts: an unsigned integer, the value × 100 whatever the currency
    /// (JPY 15000 is 150 yen), as minor units. A JPY value not divisible by 100 is finer than a yen.
    static func minorUnits(hundredths text: String, exponent: Int) -> Result<Int64, AmountFailure> {
        var value: Int64 = 0
        var digits = 0
        for byte in text.utf8 {
            guard byte >= 0x30 && byte <= 0x39 else { return .failure(.notANumber) }
            guard let next = multiplyAdd(value, 10, Int64(byte - 0x30)) else { return .failure(.overflow) }
            value = next
            digits += 1
        }
        guard digits > 0 else { return .failure(.notANumber) }
        if exponent < 2 {
            let divisor = powerOfTen(2 - exponent)
            guard value % divisor == 0 else { return .failure(.finerThanMinorUnit) }
            return .success(value / divisor)
        }
        guard let scaled = multiplyAdd(value, powerOfTen(exponent - 2), 0) else { return .failure(.overflow) }
        return .success(scaled)
    }

    private static func powerOfTen(_ exponent: Int) -> Int64 {
        (0..<exponent).reduce(1) { power, _ in power * 10 }
    }

    private static func multiplyAdd(_ value: Int64, _ factor: Int64, _ addend: Int64) -> Int64? {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        let (sum, overflow2) = product.addingReportingOverflow(addend)
        return overflow || overflow2 ? nil : sum
    }
}

/// A wall-clock date and time with no zone, as written in a file.
struct LocalDateTime: Equatable {
    var year: Int, month: Int, day: Int
    var hour: Int, minute: Int, second: Int

    /// Seconds since 1970 if this wall clock were UTC.
    var secondsAsUTC: Int64 {
        Int64(CivilCalendar.daysSince1970(year: year, month: month, day: day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    var date: LocalDate? { try? LocalDate(year: year, month: month, day: day) }

    /// Checks the fields against the calendar (no 31 April, no 24:00).
    var isValid: Bool {
        (1...9999).contains(year) && (1...12).contains(month)
            && (1...LocalDate.daysIn(month: month, year: year)).contains(day) && (0...23).contains(hour)
            && (0...59).contains(minute) && (0...60).contains(second)
    }
}

enum CivilCalendar {
    /// Howard Hinnant's days_from_civil (the same arithmetic as `LocalDate`).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The calendar date `days` after 1970-01-01 (nil outside years 1...9999).
    static func date(daysSince1970 days: Int) -> LocalDate? {
        guard (-719_162...2_932_896).contains(days), let epoch = try? LocalDate(year: 1970, month: 1, day: 1)
        else { return nil }
        return epoch.adding(days: days)
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}

enum TimeText {
    /// Stripe's `YYYY-MM-DD HH:MM:SS` (a `T` is accepted too), or a bare `YYYY-MM-DD` (midnight).
    static func stripe(_ text: String) -> LocalDateTime? {
        withBytes(text) { bytes in
            var cursor = FixedLayoutCursor(bytes: bytes)
            guard let year = cursor.number(digits: 4), cursor.skip("-"), let month = cursor.number(digits: 2),
                cursor.skip("-"), let day = cursor.number(digits: 2)
            else { return nil }
            var time = LocalDateTime(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
            if !cursor.atEnd {
                guard cursor.skip(" ") || cursor.skip("T"), let hour = cursor.number(digits: 2), cursor.skip(":"),
                    let minute = cursor.number(digits: 2), cursor.skip(":"), let second = cursor.number(digits: 2),
                    cursor.atEnd
                else { return nil }
                (time.hour, time.minute, time.second) = (hour, minute, second)
            }
            return time.isValid ? time : nil
        }
    }

    /// PayPal STL/TRR `YYYY/MM/DD HH:MM:SS ±HHMM`: the wall clock and the offset in seconds.
    static func paypal(_ text: String) -> (LocalDateTime, offsetSeconds: Int)? {
        withBytes(text) { bytes in
            var cursor = FixedLayoutCursor(bytes: bytes)
            guard let year = cursor.number(digits: 4), cursor.skip("/"), let month = cursor.number(digits: 2),
                cursor.skip("/"), let day = cursor.number(digits: 2), cursor.skip(" "),
                let hour = cursor.number(digits: 2), cursor.skip(":"), let minute = cursor.number(digits: 2),
                cursor.skip(":"), let second = cursor.number(digits: 2), cursor.skip(" ")
            else { return nil }
            let negative: Bool
            if cursor.skip("-") { negative = true } else if cursor.skip("+") { negative = false } else { return nil }
            guard let offsetHours = cursor.number(digits: 2), let offsetMinutes = cursor.number(digits: 2),
                cursor.atEnd, offsetHours <= 14, offsetMinutes < 60
            else { return nil }
            let time = LocalDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
            guard time.isValid else { return nil }
            let offset = (offsetHours * 3600 + offsetMinutes * 60) * (negative ? -1 : 1)
            return (time, offset)
        }
    }

    /// `H:MM[:SS]` (activity download) as (hour, minute, second).
    static func clock(_ text: String) -> (Int, Int, Int)? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count),
            parts.allSatisfy({ (1...2).contains($0.count) && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), hour < 24, minute < 60
        else { return nil }
        let second = parts.count == 3 ? Int(parts[2]) ?? 99 : 0
        guard second <= 60 else { return nil }
        return (hour, minute, second)
    }

    private static func withBytes<T>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> T?) -> T? {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }
}

/// Reads fixed-layout digits and separators from the bytes of a date.
private struct FixedLayoutCursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    var atEnd: Bool { index == bytes.count }

    mutating func number(digits: Int) -> Int? {
        guard index + digits <= bytes.count else { return nil }
        var value = 0
        for offset in 0..<digits {
            let byte = bytes[index + offset]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        index += digits
        return value
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }
}

/// Turns wall-clock times of one zone into instants, and instants into that zone's dates,
/// remembering the last hour's offset so a sorted file asks Foundation once per hour, not per row.
struct ZoneClock {
    let zone: TimeZone
    private var cachedLocalHour: Int64 = .min
    private var cachedLocalOffset = 0
    private var cachedUTCHour: Int64 = .min
    private var cachedUTCOffset = 0

    init(zone: TimeZone) { self.zone = zone }

    /// The instant (seconds since 1970) at which the zone's clock reads `local`. In the autumn
    /// repeated hour the earlier instant is taken and `repeated` is true; in the spring gap the
    /// time is read with the offset before the change (02:30 Paris → 03:30 CEST).
    mutating func instant(of local: LocalDateTime) -> (seconds: Int64, repeated: Bool) {
        let wall = local.secondsAsUTC
        let hour = CivilCalendar.floorDivide(wall, 3600)
        if hour == cachedLocalHour { return (wall - Int64(cachedLocalOffset), false) }
        let offsetBefore = offset(at: wall - 86_400)
        let offsetAfter = offset(at: wall + 86_400)
        let readings = Set([wall - Int64(offsetBefore), wall - Int64(offsetAfter)]).filter {
            wall - Int64(offset(at: $0)) == $0
        }
        if offsetBefore == offsetAfter, readings.count == 1 {
            // No change within a day either side: every time of this hour has this offset.
            cachedLocalHour = hour
            cachedLocalOffset = offsetBefore
        }
        if let earliest = readings.min() { return (earliest, readings.count > 1) }
        return (wall - Int64(offsetBefore), false)
    }

    /// The zone's calendar date at an instant.
    mutating func date(at seconds: Int64) -> LocalDate? {
        let hour = CivilCalendar.floorDivide(seconds, 3600)
        if hour != cachedUTCHour {
            let start = offset(at: hour * 3600)
            // One offset for the whole hour (at most one change an hour, as every zone has).
            if start == offset(at: hour * 3600 + 3599) {
                cachedUTCHour = hour
                cachedUTCOffset = start
            } else {
                cachedUTCHour = .min
                return CivilCalendar.date(
                    daysSince1970: Int(CivilCalendar.floorDivide(seconds + Int64(offset(at: seconds)), 86_400)))
            }
        }
        return CivilCalendar.date(
            daysSince1970: Int(CivilCalendar.floorDivide(seconds + Int64(cachedUTCOffset), 86_400)))
    }

    private func offset(at seconds: Int64) -> Int {
        zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

extension Date {
    init(epochSeconds: Int64) { self.init(timeIntervalSince1970: TimeInterval(epochSeconds)) }
}
