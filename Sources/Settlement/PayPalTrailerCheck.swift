/// Compares the STL/TRR trailers (`SF`/`RF` totals per currency, `SC`/`RC`/`FF` counts) with the
/// rows read. Advisory only (design note §1.3, decision): a disagreement is a warning
/// `report_trailer_mismatch`, never a refusal. The public fixtures disagree among themselves, so
/// the comparison is tolerant where they do: the fee pair is accepted in either order (GBP of
/// `smashpig_stl` lists fee DR before CR, `stl_dr_payment` CR before DR) and gross DR with or
/// without the T04xx withdrawals (`SF` of `smashpig_stl` leaves the T0400 out).
struct PayPalTrailerCheck {
    /// Sums in the file's own unit (×100), per currency.
    private struct Totals {
        var grossCredit: Int64 = 0
        var grossDebit: Int64 = 0
        var withdrawals: Int64 = 0
        var feeCredit: Int64 = 0
        var feeDebit: Int64 = 0

        mutating func merge(_ other: Totals) {
            grossCredit += other.grossCredit
            grossDebit += other.grossDebit
            withdrawals += other.withdrawals
            feeCredit += other.feeCredit
            feeDebit += other.feeDebit
        }
    }

    private var section: [String: Totals] = [:]
    private var report: [String: Totals] = [:]
    private var sectionRows = 0
    private var reportRows = 0

    mutating func startSection() {
        section = [:]
        sectionRows = 0
    }

    /// Every `SB` record counts, balance row or not.
    mutating func countRow() {
        sectionRows += 1
        reportRows += 1
    }

    mutating func add(_ row: ProcessorRow) {
        let gross = Self.fileUnits(row.grossCents, row.currency)
        let fee = Self.fileUnits(row.feeCents, row.currency)
        var totals = Totals()
        if gross >= 0 { totals.grossCredit = gross } else { totals.grossDebit = -gross }
        if row.type == .payout, gross < 0 { totals.withdrawals = -gross }
        if fee >= 0 { totals.feeDebit = fee } else { totals.feeCredit = -fee }
        section[row.currency, default: Totals()].merge(totals)
        report[row.currency, default: Totals()].merge(totals)
    }

    /// `SF`/`RF`: type, currency, gross CR, gross DR, fee CR, fee DR, then balances.
    func checkTotals(_ fields: [String], isReport: Bool, record: Int, warnings: inout WarningLog) {
        let kind = isReport ? "RF" : "SF"
        let numbers = fields.dropFirst(2).prefix(4).map { Int64($0.trimmingCharacters(in: .whitespaces)) }
        guard fields.count >= 6, numbers.count == 4, numbers.allSatisfy({ $0 != nil }) else {
            warnings.add(
                "report_trailer_mismatch", record: record,
                "\(kind) trailer is not currency, gross CR, gross DR, fee CR, fee DR: not checked")
            return
        }
        let currency = fields[1].trimmingCharacters(in: .whitespaces)
        let totals = (isReport ? report : section)[currency] ?? Totals()
        let (grossCredit, grossDebit, fee1, fee2) = (numbers[0]!, numbers[1]!, numbers[2]!, numbers[3]!)
        let grossMatches =
            grossCredit == totals.grossCredit
            && (grossDebit == totals.grossDebit || grossDebit == totals.grossDebit - totals.withdrawals)
        let feesMatch =
            (fee1 == totals.feeCredit && fee2 == totals.feeDebit)
            || (fee1 == totals.feeDebit && fee2 == totals.feeCredit)
        guard !(grossMatches && feesMatch) else { return }
        warnings.add(
            "report_trailer_mismatch", record: record,
            "\(kind) \(currency) says gross CR \(grossCredit), DR \(grossDebit), fees \(fee1)/\(fee2); the rows give "
                + "gross CR \(totals.grossCredit), DR \(totals.grossDebit), fee CR \(totals.feeCredit), "
                + "DR \(totals.feeDebit) (×100)")
    }

    /// `SC` (rows of the section), `RC` (rows of the report), `FF` (rows of this file: taken as
    /// either the `SB` rows or all records, the fixtures do not settle which).
    func checkCount(_ fields: [String], kind: String, fileRecords: Int, warnings: inout WarningLog) {
        let stated = fields.count > 1 ? Int(fields[1].trimmingCharacters(in: .whitespaces)) : nil
        let accepted: [Int] =
            switch kind {
            case "SC": [sectionRows]
            case "RC": [reportRows]
            default: [reportRows, fileRecords]
            }
        guard let stated, accepted.contains(stated) else {
            warnings.add(
                "report_trailer_mismatch", record: fileRecords,
                "\(kind) trailer says \(fields.count > 1 ? fields[1] : "nothing"), the file has \(accepted[0]) SB rows")
            return
        }
    }

    /// Back to the file's unit: PayPal writes every currency ×100 (one yen is 100 in the file,
    /// one fils of KWD 0.1).
    private static func fileUnits(_ minorUnits: Int64, _ currency: String) -> Int64 {
        switch CurrencyCode.exponent(of: currency) {
        case 0: minorUnits * 100
        case 3: minorUnits / 10
        default: minorUnits
        }
    }
}
