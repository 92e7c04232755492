import Postgres

/// The accountant's list (design note §3.3): every run finds the current discrepancies again,
/// upserts them on (kind, subject) and closes the ones it no longer finds. Amounts are signed:
/// + the chain holds more than expected, − less.
extension SettlementMatcher {
    /// Findings that are facts of a file or of the past (a trailer that did not add up, a lost
    /// dispute): written once, never closed by a later run.
    static let permanentKinds = [
        "report_trailer_mismatch", "statement_balance_mismatch", "batch_sum_mismatch", "dispute_lost",
        "conflicting_transaction",
    ]

    /// Each query gives kind, subject, pizzeria_id, order_id, ptx, payout, bank_tx, shift, amount,
    /// currency, business_date, reason.
    private static let findings: [String] = [
        // A charge nothing matched: money with no order (never a silent guess).
        """
        SELECT 'paid_no_order', 'ptx:' || t.id, NULL::bigint, NULL::bigint, t.id, NULL::bigint, NULL::bigint,
               NULL::bigint, t.gross_cents, t.currency, chain_date(t.occurred_at),
               t.processor || ' charge ' || t.transaction_id || coalesce(' (' || t.source_reference || ')', '')
                   || ' matches no payment of ours'
        FROM processor_transaction t
        WHERE t.type = 'charge' AND t.currency = 'EUR'
          AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m WHERE m.processor_transaction_id = t.id)
          AND NOT EXISTS (SELECT 1 FROM settle_ambiguous a WHERE a.ptx = t.id)
          AND NOT EXISTS (SELECT 1 FROM settle_referenced r WHERE r.ptx = t.id)
        """,
        """
        SELECT 'ambiguous_match', 'ptx:' || a.ptx, NULL, NULL, a.ptx, NULL, NULL, NULL, t.gross_cents, t.currency,
               chain_date(t.occurred_at),
               t.processor || ' charge ' || t.transaction_id || ' could be any of payments '
                   || string_agg(a.payment_id::text, ', ' ORDER BY a.payment_id) || ': not matched'
        FROM settle_ambiguous a JOIN processor_transaction t ON t.id = a.ptx
        GROUP BY a.ptx, t.gross_cents, t.currency, t.occurred_at, t.processor, t.transaction_id
        """,
        // A charge naming one of our orders that has no payment of this processor.
        """
        SELECT CASE WHEN r.paid_otherwise THEN 'duplicate_payment' ELSE 'unexpected_method' END, 'ptx:' || r.ptx,
               r.pizzeria_id, r.order_id, r.ptx, NULL, NULL, NULL, t.gross_cents, t.currency, r.business_date,
               t.processor || ' charge ' || t.transaction_id || ' for order ' || r.reference || ', which '
                   || CASE WHEN r.paid_otherwise THEN 'was paid another way (' || r.method || ')'
                           ELSE 'is not paid by ' || t.processor || ' (' || r.method || ')' END
        FROM settle_referenced r JOIN processor_transaction t ON t.id = r.ptx
        """,
        """
        SELECT 'duplicate_payment', 'order:' || o.id, o.pizzeria_id, o.id, NULL, NULL, NULL, NULL,
               c.charged - o.total_ttc_cents, 'EUR', o.business_date,
               c.n || ' charges for order ' || s.code || '-' || o.order_number || ' (' || c.ids || ')'
        FROM (SELECT p.order_id, count(*) AS n, sum(t.gross_cents) AS charged,
                     string_agg(t.transaction_id, ', ' ORDER BY t.id) AS ids
              FROM payment_transaction_match m JOIN payment p ON p.id = m.payment_id
              JOIN processor_transaction t ON t.id = m.processor_transaction_id AND t.type = 'charge'
              GROUP BY p.order_id HAVING count(*) > 1) c
        JOIN customer_order o ON o.id = c.order_id JOIN pizzeria s ON s.id = o.pizzeria_id
        """,
        """
        SELECT 'amount_difference', 'order:' || o.id, o.pizzeria_id, o.id, NULL, NULL, NULL, NULL,
               c.charged - o.total_ttc_cents, 'EUR', o.business_date,
               'order ' || s.code || '-' || o.order_number || ' of ' || to_char(o.total_ttc_cents / 100.0, 'FM999999990.00')
                   || ' EUR was charged ' || to_char(c.charged / 100.0, 'FM999999990.00') || ' EUR (' || c.id || ')'
        FROM (SELECT p.order_id, min(t.gross_cents) AS charged, min(t.transaction_id) AS id
              FROM payment_transaction_match m JOIN payment p ON p.id = m.payment_id
              JOIN processor_transaction t ON t.id = m.processor_transaction_id AND t.type = 'charge'
              GROUP BY p.order_id HAVING count(*) = 1) c
        JOIN customer_order o ON o.id = c.order_id JOIN pizzeria s ON s.id = o.pizzeria_id
        WHERE c.charged <> o.total_ttc_cents
        """,
        // Captured online, but the processor's reports already cover a later time and show no
        // charge: past due once the grace days have gone by.
        """
        SELECT 'unpaid_past_due', 'order:' || o.id, o.pizzeria_id, o.id, NULL, NULL, NULL, NULL, -o.total_ttc_cents,
               'EUR', o.business_date,
               'order ' || s.code || '-' || o.order_number || ' captured ' || to_char(p.occurred_at, 'YYYY-MM-DD')
                   || ' by ' || p.processor || ': no charge in the reports, which run to '
                   || to_char(c.covered, 'YYYY-MM-DD')
        FROM payment p
        CROSS JOIN settle_params x
        JOIN (SELECT processor, max(occurred_at) AS covered FROM processor_transaction GROUP BY processor) c
             ON c.processor = p.processor
        JOIN customer_order o ON o.id = p.order_id AND o.payment_status IN ('captured', 'authorised')
        JOIN pizzeria s ON s.id = o.pizzeria_id
        WHERE p.status = 'captured' AND p.occurred_at + x.grace < least(c.covered, x.as_of_end)
          AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m
                          JOIN processor_transaction t ON t.id = m.processor_transaction_id AND t.type = 'charge'
                          WHERE m.payment_id = p.id)
        """,
        // Collected in person, but the shop's remittances already cover a later time and none
        // holds this collection.
        """
        SELECT 'unpaid_past_due', 'order:' || o.id, o.pizzeria_id, o.id, NULL, NULL, NULL, NULL, -p.amount_cents,
               'EUR', o.business_date,
               'order ' || s.code || '-' || o.order_number || ' collected ' || to_char(p.occurred_at, 'YYYY-MM-DD HH24:MI')
                   || ' (' || p.method || '): in no shift remittance'
        FROM payment p
        CROSS JOIN settle_params x
        JOIN (SELECT pizzeria_id, max(shift_ended_at) AS covered FROM shift_remittance GROUP BY pizzeria_id) c
             ON c.pizzeria_id = p.pizzeria_id
        JOIN customer_order o ON o.id = p.order_id AND o.payment_status = 'collected'
        JOIN pizzeria s ON s.id = o.pizzeria_id
        WHERE p.status = 'collected' AND p.occurred_at + x.grace < least(c.covered, x.as_of_end)
          AND NOT EXISTS (SELECT 1 FROM shift_remittance_payment r WHERE r.payment_id = p.id)
        """,
        """
        SELECT 'disputed', 'order:' || o.id, o.pizzeria_id, o.id, NULL, NULL, NULL, NULL, d.loss_cents, 'EUR',
               o.business_date, d.reason || ', open since ' || to_char(d.disputed_at, 'YYYY-MM-DD')
        FROM order_dispute d JOIN customer_order o ON o.id = d.order_id
        WHERE o.payment_status = 'disputed' AND d.open
        """,
        """
        SELECT 'refund_exceeds_payment', 'ptx:' || t.id, p.pizzeria_id, p.order_id, t.id, NULL, NULL, NULL,
               t.gross_cents, t.currency, chain_date(t.occurred_at),
               t.processor || ' refund ' || t.transaction_id || ' would take the refunds of payment ' || p.id
                   || ' beyond the ' || to_char(p.amount_cents / 100.0, 'FM999999990.00') || ' EUR paid'
        FROM payment_transaction_match m
        JOIN processor_transaction t ON t.id = m.processor_transaction_id AND t.type = 'refund'
        JOIN payment p ON p.id = m.payment_id
        WHERE m.refund_id IS NULL
        """,
        """
        SELECT 'payout_lines_mismatch', 'payout:' || p.id, NULL, NULL, NULL, p.id, NULL, NULL,
               p.amount_cents - l.total, p.currency, p.arrival_date,
               p.processor || ' payout ' || p.payout_id || ' of ' || to_char(p.amount_cents / 100.0, 'FM999999990.00')
                   || ' but its lines add up to ' || to_char(l.total / 100.0, 'FM999999990.00')
        FROM payout p
        JOIN (SELECT l.payout_id, sum(t.net_cents) AS total FROM processor_payout_line l
              JOIN processor_transaction t ON t.id = l.processor_transaction_id GROUP BY l.payout_id) l
             ON l.payout_id = p.id
        WHERE p.status IN ('paid', 'pending') AND l.total <> p.amount_cents
        """,
        """
        SELECT 'payout_not_in_bank', 'payout:' || p.id, NULL, NULL, NULL, p.id, NULL, NULL, -p.amount_cents,
               p.currency, p.arrival_date,
               p.processor || ' payout ' || p.payout_id || ' of ' || to_char(p.amount_cents / 100.0, 'FM999999990.00')
                   || ' ' || p.currency || ' expected ' || p.arrival_date || ': no matching bank credit'
        FROM payout p CROSS JOIN settle_params x
        WHERE p.amount_cents > 0 AND p.status IN ('paid', 'derived')
          AND p.arrival_date + x.payout_days_after < x.as_of
          AND NOT EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.payout_id = p.id)
        """,
        """
        SELECT 'bank_credit_unexplained', 'bank:' || bt.id, NULL, NULL, NULL, NULL, bt.id, NULL, bt.amount_cents,
               bt.currency, e.booking_date,
               'credit of ' || to_char(bt.amount_cents / 100.0, 'FM999999990.00') || ' ' || bt.currency || ' booked '
                   || e.booking_date || ' from ' || coalesce(bt.counterparty_name, '?') || ' matches no payout'
        FROM bank_statement_transaction bt
        JOIN bank_statement_entry e ON e.id = bt.entry_id
        CROSS JOIN settle_params x
        WHERE bt.amount_cents > 0 AND e.booking_date < x.as_of
          AND upper(concat_ws(' ', bt.counterparty_name, bt.remittance_info, e.additional_info)) ~ '(STRIPE|PAYPAL)'
          AND NOT EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.bank_statement_transaction_id = bt.id)
        """,
        """
        SELECT 'remittance_difference', 'shift:' || r.id || ':' || k.kind, r.pizzeria_id, NULL, NULL, NULL, NULL, r.id,
               k.difference, 'EUR', r.business_date,
               k.kind || ' of the shift of ' || e.full_name || ' (' || to_char(r.shift_started_at AT TIME ZONE s.timezone,
               'YYYY-MM-DD HH24:MI') || '): counted ' || to_char(k.counted / 100.0, 'FM999999990.00') || ', expected '
                   || to_char(k.expected / 100.0, 'FM999999990.00')
        FROM shift_remittance r
        JOIN employee e ON e.id = r.employee_id JOIN pizzeria s ON s.id = r.pizzeria_id
        CROSS JOIN LATERAL (VALUES ('cash', r.cash_counted_cents, r.cash_expected_cents,
                                    r.cash_counted_cents - r.cash_expected_cents),
                                   ('card', r.card_terminal_total_cents, r.card_expected_cents,
                                    r.card_terminal_total_cents - r.card_expected_cents))
             AS k(kind, counted, expected, difference)
        WHERE r.cash_expected_cents IS NOT NULL AND k.difference <> 0
        """,
        """
        SELECT 'foreign_currency', 'ptx:' || t.id, NULL, NULL, t.id, NULL, NULL, NULL, t.gross_cents, t.currency,
               chain_date(t.occurred_at),
               t.processor || ' ' || t.type || ' ' || t.transaction_id || ' in ' || t.currency
                   || ': the chain settles in EUR only'
        FROM processor_transaction t
        WHERE t.currency <> 'EUR' AND t.type IN ('charge', 'refund', 'dispute')
        """,
    ]

    /// Returns how many discrepancies were opened (new or re-opened) and resolved.
    func refreshDiscrepancies() throws -> (new: Int, resolved: Int) {
        // Charges naming one of our orders (OC-<shop>-<number>) that rule 2 could not match.
        try execute(
            """
            CREATE TEMPORARY TABLE settle_referenced ON COMMIT DROP AS
            SELECT t.id AS ptx, o.id AS order_id, o.pizzeria_id, o.business_date, o.payment_method AS method,
                   s.code || '-' || o.order_number AS reference,
                   o.payment_status NOT IN ('unpaid', 'authorised', 'voided') AS paid_otherwise
            FROM processor_transaction t
            CROSS JOIN LATERAL regexp_match(t.order_reference, 'OC-([A-Z0-9][A-Z0-9-]{1,15})-([0-9]{1,9})') AS r(m)
            JOIN pizzeria s ON s.code = r.m[1]
            JOIN customer_order o ON o.pizzeria_id = s.id AND o.order_number = r.m[2]::bigint
            WHERE t.type = 'charge' AND t.currency = 'EUR' AND t.order_reference IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m WHERE m.processor_transaction_id = t.id)
            """)
        try execute(
            """
            CREATE OR REPLACE FUNCTION pg_temp.chain_date(p_at timestamptz) RETURNS date LANGUAGE sql IMMUTABLE AS
                $$ SELECT ((p_at AT TIME ZONE 'Europe/Paris') - interval '4 hours')::date $$
            """)
        try execute(
            SQL(
                unsafeSQL: """
                    CREATE TEMPORARY TABLE settle_found ON COMMIT DROP AS
                    SELECT * FROM (\(Self.findings.joined(separator: "\nUNION ALL\n")))
                        AS f(kind, subject, pizzeria_id, order_id, ptx, payout_id, bank_tx, shift_id, amount_cents,
                             currency, business_date, reason)
                    """.replacingOccurrences(of: "chain_date(", with: "pg_temp.chain_date(")))
        let opened = try execute(
            """
            INSERT INTO settlement_discrepancy (
                kind, subject, pizzeria_id, order_id, processor_transaction_id, payout_id, bank_statement_transaction_id,
                shift_remittance_id, amount_cents, currency, business_date, reason, first_run_id, last_run_id)
            SELECT DISTINCT ON (f.kind, f.subject) f.kind, f.subject, f.pizzeria_id, f.order_id, f.ptx, f.payout_id,
                   f.bank_tx, f.shift_id, f.amount_cents, f.currency, f.business_date, f.reason, x.run_id, x.run_id
            FROM settle_found f CROSS JOIN settle_params x
            ORDER BY f.kind, f.subject
            ON CONFLICT (kind, subject) DO UPDATE
                SET amount_cents = EXCLUDED.amount_cents, reason = EXCLUDED.reason, last_run_id = EXCLUDED.last_run_id,
                    resolved_at = NULL
                WHERE settlement_discrepancy.resolved_at IS NOT NULL
                   OR (settlement_discrepancy.amount_cents, settlement_discrepancy.reason)
                      IS DISTINCT FROM (EXCLUDED.amount_cents, EXCLUDED.reason)
            """)
        let resolved = try execute(
            SQL(
                unsafeSQL: """
                    UPDATE settlement_discrepancy d SET resolved_at = now(), last_run_id = x.run_id
                    FROM settle_params x
                    WHERE d.resolved_at IS NULL
                      AND d.kind NOT IN (\(Self.permanentKinds.map { "'\($0)'" }.joined(separator: ", ")))
                      AND NOT EXISTS (SELECT 1 FROM settle_found f WHERE f.kind = d.kind AND f.subject = d.subject)
                    """))
        return (opened, resolved)
    }
}
