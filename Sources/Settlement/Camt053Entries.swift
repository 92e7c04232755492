import Domain
import Foundation

// Booked entries, their transactions (batches split on `TxDtls`), and the statement checks that
// only warn (design note §1.5).

extension Camt053StatementDraft {
    /// Keeps a `BOOK` entry with its transactions; counts any other status as ignored.
    mutating func add(
        _ draft: Camt053EntryDraft, file: String, warnings: inout [FileWarning]
    ) throws(SettlementFileError) {
        entriesSeen += 1
        // PDNG and INFO entries may still change or never book: they never settle anything.
        guard draft.status == "BOOK" else {
            entriesIgnored += 1
            return
        }
        guard let amountValue = draft.amount else {
            throw Camt053Values.missing("Ntry/Amt", file: file, line: draft.line)
        }
        let (magnitude, currency) = try Camt053Values.amount(amountValue, file: file)
        let amount = try Camt053Values.sign(draft.indicator, of: "Ntry", file: file, line: draft.line) * magnitude
        let (bookingDate, bookedAt) = try Self.bookingDate(of: draft, file: file, warnings: &warnings)
        var valueDate: LocalDate?
        if let value = draft.valueDate {
            valueDate = try Camt053Values.date(value, file: file)
        } else if let value = draft.valueDateTime {
            valueDate = try Camt053Values.dateTime(value, file: file).0
        }
        let key = draft.accountServicerReference ?? automaticKey(bookingDate: bookingDate, amount: amount)
        let transactions = try Self.transactions(
            of: draft, entryAmount: amount, currency: currency, key: key, file: file, warnings: &warnings)
        if let accountCurrency, accountCurrency != currency {
            warnings.append(
                FileWarning(
                    code: "foreign_currency", record: draft.line,
                    message: "entry \(key): \(currency) amount on a \(accountCurrency) account"))
        }
        entries.append(
            BankEntry(
                entryKey: key, bookingDate: bookingDate, bookedAt: bookedAt, valueDate: valueDate, amountCents: amount,
                currency: currency, accountServicerReference: draft.accountServicerReference,
                entryReference: draft.entryReference, isReversal: draft.isReversal,
                bankTransactionCode: draft.code.text, additionalInfo: draft.additionalInfo,
                transactions: transactions, line: draft.line))
    }

    /// `auto:<C|D><cents>:<n>`, n counting the statement's entries with that booking date, sign
    /// and amount: stable when the same statement is read again, unlike a position.
    private mutating func automaticKey(bookingDate: LocalDate, amount: Int64) -> String {
        let stem = "\(amount < 0 ? "D" : "C")\(amount.magnitude)"
        let occurrence = automaticKeyCounts["\(bookingDate.isoString) \(stem)", default: 0] + 1
        automaticKeyCounts["\(bookingDate.isoString) \(stem)"] = occurrence
        return "auto:\(stem):\(occurrence)"
    }

    /// `BookgDt/Dt` (bank-local), else `BookgDt/DtTm` (its Paris date, and the instant), else the
    /// value date with a warning: a booked entry without a booking date breaks the schema.
    private static func bookingDate(
        of draft: Camt053EntryDraft, file: String, warnings: inout [FileWarning]
    ) throws(SettlementFileError) -> (LocalDate, Date?) {
        if let value = draft.bookingDate { return (try Camt053Values.date(value, file: file), nil) }
        if let value = draft.bookingDateTime {
            let (date, instant) = try Camt053Values.dateTime(value, file: file)
            return (date, instant)
        }
        let valueDate: LocalDate
        if let value = draft.valueDate {
            valueDate = try Camt053Values.date(value, file: file)
        } else if let value = draft.valueDateTime {
            valueDate = try Camt053Values.dateTime(value, file: file).0
        } else {
            throw Camt053Values.missing("Ntry/BookgDt", file: file, line: draft.line)
        }
        warnings.append(
            FileWarning(
                code: "booking_date_missing", record: draft.line,
                message: "booked entry without BookgDt: its value date \(valueDate) is used"))
        return (valueDate, nil)
    }

    /// One transaction per `TxDtls` when there are two or more (their own amounts, never the entry
    /// total); otherwise one transaction of the entry amount.
    private static func transactions(
        of draft: Camt053EntryDraft, entryAmount: Int64, currency: String, key: String, file: String,
        warnings: inout [FileWarning]
    ) throws(SettlementFileError) -> [BankTransaction] {
        let details = draft.transactions
        if details.count >= 2 {
            if let split = try split(
                draft, entryAmount: entryAmount, currency: currency, key: key, file: file, warnings: &warnings)
            {
                return split
            }
        } else if let detail = details.first, let value = detail.amount ?? detail.transactionAmount {
            let (magnitude, detailCurrency) = try Camt053Values.amount(value, file: file)
            if detailCurrency != currency || magnitude != entryAmount.magnitude {
                // genkgo's v8 sample has `0 SEK` under an `8.85 EUR` entry: the entry is the booking.
                warnings.append(
                    FileWarning(
                        code: "transaction_amount_ignored", record: value.line,
                        message: "entry \(key): its only TxDtls says \(value.text) \(detailCurrency); "
                            + "the entry amount is kept"))
            }
        }
        if details.count < 2, let declared = draft.declaredTransactionCount, declared > 1 {
            warnings.append(
                FileWarning(
                    code: "batch_without_details", record: draft.line,
                    message: "entry \(key): a batch of \(declared) transactions with \(details.count) TxDtls; "
                        + "kept as one transaction"))
        }
        // A batch that could not be split keeps no single TxDtls's references for the whole entry.
        return [
            transaction(
                details.count == 1 ? details.first : nil, position: 1, amount: entryAmount, currency: currency,
                entryCode: draft.code.text)
        ]
    }

    /// The transactions of a batch, nil (after a warning) when a `TxDtls` has no amount to split on.
    private static func split(
        _ draft: Camt053EntryDraft, entryAmount: Int64, currency: String, key: String, file: String,
        warnings: inout [FileWarning]
    ) throws(SettlementFileError) -> [BankTransaction]? {
        var transactions: [BankTransaction] = []
        var sumInEntryCurrency: Int64 = 0
        var otherCurrencies: Set<String> = []
        for (offset, detail) in draft.transactions.enumerated() {
            guard let value = detail.amount ?? detail.transactionAmount else {
                warnings.append(
                    FileWarning(
                        code: "batch_amount_missing", record: detail.line,
                        message:
                            "entry \(key): TxDtls \(offset + 1) has no amount; the batch is kept as one transaction"
                    ))
                return nil
            }
            let (magnitude, detailCurrency) = try Camt053Values.amount(value, file: file)
            let sign = try Camt053Values.sign(
                detail.indicator ?? draft.indicator, of: "TxDtls", file: file, line: detail.line)
            if detailCurrency == currency {
                sumInEntryCurrency += sign * magnitude
            } else {
                otherCurrencies.insert(detailCurrency)
            }
            transactions.append(
                transaction(
                    detail, position: offset + 1, amount: sign * magnitude, currency: detailCurrency,
                    entryCode: draft.code.text))
        }
        if !otherCurrencies.isEmpty || sumInEntryCurrency != entryAmount {
            let digits = DecimalMinorUnits.exponent(ofCurrency: currency)
            let others =
                otherCurrencies.isEmpty ? "" : " (and amounts in \(otherCurrencies.sorted().joined(separator: ", ")))"
            warnings.append(
                FileWarning(
                    code: "batch_sum_mismatch", record: draft.line,
                    message: "entry \(key): its \(transactions.count) TxDtls sum to "
                        + "\(DecimalMinorUnits.text(sumInEntryCurrency, minorDigits: digits)) \(currency)\(others), "
                        + "the entry is \(DecimalMinorUnits.text(entryAmount, minorDigits: digits)) \(currency)"))
        }
        return transactions
    }

    /// A transaction from a `TxDtls` (or from the entry alone); the counterparty is the other side
    /// of the movement: the debtor of a credit, the creditor of a debit.
    private static func transaction(
        _ detail: Camt053TransactionDraft?, position: Int, amount: Int64, currency: String, entryCode: String?
    ) -> BankTransaction {
        let isCredit = amount >= 0
        return BankTransaction(
            position: position, amountCents: amount, currency: currency, endToEndID: detail?.endToEndID,
            reference: detail?.reference,
            counterpartyName: isCredit ? detail?.debtorName : detail?.creditorName,
            counterpartyIBAN: isCredit ? detail?.debtorIBAN : detail?.creditorIBAN,
            remittanceInfo: detail?.remittanceInfo, bankTransactionCode: detail?.code.text ?? entryCode)
    }

    /// The statement, after the checks that only warn: balance, `TxsSummry` count.
    func finish(file: String, warnings: inout [FileWarning]) throws(SettlementFileError) -> BankStatement {
        guard let id else { throw Camt053Values.missing("Stmt/Id", file: file, line: line) }
        let opening = balances["OPBD"] ?? balances["PRCD"]
        let closing = balances["CLBD"]
        let balanceCurrency = closing?.currency ?? opening?.currency
        if let opening, let closing {
            let currencies = Set([opening.currency, closing.currency] + entries.map(\.currency))
            if currencies.count == 1 {
                let booked = entries.reduce(Int64(0)) { $0 + $1.amountCents }
                let difference = closing.cents - (opening.cents + booked)
                if difference != 0 {
                    let digits = DecimalMinorUnits.exponent(ofCurrency: closing.currency)
                    func text(_ cents: Int64) -> String { DecimalMinorUnits.text(cents, minorDigits: digits) }
                    warnings.append(
                        FileWarning(
                            code: "statement_balance_mismatch", record: closing.line,
                            message: "statement \(id): \(opening.code) \(text(opening.cents)) + booked entries "
                                + "\(text(booked)) = \(text(opening.cents + booked)), CLBD \(text(closing.cents)) "
                                + "\(closing.currency): difference \(text(difference)) (\(difference) minor units)"))
                }
            } else {
                warnings.append(
                    FileWarning(
                        code: "balance_not_checkable", record: closing.line,
                        message: "statement \(id): \(opening.code) \(opening.currency), CLBD \(closing.currency), "
                            + "entries in \(Set(entries.map(\.currency)).sorted().joined(separator: ", ")): "
                            + "not one currency, balance not checked"))
            }
        }
        if let declared = declaredEntryCount, Int(declared.text) != entriesSeen {
            warnings.append(
                FileWarning(
                    code: "summary_mismatch", record: declared.line,
                    message: "statement \(id): TxsSummry/TtlNtries/NbOfNtries says \(declared.text), "
                        + "the statement has \(entriesSeen) entries"))
        }
        return BankStatement(
            statementID: id, sequenceNumber: electronicSequence ?? legalSequence, accountIBAN: iban,
            accountOther: iban == nil ? otherAccountID : nil, accountCurrency: accountCurrency,
            openingBalanceCents: opening.flatMap { $0.currency == balanceCurrency ? $0.cents : nil },
            closingBalanceCents: closing?.cents, balanceCurrency: balanceCurrency, entriesIgnored: entriesIgnored,
            entries: entries)
    }
}
