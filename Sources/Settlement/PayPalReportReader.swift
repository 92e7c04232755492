import Foundation

/// PayPal's SFTP reports, Settlement Report (STL, `RH` version 009) and Transaction Detail Report
/// (TRR, 008): records typed by their first field, `SB` rows mapped by the names of the `CH` row,
/// unsigned ×100 amounts with CR/DR (design note §1.3).
enum PayPalReportReader {
    static func read(
        path: String, name: String, format: SettlementFormat, onRow: (ProcessorRow) throws -> Void
    ) throws -> ProcessorFileSummary {
        var reader = try CSVRecordReader(path: path, name: name)
        var fields: [String] = []
        var summary = ProcessorFileSummary(format: format)
        var warnings = WarningLog()
        var columns: PayPalColumns?
        var trailers = PayPalTrailerCheck()
        while try reader.next(into: &fields) {
            let record = reader.recordNumber
            if fields.count == 1, fields[0].isEmpty { continue }  // a blank line
            var recordType = fields[0].trimmingCharacters(in: .whitespaces)
            if recordType.hasPrefix("\u{FEFF}") { recordType.removeFirst() }
            switch recordType {
            case "RH":
                summary.formatVersion = RecordCheck.value(fields, 4)
            case "FH":
                break
            case "SH":
                trailers.startSection()
            case "CH":
                columns = try PayPalColumns(header: fields, file: name, record: record)
            case "SB":
                guard let columns else {
                    throw SettlementFileError(
                        "malformed_row", file: name, record: record, message: "an SB row before the CH header")
                }
                trailers.countRow()
                let mapped = try PayPalRowMapper(columns: columns, file: name, record: record)
                    .row(from: fields, warnings: &warnings)
                guard let row = mapped else {
                    summary.rowsIgnored += 1
                    continue
                }
                trailers.add(row)
                try onRow(row)
                summary.rowsRead += 1
            case "SF", "RF":
                trailers.checkTotals(fields, isReport: recordType == "RF", record: record, warnings: &warnings)
            case "SC", "RC", "FF":
                trailers.checkCount(fields, kind: recordType, fileRecords: record, warnings: &warnings)
            default:
                throw SettlementFileError(
                    "malformed_row", file: name, record: record,
                    message: "unknown record type \"\(recordType.prefix(10))\" (expected RH, FH, SH, CH, SB, SF, SC, "
                        + "RF, RC or FF)")
            }
        }
        if columns == nil {
            throw SettlementFileError("malformed_row", file: name, message: "no CH header row")
        }
        summary.warnings = warnings.all
        return summary
    }
}

/// Where the `SB` fields the settlement uses sit, from the `CH` row.
struct PayPalColumns {
    let fieldCount: Int
    let transactionID, eventCode, debitOrCredit, gross, currency, completionDate: Int
    let initiationDate, feeDebitOrCredit, fee, feeCurrency, status: Int?
    let invoiceID, customField, referenceID, referenceIDType, bankReferenceID, subject, note: Int?

    init(header: [String], file: String, record: Int) throws(SettlementFileError) {
        let index = ColumnIndex(header: header)
        func required(_ name: String) throws(SettlementFileError) -> Int {
            guard let position = index.position(of: name) else {
                throw SettlementFileError(
                    "missing_column", file: file, record: record, message: "the CH row has no \"\(name)\" column")
            }
            return position
        }
        fieldCount = header.count
        transactionID = try required("Transaction ID")
        eventCode = try required("Transaction Event Code")
        debitOrCredit = try required("Transaction Debit or Credit")
        gross = try required("Gross Transaction Amount")
        currency = try required("Gross Transaction Currency")
        completionDate = try required("Transaction Completion Date")
        initiationDate = index.position(of: "Transaction Initiation Date")
        feeDebitOrCredit = index.position(of: "Fee Debit or Credit")
        fee = index.position(of: "Fee Amount")
        feeCurrency = index.position(of: "Fee Currency")
        status = index.position(of: "Transactional Status")
        invoiceID = index.position(of: "Invoice ID")
        customField = index.position(of: "Custom Field")
        referenceID = index.position(of: "PayPal Reference ID")
        referenceIDType = index.position(of: "PayPal Reference ID Type")
        bankReferenceID = index.position(of: "Bank Reference ID")
        subject = index.position(of: "Transaction Subject")
        note = index.position(of: "Transaction Note")
    }
}

/// One `SB` record → a balance row, or nil for a row that never moves money.
private struct PayPalRowMapper {
    let columns: PayPalColumns
    let file: String
    let record: Int

    func row(from fields: [String], warnings: inout WarningLog) throws(SettlementFileError) -> ProcessorRow? {
        try RecordCheck.fieldCount(fields, expected: columns.fieldCount, file: file, record: record)
        guard let transactionID = RecordCheck.value(fields, columns.transactionID) else {
            throw failure("malformed_row", "Transaction ID is empty")
        }
        let eventCode = RecordCheck.value(fields, columns.eventCode) ?? ""
        guard Self.isEventCode(eventCode) else {
            throw failure("bad_event_code", "Transaction Event Code \"\(eventCode)\" is not a T-code (T0006)")
        }
        if columns.status != nil {
            switch RecordCheck.value(fields, columns.status) {
            case "S": break
            case "P", "D", "V": return nil  // pending, denied, voided: no money moved
            case nil:
                warnings.addOnce(
                    "status_missing", record: record,
                    "Transactional Status is empty: the rows are taken as completed balance movements")
            case let other?:
                throw failure("bad_status", "Transactional Status \"\(other)\" is not S, P, D or V")
            }
        }
        // Authorisations, voids (T13xx) and T9900 never move the balance.
        if eventCode.hasPrefix("T13") || eventCode == "T9900" { return nil }

        let currency = try currencyCode(
            RecordCheck.value(fields, columns.currency), column: "Gross Transaction Currency")
        let exponent = CurrencyCode.exponent(of: currency)
        let isCredit = try direction(
            RecordCheck.value(fields, columns.debitOrCredit), column: "Transaction Debit or Credit")
        let grossAmount = try amount(fields, columns.gross, "Gross Transaction Amount", currency, exponent)
        let gross = isCredit ? grossAmount : -grossAmount
        let feeCents = try fee(fields, currency: currency, exponent: exponent)
        let completionText = RecordCheck.value(fields, columns.completionDate) ?? ""
        guard let (local, offset) = TimeText.paypal(completionText) else {
            throw failure(
                "bad_date", "Transaction Completion Date \"\(completionText)\" is not YYYY/MM/DD HH:MM:SS ±HHMM")
        }
        let type = Self.type(of: eventCode, isCredit: isCredit)
        if eventCode.hasPrefix("T00"), !isCredit {
            warnings.add(
                "unexpected_transaction", record: record,
                "\(eventCode) DR \(transactionID) is a payment sent, not received: stored as an adjustment to review")
        }
        return ProcessorRow(
            processor: .paypal, transactionID: transactionID, eventCode: eventCode, type: type,
            reportingCategory: eventCode, grossCents: gross, feeCents: feeCents, netCents: gross - feeCents,
            currency: currency, occurredAt: Date(epochSeconds: local.secondsAsUTC - Int64(offset)),
            sourceTime: completionText, sourceReference: RecordCheck.value(fields, columns.referenceID),
            relatedReference: RecordCheck.value(fields, columns.referenceIDType),
            orderReference: RecordCheck.value(fields, columns.invoiceID)
                ?? RecordCheck.value(fields, columns.customField),
            description: RecordCheck.value(fields, columns.subject) ?? RecordCheck.value(fields, columns.note),
            traceID: type == .payout ? RecordCheck.value(fields, columns.bankReferenceID) : nil, record: record)
    }

    /// T-code → type (design note §1.3).
    static func type(of code: String, isCredit: Bool) -> ProcessorTransactionType {
        switch code {
        case "T1107": return .refund
        case "T1201", "T1106", "T1110": return .dispute
        case "T1202", "T1111": return .disputeReversal
        case "T0106": return .disputeFee
        case "T1108": return .fee
        default: break
        }
        switch code.prefix(3) {
        case "T00": return isCredit ? .charge : .adjustment
        case "T01": return .fee
        case "T02": return .conversion
        case "T04": return .payout
        default: return .adjustment
        }
    }

    static func isEventCode(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 5 && bytes[0] == UInt8(ascii: "T") && bytes[1...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// `fee_cents`: + a fee taken (DR), − a fee returned (CR), 0 without a fee.
    private func fee(_ fields: [String], currency: String, exponent: Int) throws(SettlementFileError) -> Int64 {
        guard let position = columns.fee, RecordCheck.value(fields, position) != nil else { return 0 }
        if let feeCurrency = RecordCheck.value(fields, columns.feeCurrency) {
            let code = try currencyCode(feeCurrency, column: "Fee Currency")
            guard code == currency else {
                throw failure("fee_currency", "the fee is in \(code), the gross in \(currency)")
            }
        }
        let amount = try amount(fields, position, "Fee Amount", currency, exponent)
        let sign = RecordCheck.value(fields, columns.feeDebitOrCredit)
        if amount == 0, sign == nil { return 0 }
        return try direction(sign, column: "Fee Debit or Credit") ? -amount : amount
    }

    /// true for CR (money in), false for DR; anything else refuses the file.
    private func direction(_ text: String?, column: String) throws(SettlementFileError) -> Bool {
        switch text {
        case "CR": return true
        case "DR": return false
        default: throw failure("bad_debit_credit", "\(column) \"\(text ?? "")\" is neither CR nor DR")
        }
    }

    private func currencyCode(_ text: String?, column: String) throws(SettlementFileError) -> String {
        guard let text, let code = CurrencyCode.normalised(text), code == text else {
            throw failure("bad_currency", "\(column) \"\(text ?? "")\" is not an ISO 4217 code")
        }
        return code
    }

    private func amount(
        _ fields: [String], _ position: Int, _ column: String, _ currency: String, _ exponent: Int
    ) throws(SettlementFileError) -> Int64 {
        let text = RecordCheck.value(fields, position) ?? ""
        switch AmountText.minorUnits(hundredths: text, exponent: exponent) {
        case .success(let value): return value
        case .failure(let reason):
            throw RecordCheck.amountError(
                reason, column: column, text: text, currency: currency, file: file, record: record)
        }
    }

    private func failure(_ code: String, _ message: String) -> SettlementFileError {
        SettlementFileError(code, file: file, record: record, message: message)
    }
}
