import Domain
import Foundation

/// The bank's end-of-day statement of the chain's account, ISO 20022 camt.053.001.02 (valid
/// against the official XSD): one `Stmt` per bank day (Monday to Friday) with booked entries and
/// OPBD/CLBD balances chained from the first day of the history. Stripe payouts arrive as SEPA
/// credits from `STRIPE` on their payout day, PayPal withdrawals from `PAYPAL EUROPE` the Paris
/// day after the Pacific day they close, both on the next Monday when that day is a weekend;
/// suppliers are paid by transfer on Tuesdays and Fridays.
extension PaymentFilesWriter {
    struct BankEntry {
        /// Signed: + credit, − debit.
        var amount: Int64
        var reference: String
        /// Domain, family and sub-family of the ISO bank transaction code.
        var code: (domain: String, family: String, subFamily: String)
        var endToEnd: String
        /// The debtor of a credit, the creditor of a debit.
        var counterparty: String
        var remittance: String
        var additionalInfo: String
    }

    struct BankStatement {
        var date: LocalDate
        var sequence: Int
        var opening: Int64
        var entries: [BankEntry]

        var closing: Int64 { entries.reduce(opening) { $0 + $1.amount } }
    }

    static let fallbackSuppliers = ["Moulins de la Brie", "Fromagerie du Val", "Emballages Durand"]
}

extension PaymentFilesWriter.Plan {
    /// Every bank day from the first day of the history to `to`, balances included.
    func bankStatements(stripe: [Writer.StripePayout], paypal: [Writer.PayPalDay]) -> [Writer.BankStatement] {
        var credits: [LocalDate: [Writer.BankEntry]] = [:]
        for payout in stripe where payout.net > 0 {
            credits[FileClock.bankDay(onOrAfter: payout.day), default: []].append(
                Writer.BankEntry(
                    amount: payout.net, reference: "", code: ("PMNT", "RCDT", "ESCT"), endToEnd: payout.trace,
                    counterparty: "STRIPE", remittance: "STRIPE",
                    additionalInfo: "VIR SEPA RECU /DE STRIPE /MOTIF STRIPE /REF \(payout.trace)"))
        }
        for day in paypal where day.date != deliberate.unbankedWithdrawal {
            let withdrawal = day.withdrawal
            credits[FileClock.bankDay(onOrAfter: withdrawal.arrival), default: []].append(
                Writer.BankEntry(
                    amount: withdrawal.amount, reference: "", code: ("PMNT", "RCDT", "ESCT"),
                    endToEnd: withdrawal.bankReference, counterparty: "PAYPAL EUROPE",
                    remittance: "PAYPAL \(withdrawal.bankReference)",
                    additionalInfo: "VIR SEPA RECU /DE PAYPAL EUROPE S.A.R.L. ET CIE S.C.A /MOTIF PAYPAL "
                        + withdrawal.bankReference))
        }
        let first = min(from, data.origin ?? from)
        var opening: Int64 = {
            var draw = random("bank-opening", "")
            return 1_500_000 + Int64(draw.below(500_000))
        }()
        var statements: [Writer.BankStatement] = []
        var day = first
        while day <= to {
            defer { day = day.adding(days: 1) }
            guard day.isoWeekday <= 5 else { continue }
            var entries = credits[day, default: []]
            if let debit = supplierDebit(on: day) { entries.append(debit) }
            for index in entries.indices {
                entries[index].reference =
                    "\(compact(day))\(FileClock.pad(index + 1, 4))\(token("bank-reference", "\(day)/\(index)", 6, .digits))"
            }
            let statement = Writer.BankStatement(
                date: day, sequence: statements.count + 1, opening: opening, entries: entries)
            opening = statement.closing
            statements.append(statement)
        }
        return statements
    }

    /// A supplier paid by transfer on Tuesdays and Fridays, for realism (nothing to match).
    func supplierDebit(on day: LocalDate) -> Writer.BankEntry? {
        guard day.isoWeekday == 2 || day.isoWeekday == 5 else { return nil }
        var draw = random("bank-supplier-debit", day.isoString)
        let suppliers = data.suppliers.isEmpty ? Writer.fallbackSuppliers : data.suppliers
        let supplier = suppliers[draw.below(suppliers.count)]
        let invoice = "F\(compact(day))-\(FileClock.pad(draw.between(1, 999), 3))"
        return Writer.BankEntry(
            amount: -(35_000 + Int64(draw.below(150_000))), reference: "", code: ("PMNT", "ICDT", "ESCT"),
            endToEnd: "OCPIZZA-\(invoice)", counterparty: supplier, remittance: "FACTURE \(invoice)",
            additionalInfo: "VIR SEPA EMIS /A \(supplier) /MOTIF FACTURE \(invoice)")
    }

    func compact(_ day: LocalDate) -> String {
        day.isoString.replacingOccurrences(of: "-", with: "")
    }

    func camt053(_ statement: Writer.BankStatement) -> [UInt8] {
        var x = CamtText()
        let day = statement.date
        let created = FileClock.isoText(FileClock.instant(day, 22, 0, 0, in: FileClock.paris), in: FileClock.paris)
        x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        x.open("Document", attributes: " xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"")
        x.open("BkToCstmrStmt")
        x.open("GrpHdr")
        x.leaf("MsgId", "OCPB053-\(compact(day))")
        x.leaf("CreDtTm", created)
        x.open("MsgPgntn")
        x.leaf("PgNb", "1")
        x.leaf("LastPgInd", "true")
        x.close("MsgPgntn")
        x.close("GrpHdr")
        x.open("Stmt")
        x.leaf("Id", "STMT-\(compact(day))")
        x.leaf("ElctrncSeqNb", String(statement.sequence))
        x.leaf("CreDtTm", created)
        x.open("FrToDt")
        x.leaf("FrDtTm", FileClock.isoText(FileClock.instant(day, 0, 0, 0, in: FileClock.paris), in: FileClock.paris))
        x.leaf(
            "ToDtTm", FileClock.isoText(FileClock.instant(day, 23, 59, 59, in: FileClock.paris), in: FileClock.paris))
        x.close("FrToDt")
        x.open("Acct")
        x.open("Id")
        x.leaf("IBAN", Writer.iban)
        x.close("Id")
        x.leaf("Ccy", "EUR")
        x.open("Ownr")
        x.leaf("Nm", "OC PIZZA SAS")
        x.close("Ownr")
        x.close("Acct")
        balance(&x, "OPBD", statement.opening, day)
        balance(&x, "CLBD", statement.closing, day)
        let creditTotal = statement.entries.filter { $0.amount > 0 }.reduce(Int64(0)) { $0 + $1.amount }
        let debitTotal = statement.entries.filter { $0.amount < 0 }.reduce(Int64(0)) { $0 - $1.amount }
        x.open("TxsSummry")
        x.open("TtlNtries")
        x.leaf("NbOfNtries", String(statement.entries.count))
        x.leaf("Sum", Writer.euros(creditTotal + debitTotal))
        x.leaf("TtlNetNtryAmt", Writer.euros(abs(creditTotal - debitTotal)))
        x.leaf("CdtDbtInd", creditTotal >= debitTotal ? "CRDT" : "DBIT")
        x.close("TtlNtries")
        x.open("TtlCdtNtries")
        x.leaf("NbOfNtries", String(statement.entries.filter { $0.amount > 0 }.count))
        x.leaf("Sum", Writer.euros(creditTotal))
        x.close("TtlCdtNtries")
        x.open("TtlDbtNtries")
        x.leaf("NbOfNtries", String(statement.entries.filter { $0.amount < 0 }.count))
        x.leaf("Sum", Writer.euros(debitTotal))
        x.close("TtlDbtNtries")
        x.close("TxsSummry")
        for entry in statement.entries { self.entry(&x, entry, day) }
        x.close("Stmt")
        x.close("BkToCstmrStmt")
        x.close("Document")
        return Array(x.text.utf8)
    }

    private func balance(_ x: inout CamtText, _ code: String, _ amount: Int64, _ day: LocalDate) {
        x.open("Bal")
        x.open("Tp")
        x.open("CdOrPrtry")
        x.leaf("Cd", code)
        x.close("CdOrPrtry")
        x.close("Tp")
        x.leaf("Amt", Writer.euros(abs(amount)), attributes: " Ccy=\"EUR\"")
        x.leaf("CdtDbtInd", amount >= 0 ? "CRDT" : "DBIT")
        x.open("Dt")
        x.leaf("Dt", day.isoString)
        x.close("Dt")
        x.close("Bal")
    }

    private func entry(_ x: inout CamtText, _ entry: Writer.BankEntry, _ day: LocalDate) {
        let credit = entry.amount > 0
        let amount = Writer.euros(abs(entry.amount))
        x.open("Ntry")
        x.leaf("Amt", amount, attributes: " Ccy=\"EUR\"")
        x.leaf("CdtDbtInd", credit ? "CRDT" : "DBIT")
        x.leaf("Sts", "BOOK")
        x.open("BookgDt")
        x.leaf("Dt", day.isoString)
        x.close("BookgDt")
        x.open("ValDt")
        x.leaf("Dt", day.isoString)
        x.close("ValDt")
        x.leaf("AcctSvcrRef", entry.reference)
        x.open("BkTxCd")
        x.open("Domn")
        x.leaf("Cd", entry.code.domain)
        x.open("Fmly")
        x.leaf("Cd", entry.code.family)
        x.leaf("SubFmlyCd", entry.code.subFamily)
        x.close("Fmly")
        x.close("Domn")
        x.close("BkTxCd")
        x.open("NtryDtls")
        x.open("TxDtls")
        x.open("Refs")
        x.leaf("AcctSvcrRef", entry.reference)
        x.leaf("EndToEndId", entry.endToEnd)
        x.close("Refs")
        x.open("AmtDtls")
        x.open("TxAmt")
        x.leaf("Amt", amount, attributes: " Ccy=\"EUR\"")
        x.close("TxAmt")
        x.close("AmtDtls")
        x.open("RltdPties")
        x.open(credit ? "Dbtr" : "Cdtr")
        x.leaf("Nm", entry.counterparty)
        x.close(credit ? "Dbtr" : "Cdtr")
        x.close("RltdPties")
        x.open("RmtInf")
        x.leaf("Ustrd", entry.remittance)
        x.close("RmtInf")
        x.close("TxDtls")
        x.close("NtryDtls")
        x.leaf("AddtlNtryInf", entry.additionalInfo)
        x.close("Ntry")
    }
}

/// Indented XML text, escaped.
private struct CamtText {
    var text = ""
    private var depth = 0

    mutating func raw(_ line: String) {
        text += line + "\n"
    }

    mutating func open(_ name: String, attributes: String = "") {
        text += String(repeating: "  ", count: depth) + "<\(name)\(attributes)>\n"
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        text += String(repeating: "  ", count: depth) + "</\(name)>\n"
    }

    mutating func leaf(_ name: String, _ value: String, attributes: String = "") {
        text += String(repeating: "  ", count: depth) + "<\(name)\(attributes)>\(Self.escape(value))</\(name)>\n"
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
