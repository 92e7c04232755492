import Domain
import Foundation
import Settlement
import Testing

/// Files for the processor-reader tests: the shared corpus and throw-away files.
/// (Namespaced so the bank-statement and remittance tests of the same target can have their own.)
enum ProcessorTestFiles {
    /// `../shared/corpus/payments` beside the repository, else `$OCPIZZA_SHARED_DIR/corpus/payments`
    /// (for a checkout elsewhere).
    static var corpusDirectory: String {
        let beside = URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../shared/corpus/payments")
            .standardized.path
        if FileManager.default.fileExists(atPath: beside) { return beside }
        let shared = ProcessInfo.processInfo.environment["OCPIZZA_SHARED_DIR"] ?? "/work/shared"
        return shared + "/corpus/payments"
    }

    static func corpus(_ relative: String) -> String { corpusDirectory + "/" + relative }

    /// Writes `bytes` to a new temporary file, runs `body` with its path, removes it.
    static func withFile<T>(_ bytes: [UInt8], _ body: (String) throws -> T) throws -> T {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("settle-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try body(path)
    }

    static func withFile<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        try withFile(Array(text.utf8), body)
    }

    static let paris = TimeZone(identifier: "Europe/Paris")!

    /// Detects, then reads every row of a file.
    static func read(_ path: String) throws -> (SettlementFormat, ProcessorFileSummary, [ProcessorRow]) {
        let format = try SettlementFormatDetector.detect(path: path, name: path)
        var rows: [ProcessorRow] = []
        let summary = try ProcessorReportReader.read(
            path: path, name: path, format: format, localTimeZone: paris
        ) { rows.append($0) }
        return (format, summary, rows)
    }
}

/// Per currency: rows, Σ gross, Σ fee_cents, Σ net (minor units).
struct ProcessorCurrencyTotals: Equatable, CustomStringConvertible {
    var count = 0, gross: Int64 = 0, fee: Int64 = 0, net: Int64 = 0
    var description: String { "\(count): \(gross) / \(fee) / \(net)" }

    init(_ count: Int, _ gross: Int64, _ fee: Int64, _ net: Int64) {
        (self.count, self.gross, self.fee, self.net) = (count, gross, fee, net)
    }

    static func of(_ rows: [ProcessorRow]) -> [String: ProcessorCurrencyTotals] {
        var totals: [String: ProcessorCurrencyTotals] = [:]
        for row in rows {
            totals[row.currency, default: ProcessorCurrencyTotals(0, 0, 0, 0)].add(row)
        }
        return totals
    }

    private mutating func add(_ row: ProcessorRow) {
        count += 1
        gross += row.grossCents
        fee += row.feeCents
        net += row.netCents
    }
}

/// Every processor file of the corpus reads to the figures of the design note's §2.1 table
/// (docs/design/settle-payments.md): format, rows stored and ignored, per currency n / Σ gross /
/// Σ fee / Σ net, rows per type, and the named warnings. JPY is in yen.
@Suite struct ProcessorCorpusTests {
    struct Expected {
        var format: SettlementFormat
        var version: String? = nil
        var stored: Int
        var ignored = 0
        var totals: [String: ProcessorCurrencyTotals] = [:]
        var types: [ProcessorTransactionType: Int] = [:]
        var warnings: Set<String> = []
    }

    func check(_ relative: String, _ expected: Expected) throws -> [ProcessorRow] {
        let (format, summary, rows) = try ProcessorTestFiles.read(ProcessorTestFiles.corpus(relative))
        #expect(format == expected.format)
        #expect(summary.format == expected.format)
        #expect(summary.formatVersion == expected.version)
        #expect(summary.rowsRead == expected.stored)
        #expect(rows.count == expected.stored)
        #expect(summary.rowsIgnored == expected.ignored)
        #expect(ProcessorCurrencyTotals.of(rows) == expected.totals)
        #expect(Dictionary(grouping: rows, by: \.type).mapValues(\.count) == expected.types)
        #expect(Set(summary.warnings.map(\.code)) == expected.warnings, "\(summary.warnings)")
        for row in rows { #expect(row.netCents == row.grossCents - row.feeCents) }
        return rows
    }

    @Test func corpusIsThere() throws {
        let stripe = try FileManager.default.contentsOfDirectory(atPath: ProcessorTestFiles.corpus("stripe"))
        #expect(stripe.contains("hledger_stripe_balance_change_from_activity.csv"))
    }

    // MARK: Stripe

    @Test func stripeBalanceChangeFromActivity() throws {
        let rows = try check(
            "stripe/hledger_stripe_balance_change_from_activity.csv",
            Expected(
                format: .stripeActivity, stored: 2, totals: ["USD": .init(2, 1123, 0, 1123)],
                types: [.charge: 1, .refund: 1]))
        #expect(rows[1].grossCents == -77)
        #expect(rows[0].transactionID == "txn_14G11HjubSIHf9IKrvJdwN")
        #expect(rows[0].eventCode == nil)
        #expect(rows[0].occurredAt == Date(timeIntervalSince1970: 1_579_767_989))
        #expect(rows[0].sourceTime == "2020-01-23 08:26:29 UTC")
        #expect(rows[0].availableOn == (try LocalDate(year: 2020, month: 1, day: 27)))
        #expect(rows[0].payoutID == nil && rows[0].sourceReference == nil)
        #expect(rows[1].description == "REFUND FOR PAYMENT")
    }

    // MARK: PayPal STL

    @Test func stl() throws {
        let rows = try check(
            "paypal/stl/smashpig_stl.csv",
            Expected(
                format: .paypalSTL, stored: 5,
                totals: ["AUD": .init(2, 5735, 300, 5435), "GBP": .init(3, 600, 40, 560)],
                types: [.charge: 3, .refund: 1, .payout: 1],
                // SF and RF AUD say fees 300/600 where the rows have DR 300, CR 0.
                warnings: ["report_trailer_mismatch"]))
        let refund = try #require(rows.first { $0.type == .refund })
        #expect(refund.feeCents == -47 && refund.netCents == -87)
        let payout = try #require(rows.first { $0.type == .payout })
        #expect(payout.grossCents == -100 && payout.traceID == "1047428557493" && payout.eventCode == "T0400")
        #expect(rows[0].orderReference == "2444.1" && rows[0].sourceReference == "4H844")
        #expect(rows[0].relatedReference == "TXN")
        // 2026/01/06 00:00:30 -0800 is 08:00:30 UTC.
        #expect(rows[0].occurredAt == Date(timeIntervalSince1970: 1_767_686_430))
        #expect(rows[0].sourceTime == "2026/01/06 00:00:30 -0800")
    }

    @Test func stlBRLRefund() throws {
        _ = try check(
            "paypal/stl/smashpig_stl_brl_refund.csv",
            Expected(
                format: .paypalSTL, version: "009", stored: 3,
                totals: ["BRL": .init(2, -338, -338, 0), "USD": .init(1, -211, 0, -211)],
                types: [.refund: 1, .conversion: 2]))
    }

    @Test func stlChargebackReversal() throws {
        _ = try check(
            "paypal/stl/smashpig_stl_chargeback_reversal.csv",
            Expected(
                format: .paypalTRR, stored: 2, totals: ["USD": .init(2, 4600, 0, 4600)],
                types: [.disputeReversal: 1, .fee: 1], warnings: ["status_missing"]))
    }

    @Test func stlChargebackWithFee() throws {
        let rows = try check(
            "paypal/stl/smashpig_stl_chargeback_with_fee.csv",
            Expected(
                format: .paypalTRR, stored: 2, totals: ["USD": .init(2, -2300, 0, -2300)],
                types: [.dispute: 1, .disputeFee: 1],
                // Not in the design note's table, but the rule it states (§1.3): this TRR-shaped
                // file's Transactional Status is empty too.
                warnings: ["status_missing"]))
        #expect(rows[1].sourceReference == "5K823")
    }

    @Test func stlCurrencyConvert() throws {
        _ = try check(
            "paypal/stl/smashpig_stl_currency_convert.csv",
            Expected(
                format: .paypalSTL, stored: 3,
                totals: ["BRL": .init(2, 360, 360, 0), "USD": .init(1, 327, 0, 327)],
                types: [.charge: 1, .conversion: 2]))
    }

    @Test func stlDRPayment() throws {
        let rows = try check(
            "paypal/stl/smashpig_stl_dr_payment.csv",
            Expected(
                format: .paypalSTL, stored: 2, totals: ["USD": .init(2, 37000, 700, 36300)],
                types: [.charge: 1, .adjustment: 1], warnings: ["unexpected_transaction"]))
        // Row 2 is shifted: `S` lands in Custom Field, kept as read (it is no OC- reference).
        #expect(rows[1].orderReference == "S" && rows[1].grossCents == -15000 && rows[1].feeCents == 499)
    }

    @Test func stlPayoutCurrencyConvert() throws {
        _ = try check(
            "paypal/stl/smashpig_stl_payout_currency_convert.csv",
            Expected(
                format: .paypalSTL, stored: 3,
                totals: ["AUD": .init(2, 10000, 0, 10000), "USD": .init(1, 12000, 0, 12000)],
                types: [.charge: 1, .conversion: 2]))
    }

    // MARK: PayPal TRR

    @Test func trrDRPayment() throws {
        _ = try check(
            "paypal/trr/smashpig_trr_dr_payment.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["USD": .init(1, -15000, 499, -15499)],
                types: [.adjustment: 1], warnings: ["unexpected_transaction"]))
    }

    @Test func trrExpressCheckoutDonation() throws {
        let rows = try check(
            "paypal/trr/smashpig_trr_express_checkout_donation.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["JPY": .init(1, 150, 43, 107)], types: [.charge: 1]))
        #expect(rows[0].orderReference == "46239229.1")
        #expect(rows[0].description == "Donation to the Wikimedia Foundation")
    }

    @Test func trrDenied() throws {
        _ = try check(
            "paypal/trr/smashpig_trr_express_checkout_donation_denied.csv",
            Expected(format: .paypalTRR, stored: 0, ignored: 1))
    }

    @Test func trrRecurringDonation() throws {
        let rows = try check(
            "paypal/trr/smashpig_trr_express_checkout_recurring_donation.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["JPY": .init(1, 150, 43, 107)], types: [.charge: 1]))
        #expect(rows[0].eventCode == "T0002")
    }

    @Test func trrRecurringRefund() throws {
        _ = try check(
            "paypal/trr/smashpig_trr_express_checkout_recurring_refund.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["JPY": .init(1, -150, -43, -107)], types: [.refund: 1]))
    }

    @Test func trrRefund() throws {
        let rows = try check(
            "paypal/trr/smashpig_trr_express_checkout_refund.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["JPY": .init(1, -150, -43, -107)], types: [.refund: 1]))
        #expect(rows[0].sourceReference == "1V551844CE5526421" && rows[0].relatedReference == "TXN")
    }

    @Test func trrWithNonDataRows() throws {
        _ = try check(
            "paypal/trr/smashpig_trr_express_with_non_data_rows.csv",
            Expected(
                format: .paypalTRR, version: "008", stored: 1, totals: ["JPY": .init(1, 150, 43, 107)],
                types: [.charge: 1], warnings: ["report_trailer_mismatch"]))
    }

    @Test func trrGiveLively() throws {
        let rows = try check(
            "paypal/trr/smashpig_trr_give_lively.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["JPY": .init(1, 150, 43, 107)], types: [.charge: 1]))
        #expect(rows[0].eventCode == "T0013" && rows[0].orderReference == nil)
    }

    @Test func trrGivingFund() throws {
        _ = try check(
            "paypal/trr/smashpig_trr_giving_fund.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["JPY": .init(1, 150, 43, 107)], types: [.charge: 1]))
    }

    @Test func trrGrant() throws {
        let rows = try check(
            "paypal/trr/smashpig_trr_grant.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["USD": .init(1, 50000, 0, 50000)], types: [.charge: 1]))
        #expect(rows[0].eventCode == "T0001")
    }

    @Test func trrGravyDonation() throws {
        _ = try check(
            "paypal/trr/smashpig_trr_gravy_donation.csv",
            Expected(
                format: .paypalTRR, stored: 1, totals: ["BRL": .init(1, 3200, 392, 2808)], types: [.charge: 1]))
    }

    @Test func trrVoid() throws {
        _ = try check("paypal/trr/smashpig_trr_void.csv", Expected(format: .paypalTRR, stored: 0, ignored: 2))
    }

    // MARK: PayPal activity download

    @Test func activityEnglishDayFirst() throws {
        let rows = try check(
            "paypal/activity-download/oca_activity_en.csv",
            Expected(
                format: .paypalActivity, version: "en", stored: 76,
                totals: [
                    "AUD": .init(2, 0, 0, 0), "EUR": .init(29, 4334, 0, 4334), "USD": .init(45, 292_778, 292_588, 190),
                ],
                types: [.charge: 26, .conversion: 32, .payout: 14, .adjustment: 4]))
        let payouts = rows.filter { $0.type == .payout }
        #expect(payouts.allSatisfy { $0.payoutStatus == "pending" })
        #expect(rows.filter { $0.type != .payout }.allSatisfy { $0.payoutStatus == nil })
        // "29/12/2015","07:45:51","PST" → 15:45:51 UTC.
        #expect(rows[0].occurredAt == Date(timeIntervalSince1970: 1_451_403_951))
        #expect(rows[0].eventCode == "A:General Payment" && rows[0].feeCents == 425 && rows[0].netCents == 7975)
        #expect(rows[3].orderReference == "31" && rows[3].sourceReference == "RTID1")
    }

    @Test func activityEnglishMonthFirst() throws {
        let rows = try check(
            "paypal/activity-download/oca_statement_en.csv",
            Expected(
                format: .paypalActivity, version: "en", stored: 19,
                totals: ["EUR": .init(8, 0, 0, 0), "USD": .init(11, 109_680, 81650, 28030)],
                types: [.charge: 7, .conversion: 8, .payout: 4]))
        // "9/27/2018","18:16:12","CET" among America/Los_Angeles rows.
        let cet = try #require(rows.first { $0.transactionID == "TID16" })
        #expect(cet.occurredAt == Date(timeIntervalSince1970: 1_538_068_572))
        // "9/4/2018","21:15:11","America/Los_Angeles" (PDT, −7) → 2018-09-05 04:15:11 UTC.
        #expect(rows[0].occurredAt == Date(timeIntervalSince1970: 1_536_120_911))
        #expect(rows.filter { $0.type == .payout }.allSatisfy { $0.payoutStatus == nil })
    }

    @Test func activitySpanish() throws {
        let rows = try check(
            "paypal/activity-download/oca_statement_es.csv",
            Expected(
                format: .paypalActivity, version: "es", stored: 4, totals: ["EUR": .init(4, 13644, 536, 13108)],
                types: [.charge: 4], warnings: ["date_order_from_locale"]))
        // "2/1/2020" read day first: 2 January 2020, 11:05:56 Europe/Berlin (CET) = 10:05:56 UTC.
        #expect(rows[0].occurredAt == Date(timeIntervalSince1970: 1_577_959_556))
    }
}
