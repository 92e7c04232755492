import CSV
import Domain
import Foundation

/// Reads a cash and card-on-delivery remittance CSV: one row per shift cash-up (design note §3.5).
///
/// ```csv
/// shop,business_date,shift,employee,shift_start,shift_end,cash_counted,card_terminal_total,card_slips,received_by,note
/// PAR11,2026-03-14,dinner,karim.ouali@ocpizza.fr,2026-03-14T18:00:00+01:00,2026-03-15T00:30:00+01:00,312.50,188.00,7,nadia.haddad@ocpizza.fr,
/// ```
///
/// Columns are found by header name (any order, any case); `shift`, `card_slips`, `received_by`
/// and `note` may be absent. The file is written by hand or by French Excel, so: `,` or `;`
/// separated (chosen from the header line), UTF-8 with or without BOM, LF or CRLF, amounts with
/// `.` or `,` decimals. All rows or none: the first bad row refuses the file with its record
/// number (1 = the header). Checks that need the shop's zone or the database (the business date
/// of `shift_start`, a local time in the autumn repeated hour, overlapping shifts) are the job's.
public enum RemittanceReader {
    /// Reads a whole file; `name` is how errors name it.
    ///
    /// - Throws: `unreadable_file`, `bad_encoding`, `empty_file`, `missing_column`,
    ///   `unknown_column`, `duplicate_column`, `malformed_row`, `missing_value`, `bad_date`,
    ///   `bad_time`, `bad_shift`, `bad_amount`, `bad_count`.
    public static func read(path: String, name: String) throws(SettlementFileError) -> [RemittanceRow] {
        let delimiter = try delimiter(path: path, name: name)
        guard let stream = InputStream(fileAtPath: path) else {
            throw SettlementFileError("unreadable_file", file: name, message: "cannot open the file")
        }
        let reader: CSVReader
        do {
            // The stream form strips a UTF-8 BOM; fields are trimmed below, quoted ones included.
            reader = try CSVReader(stream: stream, hasHeaderRow: false, trimFields: false, delimiter: delimiter)
        } catch {
            throw SettlementFileError("unreadable_file", file: name, message: "cannot read the file: \(error)")
        }
        var record = 0
        var columns: RemittanceColumns?
        var rows: [RemittanceRow] = []
        while let fields = reader.next() {
            record += 1
            // A decoding error ends the row early as if the file ended there: check before using it.
            if let failure = readFailure(of: reader, file: name, record: record) { throw failure }
            // A blank line, or a spreadsheet's row of bare separators (`;;;;`).
            if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            guard let columns else {
                columns = try RemittanceColumns(header: fields, file: name, record: record)
                continue
            }
            rows.append(try RemittanceRowParser(fields: fields, columns: columns, file: name, record: record).row())
        }
        if let failure = readFailure(of: reader, file: name, record: record + 1) { throw failure }
        guard columns != nil else { throw SettlementFileError("empty_file", file: name, message: "no header row") }
        return rows
    }

    /// What went wrong reading, from `reader.error`: CSV.swift reports nothing else (design note
    /// §1.1). `cannotReadFile` is how every file ends on Linux: Foundation's file stream says bytes
    /// are available until a read returns 0, and CSV.swift takes that last empty read as an error.
    private static func readFailure(of reader: CSVReader, file: String, record: Int) -> SettlementFileError? {
        guard let error = reader.error else { return nil }
        switch error as? CSVError {
        case .cannotReadFile?:
            return nil
        case .unicodeDecoding?:
            return SettlementFileError(
                "bad_encoding", file: file, record: record,
                message: "not UTF-8 text (in Excel, save as \"CSV UTF-8\")")
        default:
            return SettlementFileError("unreadable_file", file: file, record: record, message: "cannot read: \(error)")
        }
    }

    /// `;` when the header line has more semicolons than commas (French Excel), else `,`.
    private static func delimiter(path: String, name: String) throws(SettlementFileError) -> UnicodeScalar {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw SettlementFileError("unreadable_file", file: name, message: "cannot open the file")
        }
        defer { try? handle.close() }
        let start = (try? handle.read(upToCount: 64 * 1024)) ?? Data()
        let firstLine = start.prefix { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r") }
        let semicolons = firstLine.count { $0 == UInt8(ascii: ";") }
        let commas = firstLine.count { $0 == UInt8(ascii: ",") }
        return semicolons > commas ? ";" : ","
    }
}

/// Where each known column is in the header.
private struct RemittanceColumns {
    static let required = [
        "shop", "business_date", "employee", "shift_start", "shift_end", "cash_counted", "card_terminal_total",
    ]
    static let optional = ["shift", "card_slips", "received_by", "note"]

    private(set) var indexes: [String: Int] = [:]
    let count: Int

    init(header: [String], file: String, record: Int) throws(SettlementFileError) {
        count = header.count
        for (index, cell) in header.enumerated() {
            var scalars = Substring(cell).unicodeScalars
            if scalars.first == "\u{FEFF}" { scalars.removeFirst() }  // a BOM the stream did not strip
            let name = String(scalars).trimmingCharacters(in: .whitespaces).lowercased()
            // Spreadsheets add empty header cells after the last column: nothing to read there.
            if name.isEmpty { continue }
            guard Self.required.contains(name) || Self.optional.contains(name) else {
                throw SettlementFileError(
                    "unknown_column", file: file, record: record,
                    message:
                        "unknown column '\(name)' (known: \((Self.required + Self.optional).joined(separator: ", ")))")
            }
            guard indexes[name] == nil else {
                throw SettlementFileError(
                    "duplicate_column", file: file, record: record, message: "column '\(name)' twice")
            }
            indexes[name] = index
        }
        let missing = Self.required.filter { indexes[$0] == nil }
        guard missing.isEmpty else {
            throw SettlementFileError(
                "missing_column", file: file, record: record,
                message: "missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
    }
}

/// One data record's fields, checked one by one.
private struct RemittanceRowParser {
    let fields: [String]
    let columns: RemittanceColumns
    let file: String
    let record: Int

    func row() throws(SettlementFileError) -> RemittanceRow {
        // Extra empty fields (trailing separators) are harmless; missing fields are not.
        guard fields.count >= columns.count,
            fields.dropFirst(columns.count).allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty })
        else {
            throw failure("malformed_row", "\(fields.count) fields where the header has \(columns.count)")
        }
        let businessDateText = try required("business_date")
        guard let businessDate = try? LocalDate(iso: businessDateText) else {
            throw failure("bad_date", "business_date '\(businessDateText)' is not an ISO date YYYY-MM-DD")
        }
        let shiftStart = try time("shift_start")
        let shiftEnd = try time("shift_end")
        if let ordered = Self.isOrdered(shiftStart, before: shiftEnd), !ordered {
            throw failure(
                "bad_shift",
                "shift_end \(Self.text(of: shiftEnd)) is not after shift_start \(Self.text(of: shiftStart))")
        }
        return RemittanceRow(
            shopCode: try required("shop"), businessDate: businessDate, shiftLabel: value("shift"),
            employee: try required("employee"), shiftStart: shiftStart, shiftEnd: shiftEnd,
            cashCountedCents: try amount("cash_counted"), cardTerminalTotalCents: try amount("card_terminal_total"),
            cardSlips: try count("card_slips"), receivedBy: value("received_by"), note: value("note"), record: record)
    }

    /// The trimmed field, nil when the column is absent or the field empty.
    private func value(_ column: String) -> String? {
        guard let index = columns.indexes[column] else { return nil }
        let text = fields[index].trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? nil : text
    }

    private func required(_ column: String) throws(SettlementFileError) -> String {
        guard let text = value(column) else { throw failure("missing_value", "\(column) is empty") }
        return text
    }

    /// Euros ≥ 0 with at most two decimals, `.` or `,` (`312.50`, `312,50`, `312`).
    private func amount(_ column: String) throws(SettlementFileError) -> Int64 {
        let text = try required(column)
        if text.hasPrefix("-") { throw failure("bad_amount", "\(column) \(text) is negative") }
        switch DecimalMinorUnits.parse(text[...], minorDigits: 2, maxFractionDigits: 2, acceptsComma: true) {
        case .success(let cents): return cents
        case .failure:
            throw failure("bad_amount", "\(column) '\(text)' is not an amount in euros with at most 2 decimals")
        }
    }

    private func count(_ column: String) throws(SettlementFileError) -> Int? {
        guard let text = value(column) else { return nil }
        guard text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }), let count = Int(text)
        else { throw failure("bad_count", "\(column) '\(text)' is not a whole number ≥ 0") }
        return count
    }

    /// ISO 8601 with an offset → an instant; without → a wall-clock time for the job to place in
    /// the shop's zone (fractions of a second are dropped there).
    private func time(_ column: String) throws(SettlementFileError) -> RemittanceTime {
        let text = try required(column)
        guard let parsed = ISODateTimeText(text) else {
            throw failure(
                "bad_time",
                "\(column) '\(text)' is not an ISO 8601 time (2026-03-14T18:00:00+01:00 or 2026-03-14T18:00)")
        }
        if let instant = parsed.instant { return .instant(instant, text: text) }
        return .local(date: parsed.date, hour: parsed.hour, minute: parsed.minute, second: parsed.second, text: text)
    }

    /// Whether `start` comes before `end`; nil when one is an instant and the other a wall-clock
    /// time (only the shop's zone can order them).
    private static func isOrdered(_ start: RemittanceTime, before end: RemittanceTime) -> Bool? {
        switch (start, end) {
        case (.instant(let first, _), .instant(let second, _)):
            return first < second
        case (
            .local(let date1, let hour1, let minute1, let second1, _),
            .local(let date2, let hour2, let minute2, let second2, _)
        ):
            return (date1, hour1, minute1, second1) < (date2, hour2, minute2, second2)
        default:
            return nil
        }
    }

    private static func text(of time: RemittanceTime) -> String {
        switch time {
        case .instant(_, let text), .local(_, _, _, _, let text): text
        }
    }

    private func failure(_ code: String, _ message: String) -> SettlementFileError {
        SettlementFileError(code, file: file, record: record, message: message)
    }
}
