import Postgres

/// Rows of one table in COPY's text format, built straight into bytes (no intermediate strings
/// for numbers, dates and instants), then sent with one `COPY ... FROM STDIN`.
struct CopyTable: Sendable {
    let table: String
    let columns: [String]
    private(set) var bytes: [UInt8] = []
    private(set) var rows = 0
    private var inRow = false

    init(_ table: String, _ columns: [String]) {
        self.table = table
        self.columns = columns
    }

    /// Sends the rows and empties the buffer; returns the number of rows copied.
    mutating func copy(into session: PostgresSession) throws -> Int {
        guard rows > 0 else { return 0 }
        let statement = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN"
        let payload = bytes
        let copied = try session.copyIn(SQL(unsafeSQL: statement)) { writer in
            var start = 0
            while start < payload.count {
                let end = min(start + 65_536, payload.count)
                try writer.write(bytes: payload[start..<end])
                start = end
            }
        }
        bytes.removeAll(keepingCapacity: true)
        rows = 0
        return copied
    }

    // MARK: Fields

    private mutating func separate() {
        if inRow { bytes.append(9) } else { inRow = true }
    }

    mutating func endRow() {
        bytes.append(10)
        inRow = false
        rows += 1
    }

    mutating func null() {
        separate()
        bytes.append(92)
        bytes.append(78)
    }

    mutating func int(_ value: Int64) {
        separate()
        appendDigits(value)
    }

    mutating func int(_ value: Int) { int(Int64(value)) }

    mutating func int(_ value: Int64?) {
        if let value { int(value) } else { null() }
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(value ? 116 : 102)
    }

    /// Text known to hold no tab, newline, carriage return or backslash (codes, SKUs, statuses).
    mutating func plain(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    /// Any text, escaped for COPY.
    mutating func text(_ text: String) {
        separate()
        for byte in text.utf8 {
            switch byte {
            case 92: bytes.append(contentsOf: [92, 92])
            case 9: bytes.append(contentsOf: [92, 116])
            case 10: bytes.append(contentsOf: [92, 110])
            case 13: bytes.append(contentsOf: [92, 114])
            default: bytes.append(byte)
            }
        }
    }

    mutating func text(_ value: String?) {
        if let value { text(value) } else { null() }
    }

    /// A quantity held in thousandths (numeric(14,3)): -1234 → "-1.234".
    mutating func milli(_ value: Int64) {
        separate()
        if value < 0 { bytes.append(45) }
        let magnitude = value.magnitude
        appendDigits(Int64(magnitude / 1000))
        bytes.append(46)
        let fraction = Int(magnitude % 1000)
        bytes.append(UInt8(48 + fraction / 100))
        bytes.append(UInt8(48 + fraction / 10 % 10))
        bytes.append(UInt8(48 + fraction % 10))
    }

    /// A date given as days since 1970-01-01: "2026-11-21".
    mutating func date(_ day: Int) {
        separate()
        appendDate(day)
    }

    /// An instant given as seconds since 1970 (UTC): "2026-11-21 19:42:13+00".
    mutating func instant(_ seconds: Int64) {
        separate()
        let day = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let time = Int(seconds - Int64(day) * 86_400)
        appendDate(day)
        bytes.append(32)
        appendTwo(time / 3600)
        bytes.append(58)
        appendTwo(time / 60 % 60)
        bytes.append(58)
        appendTwo(time % 60)
        bytes.append(contentsOf: [43, 48, 48])
    }

    // MARK: Digits

    private mutating func appendDigits(_ value: Int64) {
        if value < 0 {
            bytes.append(45)
            appendUnsigned(value.magnitude)
        } else {
            appendUnsigned(UInt64(value))
        }
    }

    private mutating func appendUnsigned(_ value: UInt64) {
        let start = bytes.count
        var rest = value
        repeat {
            bytes.append(UInt8(48 + rest % 10))
            rest /= 10
        } while rest > 0
        bytes[start...].reverse()
    }

    private mutating func appendTwo(_ value: Int) {
        bytes.append(UInt8(48 + value / 10))
        bytes.append(UInt8(48 + value % 10))
    }

    private mutating func appendDate(_ day: Int) {
        let (year, month, dayOfMonth) = Days.civil(day)
        appendUnsigned(UInt64(year))
        bytes.append(45)
        appendTwo(month)
        bytes.append(45)
        appendTwo(dayOfMonth)
    }
}

/// Day numbers (days since 1970-01-01) and calendar dates.
enum Days {
    /// The calendar date of a day number (the Postgres module's exact civil-date arithmetic).
    static func civil(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let date = CalendarDate(daysSinceEpoch: days)
        return (date.year, date.month, date.day)
    }

    /// "2026-11-21".
    static func iso(_ days: Int) -> String {
        let (year, month, day) = civil(days)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    /// "20261121".
    static func compact(_ days: Int) -> String {
        iso(days).filter { $0 != "-" }
    }

    /// ISO weekday, 1 = Monday ... 7 = Sunday (1970-01-01 was a Thursday).
    static func weekday(_ days: Int) -> Int {
        let fromMonday = (days + 3) % 7
        return (fromMonday < 0 ? fromMonday + 7 : fromMonday) + 1
    }
}
