/// A wall-clock time of day to the minute, such as a shop's day cutoff (04:00).
///
/// `Codable` as "HH:MM". Parsing also accepts "HH:MM:00", the form PostgreSQL's `time` type prints.
public struct TimeOfDay: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The hour, 0...23.
    public let hour: Int
    /// The minute, 0...59.
    public let minute: Int

    /// Midnight, 00:00.
    public static let midnight = TimeOfDay(checkedHour: 0, minute: 0)

    /// Creates a time of day.
    ///
    /// - Throws: ``DomainError/Code/invalidTimeOfDay`` outside 00:00...23:59.
    public init(hour: Int, minute: Int) throws(DomainError) {
        guard (0...23).contains(hour), (0...59).contains(minute) else {
            throw DomainError(
                .invalidTimeOfDay, "a time of day is between 00:00 and 23:59",
                context: ["hour": String(hour), "minute": String(minute)])
        }
        self.init(checkedHour: hour, minute: minute)
    }

    /// Parses "HH:MM" or "HH:MM:00" ("04:00", "02:30:00").
    ///
    /// - Throws: ``DomainError/Code/invalidTimeOfDay``.
    public init(iso text: String) throws(DomainError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCIIDigit) }),
            parts.count == 2 || parts[2] == "00",
            let hour = Int(parts[0]), let minute = Int(parts[1])
        else {
            throw DomainError(.invalidTimeOfDay, "not a time of day HH:MM", context: ["text": text])
        }
        try self.init(hour: hour, minute: minute)
    }

    private init(checkedHour hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Seconds from midnight on the wall clock.
    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 }

    /// "HH:MM".
    public var isoString: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public var description: String { isoString }

    public static func < (lhs: TimeOfDay, rhs: TimeOfDay) -> Bool {
        lhs.secondsSinceMidnight < rhs.secondsSinceMidnight
    }

    public init(from decoder: any Decoder) throws {
        try self.init(iso: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(isoString)
    }
}
