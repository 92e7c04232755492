import Domain
import Foundation

// What the parser collects inside each open `Stmt`, `Bal`, `Ntry` and `TxDtls` before it turns
// them into records. `take` receives each leaf's path relative to the draft's own element; the
// paths name every version's form (FORMATS.md §3.1).

struct Camt053StatementDraft {
    let line: Int
    var id: String?
    var electronicSequence: String?
    var legalSequence: String?
    var iban: String?
    var otherAccountID: String?
    var accountCurrency: String?
    var declaredEntryCount: Camt053Value?
    /// The first OPBD, PRCD and CLBD balances, signed.
    var balances: [String: Camt053Balance] = [:]
    var entries: [BankEntry] = []
    /// Every `Ntry`, booked or not, to compare with `TxsSummry`.
    var entriesSeen = 0
    var entriesIgnored = 0
    /// Occurrences of (booking date, sign, amount), for the keys of entries without `AcctSvcrRef`.
    var automaticKeyCounts: [String: Int] = [:]

    init(line: Int) { self.line = line }

    mutating func take(_ path: String, _ value: Camt053Value) {
        switch path {
        case "Id": id = value.nonEmpty
        case "ElctrncSeqNb": electronicSequence = value.nonEmpty
        case "LglSeqNb": legalSequence = value.nonEmpty
        case "Acct/Id/IBAN": iban = value.nonEmpty.map { $0.replacingOccurrences(of: " ", with: "").uppercased() }
        case "Acct/Id/Othr/Id": otherAccountID = value.nonEmpty
        case "Acct/Ccy": accountCurrency = value.nonEmpty?.uppercased()
        case "TxsSummry/TtlNtries/NbOfNtries": declaredEntryCount = value
        default: break
        }
    }

    /// Keeps the balances the checks use (OPBD, PRCD, CLBD; the first of each), signed.
    mutating func add(_ draft: Camt053BalanceDraft, file: String) throws(SettlementFileError) {
        guard let code = draft.code?.uppercased(), ["OPBD", "PRCD", "CLBD"].contains(code), balances[code] == nil
        else { return }
        guard let amount = draft.amount else { throw Camt053Values.missing("Bal/Amt", file: file, line: draft.line) }
        let (magnitude, currency) = try Camt053Values.amount(amount, file: file)
        let sign = try Camt053Values.sign(draft.indicator, of: "Bal", file: file, line: draft.line)
        balances[code] = Camt053Balance(code: code, cents: sign * magnitude, currency: currency, line: draft.line)
    }
}

/// A statement balance, signed (DBIT: overdrawn).
struct Camt053Balance {
    var code: String
    var cents: Int64
    var currency: String
    var line: Int
}

struct Camt053BalanceDraft {
    let line: Int
    var code: String?
    var amount: Camt053Value?
    var indicator: Camt053Value?

    init(line: Int) { self.line = line }

    mutating func take(_ path: String, _ value: Camt053Value) {
        switch path {
        case "Tp/CdOrPrtry/Cd": code = value.nonEmpty
        case "Amt": amount = value
        case "CdtDbtInd": indicator = value
        default: break
        }
    }
}

struct Camt053EntryDraft {
    let line: Int
    var amount: Camt053Value?
    var indicator: Camt053Value?
    var isReversal = false
    var status: String?
    var bookingDate: Camt053Value?
    var bookingDateTime: Camt053Value?
    var valueDate: Camt053Value?
    var valueDateTime: Camt053Value?
    var accountServicerReference: String?
    var entryReference: String?
    var additionalInfo: String?
    var code = Camt053TransactionCode()
    /// Σ `Btch/NbOfTxs` over the entry's `NtryDtls` (v02 allows several).
    var declaredTransactionCount: Int?
    var transactions: [Camt053TransactionDraft] = []

    init(line: Int) { self.line = line }

    mutating func take(_ path: String, _ value: Camt053Value) {
        switch path {
        case "Amt": amount = value
        case "CdtDbtInd": indicator = value
        case "RvslInd": isReversal = value.text == "true" || value.text == "1"
        // v02 writes the status as text; v08 as `Sts/Cd` (the container's own text is empty then).
        case "Sts", "Sts/Cd": if let text = value.nonEmpty { status = text.uppercased() }
        case "BookgDt/Dt": bookingDate = value
        case "BookgDt/DtTm": bookingDateTime = value
        case "ValDt/Dt": valueDate = value
        case "ValDt/DtTm": valueDateTime = value
        case "AcctSvcrRef": accountServicerReference = value.nonEmpty
        case "NtryRef": entryReference = value.nonEmpty
        case "AddtlNtryInf": additionalInfo = value.nonEmpty
        case "NtryDtls/Btch/NbOfTxs":
            if let count = Int(value.text) { declaredTransactionCount = (declaredTransactionCount ?? 0) + count }
        default:
            if path.hasPrefix("BkTxCd/") { code.take(path.dropFirst("BkTxCd/".count), value) }
        }
    }
}

struct Camt053TransactionDraft {
    let line: Int
    /// `TxDtls/Amt` (v04 and later).
    var amount: Camt053Value?
    /// `TxDtls/AmtDtls/TxAmt/Amt` (v02; also present later).
    var transactionAmount: Camt053Value?
    var indicator: Camt053Value?
    var endToEndID: String?
    var reference: String?
    var debtorName: String?
    var debtorIBAN: String?
    var creditorName: String?
    var creditorIBAN: String?
    var unstructured: [String] = []
    var creditorReferences: [String] = []
    var code = Camt053TransactionCode()

    init(line: Int) { self.line = line }

    mutating func take(_ path: String, _ value: Camt053Value) {
        switch path {
        case "Amt": amount = value
        case "AmtDtls/TxAmt/Amt": transactionAmount = value
        case "CdtDbtInd": indicator = value
        case "Refs/EndToEndId": endToEndID = value.nonEmpty
        case "Refs/AcctSvcrRef": reference = value.nonEmpty
        case "RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm": debtorName = value.nonEmpty
        case "RltdPties/DbtrAcct/Id/IBAN": debtorIBAN = value.nonEmpty
        case "RltdPties/Cdtr/Nm", "RltdPties/Cdtr/Pty/Nm": creditorName = value.nonEmpty
        case "RltdPties/CdtrAcct/Id/IBAN": creditorIBAN = value.nonEmpty
        case "RmtInf/Ustrd": if let text = value.nonEmpty { unstructured.append(text) }
        case "RmtInf/Strd/CdtrRefInf/Ref": if let text = value.nonEmpty { creditorReferences.append(text) }
        default:
            if path.hasPrefix("BkTxCd/") { code.take(path.dropFirst("BkTxCd/".count), value) }
        }
    }

    /// `RmtInf/Ustrd` parts joined with a space, then the structured creditor references.
    var remittanceInfo: String? {
        let parts = unstructured + creditorReferences
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}

/// `BkTxCd`: the ISO code `Domn/Fmly/SubFmly` (`PMNT/RCDT/ESCT`), else the bank's `Prtry/Cd`.
struct Camt053TransactionCode {
    var domain: String?
    var family: String?
    var subFamily: String?
    var proprietary: String?

    mutating func take(_ path: Substring, _ value: Camt053Value) {
        switch path {
        case "Domn/Cd": domain = value.nonEmpty
        case "Domn/Fmly/Cd": family = value.nonEmpty
        case "Domn/Fmly/SubFmlyCd": subFamily = value.nonEmpty
        case "Prtry/Cd": proprietary = value.nonEmpty
        default: break
        }
    }

    var text: String? {
        if let domain { return ([domain] + [family, subFamily].compactMap { $0 }).joined(separator: "/") }
        return proprietary
    }
}

/// Turning leaf texts into amounts, signs and dates, refusing what cannot be read.
enum Camt053Values {
    static let bankZone = TimeZone(identifier: "Europe/Paris") ?? TimeZone(secondsFromGMT: 3600) ?? .current

    /// An `Amt` with its `Ccy`: unsigned, up to 5 fraction digits, any digit below the currency's
    /// minor unit zero (`8.850` EUR is 885 cents; `12.345` EUR is refused).
    static func amount(_ value: Camt053Value, file: String) throws(SettlementFileError) -> (Int64, String) {
        guard let currency = value.currency?.trimmingCharacters(in: .whitespaces).uppercased(), !currency.isEmpty
        else {
            throw SettlementFileError(
                "missing_field", file: file, record: value.line, message: "amount \(value.text) has no Ccy attribute")
        }
        let digits = DecimalMinorUnits.exponent(ofCurrency: currency)
        switch DecimalMinorUnits.parse(value.text[...], minorDigits: digits, maxFractionDigits: 5, acceptsComma: false)
        {
        case .success(let minorUnits):
            return (minorUnits, currency)
        case .failure(.subunitDigits):
            throw SettlementFileError(
                "sub_cent_amount", file: file, record: value.line,
                message: "\(value.text) \(currency) has a non-zero digit below the currency's minor unit")
        case .failure:
            throw SettlementFileError(
                "bad_amount", file: file, record: value.line,
                message: "'\(value.text)' is not an unsigned decimal amount")
        }
    }

    /// +1 for CRDT, −1 for DBIT.
    static func sign(
        _ value: Camt053Value?, of element: String, file: String, line: Int
    ) throws(SettlementFileError)
        -> Int64
    {
        switch value?.text {
        case "CRDT": return 1
        case "DBIT": return -1
        case nil: throw missing("\(element)/CdtDbtInd", file: file, line: line)
        case let other?:
            throw SettlementFileError(
                "bad_indicator", file: file, record: value?.line ?? line,
                message: "CdtDbtInd '\(other)' is neither CRDT nor DBIT")
        }
    }

    /// An ISO date (`2014-12-31`, tolerating the `Z`/`+01:00` suffix xs:date allows).
    static func date(_ value: Camt053Value, file: String) throws(SettlementFileError) -> LocalDate {
        let text = value.text
        let suffix = text.dropFirst(10)
        if suffix.isEmpty || suffix == "Z" || ISODateTimeText("2000-01-01T00:00\(suffix)") != nil,
            let date = try? LocalDate(iso: String(text.prefix(10)))
        {
            return date
        }
        throw SettlementFileError("bad_date", file: file, record: value.line, message: "'\(text)' is not an ISO date")
    }

    /// An ISO date-time; without an offset it is the bank's (Europe/Paris) wall-clock time.
    static func dateTime(_ value: Camt053Value, file: String) throws(SettlementFileError) -> (LocalDate, Date) {
        guard let parsed = ISODateTimeText(value.text) else {
            throw SettlementFileError(
                "bad_date", file: file, record: value.line, message: "'\(value.text)' is not an ISO date-time")
        }
        return (parsed.date(in: bankZone), parsed.instant(in: bankZone))
    }

    static func missing(_ element: String, file: String, line: Int) -> SettlementFileError {
        SettlementFileError("missing_field", file: file, record: line, message: "\(element) is missing")
    }
}
