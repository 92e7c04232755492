import Domain
import Foundation

/// PayPal's daily Settlement Report, STL version 009 (FORMATS.md §2.2–2.3): `RH`, `FH`, `SH`,
/// `CH`, a `SB` row per balance event, `SF`/`SC` and `RF`/`RC`/`FF` trailers. Window A: the day
/// runs in Pacific time and every time carries its offset (-0800, or -0700 in summer). Amounts
/// are unsigned integers ×100 with CR/DR.
extension PaymentFilesWriter {
    static let paypalColumns = [
        "Transaction ID", "Invoice ID", "PayPal Reference ID", "PayPal Reference ID Type", "Transaction Event Code",
        "Transaction Initiation Date", "Transaction Completion Date", "Transaction Debit or Credit",
        "Gross Transaction Amount", "Gross Transaction Currency", "Fee Debit or Credit", "Fee Amount", "Fee Currency",
        "Custom Field", "Consumer ID", "Payment Tracking ID", "Store ID", "Bank Reference ID",
        "Credit Transactional Fee", "Credit Promotional Fee", "Credit Term",
    ]

    /// The daily sweep of the balance to the bank (T0400).
    struct PayPalWithdrawal {
        var id: String
        var bankReference: String
        /// 23:30 Pacific time, after the day's last capture.
        var at: Int64
        var amount: Int64
        /// The Paris date of the withdrawal: when the bank can show it.
        var arrival: LocalDate
    }

    /// One Pacific day of captures, and the withdrawal that empties the balance at its end.
    struct PayPalDay {
        var date: LocalDate
        var captures: [PayPalCapture]
        var withdrawal: PayPalWithdrawal
    }
}

extension PaymentFilesWriter.Plan {
    /// Every day with captures whose withdrawal has reached Paris by `to`.
    func paypalDays() -> [Writer.PayPalDay] {
        var byDay: [LocalDate: [Writer.PayPalCapture]] = [:]
        for capture in data.paypal {
            byDay[FileClock.date(of: capture.at, in: FileClock.pacific), default: []].append(capture)
        }
        return byDay.keys.sorted().compactMap { date in
            let captures = byDay[date, default: []].sorted { ($0.at, $0.capture) < ($1.at, $1.capture) }
            let at = FileClock.instant(date, 23, 30, 0, in: FileClock.pacific)
            let arrival = FileClock.date(of: at, in: FileClock.paris)
            guard arrival <= to else { return nil }
            let amount = captures.reduce(Int64(0)) { $0 + $1.amount - Writer.paypalFee($1.amount) }
            let withdrawal = Writer.PayPalWithdrawal(
                id: token("paypal-withdrawal", date.isoString, 17, .upper),
                bankReference: "1" + token("paypal-bank-reference", date.isoString, 12, .digits), at: at,
                amount: amount, arrival: arrival)
            return Writer.PayPalDay(date: date, captures: captures, withdrawal: withdrawal)
        }
    }

    func paypalSTL(_ day: Writer.PayPalDay) -> [UInt8] {
        let account = "OCPZ" + token("paypal-account", "", 9, .upper)
        var draw = random("paypal-report-time", day.date.isoString)
        let generated = FileClock.instant(
            day.date.adding(days: 1), 2, draw.between(0, 59), draw.between(0, 59), in: FileClock.pacific)
        let start = FileClock.instant(day.date, 0, 0, 0, in: FileClock.pacific)
        let end = FileClock.instant(day.date, 23, 59, 59, in: FileClock.pacific)
        func quoted(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        var lines = [
            "\"RH\",\(FileClock.paypalText(generated)),\"A\",\(quoted(account)),009,",
            "\"FH\",01",
            "\"SH\",\(FileClock.paypalText(start)),\(FileClock.paypalText(end)),\(quoted(account)),\"\"",
            (["CH"] + Writer.paypalColumns).map(quoted).joined(separator: ","),
        ]
        var grossCredit: Int64 = 0
        var feeDebit: Int64 = 0
        for capture in day.captures {
            let fee = Writer.paypalFee(capture.amount)
            let time = FileClock.paypalText(capture.at)
            let payer = token("paypal-payer", capture.capture, 13, .upper)
            lines.append(
                [
                    quoted("SB"), quoted(capture.capture), quoted(capture.orderReference),
                    quoted(capture.authorisation),
                    quoted("TXN"), quoted("T0006"), time, time, quoted("CR"), String(capture.amount), quoted("EUR"),
                    quoted("DR"), String(fee), quoted("EUR"), quoted(""), quoted(payer), quoted(""), quoted(""),
                    quoted(""), "", "", "",
                ].joined(separator: ","))
            grossCredit += capture.amount
            feeDebit += fee
        }
        let withdrawal = day.withdrawal
        let time = FileClock.paypalText(withdrawal.at)
        lines.append(
            [
                quoted("SB"), quoted(withdrawal.id), quoted(""), quoted(""), quoted(""), quoted("T0400"), time, time,
                quoted("DR"), String(withdrawal.amount), quoted("EUR"), quoted(""), "", quoted(""), quoted(""),
                quoted(""), quoted(""), quoted(""), quoted(withdrawal.bankReference), "", "", "",
            ].joined(separator: ","))
        // Totals: gross CR, gross DR (the withdrawal included), fee CR, fee DR; the balance is
        // swept every night, so it starts and ends each day at zero.
        let rows = day.captures.count + 1
        let totals =
            "\"EUR\",\(grossCredit),\(withdrawal.amount),0,\(feeDebit),"
            + Array(repeating: "\"CR\",0", count: 6).joined(separator: ",")
        lines += [
            "\"SF\"," + totals, "\"SC\",\(rows)", "\"RF\"," + totals, "\"RC\",\(rows)", "\"FF\",\(rows)",
        ]
        return Array((lines.joined(separator: "\n") + "\n").utf8)
    }
}
