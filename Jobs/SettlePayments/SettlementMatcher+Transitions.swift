import Postgres

/// Payment status transitions of orders, each with its `order_event` row (design note §3.7).
///
/// Every transition is one statement: a `facts` query names the order, the status it must be in,
/// the status it moves to, when and why; the update only moves orders still in that status, so a
/// re-run is a no-op, and the event is written from what actually moved. An event is never dated
/// before the order's last event (a processor clock a little behind ours must not reorder them).
extension SettlementMatcher {
    func applyTransitions() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        counts["refund"] = try transition(
            """
            SELECT o.id AS order_id, o.payment_status AS from_status,
                   CASE WHEN t.refunded >= o.total_ttc_cents THEN 'refunded' ELSE 'partially_refunded' END AS to_status,
                   n.at, n.actor, n.reason
            FROM (SELECT r.order_id, max(r.occurred_at) AS at, min(r.processor) AS actor,
                         'refund ' || string_agg(r.processor_reference || ' ' || to_char(r.amount_cents / 100.0, 'FM999999990.00')
                                                 || ' EUR', ', ' ORDER BY r.occurred_at, r.id) AS reason
                  FROM refund r
                  -- the refunds this transaction recorded: now() is the transaction's start
                  WHERE r.recorded_at = now() AND r.order_id IS NOT NULL
                  GROUP BY r.order_id) n
            JOIN customer_order o ON o.id = n.order_id
            JOIN LATERAL (SELECT sum(amount_cents) AS refunded FROM refund WHERE order_id = o.id) t ON true
            WHERE o.payment_status IN ('captured', 'settled', 'partially_refunded', 'collected', 'deposited')
            """)
        counts["disputed"] = try transition(
            """
            SELECT o.id AS order_id, o.payment_status AS from_status, 'disputed' AS to_status, d.disputed_at AS at,
                   d.processor AS actor, d.reason
            FROM order_dispute d JOIN customer_order o ON o.id = d.order_id
            WHERE d.open AND o.payment_status IN ('captured', 'settled', 'partially_refunded')
            """)
        counts["dispute_won"] = try transition(
            """
            SELECT o.id AS order_id, 'disputed' AS from_status,
                   CASE WHEN coalesce(ocpizza_order_paid_out(o.id), false) THEN 'settled' ELSE 'captured' END AS to_status,
                   d.reversed_at AS at, d.processor AS actor, 'dispute won: reversal ' || d.reversal AS reason
            FROM order_dispute d JOIN customer_order o ON o.id = d.order_id
            WHERE NOT d.open AND o.payment_status = 'disputed'
            """)
        counts["dispute_lost"] = try recordLostDisputes()
        // Set-based over the orders still waiting (one aggregate, not a function call per order).
        counts["settled"] = try transition(
            """
            SELECT o.id AS order_id, o.payment_status AS from_status, 'settled' AS to_status,
                   (s.booked + time '12:00') AT TIME ZONE 'Europe/Paris' AS at, 'job:settle-payments' AS actor,
                   'paid out in bank entries of ' || s.booked::text AS reason
            FROM customer_order o
            JOIN (SELECT p.order_id, max(e.booking_date) AS booked, bool_and(b.payout_id IS NOT NULL) AS all_out,
                         bool_or(t.type = 'charge') AS charged
                  FROM customer_order w
                  JOIN payment p ON p.order_id = w.id AND p.status = 'captured'
                  JOIN payment_transaction_match m ON m.payment_id = p.id
                  JOIN processor_transaction t ON t.id = m.processor_transaction_id AND t.type IN ('charge', 'refund')
                  LEFT JOIN processor_payout_line l ON l.processor_transaction_id = t.id
                  LEFT JOIN payout_bank_match b ON b.payout_id = l.payout_id
                  LEFT JOIN bank_statement_entry e ON e.id = b.bank_statement_entry_id
                  WHERE w.payment_status IN ('captured', 'partially_refunded')
                  GROUP BY p.order_id) s ON s.order_id = o.id
            WHERE o.payment_status IN ('captured', 'partially_refunded') AND s.all_out AND s.charged
            """)
        counts["deposited"] = try transition(
            """
            SELECT o.id AS order_id, 'collected' AS from_status, 'deposited' AS to_status, r.shift_ended_at AS at,
                   'job:settle-payments' AS actor,
                   'shift remittance #' || r.id || ' (' || coalesce(r.shift_label, 'shift') || ')' AS reason
            FROM shift_remittance_payment s
            JOIN payment p ON p.id = s.payment_id
            JOIN shift_remittance r ON r.id = s.shift_remittance_id
            JOIN customer_order o ON o.id = p.order_id
            WHERE o.payment_status = 'collected'
            """)
        return counts
    }

    /// Moves the orders the `facts` query names and writes their events; returns how many moved.
    private func transition(_ facts: String) throws -> Int {
        try execute(
            SQL(
                unsafeSQL: """
                    WITH facts AS (\(facts)),
                    moved AS (
                        UPDATE customer_order o SET payment_status = f.to_status
                        FROM facts f
                        WHERE o.id = f.order_id AND o.payment_status = f.from_status
                        RETURNING o.id, o.pizzeria_id, f.from_status, f.to_status, f.at, f.actor, f.reason)
                    INSERT INTO order_event (order_id, pizzeria_id, kind, from_status, to_status, at, business_date,
                                             actor, reason)
                    SELECT m.id, m.pizzeria_id, 'payment', m.from_status, m.to_status, a.at,
                           ocpizza_business_date(m.pizzeria_id, a.at), m.actor, m.reason
                    FROM moved m
                    JOIN LATERAL (SELECT greatest(m.at, max(e.at)) AS at FROM order_event e
                                  WHERE e.order_id = m.id AND e.pizzeria_id = m.pizzeria_id) a ON true
                    """))
    }

    /// Neither processor reports a chargeback as lost: with no reversal `dispute_lost_after_days`
    /// after the dispute, the money is gone. The rest of the payment becomes a refund ("chargeback
    /// lost"), the order moves disputed → refunded, and the accountant's list keeps the loss.
    private func recordLostDisputes() throws -> Int {
        try execute(
            """
            CREATE TEMPORARY TABLE settle_lost ON COMMIT DROP AS
            SELECT d.order_id, d.dispute, d.disputed_at, d.processor, d.amount AS disputed_cents, p.id AS payment_id,
                   p.pizzeria_id, p.amount_cents - coalesce((SELECT sum(amount_cents) FROM refund r
                                                             WHERE r.payment_id = p.id), 0) AS remaining
            FROM order_dispute d
            CROSS JOIN settle_params x
            JOIN customer_order o ON o.id = d.order_id AND o.payment_status = 'disputed'
            JOIN LATERAL (SELECT id, pizzeria_id, amount_cents FROM payment
                          WHERE order_id = o.id AND status = 'captured' ORDER BY id LIMIT 1) p ON true
            WHERE d.open AND d.disputed_at + x.dispute_lost_after < x.as_of_end
            """)
        try execute(
            """
            INSERT INTO refund (pizzeria_id, payment_id, order_id, amount_cents, reason, processor, processor_reference,
                                occurred_at, business_date)
            SELECT l.pizzeria_id, l.payment_id, l.order_id, l.remaining, 'chargeback lost', l.processor,
                   'chargeback:' || l.dispute, l.disputed_at + x.dispute_lost_after,
                   ocpizza_business_date(l.pizzeria_id, l.disputed_at + x.dispute_lost_after)
            FROM settle_lost l CROSS JOIN settle_params x
            WHERE l.remaining > 0
            ON CONFLICT (processor, processor_reference) DO NOTHING
            """)
        try execute(
            """
            INSERT INTO settlement_discrepancy (kind, subject, pizzeria_id, order_id, amount_cents, business_date, reason,
                                               first_run_id, last_run_id)
            SELECT 'dispute_lost', 'order:' || l.order_id, l.pizzeria_id, l.order_id, -l.disputed_cents,
                   ocpizza_business_date(l.pizzeria_id, l.disputed_at),
                   'dispute ' || l.dispute || ' not reversed ' || extract(day FROM x.dispute_lost_after) || ' days later: lost',
                   x.run_id, x.run_id
            FROM settle_lost l CROSS JOIN settle_params x
            ON CONFLICT (kind, subject) DO NOTHING
            """)
        return try transition(
            """
            SELECT l.order_id, 'disputed' AS from_status, 'refunded' AS to_status,
                   l.disputed_at + x.dispute_lost_after AS at, 'job:settle-payments' AS actor,
                   'dispute lost: ' || l.dispute || ' not reversed by ' || x.as_of AS reason
            FROM settle_lost l CROSS JOIN settle_params x
            """)
    }
}
