import Foundation

/// Reads a processor report (Stripe, PayPal STL/TRR, PayPal activity download) row by row.
public enum ProcessorReportReader {
    /// Streams the file in constant memory, calling `onRow` for each balance row in file order, and
    /// returns what the file says as a whole once every row has been delivered.
    ///
    /// - Parameters:
    ///   - path: the file to read.
    ///   - name: the name used in errors and warnings.
    ///   - format: what ``SettlementFormatDetector`` found; camt.053 and remittance files are not
    ///     processor reports and are refused with `wrong_reader`.
    ///   - localTimeZone: the zone of Stripe columns without `_utc` (the run's `timezone`,
    ///     Europe/Paris at OC Pizza) and of the `available_on` date.
    /// - Throws: ``SettlementFileError`` for a file that cannot be read as a whole (code and record
    ///   number, e.g. `malformed_row`, `field_count`, `bad_amount`, `sub_cent_amount`, `bad_date`,
    ///   `fee_currency`, `ambiguous_date_order`, `unknown_time_zone`, `invalid_utf8`); an error
    ///   thrown by `onRow` propagates unchanged.
    public static func read(
        path: String, name: String, format: SettlementFormat, localTimeZone: TimeZone,
        onRow: (ProcessorRow) throws -> Void
    ) throws -> ProcessorFileSummary {
        switch format {
        case .stripeActivity, .stripePayoutReconciliation:
            return try StripeReportReader.read(
                path: path, name: name, format: format, localTimeZone: localTimeZone, onRow: onRow)
        case .paypalSTL, .paypalTRR:
            return try PayPalReportReader.read(path: path, name: name, format: format, onRow: onRow)
        case .paypalActivity:
            return try PayPalActivityReader.read(path: path, name: name, onRow: onRow)
        case .camt053, .remittance:
            throw SettlementFileError(
                "wrong_reader", file: name, message: "\(format.rawValue) is not a processor report")
        }
    }
}

/// Column positions by name, for readers that must never rely on column order.
struct ColumnIndex {
    private var positions: [String: Int] = [:]
    /// The number of named columns: trailing empty header cells are not columns.
    let namedCount: Int

    init(header: [String]) {
        var header = header
        if let first = header.first, first.hasPrefix("\u{FEFF}") { header[0] = String(first.dropFirst()) }
        for (position, cell) in header.enumerated() {
            let key = Self.folded(cell)
            if !key.isEmpty, positions[key] == nil { positions[key] = position }
        }
        namedCount = (header.lastIndex { !Self.folded($0).isEmpty } ?? -1) + 1
    }

    /// The position of the first of `names` present in the header.
    func position(of names: String...) -> Int? { position(ofAny: names) }

    func position(ofAny names: [String]) -> Int? {
        for name in names { if let position = positions[Self.folded(name)] { return position } }
        return nil
    }

    /// Trimmed and lower-cased: headers are matched the way a person reads them.
    static func folded(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespaces).lowercased()
    }
}

/// The warnings of one file, at most `perCodeLimit` of each code (a million-row file with one odd
/// category per row must not grow the summary without bound); the rest are counted.
struct WarningLog {
    static let perCodeLimit = 20
    private(set) var warnings: [FileWarning] = []
    private var countByCode: [String: Int] = [:]

    mutating func add(_ code: String, record: Int?, _ message: String) {
        let count = countByCode[code, default: 0] + 1
        countByCode[code] = count
        if count <= Self.perCodeLimit { warnings.append(FileWarning(code: code, record: record, message: message)) }
    }

    /// Adds the warning only the first time its code is seen.
    mutating func addOnce(_ code: String, record: Int?, _ message: String) {
        guard countByCode[code] == nil else { return }
        add(code, record: record, message)
    }

    /// The warnings, with one more per code that went over the limit saying how many were left out.
    var all: [FileWarning] {
        var all = warnings
        for (code, count) in countByCode.sorted(by: { $0.key < $1.key }) where count > Self.perCodeLimit {
            all.append(
                FileWarning(code: code, message: "\(count - Self.perCodeLimit) more \(code) warnings not listed"))
        }
        return all
    }
}

/// Checks shared by the CSV readers.
enum RecordCheck {
    /// A record must have the header's field count; extra fields are tolerated when empty (some
    /// exports end every row with a spare delimiter).
    static func fieldCount(
        _ fields: [String], expected: Int, file: String, record: Int
    ) throws(SettlementFileError) {
        if fields.count == expected { return }
        if fields.count > expected, fields[expected...].allSatisfy({ $0.isEmpty }) { return }
        throw SettlementFileError(
            "field_count", file: file, record: record,
            message: "\(fields.count) fields, header has \(expected)")
    }

    /// The trimmed value at `position`, nil when the column is absent or the value empty.
    @inline(__always)
    static func value(_ fields: [String], _ position: Int?) -> String? {
        guard let position, position < fields.count else { return nil }
        let value = fields[position]
        if value.isEmpty { return nil }
        guard let first = value.utf8.first, let last = value.utf8.last, first == 0x20 || last == 0x20 else {
            return value
        }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Turns an amount failure into the file's refusal.
    static func amountError(
        _ failure: AmountFailure, column: String, text: String, currency: String, file: String, record: Int
    ) -> SettlementFileError {
        switch failure {
        case .finerThanMinorUnit:
            SettlementFileError(
                "sub_cent_amount", file: file, record: record,
                message: "\(column) \"\(text)\" has more decimals than \(currency) has")
        case .notANumber, .overflow:
            SettlementFileError(
                "bad_amount", file: file, record: record, message: "\(column) \"\(text)\" is not an amount")
        }
    }
}
