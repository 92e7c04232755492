import Foundation
import Postgres

/// Whether a count looks wrong enough to ask for a recount before it is posted.
enum CountReview {
    struct Finding {
        var summary: String
        /// JSON: {"lines": n, "implausible": [{"ingredient": sku, "actual": q, "theoretical": q, "flags": [...]}]}
        var detail: String
    }

    /// Reviews a full count against the period since the shop's previous approved full count;
    /// nil when it is plausible (or when there is no earlier count to compare with).
    static func implausibility(of countID: Int64, in session: PostgresSession) throws -> Finding? {
        guard
            let row = try session.query(
                """
                WITH this AS (SELECT id, pizzeria_id, counted_at, scope FROM stock_count WHERE id = \(countID)),
                previous AS (
                    SELECT c.id FROM stock_count c JOIN this ON c.pizzeria_id = this.pizzeria_id
                    WHERE c.status = 'approved' AND c.scope = 'full' AND c.counted_at < this.counted_at
                    ORDER BY c.counted_at DESC, c.id DESC LIMIT 1),
                lines AS (
                    SELECT i.sku, v.actual_usage, v.theoretical_usage, v.flags
                    FROM previous CROSS JOIN LATERAL ocpizza_variance_lines(previous.id, \(countID)) v
                    JOIN ingredient i ON i.id = v.ingredient_id),
                share AS (
                    SELECT coalesce((SELECT (value #>> '{}')::numeric FROM app_setting
                                     WHERE key = 'reconcile.recount_line_share'), 0.25) AS limit_share)
                SELECT (SELECT count(*) FROM lines) AS total,
                       (SELECT count(*) FROM lines WHERE flags && '{negative_usage,over_theoretical}') AS bad,
                       share.limit_share::text AS limit_share,
                       (SELECT json_build_object('lines', (SELECT count(*) FROM lines), 'implausible', coalesce(json_agg(
                            json_build_object('ingredient', sku, 'actual', actual_usage, 'theoretical', theoretical_usage,
                                              'flags', flags) ORDER BY sku), '[]'))::text
                        FROM lines WHERE flags && '{negative_usage,over_theoretical}') AS detail
                FROM share
                """
            ).first
        else { return nil }
        let total: Int64 = try row.decode("total")
        let bad: Int64 = try row.decode("bad")
        let limit = Decimal(string: try row.decode("limit_share", as: String.self)) ?? 0.25
        guard total > 0, Decimal(bad) > limit * Decimal(total) else { return nil }
        return Finding(
            summary: "recount asked: \(bad) of \(total) lines imply a negative usage or over the theoretical",
            detail: try row.decode("detail"))
    }
}

/// Approving a count and posting its `count_adjustment` movements.
enum CountPosting {
    /// Approves a count, posts it, then posts the shop's next approved count again.
    static func approve(_ countID: Int64, in session: PostgresSession, runID: Int64?) throws {
        try session.execute(
            "UPDATE stock_count SET status = 'approved', approved_at = now(), review = NULL WHERE id = \(countID)")
        try post(countID, in: session, runID: runID)
        if let next = try session.queryValue(
            """
            SELECT n.id FROM stock_count c
            JOIN stock_count n ON n.pizzeria_id = c.pizzeria_id AND n.status = 'approved' AND n.counted_at > c.counted_at
            WHERE c.id = \(countID) ORDER BY n.counted_at, n.id LIMIT 1
            """, as: Int64.self)
        {
            try post(next, in: session, runID: runID)
        }
    }

    /// Makes the ledger agree with a count at its time: per line, the adjustment is counted −
    /// on hand just before the count (the current balance minus every later movement and minus
    /// what this count already posted). When the adjustment already posted differs, it is
    /// reversed and the new one posted under the next revision; the ledger stays append-only.
    static func post(_ countID: Int64, in session: PostgresSession, runID: Int64?) throws {
        guard
            let count = try session.query(
                "SELECT pizzeria_id, counted_at, business_date FROM stock_count WHERE id = \(countID)"
            ).first
        else { return }
        let shop: Int64 = try count.decode("pizzeria_id")
        let countedAt: Date = try count.decode("counted_at")
        let businessDate: CalendarDate = try count.decode("business_date")
        // The shop and the instant as values: the ledger is then read through its indexes
        // ((pizzeria_id, occurred_at), and the partial source key for this count's own rows).
        try session.execute(
            """
            CREATE TEMP TABLE count_target ON COMMIT DROP AS
            WITH lines AS (SELECT l.id AS line_id, l.ingredient_id, l.quantity AS counted FROM stock_count_line l
                           WHERE l.count_id = \(countID)),
            own_rows AS (
                SELECT m.id, m.source_id AS line_id, m.quantity, m.revision FROM stock_movement m
                WHERE m.source_type = 'stock_count_line' AND m.source_id IN (SELECT line_id FROM lines)
                  AND m.reverses_movement_id IS NULL),
            own AS (
                SELECT o.line_id, sum(o.quantity) + coalesce(sum(r.quantity), 0) AS posted, max(o.revision) AS revision
                FROM own_rows o LEFT JOIN stock_movement r ON r.reverses_movement_id = o.id
                GROUP BY o.line_id),
            later AS (
                SELECT m.ingredient_id, sum(m.quantity) AS quantity
                FROM stock_movement m
                WHERE m.pizzeria_id = \(shop) AND m.occurred_at > \(countedAt)
                  AND m.ingredient_id IN (SELECT ingredient_id FROM lines)
                  AND NOT (m.source_type = 'stock_count_line' AND m.source_id IN (SELECT line_id FROM lines))
                GROUP BY m.ingredient_id)
            SELECT l.line_id, l.ingredient_id, \(shop)::bigint AS pizzeria_id, \(countedAt)::timestamptz AS counted_at,
                   \(businessDate)::date AS business_date,
                   coalesce(own.posted, 0) AS posted, coalesce(own.revision, -1) AS revision,
                   l.counted - (coalesce(b.quantity, 0) - coalesce(later.quantity, 0) - coalesce(own.posted, 0)) AS target
            FROM lines l
            LEFT JOIN own ON own.line_id = l.line_id
            LEFT JOIN later ON later.ingredient_id = l.ingredient_id
            LEFT JOIN stock_balance b ON b.pizzeria_id = \(shop) AND b.ingredient_id = l.ingredient_id
            """)
        try session.execute(
            """
            INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, unit_cost, occurred_at, business_date,
                                        source_type, source_id, revision, reverses_movement_id, job_run_id, note)
            SELECT m.pizzeria_id, m.ingredient_id, m.kind, -m.quantity, m.unit_cost, m.occurred_at, m.business_date,
                   m.source_type, m.source_id, m.revision, m.id, \(runID), 'count posted again'
            FROM count_target t
            JOIN stock_movement m ON m.source_type = 'stock_count_line' AND m.source_id = t.line_id
                 AND m.reverses_movement_id IS NULL
            WHERE t.target <> t.posted
              AND NOT EXISTS (SELECT 1 FROM stock_movement r WHERE r.reverses_movement_id = m.id)
            ORDER BY m.id
            """)
        try session.execute(
            """
            INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, unit_cost, occurred_at, business_date,
                                        source_type, source_id, revision, job_run_id)
            SELECT t.pizzeria_id, t.ingredient_id, 'count_adjustment', t.target, c.average_unit_cost, t.counted_at,
                   t.business_date, 'stock_count_line', t.line_id, t.revision + 1, \(runID)
            FROM count_target t
            LEFT JOIN ingredient_cost c ON c.pizzeria_id = t.pizzeria_id AND c.ingredient_id = t.ingredient_id
            WHERE t.target <> t.posted AND t.target <> 0
            ORDER BY t.line_id
            """)
        try session.execute("DROP TABLE count_target")
    }
}
