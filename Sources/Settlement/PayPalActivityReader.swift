import Foundation

/// PayPal's Dashboard activity download (fallback only, design note §1.4): localised headers,
/// signed localised amounts, a date whose day/month order only the whole file reveals, and a
/// zone column. Read twice: the first pass decides the date order, the second maps the rows, so
/// memory stays constant whatever the file's size.
enum PayPalActivityReader {
    static func read(
        path: String, name: String, onRow: (ProcessorRow) throws -> Void
    ) throws -> ProcessorFileSummary {
        var warnings = WarningLog()
        let dayFirst = try decideDateOrder(path: path, name: name, warnings: &warnings)
        var reader = try CSVRecordReader(path: path, name: name)
        var fields: [String] = []
        _ = try reader.next(into: &fields)
        var mapper = try ActivityRowMapper(header: fields, file: name, dayFirst: dayFirst)
        var summary = ProcessorFileSummary(format: .paypalActivity, formatVersion: mapper.columns.language.code)
        while try reader.next(into: &fields) {
            if fields.count == 1, fields[0].isEmpty { continue }
            guard let row = try mapper.row(from: fields, record: reader.recordNumber, warnings: &warnings) else {
                summary.rowsIgnored += 1
                continue
            }
            try onRow(row)
            summary.rowsRead += 1
        }
        summary.warnings = warnings.all
        return summary
    }

    /// Pass 1: a first number above 12 anywhere means day/month, a second above 12 month/day;
    /// both refuse the file, neither falls back on the language (English has no default).
    private static func decideDateOrder(
        path: String, name: String, warnings: inout WarningLog
    ) throws(SettlementFileError) -> Bool {
        var reader = try CSVRecordReader(path: path, name: name)
        var fields: [String] = []
        guard try reader.next(into: &fields) else {
            throw SettlementFileError("malformed_row", file: name, record: 1, message: "the file is empty")
        }
        let columns = try ActivityColumns(header: fields, file: name)
        var dayFirstAt: (record: Int, text: String)?
        var monthFirstAt: (record: Int, text: String)?
        while try reader.next(into: &fields) {
            guard columns.date < fields.count, let parts = ActivityDate.parts(fields[columns.date]),
                !parts.isISO
            else { continue }  // unreadable dates are refused with their record in pass 2
            if parts.first > 12, dayFirstAt == nil { dayFirstAt = (reader.recordNumber, fields[columns.date]) }
            if parts.second > 12, monthFirstAt == nil { monthFirstAt = (reader.recordNumber, fields[columns.date]) }
        }
        switch (dayFirstAt, monthFirstAt) {
        case (let day?, let month?):
            throw SettlementFileError(
                "ambiguous_date_order", file: name, record: month.record,
                message: "\(month.text) is month first but \(day.text) (record \(day.record)) is day first")
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil):
            guard let dayFirst = columns.language.dayFirstByDefault else {
                throw SettlementFileError(
                    "ambiguous_date_order", file: name, record: 2,
                    message: "no date of the file tells day/month from month/day, and \(columns.language.code) "
                        + "downloads use both")
            }
            warnings.add(
                "date_order_from_locale", record: 1,
                "no date of the file tells the order: read \(dayFirst ? "day/month" : "month/day") as "
                    + "\(columns.language.code) downloads write it")
            return dayFirst
        }
    }
}

/// Where the activity columns sit, and in which language the header is.
struct ActivityColumns {
    let language: PayPalActivityLanguage
    let headerCount: Int
    let namedCount: Int
    let date, time, zone, type, currency, gross, net, transactionID: Int
    let fee, status, balance, reference, invoice, subject: Int?

    init(header: [String], file: String) throws(SettlementFileError) {
        guard let language = PayPalActivityLanguage.of(header: header) else {
            throw SettlementFileError(
                "missing_column", file: file, record: 1,
                message: "not a PayPal activity header (Date/Fecha/Datum, a gross and a transaction id column)")
        }
        let index = ColumnIndex(header: header)
        func required(_ names: [String]) throws(SettlementFileError) -> Int {
            guard let position = index.position(ofAny: names) else {
                throw SettlementFileError(
                    "missing_column", file: file, record: 1,
                    message: "the \(language.code) header has no \(names.joined(separator: " or ")) column")
            }
            return position
        }
        self.language = language
        headerCount = header.count
        namedCount = index.namedCount
        date = try required(language.date)
        time = try required(language.time)
        zone = try required(language.zone)
        type = try required(language.type)
        currency = try required(language.currency)
        gross = try required(language.gross)
        net = try required(language.net)
        transactionID = try required(language.transactionID)
        fee = index.position(ofAny: language.fee)
        status = index.position(ofAny: language.status)
        balance = index.position(ofAny: language.balance)
        reference = index.position(ofAny: language.reference)
        invoice = index.position(ofAny: language.invoice)
        subject = index.position(ofAny: language.subject)
    }
}

/// `29/12/2015`, `9/4/2018`, `02.01.2020` or `2020-01-02`.
enum ActivityDate {
    static func parts(_ text: String) -> (first: Int, second: Int, year: Int, isISO: Bool)? {
        let pieces = text.trimmingCharacters(in: .whitespaces).split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "/" || $0 == "." || $0 == "-" })
        guard pieces.count == 3,
            pieces.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
            let a = Int(pieces[0]), let b = Int(pieces[1]), let c = Int(pieces[2])
        else { return nil }
        if pieces[0].count == 4 { return (b, c, a, true) }  // ISO: year, month, day
        guard pieces[2].count == 4, pieces[0].count <= 2, pieces[1].count <= 2 else { return nil }
        return (a, b, c, false)
    }
}
