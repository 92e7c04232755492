import Postgres

/// Processor rows to payouts, and to our payments and orders (design note §3.2, §3.4).
extension SettlementMatcher {
    /// Which payout carried each row: Stripe names it on the row (`automatic_payout_id`); PayPal
    /// sweeps its balance, so a withdrawal carries the rows completed since the previous one in
    /// the same currency.
    func linkPayoutLines() throws -> Int {
        let stripe = try execute(
            """
            INSERT INTO processor_payout_line (processor_transaction_id, payout_id, rule, job_run_id)
            SELECT t.id, p.id, 'automatic_payout_id', x.run_id
            FROM processor_transaction t
            JOIN payout p ON p.processor = t.processor AND p.payout_id = t.payout_id
            CROSS JOIN settle_params x
            WHERE t.payout_id IS NOT NULL AND t.type NOT IN ('payout', 'payout_reversal')
              AND NOT EXISTS (SELECT 1 FROM processor_payout_line l WHERE l.processor_transaction_id = t.id)
            """)
        let paypal = try execute(
            """
            WITH sweeps AS (
                SELECT id, currency, effective_at AS until,
                       lag(effective_at) OVER (PARTITION BY currency ORDER BY effective_at, id) AS since
                FROM payout WHERE processor = 'paypal' AND status IN ('paid', 'pending') AND effective_at IS NOT NULL)
            INSERT INTO processor_payout_line (processor_transaction_id, payout_id, rule, job_run_id)
            SELECT t.id, s.id, 'paypal_sweep', x.run_id
            FROM processor_transaction t
            JOIN sweeps s ON t.currency = s.currency AND t.occurred_at <= s.until
                 AND (s.since IS NULL OR t.occurred_at > s.since)
            CROSS JOIN settle_params x
            WHERE t.processor = 'paypal' AND t.type NOT IN ('payout', 'payout_reversal')
              AND NOT EXISTS (SELECT 1 FROM processor_payout_line l WHERE l.processor_transaction_id = t.id)
            """)
        return stripe + paypal
    }

    /// A payout known only from its lines has the amount its lines add up to, until the bank
    /// shows it (then it is settled history and never moves again).
    func updateDerivedPayoutAmounts() throws {
        try execute(
            """
            UPDATE payout p SET amount_cents = l.total
            FROM (SELECT l.payout_id, sum(t.net_cents) AS total
                  FROM processor_payout_line l JOIN processor_transaction t ON t.id = l.processor_transaction_id
                  JOIN payout d ON d.id = l.payout_id AND d.status = 'derived'
                  GROUP BY l.payout_id) l
            WHERE p.id = l.payout_id AND p.amount_cents <> l.total
              AND NOT EXISTS (SELECT 1 FROM payout_bank_match m WHERE m.payout_id = p.id)
            """)
    }

    /// Rules in order; each statement only looks at rows no earlier rule matched. Returns the
    /// matches per rule.
    func matchTransactionsToPayments() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        // Rule 1, Stripe: the PaymentIntent on the row is the one our payment recorded.
        counts["processor_reference", default: 0] += try execute(
            """
            INSERT INTO payment_transaction_match (processor_transaction_id, payment_id, rule, job_run_id)
            SELECT t.id, p.id, 'processor_reference', x.run_id
            FROM processor_transaction t
            JOIN payment p ON p.processor = 'stripe' AND p.processor_reference = t.source_reference
                 AND p.status = 'captured'
            CROSS JOIN settle_params x
            WHERE t.processor = 'stripe' AND t.currency = 'EUR'
              AND t.type IN ('charge', 'refund', 'dispute', 'dispute_reversal', 'dispute_fee')
              AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m WHERE m.processor_transaction_id = t.id)
            """)
        // Rule 1, PayPal: a capture's Transaction ID is the capture id we recorded; other rows
        // (and captures made by the endpoint, which records the authorisation id) point at it or
        // at the authorisation through their PayPal Reference ID.
        counts["processor_reference", default: 0] += try execute(
            """
            INSERT INTO payment_transaction_match (processor_transaction_id, payment_id, rule, job_run_id)
            SELECT DISTINCT ON (t.id) t.id, p.id, 'processor_reference', x.run_id
            FROM processor_transaction t
            JOIN LATERAL (
                SELECT c.id FROM payment c
                WHERE c.processor = 'paypal' AND c.status = 'captured'
                  AND ((t.type = 'charge' AND c.processor_reference = t.transaction_id)
                       OR c.processor_reference = t.source_reference)
                UNION ALL
                SELECT c.id FROM payment a JOIN payment c ON c.parent_payment_id = a.id AND c.status = 'captured'
                WHERE a.processor = 'paypal' AND a.status = 'authorised' AND a.processor_reference = t.source_reference
            ) p ON true
            CROSS JOIN settle_params x
            WHERE t.processor = 'paypal' AND t.currency = 'EUR'
              AND t.type IN ('charge', 'refund', 'dispute', 'dispute_reversal', 'dispute_fee')
              AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m WHERE m.processor_transaction_id = t.id)
            ORDER BY t.id, p.id
            """)
        counts["order_reference"] = try execute(
            """
            WITH referenced AS (
                SELECT t.id, t.processor, regexp_match(t.order_reference, 'OC-([A-Z0-9][A-Z0-9-]{1,15})-([0-9]{1,9})') AS m
                FROM processor_transaction t
                WHERE t.order_reference IS NOT NULL AND t.currency = 'EUR' AND t.type IN ('charge', 'refund')
                  AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m WHERE m.processor_transaction_id = t.id))
            INSERT INTO payment_transaction_match (processor_transaction_id, payment_id, rule, job_run_id)
            SELECT r.id, p.id, 'order_reference', x.run_id
            FROM referenced r
            JOIN pizzeria s ON s.code = r.m[1]
            JOIN customer_order o ON o.pizzeria_id = s.id AND o.order_number = r.m[2]::bigint
            JOIN LATERAL (SELECT id FROM payment p WHERE p.order_id = o.id AND p.processor = r.processor
                          AND p.status = 'captured' ORDER BY id LIMIT 1) p ON true
            CROSS JOIN settle_params x
            WHERE r.m IS NOT NULL
            """)
        counts["related_transaction"] = try matchRelatedRows()
        counts["amount_time"] = try matchByAmountAndTime()
        // Refunds and disputes of a charge matched only by reference or amount come after it.
        counts["related_transaction", default: 0] += try matchRelatedRows()
        return counts
    }

    /// Refunds, disputes and their reversals and fees follow the charge they act on: Stripe by the
    /// same PaymentIntent or charge id, PayPal by the Reference ID naming the charge's transaction.
    private func matchRelatedRows() throws -> Int {
        // One statement per processor, so each joins on a plain column (an index or a hash).
        let stripe = try execute(
            """
            INSERT INTO payment_transaction_match (processor_transaction_id, payment_id, rule, job_run_id)
            SELECT DISTINCT ON (t.id) t.id, m.payment_id, 'related_transaction', x.run_id
            FROM processor_transaction t
            JOIN processor_transaction c ON c.processor = 'stripe' AND c.type = 'charge'
                 AND c.source_reference = t.source_reference AND c.id <> t.id
            JOIN payment_transaction_match m ON m.processor_transaction_id = c.id
            CROSS JOIN settle_params x
            WHERE t.processor = 'stripe' AND t.type IN ('refund', 'dispute', 'dispute_reversal', 'dispute_fee')
              AND t.currency = 'EUR' AND t.source_reference IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM payment_transaction_match o WHERE o.processor_transaction_id = t.id)
            ORDER BY t.id, c.id
            """)
        let paypal = try execute(
            """
            INSERT INTO payment_transaction_match (processor_transaction_id, payment_id, rule, job_run_id)
            SELECT DISTINCT ON (t.id) t.id, m.payment_id, 'related_transaction', x.run_id
            FROM processor_transaction t
            JOIN processor_transaction c ON c.processor = 'paypal' AND c.type = 'charge'
                 AND c.transaction_id = t.source_reference AND c.id <> t.id
            JOIN payment_transaction_match m ON m.processor_transaction_id = c.id
            CROSS JOIN settle_params x
            WHERE t.processor = 'paypal' AND t.type IN ('refund', 'dispute', 'dispute_reversal', 'dispute_fee')
              AND t.currency = 'EUR' AND t.source_reference IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM payment_transaction_match o WHERE o.processor_transaction_id = t.id)
            ORDER BY t.id, c.id
            """)
        return stripe + paypal
    }

    /// Rule 3: a charge with no usable reference matches the one captured payment of the same
    /// processor and amount within the window, if that payment has no charge yet and no other
    /// charge claims it. Anything else is never guessed: the candidates stay in
    /// `settle_ambiguous` for the discrepancy list.
    private func matchByAmountAndTime() throws -> Int {
        try execute(
            """
            CREATE TEMPORARY TABLE settle_ambiguous ON COMMIT DROP AS
            SELECT t.id AS ptx, p.id AS payment_id
            FROM processor_transaction t
            CROSS JOIN settle_params x
            JOIN payment p ON p.processor = t.processor AND p.status = 'captured' AND p.amount_cents = t.gross_cents
                 AND p.occurred_at BETWEEN t.occurred_at - x.amount_time_window AND t.occurred_at + x.amount_time_window
            WHERE t.type = 'charge' AND t.currency = 'EUR'
              AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m WHERE m.processor_transaction_id = t.id)
              AND NOT EXISTS (SELECT 1 FROM payment_transaction_match m
                              JOIN processor_transaction c ON c.id = m.processor_transaction_id AND c.type = 'charge'
                              WHERE m.payment_id = p.id)
            """)
        let matched = try execute(
            """
            WITH unique_pairs AS (
                SELECT a.ptx, a.payment_id FROM settle_ambiguous a
                WHERE (SELECT count(*) FROM settle_ambiguous b WHERE b.ptx = a.ptx) = 1
                  AND (SELECT count(*) FROM settle_ambiguous b WHERE b.payment_id = a.payment_id) = 1)
            INSERT INTO payment_transaction_match (processor_transaction_id, payment_id, rule, job_run_id)
            SELECT u.ptx, u.payment_id, 'amount_time', x.run_id FROM unique_pairs u CROSS JOIN settle_params x
            """)
        try execute(
            """
            DELETE FROM settle_ambiguous a
            WHERE EXISTS (SELECT 1 FROM payment_transaction_match m WHERE m.processor_transaction_id = a.ptx)
            """)
        return matched
    }

    /// A matched refund row becomes a `refund` of its payment (and order), in the order the
    /// processor made them, as long as the refunds stay within what was paid: one beyond is left
    /// for the discrepancy list (`refund_exceeds_payment`), never forced past the ledger's check.
    func recordRefunds() throws -> Int {
        let recorded = try execute(
            """
            WITH pending AS (
                SELECT t.id AS ptx, t.processor, t.transaction_id, t.occurred_at, -t.gross_cents AS amount,
                       p.id AS payment_id, p.pizzeria_id, p.order_id, p.amount_cents AS paid,
                       coalesce((SELECT sum(r.amount_cents) FROM refund r WHERE r.payment_id = p.id), 0)
                           + sum(-t.gross_cents) OVER (PARTITION BY p.id ORDER BY t.occurred_at, t.id) AS refunded_after
                FROM processor_transaction t
                JOIN payment_transaction_match m ON m.processor_transaction_id = t.id
                JOIN payment p ON p.id = m.payment_id
                WHERE t.type = 'refund' AND t.gross_cents < 0 AND m.refund_id IS NULL
                  AND NOT EXISTS (SELECT 1 FROM refund r WHERE r.processor = t.processor
                                  AND r.processor_reference = t.transaction_id))
            INSERT INTO refund (pizzeria_id, payment_id, order_id, amount_cents, reason, processor, processor_reference,
                                occurred_at, business_date)
            SELECT pizzeria_id, payment_id, order_id, amount, 'refund ' || transaction_id || ' reported by ' || processor,
                   processor, transaction_id, occurred_at, ocpizza_business_date(pizzeria_id, occurred_at)
            FROM pending WHERE refunded_after <= paid
            ORDER BY payment_id, occurred_at, ptx
            """)
        try execute(
            """
            UPDATE payment_transaction_match m SET refund_id = r.id
            FROM processor_transaction t, refund r
            WHERE m.processor_transaction_id = t.id AND m.refund_id IS NULL AND t.type = 'refund'
              AND r.processor = t.processor AND r.processor_reference = t.transaction_id
            """)
        return recorded
    }
}
