import Foundation

/// One activity-download record → a balance row, or nil for a row that moved nothing (pending
/// other than a withdrawal, denied, cancelled…).
struct ActivityRowMapper {
    let columns: ActivityColumns
    let file: String
    let dayFirst: Bool
    private var zones: [String: ActivityZone] = [:]
    /// The last balance and net seen per currency, to follow the running `Balance` column.
    private var lastBalance: [String: (balance: Int64, net: Int64)] = [:]
    private var unknownStatusesSeen: Set<String> = []

    init(header: [String], file: String, dayFirst: Bool) throws(SettlementFileError) {
        self.columns = try ActivityColumns(header: header, file: file)
        self.file = file
        self.dayFirst = dayFirst
    }

    mutating func row(
        from fields: [String], record: Int, warnings: inout WarningLog
    ) throws(SettlementFileError) -> ProcessorRow? {
        try checkFieldCount(fields, record: record)
        func failure(_ code: String, _ message: String) -> SettlementFileError {
            SettlementFileError(code, file: file, record: record, message: message)
        }
        guard let transactionID = RecordCheck.value(fields, columns.transactionID) else {
            throw failure("malformed_row", "the transaction id is empty")
        }
        let label = RecordCheck.value(fields, columns.type) ?? ""
        let kind = PayPalActivityLanguage.kind(ofLabel: label)
        guard case .accepted(let payoutStatus) = status(of: fields, kind: kind, record: record, warnings: &warnings)
        else { return nil }
        let currencyText = RecordCheck.value(fields, columns.currency) ?? ""
        guard let currency = CurrencyCode.normalised(currencyText) else {
            throw failure("bad_currency", "currency \"\(currencyText)\" is not an ISO 4217 code")
        }
        let exponent = CurrencyCode.exponent(of: currency)
        let language = columns.language
        let gross = try amount(fields, columns.gross, language.gross[0], currency, exponent, record: record)
        var fee: Int64 = 0  // an empty fee cell is no fee
        if RecordCheck.value(fields, columns.fee) != nil {
            fee = try amount(fields, columns.fee, language.fee[0], currency, exponent, record: record)
        }
        let net = try amount(fields, columns.net, language.net[0], currency, exponent, record: record)
        guard gross + fee == net else {
            throw failure("net_mismatch", "\(language.net[0]) \(fields[columns.net]) is not gross + fee")
        }
        followBalance(fields, currency: currency, exponent: exponent, net: net, record: record, warnings: &warnings)
        let (instant, sourceTime) = try occurredAt(fields, record: record, warnings: &warnings)
        return ProcessorRow(
            processor: .paypal, transactionID: transactionID, eventCode: "A:" + label,
            type: Self.type(of: kind, gross: gross), reportingCategory: label, grossCents: gross, feeCents: -fee,
            netCents: net, currency: currency, occurredAt: instant, sourceTime: sourceTime,
            sourceReference: RecordCheck.value(fields, columns.reference),
            orderReference: RecordCheck.value(fields, columns.invoice),
            description: RecordCheck.value(fields, columns.subject), payoutStatus: payoutStatus, record: record)
    }

    /// Type label → type (design note §1.4): other labels by the sign (a negative one is a
    /// payment sent).
    static func type(of kind: PayPalActivityLanguage.LabelKind, gross: Int64) -> ProcessorTransactionType {
        switch kind {
        case .conversion: .conversion
        case .withdrawal: .payout
        case .holdOrRelease: .adjustment
        case .refund: .refund
        case .other: gross > 0 ? .charge : .adjustment
        }
    }

    private enum StatusDisposition {
        case accepted(payoutStatus: String?)
        case ignored
    }

    /// Completed rows (or no status column) are kept; a pending withdrawal is kept as a pending
    /// payout; other pending, denied or cancelled rows moved nothing. An unknown status is ignored
    /// with a warning, once per status.
    private mutating func status(
        of fields: [String], kind: PayPalActivityLanguage.LabelKind, record: Int, warnings: inout WarningLog
    ) -> StatusDisposition {
        guard let status = RecordCheck.value(fields, columns.status) else { return .accepted(payoutStatus: nil) }
        let folded = status.lowercased()
        if PayPalActivityLanguage.completedStatuses.contains(folded) { return .accepted(payoutStatus: nil) }
        if PayPalActivityLanguage.pendingStatuses.contains(folded) {
            return kind == .withdrawal ? .accepted(payoutStatus: "pending") : .ignored
        }
        if !PayPalActivityLanguage.ignoredStatuses.contains(folded), unknownStatusesSeen.insert(folded).inserted {
            warnings.add("unknown_status", record: record, "status \"\(status)\": row ignored")
        }
        return .ignored
    }

    /// Rows must reach the last named column; cells under the trailing empty header cells (6 in
    /// `oca_statement_es`) may be there or not, and must be empty.
    private func checkFieldCount(_ fields: [String], record: Int) throws(SettlementFileError) {
        let extrasEmpty = fields.count <= columns.namedCount || fields[columns.namedCount...].allSatisfy(\.isEmpty)
        guard fields.count >= columns.namedCount, extrasEmpty else {
            throw SettlementFileError(
                "field_count", file: file, record: record,
                message: "\(fields.count) fields, header has \(columns.namedCount) named columns")
        }
    }

    private func amount(
        _ fields: [String], _ position: Int?, _ column: String, _ currency: String, _ exponent: Int, record: Int
    ) throws(SettlementFileError) -> Int64 {
        var text = RecordCheck.value(fields, position) ?? ""
        let language = columns.language
        if language.grouping == UInt8(ascii: " ") {  // French: no-break spaces group thousands
            text = text.replacingOccurrences(of: "\u{00A0}", with: " ").replacingOccurrences(of: "\u{202F}", with: " ")
        }
        let result = AmountText.minorUnits(
            major: text, exponent: exponent, decimalSeparator: language.decimalSeparator, grouping: language.grouping)
        switch result {
        case .success(let value): return value
        case .failure(let reason):
            throw RecordCheck.amountError(
                reason, column: column, text: text, currency: currency, file: file, record: record)
        }
    }

    /// The running balance per currency must move by each row's net, oldest row first or newest
    /// first; a break is a warning (the balance is not stored).
    private mutating func followBalance(
        _ fields: [String], currency: String, exponent: Int, net: Int64, record: Int, warnings: inout WarningLog
    ) {
        guard let text = RecordCheck.value(fields, columns.balance) else { return }
        let language = columns.language
        guard
            case .success(let balance) = AmountText.minorUnits(
                major: text, exponent: exponent, decimalSeparator: language.decimalSeparator,
                grouping: language.grouping)
        else {
            warnings.add("balance_mismatch", record: record, "balance \"\(text)\" is not an amount: not followed")
            return
        }
        if let previous = lastBalance[currency], previous.balance + net != balance,
            balance + previous.net != previous.balance
        {
            warnings.add(
                "balance_mismatch", record: record,
                "\(currency) balance \(text) does not follow the previous row's balance and this row's net")
        }
        lastBalance[currency] = (balance, net)
    }

    /// Date + time + zone column → the instant, and the three as written.
    private mutating func occurredAt(
        _ fields: [String], record: Int, warnings: inout WarningLog
    ) throws(SettlementFileError) -> (Date, String) {
        let dateText = RecordCheck.value(fields, columns.date) ?? ""
        let timeText = RecordCheck.value(fields, columns.time) ?? ""
        let zoneText = RecordCheck.value(fields, columns.zone) ?? ""
        guard let parts = ActivityDate.parts(dateText), let (hour, minute, second) = TimeText.clock(timeText) else {
            throw SettlementFileError(
                "bad_date", file: file, record: record, message: "date \"\(dateText)\" time \"\(timeText)\" unreadable")
        }
        let (month, day) = parts.isISO || !dayFirst ? (parts.first, parts.second) : (parts.second, parts.first)
        let local = LocalDateTime(
            year: parts.year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard local.isValid else {
            throw SettlementFileError(
                "bad_date", file: file, record: record,
                message: "\(dateText) is not a date read \(dayFirst ? "day/month" : "month/day")")
        }
        let sourceTime = "\(dateText) \(timeText) \(zoneText)"
        switch try zone(named: zoneText, record: record) {
        case .fixed(let offset):
            return (Date(epochSeconds: local.secondsAsUTC - Int64(offset)), sourceTime)
        case .named(var clock):
            let (seconds, repeated) = clock.instant(of: local)
            zones[zoneText] = .named(clock)
            if repeated {
                warnings.add(
                    "ambiguous_local_time", record: record,
                    "\(sourceTime) occurs twice (clocks went back): the earlier is taken")
            }
            return (Date(epochSeconds: seconds), sourceTime)
        }
    }

    private mutating func zone(named text: String, record: Int) throws(SettlementFileError) -> ActivityZone {
        if let known = zones[text] { return known }
        guard let zone = ActivityZone(text) else {
            throw SettlementFileError(
                "unknown_time_zone", file: file, record: record,
                message: "time zone \"\(text)\" is neither an IANA name nor PST, PDT, CET, CEST, GMT or UTC")
        }
        zones[text] = zone
        return zone
    }
}

/// A zone column value: a fixed abbreviation or an IANA name.
enum ActivityZone {
    case fixed(Int)
    case named(ZoneClock)

    private static let abbreviations: [String: Int] = [
        "PST": -8 * 3600, "PDT": -7 * 3600, "CET": 3600, "CEST": 2 * 3600, "GMT": 0, "UTC": 0,
    ]

    init?(_ text: String) {
        if let offset = Self.abbreviations[text.uppercased()] {
            self = .fixed(offset)
        } else if text.contains("/"), let zone = TimeZone(identifier: text) {
            self = .named(ZoneClock(zone: zone))
        } else {
            return nil
        }
    }
}
