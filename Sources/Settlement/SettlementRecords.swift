import Domain
import Foundation

// What the settlement readers produce: plain values, no database, no I/O beyond reading the file.
// Amounts are integer minor units of their currency (cents for EUR, yen for JPY), signed from the
// chain's point of view (design note docs/design/settle-payments.md §1.6).

/// The formats `ocpizza settle-payments` reads, detected by content (``SettlementFormatDetector``).
public enum SettlementFormat: String, Sendable, CaseIterable, Codable {
    case stripeActivity = "stripe_activity"
    case stripePayoutReconciliation = "stripe_payout_reconciliation"
    case paypalSTL = "paypal_stl"
    case paypalTRR = "paypal_trr"
    case paypalActivity = "paypal_activity"
    case camt053 = "camt053"
    case remittance = "remittance"
}

public enum Processor: String, Sendable, Codable {
    case stripe
    case paypal
}

/// `processor_transaction.type` (migration 0008, widened by 0015).
public enum ProcessorTransactionType: String, Sendable, Codable, CaseIterable {
    case charge, refund, dispute
    case disputeFee = "dispute_fee"
    case disputeReversal = "dispute_reversal"
    case adjustment, payout, fee, conversion
    case payoutReversal = "payout_reversal"
}

/// A finding about a file that does not refuse it (a trailer that disagrees, a schema deviation a
/// tolerant bank reader accepts). `record` is the CSV record number (1 = first record, header
/// included) or the XML line.
public struct FileWarning: Sendable, Equatable, Codable {
    public var code: String
    public var record: Int?
    public var message: String

    public init(code: String, record: Int? = nil, message: String) {
        self.code = code
        self.record = record
        self.message = message
    }
}

/// Why a file is refused as a whole: `record` is the CSV record number or the XML line.
public struct SettlementFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Machine code, e.g. `malformed_row`, `bad_amount`, `unknown_format`, `sub_cent_amount`.
    public var code: String
    public var file: String
    public var record: Int?
    public var message: String

    public init(_ code: String, file: String, record: Int? = nil, message: String) {
        self.code = code
        self.file = file
        self.record = record
        self.message = message
    }

    public var description: String {
        let place = record.map { " record \($0)" } ?? ""
        return "\(file)\(place): \(code): \(message)"
    }
}

/// One balance movement of a processor report (Stripe, PayPal STL/TRR, PayPal activity).
public struct ProcessorRow: Sendable, Equatable {
    public var processor: Processor
    /// Stripe `balance_transaction_id`; PayPal `Transaction ID`.
    public var transactionID: String
    /// PayPal T-code (`T0006`), or `A:<type label>` for an activity-download row; nil for Stripe.
    public var eventCode: String?
    public var type: ProcessorTransactionType
    /// Stripe `reporting_category` as read; PayPal T-code; activity type label.
    public var reportingCategory: String?
    public var grossCents: Int64
    /// + a fee taken, − a fee returned; `netCents == grossCents - feeCents`.
    public var feeCents: Int64
    public var netCents: Int64
    /// ISO 4217, upper case.
    public var currency: String
    public var occurredAt: Date
    /// The instant as written in the file (with its offset or zone), kept for the accountant.
    public var sourceTime: String
    public var availableOn: LocalDate?
    /// Stripe `automatic_payout_id`.
    public var payoutID: String?
    /// Stripe `automatic_payout_effective_at(_utc)`.
    public var payoutEffectiveAt: Date?
    /// Stripe PaymentIntent (else charge id); PayPal `PayPal Reference ID`.
    public var sourceReference: String?
    /// Stripe `source_id`; PayPal reference id type (TXN, ODR…).
    public var relatedReference: String?
    /// `OC-<shop>-<number>` or whatever the metadata / invoice field carried.
    public var orderReference: String?
    public var description: String?
    /// Stripe payout `trace_id`; PayPal `Bank Reference ID` of a withdrawal.
    public var traceID: String?
    /// `pending` for a PayPal activity withdrawal not completed yet; nil otherwise.
    public var payoutStatus: String?
    /// The CSV record number the row came from (1 = first record of the file).
    public var record: Int

    public init(
        processor: Processor, transactionID: String, eventCode: String? = nil, type: ProcessorTransactionType,
        reportingCategory: String? = nil, grossCents: Int64, feeCents: Int64, netCents: Int64,
        currency: String, occurredAt: Date, sourceTime: String, availableOn: LocalDate? = nil,
        payoutID: String? = nil, payoutEffectiveAt: Date? = nil, sourceReference: String? = nil,
        relatedReference: String? = nil, orderReference: String? = nil, description: String? = nil,
        traceID: String? = nil, payoutStatus: String? = nil, record: Int
    ) {
        self.processor = processor
        self.transactionID = transactionID
        self.eventCode = eventCode
        self.type = type
        self.reportingCategory = reportingCategory
        self.grossCents = grossCents
        self.feeCents = feeCents
        self.netCents = netCents
        self.currency = currency
        self.occurredAt = occurredAt
        self.sourceTime = sourceTime
        self.availableOn = availableOn
        self.payoutID = payoutID
        self.payoutEffectiveAt = payoutEffectiveAt
        self.sourceReference = sourceReference
        self.relatedReference = relatedReference
        self.orderReference = orderReference
        self.description = description
        self.traceID = traceID
        self.payoutStatus = payoutStatus
        self.record = record
    }
}

/// What a processor reader says about the whole file once every row has been delivered.
public struct ProcessorFileSummary: Sendable, Equatable {
    public var format: SettlementFormat
    /// PayPal `RH` report version (`008`, `009`), the activity download's language (`en`, `es`).
    public var formatVersion: String?
    /// Balance rows delivered to the caller.
    public var rowsRead: Int
    /// Rows that never move money (authorisations, voids, denied or pending rows).
    public var rowsIgnored: Int
    public var warnings: [FileWarning]

    public init(
        format: SettlementFormat, formatVersion: String? = nil, rowsRead: Int = 0, rowsIgnored: Int = 0,
        warnings: [FileWarning] = []
    ) {
        self.format = format
        self.formatVersion = formatVersion
        self.rowsRead = rowsRead
        self.rowsIgnored = rowsIgnored
        self.warnings = warnings
    }
}

/// One transaction of a booked camt.053 entry: the entry itself when it is not batched, else one
/// per `TxDtls`.
public struct BankTransaction: Sendable, Equatable {
    /// 1-based position inside the entry.
    public var position: Int
    /// Signed: + credit, − debit.
    public var amountCents: Int64
    public var currency: String
    public var endToEndID: String?
    public var reference: String?
    public var counterpartyName: String?
    public var counterpartyIBAN: String?
    /// `RmtInf/Ustrd` parts joined with a space, then `Strd/CdtrRefInf/Ref`.
    public var remittanceInfo: String?
    /// `Domn/Fmly/SubFmly` as `PMNT/RCDT/ESCT`, else `Prtry/Cd`.
    public var bankTransactionCode: String?

    public init(
        position: Int, amountCents: Int64, currency: String, endToEndID: String? = nil, reference: String? = nil,
        counterpartyName: String? = nil, counterpartyIBAN: String? = nil, remittanceInfo: String? = nil,
        bankTransactionCode: String? = nil
    ) {
        self.position = position
        self.amountCents = amountCents
        self.currency = currency
        self.endToEndID = endToEndID
        self.reference = reference
        self.counterpartyName = counterpartyName
        self.counterpartyIBAN = counterpartyIBAN
        self.remittanceInfo = remittanceInfo
        self.bankTransactionCode = bankTransactionCode
    }
}

/// One booked (`BOOK`) entry of a statement.
public struct BankEntry: Sendable, Equatable {
    /// `AcctSvcrRef` when given, else `auto:<C|D><cents>:<n>` (n = occurrence of that booking
    /// date, sign and amount in the statement).
    public var entryKey: String
    public var bookingDate: LocalDate
    /// When the bank gave `BookgDt/DtTm`.
    public var bookedAt: Date?
    public var valueDate: LocalDate?
    /// Signed: + credit (CRDT), − debit (DBIT).
    public var amountCents: Int64
    public var currency: String
    public var accountServicerReference: String?
    public var entryReference: String?
    public var isReversal: Bool
    public var bankTransactionCode: String?
    public var additionalInfo: String?
    public var transactions: [BankTransaction]
    /// The XML line of the `Ntry` element.
    public var line: Int

    public init(
        entryKey: String, bookingDate: LocalDate, bookedAt: Date? = nil, valueDate: LocalDate? = nil,
        amountCents: Int64, currency: String, accountServicerReference: String? = nil,
        entryReference: String? = nil, isReversal: Bool = false, bankTransactionCode: String? = nil,
        additionalInfo: String? = nil, transactions: [BankTransaction], line: Int
    ) {
        self.entryKey = entryKey
        self.bookingDate = bookingDate
        self.bookedAt = bookedAt
        self.valueDate = valueDate
        self.amountCents = amountCents
        self.currency = currency
        self.accountServicerReference = accountServicerReference
        self.entryReference = entryReference
        self.isReversal = isReversal
        self.bankTransactionCode = bankTransactionCode
        self.additionalInfo = additionalInfo
        self.transactions = transactions
        self.line = line
    }
}

/// One `Stmt` of a camt.053 file.
public struct BankStatement: Sendable, Equatable {
    public var statementID: String
    public var sequenceNumber: String?
    /// `Acct/Id/IBAN`, nil when the account is identified otherwise (`Othr/Id` in ``accountOther``).
    public var accountIBAN: String?
    public var accountOther: String?
    public var accountCurrency: String?
    /// OPBD (else PRCD) and CLBD, signed cents, when present.
    public var openingBalanceCents: Int64?
    public var closingBalanceCents: Int64?
    public var balanceCurrency: String?
    /// Entries with a status other than BOOK, counted and not kept.
    public var entriesIgnored: Int
    public var entries: [BankEntry]

    public init(
        statementID: String, sequenceNumber: String? = nil, accountIBAN: String?, accountOther: String? = nil,
        accountCurrency: String? = nil, openingBalanceCents: Int64? = nil, closingBalanceCents: Int64? = nil,
        balanceCurrency: String? = nil, entriesIgnored: Int = 0, entries: [BankEntry]
    ) {
        self.statementID = statementID
        self.sequenceNumber = sequenceNumber
        self.accountIBAN = accountIBAN
        self.accountOther = accountOther
        self.accountCurrency = accountCurrency
        self.openingBalanceCents = openingBalanceCents
        self.closingBalanceCents = closingBalanceCents
        self.balanceCurrency = balanceCurrency
        self.entriesIgnored = entriesIgnored
        self.entries = entries
    }
}

/// A whole camt.053 file.
public struct BankStatementFile: Sendable, Equatable {
    /// `02`, `04`, `08`, `10`… from the namespace.
    public var version: String
    /// Whether the vendored XSD of that version accepted the file (nil: no XSD for the version).
    public var schemaValid: Bool?
    public var statements: [BankStatement]
    /// Schema deviations, balance and summary mismatches, batch sums, ignored `TxDtls` amounts.
    public var warnings: [FileWarning]

    public init(version: String, schemaValid: Bool?, statements: [BankStatement], warnings: [FileWarning]) {
        self.version = version
        self.schemaValid = schemaValid
        self.statements = statements
        self.warnings = warnings
    }
}

/// One row of a cash and card-on-delivery remittance CSV (a driver's or cashier's shift cash-up).
public struct RemittanceRow: Sendable, Equatable {
    public var shopCode: String
    public var businessDate: LocalDate
    public var shiftLabel: String?
    /// E-mail (compare case-insensitively) or a numeric employee id, as written.
    public var employee: String
    /// ISO 8601 with an offset in the file; nil offsets are resolved by the caller in the shop's
    /// zone, hence both forms are kept.
    public var shiftStart: RemittanceTime
    public var shiftEnd: RemittanceTime
    public var cashCountedCents: Int64
    public var cardTerminalTotalCents: Int64
    public var cardSlips: Int?
    public var receivedBy: String?
    public var note: String?
    public var record: Int

    public init(
        shopCode: String, businessDate: LocalDate, shiftLabel: String?, employee: String,
        shiftStart: RemittanceTime, shiftEnd: RemittanceTime, cashCountedCents: Int64,
        cardTerminalTotalCents: Int64, cardSlips: Int?, receivedBy: String?, note: String?, record: Int
    ) {
        self.shopCode = shopCode
        self.businessDate = businessDate
        self.shiftLabel = shiftLabel
        self.employee = employee
        self.shiftStart = shiftStart
        self.shiftEnd = shiftEnd
        self.cashCountedCents = cashCountedCents
        self.cardTerminalTotalCents = cardTerminalTotalCents
        self.cardSlips = cardSlips
        self.receivedBy = receivedBy
        self.note = note
        self.record = record
    }
}

/// A remittance shift boundary: an instant when the file gave an offset, else a wall-clock time to
/// read in the shop's zone (the job knows the zone; the reader does not).
public enum RemittanceTime: Sendable, Equatable {
    case instant(Date, text: String)
    /// `yyyy-MM-ddTHH:mm[:ss]` without offset.
    case local(date: LocalDate, hour: Int, minute: Int, second: Int, text: String)
}
