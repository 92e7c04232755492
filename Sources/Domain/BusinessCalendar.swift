import Foundation

/// Turns instants into a shop's business dates and back.
///
/// A shop's business day runs from its day cutoff (say 04:00, local time) to the next day's
/// cutoff, so the 01:30 sales of a Saturday night count for Saturday. Every sale-side fact gets
/// its business date once, from this calendar, never from a UTC date (DESIGN.md, data rules).
///
/// **The rule.** Business date *D* starts at the first instant at which the shop's wall clock,
/// on calendar day *D*, reads the cutoff or later:
/// - on an ordinary day, at the cutoff;
/// - when the cutoff does not exist that day (it falls in the spring-forward gap: 02:30 in
///   Europe/Paris on 2026-03-29, when clocks jump from 02:00 to 03:00), at the first instant after
///   the gap (03:00 CEST, 01:00 UTC);
/// - when the cutoff occurs twice (it falls in the autumn overlap: 02:30 on 2026-10-25, when clocks
///   go back from 03:00 to 02:00), at its first occurrence (02:30 CEST, 00:30 UTC).
///
/// *D* ends where *D* + 1 starts, so consecutive business days tile time with no gap and no
/// overlap, and an instant's business date is the one whose interval contains it.
///
/// With a cutoff outside the change hours (04:00 in Paris, the recommended setting) this is simply
/// "the local date, minus one day when the local time is before the cutoff", and days last 24 h,
/// or 23 h / 25 h when a daylight-saving change falls inside them. With a cutoff inside the change
/// hour the two rules part: in the autumn overlap the wall clock alone would move an instant back to
/// the previous business date (02:15 CET comes after 02:30 CEST), which the rule above never does,
/// so business dates always follow time order; and the spring gap's lost hour is shared by the two
/// days around it (23.5 h each with a 02:30 cutoff).
///
/// Assumes, as every real time zone does, at most one offset change within two days.
public struct BusinessCalendar: Hashable, Sendable {
    /// The shop's time zone (Europe/Paris for the OC Pizza shops).
    public let timeZone: TimeZone
    /// The local wall-clock time at which a business day starts.
    public let dayCutoff: TimeOfDay

    /// Creates a calendar for a shop.
    public init(timeZone: TimeZone, dayCutoff: TimeOfDay) {
        self.timeZone = timeZone
        self.dayCutoff = dayCutoff
    }

    /// Creates a calendar for a shop from a cutoff hour and minute.
    ///
    /// - Throws: ``DomainError/Code/invalidTimeOfDay``.
    public init(timeZone: TimeZone, dayCutoff: (hour: Int, minute: Int)) throws(DomainError) {
        self.init(timeZone: timeZone, dayCutoff: try TimeOfDay(hour: dayCutoff.hour, minute: dayCutoff.minute))
    }

    /// Creates a calendar from an IANA time-zone identifier, as stored with the shop.
    ///
    /// - Throws: ``DomainError/Code/unknownTimeZone``.
    public init(timeZoneIdentifier: String, dayCutoff: TimeOfDay) throws(DomainError) {
        guard let timeZone = TimeZone(identifier: timeZoneIdentifier) else {
            throw DomainError(.unknownTimeZone, "unknown time zone", context: ["identifier": timeZoneIdentifier])
        }
        self.init(timeZone: timeZone, dayCutoff: dayCutoff)
    }

    private static let secondsPerDay = 86_400

    /// The business date an instant belongs to.
    public func businessDate(of instant: Date) -> LocalDate {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down))
        let offset = offsetFromUTC(at: seconds)
        let wall = seconds + offset
        let localDay = BusinessCalendar.floorDivide(wall, BusinessCalendar.secondsPerDay)
        let timeOfDay = wall - localDay * BusinessCalendar.secondsPerDay
        let guess = LocalDate(daysSince1970: timeOfDay >= dayCutoff.secondsSinceMidnight ? localDay : localDay - 1)
        // With the same offset two days either side, wall-clock time is a plain shift of UTC here.
        let twoDays = 2 * BusinessCalendar.secondsPerDay
        if offsetFromUTC(at: seconds - twoDays) == offset && offsetFromUTC(at: seconds + twoDays) == offset {
            return guess
        }
        // Near a change, check the guess against the day intervals themselves.
        if instant < start(of: guess) { return guess.adding(days: -1) }
        if instant >= start(of: guess.adding(days: 1)) { return guess.adding(days: 1) }
        return guess
    }

    /// The instant at which business date `date` starts (see the rule in the type's documentation).
    public func start(of date: LocalDate) -> Date {
        Date(timeIntervalSince1970: TimeInterval(startSeconds(of: date)))
    }

    /// The instants of business date `date`: from its start, up to and excluding the next day's.
    public func interval(of date: LocalDate) -> Range<Date> {
        start(of: date)..<start(of: date.adding(days: 1))
    }

    /// The business date before the one in progress at `now`: the date the nightly pipeline
    /// processes by default. Run at 05:00 with a 04:00 cutoff, it is yesterday. Run before the
    /// cutoff (03:00), it is the day before yesterday, because yesterday's business day is still
    /// open; the crontab therefore schedules the pipeline after the cutoff.
    public func previousBusinessDate(asOf now: Date) -> LocalDate {
        businessDate(of: now).adding(days: -1)
    }

    /// Seconds since 1970 of the start of `date`.
    private func startSeconds(of date: LocalDate) -> Int {
        // The cutoff on `date`, counted as if the wall clock were UTC.
        let wall = date.daysSince1970 * BusinessCalendar.secondsPerDay + dayCutoff.secondsSinceMidnight
        let window = BusinessCalendar.secondsPerDay
        let offsetBefore = offsetFromUTC(at: wall - window)
        let offsetAfter = offsetFromUTC(at: wall + window)
        // Instants whose wall clock reads exactly the cutoff, one per offset in force around it.
        let readings = Set([wall - offsetBefore, wall - offsetAfter]).filter { wall - offsetFromUTC(at: $0) == $0 }
        if let first = readings.min() { return first }
        // No instant reads the cutoff: it is in a gap, and the day starts when the gap ends, which is
        // the first instant with the later offset.
        var low = wall - window
        var high = wall + window
        while low < high {
            let middle = low + (high - low) / 2
            if offsetFromUTC(at: middle) == offsetAfter { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// The zone's offset from UTC, in seconds, at an instant given in seconds since 1970.
    private func offsetFromUTC(at seconds: Int) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    private static func floorDivide(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return value % divisor < 0 ? quotient - 1 : quotient
    }
}
