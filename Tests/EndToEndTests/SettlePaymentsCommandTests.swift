import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ocpizza settle-payments` through the binary: a run killed while it matches is simply run
/// again, and ends exactly where an uninterrupted run ends.
@Suite("Settle payments through the binary")
struct SettlePaymentsCommandTests {
    /// Enough for the matching to take a few seconds (the kill lands inside it), few enough not to
    /// weigh on the suites running beside it.
    static let orders = 6_000

    /// The demo chain with `orders` online orders captured over ten days, their Stripe report
    /// (one charge each, a payout per day two days later) and the bank statement of the payouts.
    static func prepare(_ flow: SupplierFlowSupport.Flow) async throws -> String {
        _ = try await flow.rows(
            """
            INSERT INTO customer_order (
                pizzeria_id, order_number, customer_id, channel, fulfilment_mode, fulfilment_status, payment_status,
                payment_method, placed_at, business_date, idempotency_key, request_hash, total_ttc_cents,
                total_ht_cents, total_vat_cents)
            SELECT (SELECT id FROM pizzeria WHERE code = 'PAR11'), 900000 + i, (SELECT min(id) FROM customer), 'web',
                   'pickup', 'collected', 'captured', 'online_card',
                   timestamptz '2026-03-02 10:00:00+00' + i * interval '143 seconds',
                   ocpizza_business_date((SELECT id FROM pizzeria WHERE code = 'PAR11'),
                                         timestamptz '2026-03-02 10:00:00+00' + i * interval '143 seconds'),
                   'settle-e2e-' || i, repeat('0', 64), 1000 + i % 997, 1000 + i % 997 - (1000 + i % 997) / 11,
                   (1000 + i % 997) / 11
            FROM generate_series(1, \(orders)) i
            """)
        _ = try await flow.rows(
            """
            WITH a AS (
                INSERT INTO payment (pizzeria_id, order_id, method, status, amount_cents, processor, processor_reference,
                                     occurred_at, business_date)
                SELECT o.pizzeria_id, o.id, 'online_card', 'authorised', o.total_ttc_cents, 'stripe',
                       'pi_e2e_' || (o.order_number - 900000), o.placed_at, o.business_date
                FROM customer_order o WHERE o.idempotency_key LIKE 'settle-e2e-%'
                RETURNING id, pizzeria_id, order_id, amount_cents, processor_reference, occurred_at, business_date)
            INSERT INTO payment (pizzeria_id, order_id, parent_payment_id, method, status, amount_cents, processor,
                                 processor_reference, occurred_at, business_date)
            SELECT pizzeria_id, order_id, id, 'online_card', 'captured', amount_cents, 'stripe', processor_reference,
                   occurred_at + interval '5 minutes', business_date
            FROM a
            """)
        // The report and the statement, computed the way Stripe and the bank would.
        var report =
            "automatic_payout_id,automatic_payout_effective_at_utc,balance_transaction_id,created_utc,"
            + "available_on_utc,currency,gross,fee,net,reporting_category,payment_intent_id\n"
        var payouts: [String: Int] = [:]
        let start = Date(timeIntervalSince1970: 1_772_445_600)  // 2026-03-02 10:00:00 UTC
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let day = DateFormatter()
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = TimeZone(identifier: "UTC")
        day.dateFormat = "yyyy-MM-dd"
        for i in 1...orders {
            let captured = start.addingTimeInterval(Double(i * 143 + 300))
            let gross = 1000 + i % 997
            let fee = gross * 15 / 1000 + 25
            let payoutDay = day.string(from: captured.addingTimeInterval(2 * 86_400))
            let payout = "po_" + payoutDay.replacingOccurrences(of: "-", with: "")
            payouts[payoutDay, default: 0] += gross - fee
            func euros(_ cents: Int) -> String { String(format: "%d.%02d", cents / 100, cents % 100) }
            let created = formatter.string(from: captured)
            report +=
                "\(payout),\(payoutDay) 00:00:00,txn_e2e_\(i),\(created),\(created),eur,\(euros(gross)),"
                + "\(euros(fee)),\(euros(gross - fee)),charge,pi_e2e_\(i)\n"
        }
        let entries = payouts.sorted { $0.key < $1.key }.map { date, cents in
            """
            <Ntry><Amt Ccy="EUR">\(cents / 100).\(String(format: "%02d", cents % 100))</Amt><CdtDbtInd>CRDT</CdtDbtInd>\
            <Sts>BOOK</Sts><BookgDt><Dt>\(date)</Dt></BookgDt><AcctSvcrRef>E2E-\(date)</AcctSvcrRef>\
            <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>STRIPE</Nm></Dbtr></RltdPties></TxDtls></NtryDtls></Ntry>
            """
        }
        let bank = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
            <GrpHdr><MsgId>E2E</MsgId><CreDtTm>2026-03-20T06:00:00+01:00</CreDtTm></GrpHdr>
            <Stmt><Id>E2E-1</Id><CreDtTm>2026-03-20T06:00:00+01:00</CreDtTm>
            <Acct><Id><IBAN>FR7699999000010008532017489</IBAN></Id><Ccy>EUR</Ccy></Acct>
            \(entries.joined(separator: "\n"))
            </Stmt></BkToCstmrStmt></Document>
            """
        let inbox = flow.directory + "/var/inbox/payments"
        try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
        try Data(report.utf8).write(to: URL(fileURLWithPath: inbox + "/a-stripe.csv"))
        try Data(bank.utf8).write(to: URL(fileURLWithPath: inbox + "/b-bank.xml"))
        return inbox
    }

    /// What the settlement left: counts that must come out the same after any interruption.
    static func state(_ flow: SupplierFlowSupport.Flow) async throws -> [String?] {
        try await flow.rows(
            """
            SELECT 'transactions ' || (SELECT count(*) FROM processor_transaction)
            UNION ALL SELECT 'matches ' || (SELECT count(*) FROM payment_transaction_match)
            UNION ALL SELECT 'payout lines ' || (SELECT count(*) FROM processor_payout_line)
            UNION ALL SELECT 'bank matches ' || (SELECT count(*) FROM payout_bank_match)
            UNION ALL SELECT 'settled ' || (SELECT count(*) FROM customer_order WHERE payment_status = 'settled')
            UNION ALL SELECT 'payment events ' || (SELECT count(*) FROM order_event WHERE kind = 'payment')
            UNION ALL SELECT 'open discrepancies ' || (SELECT count(*) FROM settlement_discrepancy
                                                       WHERE resolved_at IS NULL)
            UNION ALL SELECT 'files ' || (SELECT count(*) FROM settlement_file)
            """)
    }

    @Test("SIGKILL while settling: the re-run ends exactly like an uninterrupted run, nothing doubled")
    func killedRunIsRunAgain() async throws {
        try await SupplierFlowSupport.withFlow { flow in
            let inbox = try await Self.prepare(flow)
            async let killedRun = flow.run("settle-payments", "--as-of", "2026-03-20", timeout: .seconds(900))
            // Kill it once both files are committed, while it matches (its one long transaction).
            var killed = false
            let deadline = ContinuousClock.now + .seconds(600)
            while ContinuousClock.now < deadline {
                let rows = try await flow.rows(
                    """
                    SELECT r.pid::text FROM job_run r
                    WHERE r.job = 'settle-payments' AND r.status = 'running'
                      AND (SELECT count(*) FROM settlement_file) = 2
                    """)
                if let text = rows.first ?? nil, let pid = pid_t(text) {
                    killed = kill(pid, SIGKILL) == 0
                    break
                }
                if try await flow.rows(
                    "SELECT count(*)::text FROM job_run WHERE job = 'settle-payments' AND status <> 'running'") != ["0"]
                {
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let first = try await killedRun
            if killed {
                #expect(first.status == 128 + SIGKILL, "\(first)")
                // The matching transaction died with the process: nothing of it stayed.
                #expect(try await flow.rows("SELECT count(*)::text FROM payout_bank_match") == ["0"])
            } else {
                print("SettlePaymentsCommandTests: the run ended before it could be killed: \(first)")
            }
            let rerun = try await flow.run("settle-payments", "--as-of", "2026-03-20", "--json", timeout: .seconds(900))
            #expect(rerun.status == 0, "\(rerun)")
            let expected: [String?] = [
                "transactions \(Self.orders)", "matches \(Self.orders)", "payout lines \(Self.orders)",
                "bank matches \(try await flow.rows("SELECT count(*)::text FROM payout").first! ?? "?")",
                "settled \(Self.orders)", "payment events \(Self.orders)", "open discrepancies 0", "files 2",
            ]
            #expect(try await Self.state(flow) == expected, "\(rerun)")
            // A third run changes nothing.
            let third = try await flow.run("settle-payments", "--as-of", "2026-03-20", timeout: .seconds(900))
            #expect(third.status == 0, "\(third)")
            #expect(try await Self.state(flow) == expected)
            #expect(try FileManager.default.contentsOfDirectory(atPath: inbox).filter { !$0.hasPrefix(".") } == [])
            if killed {
                #expect(
                    try await flow.rows("SELECT status FROM job_run WHERE job = 'settle-payments' ORDER BY id")
                        == ["failed", "ok", "ok"])
            }
        }
    }
}
