import Foundation
import Jobs
import Postgres
import TestSupport
import Testing

/// Hand-written settlement scenarios (design note §4) on a real PostgreSQL: every figure below is
/// computed by hand from the files in the test.
@Suite("Settle payments: scenarios with hand-computed outcomes")
struct SettlePaymentsScenarioTests {
    /// Two Stripe charges paid out together (derived payout po_S1 = 29.30 + 23.88 = 53.18) and
    /// the bank credit of 53.18 from STRIPE: both orders settled, nothing for the accountant.
    static func settledFiles(lineEnd: String = "\n", bom: Bool = false) -> [(String, String)] {
        var stripe = StripeReport(lineEnd: lineEnd)
        stripe.add(
            "charge", txn: "txn_101", created: "2026-03-14 18:10:00", gross: "30.00", fee: "0.70", pi: "pi_S101",
            payout: "po_S1", payoutAt: "2026-03-16 00:00:00", description: "Commande 101, \"pizza\"")
        stripe.add(
            "charge", txn: "txn_102", created: "2026-03-14 19:05:00", gross: "24.50", fee: "0.62", pi: "pi_S102",
            payout: "po_S1", payoutAt: "2026-03-16 00:00:00")
        let bank = BankStatementText(
            id: "STMT-0316", entries: [.init(amount: "53.18", bookingDate: "2026-03-16", reference: "B0316-1")])
        return [("s01-stripe.csv", (bom ? "\u{FEFF}" : "") + stripe.text), ("s01-bank.xml", bank.text)]
    }

    @Test("settled: two charges, their payout and its bank credit; fees and net recorded; nothing to report")
    func settled() async throws {
        try await SettlementChain.with { chain in
            try await chain.order(101, total: 3000, at: "2026-03-14T19:10:00+01:00", reference: "pi_S101")
            try await chain.order(102, total: 2450, at: "2026-03-14T20:05:00+01:00", reference: "pi_S102")
            let (report, job) = try await chain.settle(Self.settledFiles(), asOf: "2026-03-17")
            #expect(report.exitCode == 0, "\(report.summary)")
            #expect(job.results.map(\.outcome) == [.imported, .imported])
            #expect(try await chain.paymentStatus(101) == "settled")
            #expect(try await chain.paymentStatus(102) == "settled")
            #expect(try await chain.paymentEvents(101) == ["captured>settled"])
            #expect(try await chain.openDiscrepancies() == [])
            let outcome = try await chain.strings(
                """
                SELECT outcome || ' ' || received_cents || ' ' || fee_cents || ' ' || net_cents FROM order_settlement
                ORDER BY order_number
                """)
            #expect(outcome == ["settled 3000 70 2930", "settled 2450 62 2388"])
            #expect(
                try await chain.strings(
                    "SELECT m.rule || ' ' || p.amount_cents FROM payout_bank_match m JOIN payout p ON p.id = m.payout_id"
                )
                    == ["amount_window_name 5318"])
            // The settled event is dated at the bank booking (12:00 Paris), business date of that day.
            #expect(
                try await chain.strings(
                    "SELECT business_date::text FROM order_event WHERE kind = 'payment' AND to_status = 'settled' LIMIT 1"
                )
                    == ["2026-03-16"])

            // Run again with nothing new: nothing moves, nothing is added.
            let again = try await chain.settle(paths: [try Self.emptyFolder(chain)], asOf: "2026-03-17")
            #expect(again.0.exitCode == 0)
            #expect(try await chain.int("SELECT count(*) FROM order_event") == 2)
            #expect(try await chain.int("SELECT count(*) FROM payment_transaction_match") == 2)
        }
    }

    static func emptyFolder(_ chain: SettlementChain) throws -> String {
        let folder = chain.varDirectory + "/empty-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("same file twice: the second is a duplicate, moved to rejected/ with a reason, exit 65, nothing doubled")
    func sameFileTwice() async throws {
        try await SettlementChain.with { chain in
            try await chain.order(101, total: 3000, at: "2026-03-14T19:10:00+01:00", reference: "pi_S101")
            try await chain.order(102, total: 2450, at: "2026-03-14T20:05:00+01:00", reference: "pi_S102")
            _ = try await chain.settle(Self.settledFiles(), asOf: "2026-03-17")
            let (report, job) = try await chain.settle([Self.settledFiles()[0]], asOf: "2026-03-17")
            #expect(report.exitCode == 65, "\(report.summary)")
            #expect(job.results.first?.outcome == .duplicate)
            let reason = try String(
                contentsOfFile: chain.varDirectory + "/rejected/payments/s01-stripe.csv.reason.txt", encoding: .utf8)
            #expect(reason.contains("duplicate"), "\(reason)")
            #expect(try await chain.int("SELECT count(*) FROM processor_transaction") == 2)
        }
    }

    @Test("BOM, Windows line ends and quoted commas: the same rows as the LF file, all known; nothing doubled")
    func bomAndCRLF() async throws {
        try await SettlementChain.with { chain in
            try await chain.order(101, total: 3000, at: "2026-03-14T19:10:00+01:00", reference: "pi_S101")
            try await chain.order(102, total: 2450, at: "2026-03-14T20:05:00+01:00", reference: "pi_S102")
            _ = try await chain.settle(Self.settledFiles(), asOf: "2026-03-17")
            let windows = Self.settledFiles(lineEnd: "\r\n", bom: true)[0]
            let (report, job) = try await chain.settle([("s12-bom-crlf.csv", windows.1)], asOf: "2026-03-17")
            #expect(report.exitCode == 0, "\(report.summary)")
            #expect(job.results.first?.outcome == .imported)
            #expect(job.results.first?.rowsKnown == 2)
            #expect(job.results.first?.rowsImported == 0)
            #expect(try await chain.int("SELECT count(*) FROM processor_transaction") == 2)
            #expect(
                try await chain.strings(
                    "SELECT description FROM processor_transaction WHERE transaction_id = 'txn_101'")
                    == ["Commande 101, \"pizza\""])
        }
    }

    @Test("overlapping reports: the rows of both files count once; the shared row is known")
    func overlappingReports() async throws {
        try await SettlementChain.with { chain in
            for (number, pi) in [(131, "pi_A"), (132, "pi_B"), (133, "pi_C")] {
                try await chain.order(number, total: 1000, at: "2026-03-14T19:00:00+01:00", reference: pi)
            }
            var first = StripeReport()
            first.add("charge", txn: "txn_A", created: "2026-03-14 18:00:00", gross: "10.00", pi: "pi_A")
            first.add("charge", txn: "txn_B", created: "2026-03-14 18:00:00", gross: "10.00", pi: "pi_B")
            var second = StripeReport()
            second.add("charge", txn: "txn_B", created: "2026-03-14 18:00:00", gross: "10.00", pi: "pi_B")
            second.add("charge", txn: "txn_C", created: "2026-03-14 18:00:00", gross: "10.00", pi: "pi_C")
            let (_, job) = try await chain.settle([("a.csv", first.text), ("b.csv", second.text)], asOf: "2026-03-15")
            #expect(job.results.map(\.rowsKnown) == [0, 1])
            #expect(try await chain.int("SELECT count(*) FROM processor_transaction") == 3)
            #expect(try await chain.int("SELECT sum(gross_cents)::bigint FROM processor_transaction") == 3000)
        }
    }

    @Test("settled with difference, paid but no order, duplicate payment, unpaid past due (online and in person)")
    func outcomes() async throws {
        try await SettlementChain.with { chain in
            // #103: charged 31.00 for 30.50.
            try await chain.order(103, total: 3050, at: "2026-03-14T19:00:00+01:00", reference: "pi_S103")
            // #104: captured, never charged; #111 captured too recently to be due.
            try await chain.order(104, total: 2200, at: "2026-03-14T20:00:00+01:00", reference: "pi_S104")
            try await chain.order(111, total: 1500, at: "2026-03-17T20:00:00+01:00", reference: "pi_S111")
            // #105: cash collected by the driver, in no remittance while later shifts are remitted.
            try await chain.order(105, total: 1800, method: "cash_on_delivery", at: "2026-03-14T20:30:00+01:00")
            try await chain.order(
                112, total: 1250, method: "counter_cash", at: "2026-03-17T18:30:00+01:00",
                collector: SettlementChain.cashier)
            // #106: paid twice, the second time by a PaymentIntent we never saw, naming the order.
            try await chain.order(106, total: 4000, at: "2026-03-15T12:00:00+01:00", reference: "pi_S106")
            var stripe = StripeReport()
            stripe.add(
                "charge", txn: "txn_103", created: "2026-03-14 18:00:00", gross: "31.00", fee: "0.72", pi: "pi_S103",
                payout: "po_O1", payoutAt: "2026-03-16 00:00:00")
            stripe.add(
                "charge", txn: "txn_X", created: "2026-03-15 10:00:00", gross: "18.00", fee: "0.52", pi: "pi_UNKNOWN")
            stripe.add(
                "charge", txn: "txn_106a", created: "2026-03-15 11:00:00", gross: "40.00", fee: "0.85", pi: "pi_S106")
            stripe.add(
                "charge", txn: "txn_106b", created: "2026-03-15 11:02:00", gross: "40.00", fee: "0.85", pi: "pi_S106b",
                order: "OC-PAR11-106")
            stripe.add("charge", txn: "txn_late", created: "2026-03-18 12:00:00", gross: "9.00", pi: "pi_LATE")
            let remittance = """
                shop,business_date,shift,employee,shift_start,shift_end,cash_counted,card_terminal_total,card_slips,received_by,note
                PAR11,2026-03-17,till-dinner,\(SettlementChain.cashier),2026-03-17T18:00:00+01:00,2026-03-17T23:30:00+01:00,12.50,0.00,0,,

                """
            // 31.00 - 0.72 = 30.28 reaches the bank: #103 is settled, with a difference.
            let bank = BankStatementText(
                id: "S0316", entries: [.init(amount: "30.28", bookingDate: "2026-03-16", reference: "B0316-O")])
            let (report, _) = try await chain.settle(
                [("outcomes.csv", stripe.text), ("remittance-0317.csv", remittance), ("z-bank.xml", bank.text)],
                asOf: "2026-03-18")
            #expect(report.exitCode == 0, "\(report.summary)")
            #expect(
                try await chain.openDiscrepancies()
                    == [
                        "amount_difference #103 50", "duplicate_payment #106 4000",
                        "paid_no_order ptx:\(try await chain.ptx("txn_late")) 900",
                        "paid_no_order ptx:\(try await chain.ptx("txn_X")) 1800", "unpaid_past_due #104 -2200",
                        "unpaid_past_due #105 -1800",
                    ].sorted())
            #expect(
                try await chain.strings(
                    "SELECT order_number || ' ' || outcome FROM order_settlement ORDER BY order_number")
                    == [
                        "103 settled_with_difference", "104 unpaid_past_due", "105 unpaid_past_due",
                        "106 duplicate_payment", "111 pending", "112 settled",
                    ])
            #expect(try await chain.paymentStatus(112) == "deposited")
            #expect(try await chain.paymentStatus(111) == "captured")
            let rules = try await chain.strings(
                """
                SELECT t.transaction_id || ' ' || m.rule FROM payment_transaction_match m
                JOIN processor_transaction t ON t.id = m.processor_transaction_id ORDER BY 1
                """)
            #expect(
                rules == [
                    "txn_103 processor_reference", "txn_106a processor_reference", "txn_106b order_reference",
                ])
        }
    }

    @Test("partial refunds, then the payout and its bank credit, then the rest refunded: events in order, sums exact")
    func partialRefunds() async throws {
        try await SettlementChain.with { chain in
            try await chain.order(108, total: 4000, at: "2026-03-14T19:00:00+01:00", reference: "pi_S108")
            var first = StripeReport()
            first.add(
                "charge", txn: "txn_108", created: "2026-03-14 18:00:00", gross: "40.00", fee: "0.85", pi: "pi_S108",
                payout: "po_R1", payoutAt: "2026-03-18 00:00:00")
            first.add(
                "refund", txn: "txn_r1", created: "2026-03-15 10:00:00", gross: "-5.00", pi: "pi_S108", source: "re_1",
                payout: "po_R1", payoutAt: "2026-03-18 00:00:00")
            _ = try await chain.settle([("r1.csv", first.text)], asOf: "2026-03-15")
            #expect(try await chain.paymentStatus(108) == "partially_refunded")
            var second = StripeReport()
            second.add(
                "refund", txn: "txn_r2", created: "2026-03-16 10:00:00", gross: "-7.50", pi: "pi_S108", source: "re_2",
                payout: "po_R1", payoutAt: "2026-03-18 00:00:00")
            // 40.00 - 0.85 - 5.00 - 7.50 = 26.65 reaches the bank.
            let bank = BankStatementText(
                id: "S0318", entries: [.init(amount: "26.65", bookingDate: "2026-03-18", reference: "B0318-1")])
            _ = try await chain.settle([("r2.csv", second.text), ("bank.xml", bank.text)], asOf: "2026-03-18")
            #expect(try await chain.paymentStatus(108) == "settled")
            var third = StripeReport()
            third.add(
                "refund", txn: "txn_r3", created: "2026-03-19 10:00:00", gross: "-27.50", pi: "pi_S108", source: "re_3",
                payout: "po_R2", payoutAt: "2026-03-21 00:00:00")
            _ = try await chain.settle([("r3.csv", third.text)], asOf: "2026-03-19")
            #expect(try await chain.paymentStatus(108) == "refunded")
            #expect(
                try await chain.paymentEvents(108) == [
                    "captured>partially_refunded", "partially_refunded>partially_refunded",
                    "partially_refunded>settled",
                    "settled>refunded",
                ])
            #expect(try await chain.int("SELECT sum(amount_cents)::bigint FROM refund") == 4000)
            #expect(try await chain.int("SELECT count(*) FROM refund") == 3)
        }
    }

    @Test("a dispute lost (no reversal after 75 days) and one won (reversal): events, refund and the accountant's list")
    func disputes() async throws {
        try await SettlementChain.with { chain in
            try await chain.order(107, total: 3000, at: "2026-03-14T19:00:00+01:00", reference: "pi_S107")
            try await chain.order(109, total: 3000, at: "2026-03-14T19:30:00+01:00", reference: "pi_S109")
            var charges = StripeReport()
            charges.add(
                "charge", txn: "txn_107", created: "2026-03-14 18:00:00", gross: "30.00", pi: "pi_S107",
                payout: "po_D1", payoutAt: "2026-03-16 00:00:00")
            charges.add(
                "charge", txn: "txn_109", created: "2026-03-14 18:30:00", gross: "30.00", pi: "pi_S109",
                payout: "po_D1", payoutAt: "2026-03-16 00:00:00")
            let bank = BankStatementText(
                id: "S0316", entries: [.init(amount: "60.00", bookingDate: "2026-03-16", reference: "B0316-9")])
            _ = try await chain.settle([("c.csv", charges.text), ("b.xml", bank.text)], asOf: "2026-03-17")
            var disputes = StripeReport()
            for (txn, pi) in [("txn_d107", "pi_S107"), ("txn_d109", "pi_S109")] {
                disputes.add(
                    "dispute", txn: txn, created: "2026-03-20 09:00:00", gross: "-30.00", fee: "15.00", pi: pi,
                    source: "dp_" + pi.suffix(4))
            }
            _ = try await chain.settle([("d.csv", disputes.text)], asOf: "2026-03-20")
            #expect(try await chain.paymentStatus(107) == "disputed")
            #expect(try await chain.openDiscrepancies() == ["disputed #107 -4500", "disputed #109 -4500"])
            var reversal = StripeReport()
            reversal.add(
                "dispute_reversal", txn: "txn_w109", created: "2026-04-02 09:00:00", gross: "30.00", fee: "-15.00",
                pi: "pi_S109")
            _ = try await chain.settle([("w.csv", reversal.text)], asOf: "2026-04-02")
            #expect(try await chain.paymentEvents(109) == ["captured>settled", "settled>disputed", "disputed>settled"])
            // 75 days after 2026-03-20 with no reversal: lost.
            _ = try await chain.settle([], asOf: "2026-06-04")
            #expect(try await chain.paymentStatus(107) == "refunded")
            #expect(
                try await chain.paymentEvents(107) == ["captured>settled", "settled>disputed", "disputed>refunded"])
            #expect(
                try await chain.strings("SELECT reason || ' ' || amount_cents FROM refund") == ["chargeback lost 3000"])
            #expect(try await chain.openDiscrepancies() == ["dispute_lost #107 -3000"])
        }
    }

    @Test("a payout carrying a Radar fee and an adjustment adds up with them; a bank credit batching three payouts")
    func payoutsAndBatches() async throws {
        try await SettlementChain.with { chain in
            var stripe = StripeReport()
            for (number, cents, payout, day) in [
                (141, 10000, "po_A", "17"), (142, 5025, "po_B", "18"), (143, 7510, "po_C", "19"),
            ] {
                try await chain.order(
                    number, total: Int64(cents), at: "2026-03-14T19:00:00+01:00", reference: "pi_\(number)")
                stripe.add(
                    "charge", txn: "txn_\(number)", created: "2026-03-14 18:00:00",
                    gross: String(format: "%d.%02d", cents / 100, cents % 100), pi: "pi_\(number)", payout: payout,
                    payoutAt: "2026-03-\(day) 00:00:00")
            }
            // po_A also carries a Radar fee and an adjustment: 100.00 - 2.00 - 0.35 = 97.65.
            stripe.add(
                "fee", txn: "txn_radar", created: "2026-03-15 00:00:00", gross: "-2.00", payout: "po_A",
                payoutAt: "2026-03-17 00:00:00", description: "Radar")
            stripe.add(
                "other_adjustment", txn: "txn_adj", created: "2026-03-15 00:00:00", gross: "-0.35", payout: "po_A",
                payoutAt: "2026-03-17 00:00:00")
            // One credit of 97.65 + 50.25 + 75.10 = 223.00, split in three transactions.
            let bank = BankStatementText(
                id: "S0319",
                entries: [
                    .init(
                        amount: "223.00", bookingDate: "2026-03-19", reference: "B0319-1",
                        batch: ["97.65", "50.25", "75.10"])
                ])
            let (report, _) = try await chain.settle(
                [("p.csv", stripe.text), ("b.xml", bank.text)], asOf: "2026-03-20")
            #expect(report.exitCode == 0, "\(report.summary)")
            #expect(try await chain.openDiscrepancies() == [])
            for number in [141, 142, 143] { #expect(try await chain.paymentStatus(number) == "settled") }
            #expect(
                try await chain.int("SELECT count(DISTINCT bank_statement_transaction_id) FROM payout_bank_match") == 3)
        }
    }

    @Test("a bank line summing three payouts without details matches them all (batch_sum)")
    func batchWithoutDetails() async throws {
        try await SettlementChain.with { chain in
            var stripe = StripeReport()
            for (number, cents, payout, day) in [
                (151, 10000, "po_A", "14"), (152, 5025, "po_B", "15"), (153, 7510, "po_C", "16"),
            ] {
                try await chain.order(
                    number, total: Int64(cents), at: "2026-03-13T19:00:00+01:00", reference: "pi_\(number)")
                stripe.add(
                    "charge", txn: "txn_\(number)", created: "2026-03-13 18:00:00",
                    gross: String(format: "%d.%02d", cents / 100, cents % 100), pi: "pi_\(number)", payout: payout,
                    payoutAt: "2026-03-\(day) 00:00:00")
            }
            let bank = BankStatementText(
                id: "S0316",
                entries: [
                    .init(
                        amount: "225.35", bookingDate: "2026-03-16", reference: "B0316-W", info: "STRIPE PAYOUTS",
                        batchCountWithoutDetails: 3)
                ])
            _ = try await chain.settle([("p.csv", stripe.text), ("b.xml", bank.text)], asOf: "2026-03-17")
            #expect(
                try await chain.strings("SELECT DISTINCT rule FROM payout_bank_match") == ["batch_sum"])
            #expect(try await chain.int("SELECT count(*) FROM payout_bank_match") == 3)
            for number in [151, 152, 153] { #expect(try await chain.paymentStatus(number) == "settled") }
        }
    }

    @Test("midnight in Paris on the spring-forward night: amount-and-time match, business dates from the shop's day")
    func midnightAndDST() async throws {
        try await SettlementChain.with { chain in
            // Captured 00:04 Paris on 29 March (still CET): business date 28 March (cutoff 04:00).
            try await chain.order(161, total: 2590, at: "2026-03-29T00:04:00+01:00", reference: "pi_S161")
            // The driver's shift runs past midnight; the 00:10 collection belongs to the 28th.
            try await chain.order(162, total: 1700, method: "cash_on_delivery", at: "2026-03-29T00:10:00+01:00")
            var stripe = StripeReport()
            // No PaymentIntent: only the amount and the time can match it (23:05 UTC = 00:05 Paris).
            stripe.add(
                "charge", txn: "txn_161", created: "2026-03-28 23:05:00", gross: "25.90", payout: "po_M",
                payoutAt: "2026-03-29 23:30:00")
            // The payout leaves at 23:30 UTC on the 29th = 01:30 on the 30th in Paris (CEST): arrival the 30th.
            let bank = BankStatementText(
                id: "S0330", entries: [.init(amount: "25.90", bookingDate: "2026-03-30", reference: "B0330-1")])
            let remittance = """
                shop,business_date,shift,employee,shift_start,shift_end,cash_counted,card_terminal_total,card_slips,received_by,note
                PAR11,2026-03-28,dinner,\(SettlementChain.driver),2026-03-28T18:00:00+01:00,2026-03-29T00:30:00+01:00,17.00,0.00,0,,

                """
            let (report, _) = try await chain.settle(
                [("m.csv", stripe.text), ("b.xml", bank.text), ("r.csv", remittance)], asOf: "2026-03-31")
            #expect(report.exitCode == 0, "\(report.summary)")
            #expect(
                try await chain.strings(
                    "SELECT m.rule FROM payment_transaction_match m") == ["amount_time"])
            #expect(try await chain.strings("SELECT arrival_date::text FROM payout") == ["2026-03-30"])
            #expect(try await chain.paymentStatus(161) == "settled")
            #expect(try await chain.paymentStatus(162) == "deposited")
            #expect(try await chain.strings("SELECT business_date::text FROM shift_remittance") == ["2026-03-28"])
            #expect(try await chain.openDiscrepancies() == [])
        }
    }

    @Test("remittances: a driver 5.00 short; the shift's orders deposited; a French CSV (BOM, ';', CRLF, '27,50')")
    func remittanceDifference() async throws {
        try await SettlementChain.with { chain in
            try await chain.order(171, total: 2000, method: "cash_on_delivery", at: "2026-03-14T19:30:00+01:00")
            try await chain.order(172, total: 1250, method: "cash_on_delivery", at: "2026-03-14T21:00:00+01:00")
            try await chain.order(173, total: 3100, method: "card_on_delivery", at: "2026-03-14T21:30:00+01:00")
            let french =
                "\u{FEFF}shop;business_date;shift;employee;shift_start;shift_end;cash_counted;card_terminal_total;card_slips;received_by;note\r\n"
                + "PAR11;2026-03-14;dinner;\(SettlementChain.driver);2026-03-14T18:00:00+01:00;2026-03-15T00:30:00+01:00;27,50;31,00;1;\(SettlementChain.cashier);\r\n"
            let (report, job) = try await chain.settle([("r.csv", french)], asOf: "2026-03-15")
            #expect(report.exitCode == 0, "\(report.summary) \(job.results)")
            for number in [171, 172, 173] { #expect(try await chain.paymentStatus(number) == "deposited") }
            #expect(
                try await chain.openDiscrepancies() == [
                    "remittance_difference shift:\(try await chain.int("SELECT id FROM shift_remittance")):cash -500"
                ])
            #expect(
                try await chain.strings(
                    "SELECT cash_expected_cents || ' ' || card_expected_cents || ' ' || orders_count FROM shift_remittance"
                )
                    == ["3250 3100 3"])
        }
    }

    @Test("PayPal: a capture (T0006) and the day's withdrawal (T0400) reach the bank; the order settles")
    func paypal() async throws {
        try await SettlementChain.with { chain in
            try await chain.order(
                181, total: 2790, method: "paypal", at: "2026-03-14T19:00:00+01:00", reference: "CAPTURE181XXXXXXX",
                authorisation: "AUTH181XXXXXXXXXX")
            // 27.90 - fee 1.30 = 26.60 swept to the bank.
            let stl = """
                "SH","2026/03/14 00:00:00 -0700","2026/03/14 23:59:59 -0700","OCPIZZA"
                "CH","Transaction ID","Invoice ID","PayPal Reference ID","PayPal Reference ID Type","Transaction Event Code","Transaction Initiation Date","Transaction Completion Date","Transaction Debit or Credit","Gross Transaction Amount","Gross Transaction Currency","Fee Debit or Credit","Fee Amount","Fee Currency","Custom Field","Consumer ID","Payment Tracking ID","Store ID","Bank Reference ID","Credit Transactional Fee","Credit Promotional Fee","Credit Term"
                "SB","CAPTURE181XXXXXXX","OC-PAR11-181","AUTH181XXXXXXXXXX","TXN","T0006","2026/03/14 11:00:00 -0700","2026/03/14 11:00:00 -0700","CR","2790","EUR","DR","130","EUR","","","","","","","",""
                "SB","WD0314","","","","T0400","2026/03/14 23:00:00 -0700","2026/03/14 23:00:00 -0700","DR","2660","EUR","","","","","","","","BR0314PP","","",""

                """
            let bank = BankStatementText(
                id: "S0316",
                entries: [
                    .init(
                        amount: "26.60", bookingDate: "2026-03-16", reference: "B0316-P", debtor: "PAYPAL EUROPE",
                        info: "PAYPAL BR0314PP")
                ])
            let (report, _) = try await chain.settle([("stl.csv", stl), ("b.xml", bank.text)], asOf: "2026-03-17")
            #expect(report.exitCode == 0, "\(report.summary)")
            #expect(try await chain.paymentStatus(181) == "settled")
            #expect(try await chain.strings("SELECT rule FROM payout_bank_match") == ["trace_id"])
            #expect(try await chain.openDiscrepancies() == [])
        }
    }

    @Test("refused files: a conflicting rewrite of a row, a statement of another account, an unknown CSV")
    func refusedFiles() async throws {
        try await SettlementChain.with { chain in
            var original = StripeReport()
            original.add("charge", txn: "txn_1", created: "2026-03-14 18:00:00", gross: "10.00")
            var rewritten = StripeReport()
            rewritten.add("charge", txn: "txn_1", created: "2026-03-14 18:00:00", gross: "12.00")
            let foreign = BankStatementText(
                id: "X", entries: [.init(amount: "1.00", bookingDate: "2026-03-16", reference: "X1")]
            ).text.replacingOccurrences(of: SettlementChain.iban, with: "DE89370400440532013000")
            let (report, job) = try await chain.settle(
                [
                    ("a.csv", original.text), ("b.csv", rewritten.text), ("c.xml", foreign),
                    ("d.csv", "hello,world\n1,2\n"),
                ],
                asOf: "2026-03-17")
            #expect(report.exitCode == 65)
            #expect(job.results.map(\.outcome) == [.imported, .rejected, .rejected, .rejected])
            let reasons = job.results.compactMap(\.reason)
            #expect(reasons.count == 3)
            #expect(reasons[0].contains("conflicting_transaction"), "\(reasons)")
            #expect(reasons[1].contains("unknown_account"), "\(reasons)")
            #expect(reasons[2].contains("unknown_format"), "\(reasons)")
            #expect(try await chain.int("SELECT count(*) FROM processor_transaction") == 1)
            #expect(try await chain.int("SELECT count(*) FROM bank_statement_entry") == 0)
            #expect(try await chain.int("SELECT count(*) FROM settlement_file") == 1)
        }
    }
}

extension SettlementChain {
    /// The id of the processor transaction `transactionID`.
    func ptx(_ transactionID: String) async throws -> Int64 {
        try await int("SELECT id FROM processor_transaction WHERE transaction_id = \(transactionID)")
    }
}
