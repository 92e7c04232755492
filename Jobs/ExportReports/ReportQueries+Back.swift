import Foundation
import Postgres
import Reports

/// Food cost, stock, payments and operations: the results of reconcile-stock, settle-payments,
/// the job runner and the backups, read as they are.
extension ReportQueries {
    /// Theoretical food cost of the range (usage of the closed orders at the shops' average
    /// cost) and what the periods closed in the range add: unexplained variance and waste.
    struct FoodCost: Sendable, Equatable {
        var theoreticalCents: Int64
        var varianceCents: Int64
        var wasteCents: Int64
        var actualCents: Int64 { theoreticalCents + varianceCents + wasteCents }
    }

    func foodCost() throws -> FoodCost {
        let row = try run(
            """
            SELECT (SELECT coalesce(round(sum(u.quantity * ic.average_unit_cost) * 100), 0)::bigint
                    FROM theoretical_usage u
                    JOIN ingredient_cost ic ON ic.pizzeria_id = u.pizzeria_id AND ic.ingredient_id = u.ingredient_id
                    WHERE u.pizzeria_id = ANY(\(scope.shops)) AND u.business_date BETWEEN \(scope.from) AND \(scope.to))
                       AS theoretical,
                   (SELECT coalesce(sum(v.variance_value_cents), 0)::bigint
                    FROM stock_period p JOIN stock_count c ON c.id = p.closing_count_id
                    JOIN variance_line v ON v.period_id = p.id
                    WHERE p.pizzeria_id = ANY(\(scope.shops)) AND c.business_date BETWEEN \(scope.from) AND \(scope.to))
                       AS variance,
                   (SELECT coalesce(round(sum(-m.quantity * coalesce(m.unit_cost, 0)) * 100), 0)::bigint
                    FROM stock_movement m
                    WHERE m.pizzeria_id = ANY(\(scope.shops)) AND m.business_date BETWEEN \(scope.from) AND \(scope.to)
                      AND m.kind = 'waste') AS waste
            """
        ).first
        return FoodCost(
            theoreticalCents: try row?.decode("theoretical") ?? 0, varianceCents: try row?.decode("variance") ?? 0,
            wasteCents: try row?.decode("waste") ?? 0)
    }

    /// The variance lines of the periods closed in the range, largest in euros first.
    func varianceLines(limit: Int = 15) throws -> ReportTable {
        try table(
            "variance", "Unexplained variance (periods closed in the range), largest first",
            [
                "shop", "ingredient", "period", "actual", "theoretical", "waste", "variance", "value",
                "% of theoretical", "flags",
            ],
            """
            SELECT s.code, i.name || ' (' || i.base_unit || ')' AS ingredient,
                   to_char(p.starts_at AT TIME ZONE s.timezone, 'YYYY-MM-DD') || ' → '
                       || to_char(p.ends_at AT TIME ZONE s.timezone, 'YYYY-MM-DD') AS period,
                   (v.actual_usage * 1000)::bigint AS actual, (v.theoretical_usage * 1000)::bigint AS theoretical,
                   (v.waste * 1000)::bigint AS waste, (v.variance * 1000)::bigint AS variance, v.variance_value_cents,
                   (v.variance_pct * 10)::bigint AS pct, array_to_string(v.flags, ', ') AS flags
            FROM stock_period p
            JOIN stock_count c ON c.id = p.closing_count_id
            JOIN variance_line v ON v.period_id = p.id
            JOIN pizzeria s ON s.id = p.pizzeria_id
            JOIN ingredient i ON i.id = v.ingredient_id
            WHERE p.pizzeria_id = ANY(\(scope.shops)) AND c.business_date BETWEEN \(scope.from) AND \(scope.to)
            ORDER BY abs(coalesce(v.variance_value_cents, 0)) DESC, s.code, i.name
            LIMIT \(Int64(limit))
            """, emptyNote: "No count closed a period in this range."
        ) { row in
            [
                .text(try row.decode("code")), .text(try row.decode("ingredient")), .text(try row.decode("period")),
                .milli(try row.decode("actual")), .milli(try row.decode("theoretical")),
                .milli(try row.decode("waste")),
                .milli(try row.decode("variance")),
                try row.decode("variance_value_cents", as: Int64?.self).map(ReportValue.cents) ?? .missing,
                .percentTenths(try row.decode("pct", as: Int64?.self)), .text(try row.decode("flags")),
            ]
        }
    }

    func wasteByReason() throws -> ReportTable {
        try table(
            "waste", "Waste by reason", ["reason", "entries", "value"],
            """
            SELECT w.reason, count(DISTINCT w.id) AS entries,
                   coalesce(round(sum(-m.quantity * coalesce(m.unit_cost, 0)) * 100), 0)::bigint AS cents
            FROM waste_log w
            LEFT JOIN stock_movement m ON m.source_type = 'waste_log' AND m.source_id = w.id AND m.kind = 'waste'
            WHERE w.pizzeria_id = ANY(\(scope.shops)) AND w.business_date BETWEEN \(scope.from) AND \(scope.to)
            GROUP BY w.reason ORDER BY cents DESC, w.reason
            """, emptyNote: "No waste logged."
        ) { row in
            [.text(try row.decode("reason")), .count(try row.decode("entries")), .cents(try row.decode("cents"))]
        }
    }

    func stockValuation() throws -> ReportTable {
        try table(
            "stock-valuation", "Stock valuation at the end of the range",
            ["shop", "value", "ingredients", "negative lines"],
            """
            SELECT s.code, coalesce(sum(p.value_cents), 0)::bigint AS cents, count(p.ingredient_id) AS ingredients,
                   count(*) FILTER (WHERE p.negative) AS negative
            FROM pizzeria s
            JOIN stock_position p ON p.pizzeria_id = s.id AND p.business_date = \(scope.to)
            WHERE s.id = ANY(\(scope.shops))
            GROUP BY s.code ORDER BY s.code
            """, emptyNote: "reconcile-stock has not run for this date."
        ) { row in
            [
                .text(try row.decode("code")), .cents(try row.decode("cents")), .count(try row.decode("ingredients")),
                .count(try row.decode("negative")),
            ]
        }
    }

    /// Products the end-of-range stock cannot make, with an estimate of the sales lost: the
    /// product's average daily revenue over the range (a shop that cannot make it for a day).
    func couldNotBeMade() throws -> ReportTable {
        try table(
            "could-not-be-made", "Products the stock could not make",
            ["shop", "product", "short of", "estimated lost sales a day"],
            """
            SELECT s.code, pr.name, coalesce(i.name, '-') AS short_of,
                   coalesce((SELECT round(sum(l.line_total_ttc_cents)::numeric
                                          / (\(scope.to)::date - \(scope.from)::date + 1))::bigint
                             FROM customer_order o JOIN order_line l ON l.order_id = o.id AND l.pizzeria_id = o.pizzeria_id
                             WHERE o.pizzeria_id = a.pizzeria_id AND o.business_date BETWEEN \(scope.from) AND \(scope.to)
                               AND o.fulfilment_status IN ('delivered', 'collected') AND l.product_id = a.product_id), 0)
                       AS lost
            FROM product_availability a
            JOIN pizzeria s ON s.id = a.pizzeria_id
            JOIN product pr ON pr.id = a.product_id
            LEFT JOIN ingredient i ON i.id = a.limiting_ingredient_id
            WHERE a.pizzeria_id = ANY(\(scope.shops)) AND a.business_date = \(scope.to) AND a.portions = 0
            ORDER BY lost DESC, s.code, pr.name
            """, emptyNote: "Every product on the menus can be made."
        ) { row in
            [
                .text(try row.decode("code")), .text(try row.decode("name")), .text(try row.decode("short_of")),
                .cents(try row.decode("lost")),
            ]
        }
    }

    func reorderBySupplier() throws -> ReportTable {
        try table(
            "reorder", "Reorder suggestions by supplier", ["supplier", "shops", "lines", "packs", "expected cost"],
            """
            SELECT su.name, count(DISTINCT r.pizzeria_id) AS shops, count(*) AS lines, sum(r.packs)::bigint AS packs,
                   coalesce(sum(r.expected_cost_cents), 0)::bigint AS cents
            FROM reorder_suggestion r JOIN supplier su ON su.id = r.supplier_id
            WHERE r.pizzeria_id = ANY(\(scope.shops)) AND r.business_date = \(scope.to)
            GROUP BY su.name ORDER BY cents DESC, su.name
            """, emptyNote: "Nothing to reorder."
        ) { row in
            [
                .text(try row.decode("name")), .count(try row.decode("shops")), .count(try row.decode("lines")),
                .count(try row.decode("packs")), .cents(try row.decode("cents")),
            ]
        }
    }

    func paymentsByMethod() throws -> ReportTable {
        try table(
            "payments-by-method", "Settled vs expected, by payment method",
            ["method", "orders", "expected", "received", "processor fees", "settled", "difference"],
            """
            SELECT payment_method, count(*) AS orders, sum(expected_cents)::bigint AS expected,
                   sum(received_cents)::bigint AS received, sum(fee_cents)::bigint AS fees,
                   count(*) FILTER (WHERE outcome IN ('settled', 'settled_with_difference')) AS settled,
                   (sum(received_cents) - sum(expected_cents))::bigint AS difference
            FROM order_settlement
            WHERE pizzeria_id = ANY(\(scope.shops)) AND business_date BETWEEN \(scope.from) AND \(scope.to)
            GROUP BY payment_method ORDER BY expected DESC, payment_method
            """, emptyNote: "No payment in this range."
        ) { row in
            [
                .text(try row.decode("payment_method")), .count(try row.decode("orders")),
                .cents(try row.decode("expected")), .cents(try row.decode("received")), .cents(try row.decode("fees")),
                .count(try row.decode("settled")), .cents(try row.decode("difference")),
            ]
        }
    }

    /// Discrepancies still open at the end of the range, by kind, with the oldest one's age.
    func openDiscrepancies() throws -> ReportTable {
        try table(
            "open-discrepancies", "Open payment discrepancies", ["kind", "count", "amount", "oldest (days)"],
            """
            SELECT kind, count(*) AS n, sum(amount_cents)::bigint AS cents,
                   max(\(scope.to)::date - coalesce(business_date, \(scope.to)::date)) AS age
            FROM settlement_discrepancy
            WHERE resolved_at IS NULL AND (pizzeria_id IS NULL OR pizzeria_id = ANY(\(scope.shops)))
            GROUP BY kind ORDER BY n DESC, kind
            """, emptyNote: "No open discrepancy."
        ) { row in
            [
                .text(try row.decode("kind")), .count(try row.decode("n")), .cents(try row.decode("cents")),
                .count(Int64(try row.decode("age", as: Int32.self))),
            ]
        }
    }

    func cashDifferences() throws -> ReportTable {
        try table(
            "cash-differences", "Cash and card differences by shift", ["shop", "date", "employee", "difference"],
            """
            SELECT s.code, d.business_date::text AS day, coalesce(e.full_name, '-') AS employee, d.amount_cents
            FROM settlement_discrepancy d
            JOIN pizzeria s ON s.id = d.pizzeria_id
            LEFT JOIN shift_remittance r ON r.id = d.shift_remittance_id
            LEFT JOIN employee e ON e.id = r.employee_id
            WHERE d.kind = 'remittance_difference' AND d.pizzeria_id = ANY(\(scope.shops))
              AND d.business_date BETWEEN \(scope.from) AND \(scope.to)
            ORDER BY d.business_date, s.code, employee, d.id
            """, emptyNote: "Every shift's cash-up matched."
        ) { row in
            [
                .text(try row.decode("code")), .text(try row.decode("day")), .text(try row.decode("employee")),
                .cents(try row.decode("amount_cents")),
            ]
        }
    }

    /// Each job's last run (chain pages only: jobs are chain-wide).
    func jobs() throws -> ReportTable {
        try table(
            "jobs", "Jobs: last run", ["job", "business date", "outcome", "finished (UTC)"],
            """
            SELECT DISTINCT ON (job) job, coalesce(business_date::text, '-') AS day, status,
                   coalesce(to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'running') AS finished
            FROM job_run WHERE job <> 'export-reports' AND (business_date IS NULL OR business_date <= \(scope.to))
            ORDER BY job, started_at DESC, id DESC
            """, emptyNote: "No job has run yet."
        ) { row in
            [
                .text(try row.decode("job")), .text(try row.decode("day")), .text(try row.decode("status")),
                .text(try row.decode("finished")),
            ]
        }
    }

    func heldSupplierLines() throws -> ReportTable {
        try table(
            "held-supplier-lines", "Supplier lines waiting", ["reason", "documents", "lines"],
            """
            SELECT coalesce(l.hold_reason, d.hold_reason, 'held') AS reason, count(DISTINCT d.id) AS documents,
                   count(l.id) AS lines
            FROM supplier_document d
            LEFT JOIN supplier_document_line l ON l.document_id = d.id AND l.hold_reason IS NOT NULL
            WHERE d.status = 'held' AND (d.pizzeria_id IS NULL OR d.pizzeria_id = ANY(\(scope.shops)))
            GROUP BY 1 ORDER BY lines DESC, 1
            """, emptyNote: "No supplier line is waiting for a mapping."
        ) { row in
            [.text(try row.decode("reason")), .count(try row.decode("documents")), .count(try row.decode("lines"))]
        }
    }

    func backups() throws -> ReportTable {
        try table(
            "backups", "Backups", ["what", "when (UTC)", "detail"],
            """
            SELECT 'last good backup' AS what,
                   coalesce(to_char(max(finished_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'never') AS at,
                   count(*)::text || ' kept' AS detail
            FROM backup WHERE status = 'ok'
            UNION ALL
            SELECT 'last restore drill',
                   coalesce(to_char(max(drill_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'never'),
                   coalesce((SELECT CASE WHEN (drill_result ->> 'ok')::boolean THEN 'passed' ELSE 'FAILED' END
                             FROM backup WHERE drill_at IS NOT NULL ORDER BY drill_at DESC, id DESC LIMIT 1), '-')
            FROM backup
            """
        ) { row in [.text(try row.decode("what")), .text(try row.decode("at")), .text(try row.decode("detail"))] }
    }
}
