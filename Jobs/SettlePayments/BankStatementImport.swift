import Domain
import Foundation
import Postgres
import Settlement

/// Writes the booked entries of a camt.053 file's statements for the chain's accounts
/// (`bank_account`), each split into its transactions. Statements of other accounts are skipped
/// with a warning; a file with none of ours is refused (`unknown_account`). An entry already
/// imported (same account, booking date and key: overlapping statements) is known; the same key
/// with another amount refuses the file.
struct BankStatementImport {
    let session: PostgresSession
    let path: String
    let sha256: String
    let runID: Int64?

    func run(_ file: BankStatementFile) throws -> ImportedFileCounts {
        var counts = ImportedFileCounts()
        counts.formatVersion = file.version
        counts.warnings = file.warnings
        let known = Set(try session.query("SELECT iban FROM bank_account").map { try $0.decode("iban") as String })
        var ours = 0
        for statement in file.statements {
            guard let iban = statement.accountIBAN, known.contains(iban) else {
                let account = statement.accountIBAN ?? statement.accountOther ?? "?"
                counts.warnings.append(
                    FileWarning(
                        code: "statement_skipped",
                        message: "statement \(statement.statementID): account \(account) is not one of the chain's"))
                continue
            }
            ours += 1
            counts.rowsIgnored += statement.entriesIgnored
            for entry in statement.entries {
                counts.rowsRead += 1
                if try insert(entry, account: iban, statementID: statement.statementID) {
                    counts.rowsImported += 1
                } else {
                    counts.rowsKnown += 1
                }
            }
        }
        guard ours > 0 else {
            let accounts = file.statements.map { $0.accountIBAN ?? $0.accountOther ?? "?" }
            throw SettlementFileError(
                "unknown_account", file: path,
                message:
                    "no statement of this file is for one of the chain's accounts (\(accounts.joined(separator: ", "))); "
                    + "add the account with `ocpizza db seed` or to bank_account")
        }
        return counts
    }

    /// Inserts the entry and its transactions; false when it was already there with the same amount.
    private func insert(_ entry: BankEntry, account: String, statementID: String) throws -> Bool {
        let inserted: [Int64] = try session.query(
            """
            INSERT INTO bank_statement_entry (
                account_iban, booking_date, value_date, amount_cents, currency, entry_key, reference, end_to_end_id,
                counterparty_name, remittance_info, bank_transaction_code, is_reversal, statement_id,
                source_file_sha256, booked_at, entry_ref, additional_info, job_run_id)
            VALUES (\(account), \(CalendarDate(entry.bookingDate)), \(entry.valueDate.map(CalendarDate.init)),
                    \(entry.amountCents), \(entry.currency), \(entry.entryKey), \(entry.accountServicerReference),
                    \(entry.transactions.count == 1 ? entry.transactions[0].endToEndID : nil),
                    \(entry.transactions.count == 1 ? entry.transactions[0].counterpartyName : nil),
                    \(entry.transactions.count == 1 ? entry.transactions[0].remittanceInfo : nil),
                    \(entry.bankTransactionCode), \(entry.isReversal), \(statementID), \(sha256), \(entry.bookedAt),
                    \(entry.entryReference), \(entry.additionalInfo), \(runID))
            ON CONFLICT (account_iban, booking_date, entry_key) DO NOTHING
            RETURNING id
            """
        ).map { try $0.decode("id") }
        guard let entryID = inserted.first else {
            let existing = try session.queryValue(
                """
                SELECT amount_cents FROM bank_statement_entry
                WHERE account_iban = \(account) AND booking_date = \(CalendarDate(entry.bookingDate))
                  AND entry_key = \(entry.entryKey)
                """, as: Int64.self)
            guard let existing, existing == entry.amountCents else {
                throw SettlementFileError(
                    "conflicting_transaction", file: path, record: entry.line,
                    message:
                        "bank entry \(entry.entryKey) of \(entry.bookingDate) was imported with \(existing.map(String.init) ?? "another amount") cents, "
                        + "this file says \(entry.amountCents): nothing imported")
            }
            return false
        }
        for transaction in entry.transactions {
            try session.execute(
                """
                INSERT INTO bank_statement_transaction (
                    entry_id, position, amount_cents, currency, end_to_end_id, reference, counterparty_name,
                    counterparty_iban, remittance_info, bank_transaction_code)
                VALUES (\(entryID), \(transaction.position), \(transaction.amountCents), \(transaction.currency),
                        \(transaction.endToEndID), \(transaction.reference), \(transaction.counterpartyName),
                        \(transaction.counterpartyIBAN), \(transaction.remittanceInfo),
                        \(transaction.bankTransactionCode ?? entry.bankTransactionCode))
                """)
        }
        return true
    }
}
