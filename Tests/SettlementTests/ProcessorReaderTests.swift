import Domain
import Foundation
import Testing

@testable import Settlement

/// Hand-made inputs: what the readers refuse (with the record), BOM and CRLF, time zones, and the
/// order-reference and amount parsers.
@Suite struct ProcessorReaderTests {
    static let stripeHeader =
        "automatic_payout_id,automatic_payout_effective_at_utc,balance_transaction_id,created_utc,"
        + "available_on_utc,currency,gross,fee,net,reporting_category,source_id,charge_id,payment_intent_id,"
        + "payment_metadata[order_id],description"

    static let stlHeader = """
        "CH","Transaction ID","Invoice ID","PayPal Reference ID","PayPal Reference ID Type",\
        "Transaction Event Code","Transaction Initiation Date","Transaction Completion Date",\
        "Transaction Debit or Credit","Gross Transaction Amount","Gross Transaction Currency",\
        "Fee Debit or Credit","Fee Amount","Fee Currency","Custom Field"
        """

    static func stlRow(
        _ id: String = "7AB", code: String = "T0006", direction: String = "CR", gross: String = "3000",
        currency: String = "EUR", feeDirection: String = "DR", fee: String = "70", feeCurrency: String = "EUR"
    ) -> String {
        "\"SB\",\"\(id)\",\"OC-PAR11-101\",\"4H8\",\"TXN\",\"\(code)\",2026/03/14 10:00:00 -0700,"
            + "2026/03/14 10:00:00 -0700,\"\(direction)\",\(gross),\"\(currency)\",\"\(feeDirection)\",\(fee),"
            + "\"\(feeCurrency)\",\"\""
    }

    /// Reads `text` as `format`, returning the rows or the refusal.
    static func read(_ text: String, as format: SettlementFormat) throws -> (ProcessorFileSummary, [ProcessorRow]) {
        try read(Array(text.utf8), as: format)
    }

    static func read(_ bytes: [UInt8], as format: SettlementFormat) throws -> (ProcessorFileSummary, [ProcessorRow]) {
        try ProcessorTestFiles.withFile(bytes) { path in
            var rows: [ProcessorRow] = []
            let summary = try ProcessorReportReader.read(
                path: path, name: "test.csv", format: format, localTimeZone: ProcessorTestFiles.paris
            ) { rows.append($0) }
            return (summary, rows)
        }
    }

    static func refusal(_ text: String, as format: SettlementFormat) -> SettlementFileError? {
        refusal(Array(text.utf8), as: format)
    }

    static func refusal(_ bytes: [UInt8], as format: SettlementFormat) -> SettlementFileError? {
        do {
            _ = try read(bytes, as: format)
            return nil
        } catch {
            return error as? SettlementFileError
        }
    }

    // MARK: Refused files

    @Test func shortSBRowIsRefusedWithItsRecord() {
        let short = Self.stlRow().split(separator: ",").dropLast(2).joined(separator: ",")
        let error = Self.refusal([Self.stlHeader, Self.stlRow(), short].joined(separator: "\n"), as: .paypalSTL)
        #expect(error?.code == "field_count")
        #expect(error?.record == 3)
        #expect(error?.message == "13 fields, header has 15")
    }

    @Test func badDebitOrCreditIsRefused() {
        let error = Self.refusal(Self.stlHeader + "\n" + Self.stlRow(direction: "CD"), as: .paypalSTL)
        #expect(error?.code == "bad_debit_credit")
        #expect(error?.record == 2)
        let fee = Self.refusal(Self.stlHeader + "\n" + Self.stlRow(feeDirection: "X"), as: .paypalSTL)
        #expect(fee?.code == "bad_debit_credit")
    }

    @Test func payPalAmountsAreCheckedAgainstTheCurrency() throws {
        #expect(Self.refusal(Self.stlHeader + "\n" + Self.stlRow(gross: "12.5"), as: .paypalSTL)?.code == "bad_amount")
        // ×100 for every currency: JPY 15050 would be 150.5 yen.
        let yen = Self.refusal(
            Self.stlHeader + "\n"
                + Self.stlRow(currency: "JPY", fee: "0", feeCurrency: "JPY").replacingOccurrences(
                    of: ",3000,", with: ",15050,"), as: .paypalSTL)
        #expect(yen?.code == "sub_cent_amount")
        let currencies = Self.refusal(Self.stlHeader + "\n" + Self.stlRow(feeCurrency: "USD"), as: .paypalSTL)
        #expect(currencies?.code == "fee_currency")
        let (_, rows) = try Self.read(Self.stlHeader + "\n" + Self.stlRow(), as: .paypalSTL)
        #expect(rows.first?.grossCents == 3000 && rows.first?.feeCents == 70 && rows.first?.netCents == 2930)
        #expect(rows.first?.orderReference == "OC-PAR11-101")
    }

    @Test func subCentStripeAmountIsRefused() throws {
        let row =
            "po_1,2026-03-16 00:00:00,txn_1,2026-03-14 10:00:00,2026-03-16 00:00:00,eur,12.345,0.00,12.345,"
            + "charge,ch_1,ch_1,pi_1,,"
        let error = Self.refusal(Self.stripeHeader + "\n" + row, as: .stripePayoutReconciliation)
        #expect(error?.code == "sub_cent_amount")
        #expect(error?.record == 2)
        // Trailing zeros are no precision: 12.340 is 12.34.
        let (_, rows) = try Self.read(
            Self.stripeHeader + "\n" + row.replacingOccurrences(of: "12.345", with: "12.340"),
            as: .stripePayoutReconciliation)
        #expect(rows.first?.grossCents == 1234)
    }

    @Test func stripeNetMustBeGrossMinusFee() {
        let row = "po_1,,txn_1,2026-03-14 10:00:00,,eur,30.00,0.70,29.40,charge,,,,,"
        #expect(Self.refusal(Self.stripeHeader + "\n" + row, as: .stripePayoutReconciliation)?.code == "net_mismatch")
    }

    @Test func invalidUTF8IsRefusedWithItsRecord() {
        var bytes = Array(
            (Self.stripeHeader + "\npo_1,,txn_1,2026-03-14 10:00:00,,eur,30.00,0.70,29.30,charge,,,,,ok\n").utf8)
        bytes += Array("po_1,,txn_2,2026-03-14 10:00:00,,eur,30.00,0.70,29.30,charge,,,,,caf".utf8) + [0xE9, 0x0A]
        let error = Self.refusal(bytes, as: .stripePayoutReconciliation)
        #expect(error?.code == "invalid_utf8")
        #expect(error?.record == 3)
    }

    /// CSV.swift does not report text after a closing quote (`"30.00"5` becomes two fields): the
    /// readers' check of every row's field count refuses the row instead, naming it.
    @Test func textAfterAClosingQuoteInAnAmountIsRefused() {
        let row = "po_1,,txn_1,2026-03-14 10:00:00,,eur,\"30.00\"5,0.70,29.30,charge,,,,,ok"
        let error = Self.refusal(Self.stripeHeader + "\n" + row, as: .stripePayoutReconciliation)
        #expect(error?.code == "field_count")
        #expect(error?.record == 2)
    }

    @Test func unclosedQuoteIsRefused() {
        let row = "po_1,,txn_1,2026-03-14 10:00:00,,eur,30.00,0.70,29.30,charge,,,,,\"never closed"
        #expect(Self.refusal(Self.stripeHeader + "\n" + row, as: .stripePayoutReconciliation)?.code == "malformed_row")
    }

    @Test func anErrorOfTheCallerPropagatesUnchanged() throws {
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            _ = try ProcessorReportReader.read(
                path: ProcessorTestFiles.corpus("stripe/hledger_stripe_balance_change_from_activity.csv"),
                name: "x", format: .stripeActivity, localTimeZone: ProcessorTestFiles.paris
            ) { _ in throw Stop() }
        }
    }

    // MARK: BOM, CRLF, quoting

    @Test func bomAndCRLFGiveTheSameRowsAsLF() throws {
        let rows = [
            Self.stripeHeader,
            "po_S1,2026-03-16 00:00:00,txn_1,2026-03-14 19:05:00,2026-03-16 00:00:00,eur,30.00,0.70,29.30,charge,"
                + "ch_1,ch_1,pi_S101,OC-PAR11-101,\"Commande 101, pizza \"\"maison\"\"\r\nlivrée\"",
            "po_S1,2026-03-16 00:00:00,txn_2,2026-03-14 20:10:00,2026-03-16 00:00:00,eur,24.50,0.62,23.88,charge,"
                + "ch_2,ch_2,pi_S102,,Commande OC-PAR11-102",
        ]
        let (_, lf) = try Self.read(rows.joined(separator: "\n") + "\n", as: .stripePayoutReconciliation)
        let (_, crlf) = try Self.read(
            [0xEF, 0xBB, 0xBF] + Array((rows.joined(separator: "\r\n") + "\r\n").utf8), as: .stripePayoutReconciliation)
        #expect(lf == crlf)
        #expect(lf.count == 2)
        #expect(lf[0].description == "Commande 101, pizza \"maison\"\r\nlivrée")
        #expect(lf[1].record == 3)
        #expect(lf[1].orderReference == "OC-PAR11-102")
        #expect(lf[0].payoutID == "po_S1" && lf[0].sourceReference == "pi_S101" && lf[0].relatedReference == "ch_1")
    }

    @Test func recordsSurviveEveryChunkBoundary() throws {
        let text = "a,\"b,\"\"c\"\"\r\nd\",é\r\n\r\n\"\",x\n"
        let whole = try ProcessorTestFiles.withFile(text) { path in try Self.records(path, chunkSize: 1 << 20) }
        #expect(whole == [["a", "b,\"c\"\r\nd", "é"], [""], ["", "x"]])
        for size in 1...8 {
            let chunked = try ProcessorTestFiles.withFile([0xEF, 0xBB, 0xBF] + Array(text.utf8)) { path in
                try Self.records(path, chunkSize: size)
            }
            #expect(chunked == whole, "chunk size \(size)")
        }
    }

    static func records(_ path: String, chunkSize: Int) throws -> [[String]] {
        var reader = try CSVRecordReader(path: path, name: "t", chunkSize: chunkSize)
        var fields: [String] = []
        var records: [[String]] = []
        while try reader.next(into: &fields) { records.append(fields) }
        return records
    }

    // MARK: Times

    @Test func stripeLocalTimesAreReadInTheReportZone() throws {
        let header = "balance_transaction_id,created,available_on,currency,gross,fee,net,reporting_category"
        let text = [
            header,
            "txn_1,2026-10-25 02:30:00,2026-10-27,eur,10.00,0.00,10.00,charge",  // repeated hour
            "txn_2,2026-03-29 00:05:00,2026-03-31,eur,10.00,0.00,10.00,charge",
        ].joined(separator: "\n")
        let (summary, rows) = try Self.read(text, as: .stripeActivity)
        #expect(Set(summary.warnings.map(\.code)) == ["stripe_local_times", "ambiguous_local_time"])
        // 02:30 CEST (the first of the two) = 00:30 UTC.
        #expect(rows[0].occurredAt == Date(timeIntervalSince1970: 1_792_888_200))
        #expect(rows[0].sourceTime == "2026-10-25 02:30:00 Europe/Paris")
        #expect(rows[1].occurredAt == Date(timeIntervalSince1970: 1_774_739_100))  // 23:05 UTC on the 28th
        #expect(rows[1].availableOn == (try LocalDate(year: 2026, month: 3, day: 31)))
    }

    @Test func stripeAvailableOnIsAParisDate() throws {
        let row =
            "po_1,2026-03-29 23:30:00,txn_1,2026-03-28 23:05:00,2026-03-29 23:30:00,eur,10.00,0.00,10.00,"
            + "charge,,,,,"
        let (_, rows) = try Self.read(Self.stripeHeader + "\n" + row, as: .stripePayoutReconciliation)
        #expect(rows[0].availableOn == (try LocalDate(year: 2026, month: 3, day: 30)))
        #expect(rows[0].payoutEffectiveAt == Date(timeIntervalSince1970: 1_774_827_000))
    }

    static let activityHeader =
        "\"Date\",\"Time\",\"TimeZone\",\"Type\",\"Status\",\"Currency\",\"Gross\",\"Fee\",\"Net\",\"Transaction ID\""

    @Test func englishActivityWithoutADecidingDateIsRefused() {
        let text =
            Self.activityHeader + "\n\"2/1/2020\",\"10:00:00\",\"PST\",\"Website Payment\",\"Completed\","
            + "\"USD\",\"10.00\",\"-0.50\",\"9.50\",\"T1\""
        let error = Self.refusal(text, as: .paypalActivity)
        #expect(error?.code == "ambiguous_date_order")
    }

    @Test func conflictingDateOrdersAreRefused() {
        let text = [
            Self.activityHeader,
            "\"13/1/2020\",\"10:00:00\",\"PST\",\"Website Payment\",\"Completed\",\"USD\",\"10.00\",\"0.00\",\"10.00\",\"T1\"",
            "\"1/13/2020\",\"10:00:00\",\"PST\",\"Website Payment\",\"Completed\",\"USD\",\"10.00\",\"0.00\",\"10.00\",\"T2\"",
        ].joined(separator: "\n")
        let error = Self.refusal(text, as: .paypalActivity)
        #expect(error?.code == "ambiguous_date_order")
        #expect(error?.record == 3)
    }

    @Test func unknownZoneIsRefused() {
        let text =
            Self.activityHeader + "\n\"13/1/2020\",\"10:00:00\",\"EST\",\"Website Payment\",\"Completed\","
            + "\"USD\",\"10.00\",\"-0.50\",\"9.50\",\"T1\""
        let error = Self.refusal(text, as: .paypalActivity)
        #expect(error?.code == "unknown_time_zone")
        #expect(error?.record == 2)
    }

    @Test func activityPendingRowsOtherThanWithdrawalsAreIgnored() throws {
        let text = [
            Self.activityHeader,
            "\"13/1/2020\",\"10:00:00\",\"PST\",\"Website Payment\",\"Pending\",\"USD\",\"10.00\",\"0.00\",\"10.00\",\"T1\"",
            "\"13/1/2020\",\"11:00:00\",\"PST\",\"General Withdrawal\",\"Pending\",\"USD\",\"-1,010.00\",\"0.00\",\"-1,010.00\",\"T2\"",
            "\"13/1/2020\",\"12:00:00\",\"PST\",\"Website Payment\",\"Denied\",\"USD\",\"10.00\",\"0.00\",\"10.00\",\"T3\"",
        ].joined(separator: "\n")
        let (summary, rows) = try Self.read(text, as: .paypalActivity)
        #expect(summary.rowsIgnored == 2)
        #expect(rows.map(\.transactionID) == ["T2"])
        #expect(rows[0].type == .payout && rows[0].payoutStatus == "pending" && rows[0].grossCents == -101_000)
    }

    @Test func activityNetMustBeGrossPlusFee() {
        let text =
            Self.activityHeader + "\n\"13/1/2020\",\"10:00:00\",\"PST\",\"Website Payment\",\"Completed\","
            + "\"USD\",\"10.00\",\"-0.50\",\"9.60\",\"T1\""
        #expect(Self.refusal(text, as: .paypalActivity)?.code == "net_mismatch")
    }

    // MARK: Parsers

    static func reference(_ text: String) -> String? {
        OrderReference.parse(text).map { "\($0.shop) \($0.number)" }
    }

    @Test func orderReferences() {
        #expect(Self.reference("OC-PAR-0007-12") == "PAR-0007 12")
        #expect(Self.reference("Commande OC-PAR11-106, merci") == "PAR11 106")
        #expect(Self.reference("ref OC-LYON2-1234567890") == "LYON2 123456789")  // {1,9} digits
        #expect(Self.reference("xOC-x OC-AB-7") == "AB 7")
        #expect(OrderReference.parse("OC-P-1") == nil)  // the shop part has 2 to 16 characters
        #expect(OrderReference.parse("oc-par11-106") == nil)
        #expect(OrderReference.parse("OC-PAR11-") == nil)
        #expect(OrderReference.parse("S") == nil)
        #expect(OrderReference.parse("OC-ABCDEFGHIJKLMNOPQ-5") == nil)  // 17-character shop
        #expect(OrderReference.find(in: "see OC-PAR-0007-12.")?.text == "OC-PAR-0007-12")
    }

    @Test func localisedAmounts() {
        func parse(
            _ text: String, _ exponent: Int = 2, _ decimal: Character = ".", _ grouping: Character? = nil
        )
            -> Int64?
        {
            try? AmountText.minorUnits(
                major: text, exponent: exponent, decimalSeparator: decimal.asciiValue!, grouping: grouping?.asciiValue
            ).get()
        }
        #expect(parse("1,653.75", 2, ".", ",") == 165_375)
        #expect(parse("-12,431.37", 2, ".", ",") == -1_243_137)
        #expect(parse("4.626,81", 2, ",", ".") == 462_681)
        #expect(parse("-1,78", 2, ",", ".") == -178)
        #expect(parse("1,50", 2, ".", ",") == nil)  // a group of 2 digits
        #expect(parse("1653.75") == 165_375)
        #expect(parse("-0.77") == -77)
        #expect(parse("1500", 0) == 1500)
        #expect(parse("1500.00", 0) == 1500)
        #expect(parse("1500.5", 0) == nil)
        #expect(parse("1.2345", 3) == nil)
        #expect(parse("1.234", 3) == 1234)
        #expect(parse("12.") == nil)
        #expect(parse("") == nil)
        #expect(parse("-") == nil)
        #expect(parse("1e3") == nil)
        #expect(parse("99999999999999999999") == nil)
    }
}
