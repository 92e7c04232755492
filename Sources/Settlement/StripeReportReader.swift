import Domain
import Foundation

/// Stripe's itemized reports (`balance_change_from_activity.itemized.*`,
/// `payout_reconciliation.itemized.5`): one balance transaction per row, columns by name,
/// amounts in major units (design note §1.2).
enum StripeReportReader {
    static func read(
        path: String, name: String, format: SettlementFormat, localTimeZone: TimeZone,
        onRow: (ProcessorRow) throws -> Void
    ) throws -> ProcessorFileSummary {
        var reader = try CSVRecordReader(path: path, name: name)
        var fields: [String] = []
        guard try reader.next(into: &fields) else {
            throw SettlementFileError("malformed_row", file: name, record: 1, message: "the file is empty")
        }
        let columns = try StripeColumns(header: fields, file: name)
        var warnings = WarningLog()
        if !columns.createdIsUTC {
            warnings.add(
                "stripe_local_times", record: 1,
                "no created_utc column: times read in \(localTimeZone.identifier), the zone the report is requested in")
        }
        var mapper = StripeRowMapper(columns: columns, file: name, zone: ZoneClock(zone: localTimeZone))
        var summary = ProcessorFileSummary(format: format)
        while try reader.next(into: &fields) {
            if fields.count == 1, fields[0].isEmpty { continue }  // a blank line
            let row = try mapper.row(from: fields, record: reader.recordNumber, warnings: &warnings)
            try onRow(row)
            summary.rowsRead += 1
        }
        summary.warnings = warnings.all
        return summary
    }
}

/// Where each column the settlement uses sits in this file's header.
private struct StripeColumns {
    let fieldCount: Int
    let transactionID, currency, gross, fee, net, category, created: Int
    let createdIsUTC: Bool
    let availableOn: Int?
    let availableOnIsUTC: Bool
    let payoutID, payoutEffectiveAt: Int?
    let payoutEffectiveAtIsUTC: Bool
    let paymentIntent, chargeID, sourceID, paymentOrderID, refundOrderID, description, traceID: Int?

    init(header: [String], file: String) throws(SettlementFileError) {
        let index = ColumnIndex(header: header)
        func required(_ names: String...) throws(SettlementFileError) -> Int {
            guard let position = index.position(ofAny: names) else {
                throw SettlementFileError(
                    "missing_column", file: file, record: 1,
                    message: "the header has no \(names.joined(separator: " or ")) column")
            }
            return position
        }
        fieldCount = header.count
        transactionID = try required("balance_transaction_id")
        currency = try required("currency")
        gross = try required("gross")
        fee = try required("fee")
        net = try required("net")
        category = try required("reporting_category")
        created = try required("created_utc", "created")
        createdIsUTC = index.position(of: "created_utc") != nil
        availableOn = index.position(of: "available_on_utc", "available_on")
        availableOnIsUTC = index.position(of: "available_on_utc") != nil
        payoutID = index.position(of: "automatic_payout_id")
        payoutEffectiveAt = index.position(of: "automatic_payout_effective_at_utc", "automatic_payout_effective_at")
        payoutEffectiveAtIsUTC = index.position(of: "automatic_payout_effective_at_utc") != nil
        paymentIntent = index.position(of: "payment_intent_id")
        chargeID = index.position(of: "charge_id")
        sourceID = index.position(of: "source_id")
        paymentOrderID = index.position(of: "payment_metadata[order_id]")
        refundOrderID = index.position(of: "refund_metadata[order_id]")
        description = index.position(of: "description")
        traceID = index.position(of: "trace_id")
    }
}

/// Turns one record into a ``ProcessorRow``, caching what repeats from row to row (the currency,
/// the time-zone offset of the hour).
private struct StripeRowMapper {
    let columns: StripeColumns
    let file: String
    var zone: ZoneClock
    private var lastCurrencyText = ""
    private var lastCurrency = ""
    private var lastExponent = 2
    private var unexpectedCategoriesSeen: Set<String> = []

    init(columns: StripeColumns, file: String, zone: ZoneClock) {
        self.columns = columns
        self.file = file
        self.zone = zone
    }

    mutating func row(from fields: [String], record: Int, warnings: inout WarningLog) throws -> ProcessorRow {
        try RecordCheck.fieldCount(fields, expected: columns.fieldCount, file: file, record: record)
        guard let transactionID = RecordCheck.value(fields, columns.transactionID) else {
            throw SettlementFileError(
                "malformed_row", file: file, record: record, message: "balance_transaction_id is empty")
        }
        let (currency, exponent) = try currency(fields[columns.currency], record: record)
        let gross = try amount(fields, columns.gross, "gross", currency, exponent, record)
        let fee = try amount(fields, columns.fee, "fee", currency, exponent, record)
        let net = try amount(fields, columns.net, "net", currency, exponent, record)
        guard gross - fee == net else {
            throw SettlementFileError(
                "net_mismatch", file: file, record: record,
                message: "net \(fields[columns.net]) is not gross \(fields[columns.gross]) − fee \(fields[columns.fee])"
            )
        }
        let category = fields[columns.category]
        let (type, known) = Self.type(of: category)
        if !known, unexpectedCategoriesSeen.insert(category).inserted {
            warnings.add(
                "unexpected_transaction", record: record,
                "reporting_category \"\(category)\" is not one OC Pizza expects: stored as an adjustment to review")
        }
        let createdText = fields[columns.created]
        let occurredAt = try instant(createdText, isUTC: columns.createdIsUTC, "created", record, &warnings)
        let description = RecordCheck.value(fields, columns.description)
        return ProcessorRow(
            processor: .stripe, transactionID: transactionID, type: type, reportingCategory: category,
            grossCents: gross, feeCents: fee, netCents: net, currency: currency,
            occurredAt: Date(epochSeconds: occurredAt),
            sourceTime: createdText + (columns.createdIsUTC ? " UTC" : " " + zone.zone.identifier),
            availableOn: try availableOn(fields, record: record, warnings: &warnings),
            payoutID: RecordCheck.value(fields, columns.payoutID),
            payoutEffectiveAt: try payoutEffectiveAt(fields, record: record, warnings: &warnings),
            sourceReference: RecordCheck.value(fields, columns.paymentIntent)
                ?? RecordCheck.value(fields, columns.chargeID),
            relatedReference: RecordCheck.value(fields, columns.sourceID),
            orderReference: RecordCheck.value(fields, columns.paymentOrderID)
                ?? RecordCheck.value(fields, columns.refundOrderID)
                ?? description.flatMap { OrderReference.find(in: $0)?.text },
            description: description, traceID: RecordCheck.value(fields, columns.traceID), record: record)
    }

    /// `reporting_category` → type (design note §1.2); `known` is false for categories OC Pizza
    /// does not expect, which become adjustments to review.
    static func type(of category: String) -> (ProcessorTransactionType, known: Bool) {
        switch category {
        case "charge": (.charge, true)
        case "refund": (.refund, true)
        case "dispute": (.dispute, true)
        case "dispute_reversal": (.disputeReversal, true)
        case "fee", "tax": (.fee, true)
        case "payout": (.payout, true)
        case "payout_reversal": (.payoutReversal, true)
        case "partial_capture_reversal", "charge_failure", "refund_failure", "other_adjustment": (.adjustment, true)
        default: (.adjustment, category.contains("reserve") || category.hasPrefix("topup"))
        }
    }

    private mutating func currency(_ text: String, record: Int) throws(SettlementFileError) -> (String, Int) {
        if text == lastCurrencyText { return (lastCurrency, lastExponent) }
        guard let code = CurrencyCode.normalised(text) else {
            throw SettlementFileError(
                "bad_currency", file: file, record: record, message: "currency \"\(text)\" is not an ISO 4217 code")
        }
        (lastCurrencyText, lastCurrency, lastExponent) = (text, code, CurrencyCode.exponent(of: code))
        return (lastCurrency, lastExponent)
    }

    private func amount(
        _ fields: [String], _ position: Int, _ column: String, _ currency: String, _ exponent: Int, _ record: Int
    ) throws(SettlementFileError) -> Int64 {
        let text = fields[position]
        switch AmountText.minorUnits(major: text, exponent: exponent) {
        case .success(let value): return value
        case .failure(let failure):
            throw RecordCheck.amountError(
                failure, column: column, text: text, currency: currency, file: file, record: record)
        }
    }

    /// Seconds since 1970 of a `*_utc` time, or of a local one read in the report's zone.
    private mutating func instant(
        _ text: String, isUTC: Bool, _ column: String, _ record: Int, _ warnings: inout WarningLog
    ) throws(SettlementFileError) -> Int64 {
        guard let local = TimeText.stripe(text) else {
            throw SettlementFileError(
                "bad_date", file: file, record: record,
                message: "\(column)\(isUTC ? "_utc" : "") \"\(text)\" is not YYYY-MM-DD HH:MM:SS")
        }
        if isUTC { return local.secondsAsUTC }
        let (seconds, repeated) = zone.instant(of: local)
        if repeated {
            warnings.add(
                "ambiguous_local_time", record: record,
                "\(column) \(text) occurs twice in \(zone.zone.identifier) (clocks went back): the earlier is taken")
        }
        return seconds
    }

    /// The date funds become available, in the report's zone.
    private mutating func availableOn(
        _ fields: [String], record: Int, warnings: inout WarningLog
    ) throws(SettlementFileError) -> LocalDate? {
        guard let text = RecordCheck.value(fields, columns.availableOn) else { return nil }
        if !columns.availableOnIsUTC {
            guard let local = TimeText.stripe(text), let date = local.date else {
                throw SettlementFileError(
                    "bad_date", file: file, record: record, message: "available_on \"\(text)\" is not a date")
            }
            return date
        }
        return zone.date(at: try instant(text, isUTC: true, "available_on", record, &warnings))
    }

    private mutating func payoutEffectiveAt(
        _ fields: [String], record: Int, warnings: inout WarningLog
    ) throws(SettlementFileError) -> Date? {
        guard let text = RecordCheck.value(fields, columns.payoutEffectiveAt) else { return nil }
        let seconds = try instant(
            text, isUTC: columns.payoutEffectiveAtIsUTC, "automatic_payout_effective_at", record, &warnings)
        return Date(epochSeconds: seconds)
    }
}
