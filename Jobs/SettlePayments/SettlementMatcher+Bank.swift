import Postgres

/// Payouts to the bank credits that paid them (design note §3.4), and shift remittances to the
/// collections of their shift (§3.5).
extension SettlementMatcher {
    /// Candidate pairs: an unmatched credit of one of our accounts, same currency and exact
    /// amount, booked within the window around the payout's arrival date, whose counterparty or
    /// text names the processor. Amounts match exactly or not at all.
    private static let candidates = """
        candidates AS (
            SELECT p.id AS payout_id, bt.id AS bank_transaction_id, bt.entry_id, e.booking_date,
                   (p.trace_id IS NOT NULL AND (bt.end_to_end_id = p.trace_id
                        OR strpos(coalesce(bt.remittance_info, ''), p.trace_id) > 0)) AS by_trace
            FROM payout p
            CROSS JOIN settle_params x
            JOIN bank_statement_transaction bt ON bt.amount_cents = p.amount_cents AND bt.currency = p.currency
            JOIN bank_statement_entry e ON e.id = bt.entry_id
                 AND e.booking_date BETWEEN p.arrival_date - x.payout_days_before AND p.arrival_date + x.payout_days_after
            WHERE p.amount_cents > 0 AND p.status IN ('paid', 'pending', 'derived')
              AND NOT EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.payout_id = p.id)
              AND NOT EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.bank_statement_transaction_id = bt.id)
              AND upper(concat_ws(' ', bt.counterparty_name, bt.remittance_info, e.additional_info))
                  LIKE '%' || upper(p.processor) || '%')
        """

    /// Returns the matches per rule.
    func matchPayoutsToBank() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        counts["trace_id"] = try execute(
            SQL(
                unsafeSQL: """
                    WITH \(Self.candidates)
                    INSERT INTO payout_bank_match (payout_id, bank_statement_entry_id, bank_statement_transaction_id,
                                                   rule, job_run_id)
                    SELECT DISTINCT ON (c.payout_id) c.payout_id, c.entry_id, c.bank_transaction_id, 'trace_id', x.run_id
                    FROM candidates c CROSS JOIN settle_params x
                    WHERE c.by_trace
                      AND (SELECT count(*) FROM candidates d WHERE d.bank_transaction_id = c.bank_transaction_id
                           AND d.by_trace) = 1
                    ORDER BY c.payout_id, c.booking_date
                    """))
        counts["amount_window_name"] = try execute(
            SQL(
                unsafeSQL: """
                    WITH \(Self.candidates),
                    counted AS (
                        SELECT c.*, count(*) OVER (PARTITION BY c.payout_id) AS per_payout,
                               count(*) OVER (PARTITION BY c.bank_transaction_id) AS per_credit
                        FROM candidates c)
                    INSERT INTO payout_bank_match (payout_id, bank_statement_entry_id, bank_statement_transaction_id,
                                                   rule, job_run_id)
                    SELECT c.payout_id, c.entry_id, c.bank_transaction_id, 'amount_window_name', x.run_id
                    FROM counted c CROSS JOIN settle_params x
                    WHERE c.per_payout = 1 AND c.per_credit = 1
                    """))
        counts["batch_sum"] = try matchBatchedCredits()
        try execute(
            """
            UPDATE payout p SET status = 'paid'
            WHERE p.status = 'pending' AND EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.payout_id = p.id)
            """)
        return counts
    }

    /// One credit paying 2 to 10 payouts of one processor whose arrival dates follow each other
    /// (a bank that books a weekend's payouts as one line): a run of consecutive unmatched payouts
    /// whose sum is the credit, all inside the window, matches them all (rule `batch_sum`).
    private func matchBatchedCredits() throws -> Int {
        try execute(
            """
            WITH open_payouts AS (
                SELECT p.id, p.processor, p.currency, p.amount_cents, p.arrival_date,
                       row_number() OVER w AS n, sum(p.amount_cents) OVER w AS running
                FROM payout p
                WHERE p.amount_cents > 0 AND p.status IN ('paid', 'pending', 'derived')
                  AND NOT EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.payout_id = p.id)
                WINDOW w AS (PARTITION BY p.processor, p.currency ORDER BY p.arrival_date, p.id)),
            credits AS (
                SELECT bt.id, bt.entry_id, bt.amount_cents, bt.currency, e.booking_date,
                       upper(concat_ws(' ', bt.counterparty_name, bt.remittance_info, e.additional_info)) AS label
                FROM bank_statement_transaction bt JOIN bank_statement_entry e ON e.id = bt.entry_id
                WHERE bt.amount_cents > 0
                  AND NOT EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.bank_statement_transaction_id = bt.id)),
            runs AS (
                SELECT DISTINCT ON (c.id) c.id AS credit_id, c.entry_id, a.processor, a.currency, a.n AS first_n,
                       b.n AS last_n
                FROM credits c
                CROSS JOIN settle_params x
                JOIN open_payouts a ON a.currency = c.currency AND c.label LIKE '%' || upper(a.processor) || '%'
                     AND a.arrival_date BETWEEN c.booking_date - x.payout_days_after
                                            AND c.booking_date + x.payout_days_before
                JOIN open_payouts b ON b.processor = a.processor AND b.currency = a.currency
                     AND b.n BETWEEN a.n + 1 AND a.n + 9
                     AND b.arrival_date BETWEEN c.booking_date - x.payout_days_after
                                            AND c.booking_date + x.payout_days_before
                     AND b.running - a.running + a.amount_cents = c.amount_cents
                ORDER BY c.id, a.n)
            INSERT INTO payout_bank_match (payout_id, bank_statement_entry_id, bank_statement_transaction_id, rule,
                                           job_run_id)
            SELECT DISTINCT ON (p.id) p.id, r.entry_id, r.credit_id, 'batch_sum', x.run_id
            FROM runs r
            JOIN open_payouts p ON p.processor = r.processor AND p.currency = r.currency
                 AND p.n BETWEEN r.first_n AND r.last_n
            CROSS JOIN settle_params x
            ORDER BY p.id, r.credit_id
            """)
    }

    /// Links each collected payment in person to the remittance of the employee's shift it fell
    /// in, then records on each remittance what it should have held (cash and card separately).
    func matchRemittances() throws -> Int {
        let linked = try execute(
            """
            INSERT INTO shift_remittance_payment (payment_id, shift_remittance_id, job_run_id)
            SELECT p.id, r.id, x.run_id
            FROM shift_remittance r
            JOIN payment p ON p.employee_id = r.employee_id AND p.pizzeria_id = r.pizzeria_id
                 AND p.status = 'collected' AND p.occurred_at >= r.shift_started_at AND p.occurred_at < r.shift_ended_at
            CROSS JOIN settle_params x
            WHERE NOT EXISTS (SELECT 1 FROM shift_remittance_payment s WHERE s.payment_id = p.id)
            """)
        try execute(
            """
            UPDATE shift_remittance r
            SET cash_expected_cents = e.cash, card_expected_cents = e.card, orders_count = e.orders,
                matched_run_id = x.run_id
            FROM (SELECT r.id,
                         coalesce(sum(p.amount_cents) FILTER (WHERE p.method IN ('cash_on_delivery', 'counter_cash')), 0)
                             AS cash,
                         coalesce(sum(p.amount_cents) FILTER (WHERE p.method IN ('card_on_delivery', 'counter_card')), 0)
                             AS card,
                         count(DISTINCT p.order_id) AS orders
                  FROM shift_remittance r
                  CROSS JOIN settle_params x
                  LEFT JOIN shift_remittance_payment s ON s.shift_remittance_id = r.id
                  LEFT JOIN payment p ON p.id = s.payment_id
                  -- only the shifts not matched yet or given a payment by this run: history stays put
                  WHERE r.matched_run_id IS NULL
                     OR EXISTS (SELECT 1 FROM shift_remittance_payment n
                                WHERE n.shift_remittance_id = r.id AND n.job_run_id = x.run_id)
                  GROUP BY r.id) e, settle_params x
            WHERE r.id = e.id
              AND (r.cash_expected_cents, r.card_expected_cents, r.orders_count) IS DISTINCT FROM (e.cash, e.card, e.orders)
            """)
        return linked
    }
}
