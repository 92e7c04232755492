import Foundation
import Postgres

/// What the computation of one run produced, for the summary and `--json`.
public struct StockReconcileResult: Sendable, Codable, Equatable {
    public var shops = 0
    public var ordersClosed = 0
    public var ordersCancelled = 0
    public var ordersOpen = 0
    public var transferLinesPosted = 0
    public var usageLines = 0
    public var periodsComputed = 0
    public var varianceLines = 0
    public var flaggedLines = 0
    public var negativePositions = 0
    public var availabilityLines = 0
    public var productsUnavailable = 0
    public var reorderLines = 0
    public var reorderCents: Int64 = 0
    /// Seconds per step, for the benchmark and the logs.
    public var stepSeconds: [String: Double] = [:]
}

/// The set-based steps of `reconcile-stock`, in one transaction (design:
/// docs/design/reconcile-stock.md). Every result is replaced, never added to: the same inputs give
/// the same rows.
///
/// 1. (before the files: ``postTransfers(_:upTo:runID:)``);
/// 2. theoretical usage of the business date, per shop and ingredient, from its closed orders;
/// 3. the count-to-count periods that new counts create or that movements posted since the last
///    run touch (a late invoice, a late count), each with its variance lines;
/// 4. the stock position at the end of the date (the ledger minus what came after);
/// 5. availability (portions each product's recipe allows) and 6. reorder suggestions, from it.
struct StockReconciler {
    let session: PostgresSession
    let runID: Int64?
    let businessDate: CalendarDate
    /// nil: every shop trading that day.
    let shopCode: String?
    /// Movements posted after this instant mark their periods for recomputation (the start of
    /// the last complete run, less a safety margin for transactions that were in flight).
    let postedSince: Date?

    func run() throws -> StockReconcileResult {
        var result = StockReconcileResult()
        try session.execute("SET LOCAL jit = off")
        try step("shops", &result) { result in
            try session.execute(
                """
                CREATE TEMP TABLE reconcile_shop ON COMMIT DROP AS
                SELECT id FROM pizzeria
                WHERE opened_on <= \(businessDate) AND (closed_on IS NULL OR closed_on > \(businessDate))
                  AND (\(shopCode)::text IS NULL OR code = \(shopCode))
                """)
            try session.execute("ANALYZE reconcile_shop")
            result.shops =
                try session.queryValue("SELECT count(*) FROM reconcile_shop", as: Int64.self).map(Int.init) ?? 0
        }
        try step("usage", &result) { result in try usage(&result) }
        try step("periods", &result) { result in try periods(&result) }
        try step("position", &result) { result in try position(&result) }
        try step("availability", &result) { result in try availability(&result) }
        try step("reorder", &result) { result in try reorder(&result) }
        return result
    }

    /// Transfers between shops not posted yet get their two movements (out of one shop, into the
    /// other, at the sender's average cost). Run before counts are posted, so that a count
    /// measures the ledger with the transfers it should see.
    static func postTransfers(_ session: PostgresSession, upTo date: CalendarDate, runID: Int64?) throws -> Int {
        try session.execute(
            """
            INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date,
                                        source_type, source_id, unit_cost, job_run_id)
            SELECT side.pizzeria_id, l.ingredient_id, side.kind, side.sign * l.quantity, t.shipped_at,
                   ocpizza_business_date(side.pizzeria_id, t.shipped_at), 'stock_transfer_line', l.id,
                   c.average_unit_cost, \(runID)
            FROM stock_transfer t
            JOIN stock_transfer_line l ON l.transfer_id = t.id
            CROSS JOIN LATERAL (VALUES (t.from_pizzeria_id, 'transfer_out', -1), (t.to_pizzeria_id, 'transfer_in', 1))
                AS side(pizzeria_id, kind, sign)
            LEFT JOIN ingredient_cost c ON c.pizzeria_id = t.from_pizzeria_id AND c.ingredient_id = l.ingredient_id
            WHERE t.business_date <= \(date)
            ORDER BY l.id, side.kind
            ON CONFLICT DO NOTHING
            """)
    }

    /// Removes what an earlier run wrote for the date and the shops of this run: results are
    /// replaced, never added to.
    private func clearDate(_ table: String) throws {
        try session.execute(
            """
            DELETE FROM \(identifier: table) WHERE business_date = \(businessDate)
              AND pizzeria_id IN (SELECT id FROM reconcile_shop)
            """)
    }

    /// Rows of `table` for the date and the shops of this run that match `condition` (SQL this
    /// file writes, never input).
    private func countForDate(_ table: String, where condition: String) throws -> Int {
        Int(
            try session.queryValue(
                """
                SELECT count(*) FROM \(identifier: table) WHERE business_date = \(businessDate)
                  AND pizzeria_id IN (SELECT id FROM reconcile_shop) AND (\(unsafeRaw: condition))
                """, as: Int64.self) ?? 0)
    }

    private func step(
        _ name: String, _ result: inout StockReconcileResult, _ body: (inout StockReconcileResult) throws -> Void
    ) throws {
        let started = ContinuousClock.now
        try body(&result)
        let elapsed = ContinuousClock.now - started
        result.stepSeconds[name] =
            Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Step 2: the date's theoretical usage, replaced.
    private func usage(_ result: inout StockReconcileResult) throws {
        try clearDate("stock_usage_day")
        try session.execute(
            """
            INSERT INTO stock_usage_day (pizzeria_id, business_date, orders_closed, orders_cancelled, orders_open, job_run_id)
            SELECT s.id, \(businessDate),
                   count(o.id) FILTER (WHERE o.fulfilment_status IN ('delivered', 'collected')),
                   count(o.id) FILTER (WHERE o.fulfilment_status = 'cancelled'),
                   count(o.id) FILTER (WHERE o.fulfilment_status NOT IN ('delivered', 'collected', 'cancelled')),
                   \(runID)
            FROM reconcile_shop s
            LEFT JOIN customer_order o ON o.pizzeria_id = s.id AND o.business_date = \(businessDate)
            GROUP BY s.id
            """)
        result.usageLines = try session.execute(
            """
            INSERT INTO theoretical_usage (pizzeria_id, business_date, ingredient_id, quantity)
            SELECT u.pizzeria_id, u.business_date, u.ingredient_id, round(sum(u.quantity), 3)
            FROM order_line_theoretical_usage u
            WHERE u.pizzeria_id IN (SELECT id FROM reconcile_shop) AND u.business_date = \(businessDate)
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3
            """)
        let orders = try session.query(
            """
            SELECT coalesce(sum(orders_closed), 0)::bigint AS closed, coalesce(sum(orders_cancelled), 0)::bigint AS cancelled,
                   coalesce(sum(orders_open), 0)::bigint AS open
            FROM stock_usage_day WHERE business_date = \(businessDate) AND pizzeria_id IN (SELECT id FROM reconcile_shop)
            """
        ).first
        result.ordersClosed = Int(try orders?.decode("closed", as: Int64.self) ?? 0)
        result.ordersCancelled = Int(try orders?.decode("cancelled", as: Int64.self) ?? 0)
        result.ordersOpen = Int(try orders?.decode("open", as: Int64.self) ?? 0)
    }

    /// Step 3: the periods to (re)compute, then their lines. A period is wanted when its two
    /// counts are consecutive approved full counts and either it is not stored yet or something
    /// posted since the last run falls in it; stored periods that overlap a wanted one are
    /// replaced (a late count splits the period it falls in).
    private func periods(_ result: inout StockReconcileResult) throws {
        try session.execute(
            """
            CREATE TEMP TABLE reconcile_dirty ON COMMIT DROP AS
            SELECT m.pizzeria_id, min(m.occurred_at) AS from_at, max(m.occurred_at) AS to_at
            FROM stock_movement m
            WHERE \(postedSince)::timestamptz IS NOT NULL AND m.posted_at > \(postedSince)
              AND m.kind IN ('receipt', 'return', 'transfer_in', 'transfer_out', 'waste')
              AND m.pizzeria_id IN (SELECT id FROM reconcile_shop)
            GROUP BY m.pizzeria_id, m.business_date
            """)
        try session.execute(
            """
            CREATE TEMP TABLE reconcile_period ON COMMIT DROP AS
            WITH counts AS (
                SELECT c.id, c.pizzeria_id, c.counted_at,
                       lead(c.id) OVER w AS next_id, lead(c.counted_at) OVER w AS next_at
                FROM stock_count c
                WHERE c.status = 'approved' AND c.scope = 'full' AND c.pizzeria_id IN (SELECT id FROM reconcile_shop)
                  AND c.business_date <= \(businessDate)
                WINDOW w AS (PARTITION BY c.pizzeria_id ORDER BY c.counted_at, c.id))
            SELECT c.pizzeria_id, c.id AS opening_count_id, c.next_id AS closing_count_id, c.counted_at AS starts_at,
                   c.next_at AS ends_at
            FROM counts c
            WHERE c.next_id IS NOT NULL
              AND (NOT EXISTS (SELECT 1 FROM stock_period p
                               WHERE p.opening_count_id = c.id AND p.closing_count_id = c.next_id)
                   OR EXISTS (SELECT 1 FROM reconcile_dirty d
                              WHERE d.pizzeria_id = c.pizzeria_id AND d.from_at <= c.next_at AND d.to_at > c.counted_at))
            """)
        try session.execute(
            """
            DELETE FROM stock_period p USING reconcile_period w
            WHERE p.pizzeria_id = w.pizzeria_id AND p.starts_at < w.ends_at AND p.ends_at > w.starts_at
            """)
        result.periodsComputed = try session.execute(
            """
            INSERT INTO stock_period (pizzeria_id, opening_count_id, closing_count_id, starts_at, ends_at, job_run_id)
            SELECT pizzeria_id, opening_count_id, closing_count_id, starts_at, ends_at, \(runID)
            FROM reconcile_period ORDER BY pizzeria_id, starts_at
            """)
        result.varianceLines = try session.execute(
            """
            INSERT INTO variance_line (period_id, pizzeria_id, ingredient_id, opening, receipts, transfers, closing,
                                       actual_usage, theoretical_usage, waste, variance, unit_cost, variance_value_cents,
                                       variance_pct, flags)
            SELECT p.id, p.pizzeria_id, v.ingredient_id, v.opening, v.receipts, v.transfers, v.closing, v.actual_usage,
                   v.theoretical_usage, v.waste, v.variance, v.unit_cost, v.variance_value_cents, v.variance_pct, v.flags
            FROM stock_period p
            JOIN reconcile_period w ON w.opening_count_id = p.opening_count_id AND w.closing_count_id = p.closing_count_id
            CROSS JOIN LATERAL ocpizza_variance_lines(p.opening_count_id, p.closing_count_id) v
            ORDER BY p.id, v.ingredient_id
            """)
        result.flaggedLines = Int(
            try session.queryValue(
                """
                SELECT count(*) FROM variance_line v
                JOIN stock_period p ON p.id = v.period_id
                JOIN reconcile_period w ON w.opening_count_id = p.opening_count_id
                     AND w.closing_count_id = p.closing_count_id
                WHERE v.flags <> '{}'
                """, as: Int64.self) ?? 0)
    }

    /// Step 4: on hand at the end of the date = the balance now minus every movement dated after
    /// it (a handful of days at most), for every ingredient the shop stocks or has moved.
    /// A negative quantity is valued at the last price paid and flagged.
    private func position(_ result: inout StockReconcileResult) throws {
        try clearDate("stock_position")
        try session.execute(
            """
            INSERT INTO stock_position (pizzeria_id, business_date, ingredient_id, on_hand, unit_cost, value_cents, negative)
            SELECT q.pizzeria_id, \(businessDate), q.ingredient_id, q.on_hand, cost.unit_cost,
                   round(q.on_hand * cost.unit_cost * 100)::bigint, q.on_hand < 0
            FROM (SELECT k.pizzeria_id, k.ingredient_id,
                         coalesce(b.quantity, 0) - coalesce((
                             SELECT sum(m.quantity) FROM stock_movement m
                             WHERE m.pizzeria_id = k.pizzeria_id AND m.ingredient_id = k.ingredient_id
                               AND m.business_date > \(businessDate)), 0) AS on_hand
                  FROM (SELECT pizzeria_id, ingredient_id FROM stock_balance WHERE pizzeria_id IN (SELECT id FROM reconcile_shop)
                        UNION
                        SELECT pizzeria_id, ingredient_id FROM ingredient_stock_policy
                        WHERE pizzeria_id IN (SELECT id FROM reconcile_shop)) k
                  LEFT JOIN stock_balance b ON b.pizzeria_id = k.pizzeria_id AND b.ingredient_id = k.ingredient_id) q
            LEFT JOIN ingredient_cost ic ON ic.pizzeria_id = q.pizzeria_id AND ic.ingredient_id = q.ingredient_id
            CROSS JOIN LATERAL (SELECT CASE WHEN q.on_hand < 0 THEN ic.last_unit_cost ELSE ic.average_unit_cost END
                                AS unit_cost) cost
            ORDER BY 1, 3
            """)
        result.negativePositions = try countForDate("stock_position", where: "negative")
    }

    /// Step 5: portions of each product on the menu that the end-of-day stock allows, with the
    /// ingredient that limits it: the menu's can_make formula (ocpizza_portions_available) on
    /// the position instead of the live balance.
    private func availability(_ result: inout StockReconcileResult) throws {
        try clearDate("product_availability")
        result.availabilityLines = try session.execute(
            """
            INSERT INTO product_availability (pizzeria_id, business_date, product_id, recipe_id, portions,
                                              limiting_ingredient_id)
            WITH menu AS (
                SELECT m.pizzeria_id, m.product_id, r.id AS recipe_id
                FROM pizzeria_menu m
                JOIN product p ON p.id = m.product_id AND p.active
                JOIN recipe r ON r.product_id = m.product_id
                     AND daterange(r.valid_from, r.valid_to) @> \(businessDate)::date
                WHERE m.pizzeria_id IN (SELECT id FROM reconcile_shop)),
            need AS (
                SELECT rl.recipe_id, rl.ingredient_id, sum(rl.quantity * (1 + rl.waste_pct)) AS per_portion
                FROM recipe_line rl WHERE rl.recipe_id IN (SELECT DISTINCT recipe_id FROM menu)
                GROUP BY rl.recipe_id, rl.ingredient_id),
            portions AS (
                SELECT DISTINCT ON (menu.pizzeria_id, menu.product_id)
                       menu.pizzeria_id, menu.product_id, need.ingredient_id,
                       greatest(0, floor(coalesce(sp.on_hand, 0) / need.per_portion))::bigint AS portions
                FROM menu
                JOIN need ON need.recipe_id = menu.recipe_id
                LEFT JOIN stock_position sp ON sp.pizzeria_id = menu.pizzeria_id
                     AND sp.business_date = \(businessDate) AND sp.ingredient_id = need.ingredient_id
                ORDER BY menu.pizzeria_id, menu.product_id, 4, need.ingredient_id)
            SELECT menu.pizzeria_id, \(businessDate), menu.product_id, menu.recipe_id, portions.portions,
                   portions.ingredient_id
            FROM menu LEFT JOIN portions USING (pizzeria_id, product_id)
            ORDER BY 1, 3
            """)
        result.productsUnavailable = try countForDate("product_availability", where: "portions = 0")
    }

    /// Step 6: par − on hand − open deliveries, in whole packs of the item the shop buys (the one
    /// it bought last, else the cheapest per base unit), at its last price.
    private func reorder(_ result: inout StockReconcileResult) throws {
        try clearDate("reorder_suggestion")
        result.reorderLines = try session.execute(
            """
            INSERT INTO reorder_suggestion (pizzeria_id, business_date, ingredient_id, supplier_id, supplier_item_id,
                                            par_level, on_hand, open_deliveries, shortfall, packs, order_quantity,
                                            expected_cost_cents)
            SELECT n.pizzeria_id, \(businessDate), n.ingredient_id, item.supplier_id, item.id, n.par_level, n.on_hand,
                   n.open_deliveries, n.shortfall, ceil(n.shortfall / item.pack_size)::int,
                   ceil(n.shortfall / item.pack_size) * item.pack_size,
                   round(ceil(n.shortfall / item.pack_size) * item.last_unit_price * 100)::bigint
            FROM (SELECT sp.pizzeria_id, sp.ingredient_id, sp.par_level, coalesce(pos.on_hand, 0) AS on_hand,
                         coalesce(open.quantity, 0) AS open_deliveries,
                         sp.par_level - coalesce(pos.on_hand, 0) - coalesce(open.quantity, 0) AS shortfall
                  FROM ingredient_stock_policy sp
                  LEFT JOIN stock_position pos ON pos.pizzeria_id = sp.pizzeria_id AND pos.business_date = \(businessDate)
                       AND pos.ingredient_id = sp.ingredient_id
                  LEFT JOIN LATERAL (
                      SELECT sum(l.quantity_base) AS quantity
                      FROM supplier_document d
                      JOIN supplier_document_line l ON l.document_id = d.id
                      JOIN supplier_item si ON si.id = l.supplier_item_id
                      WHERE d.status IN ('held', 'received') AND d.pizzeria_id = sp.pizzeria_id
                        AND si.ingredient_id = sp.ingredient_id AND l.quantity_base > 0) open ON true
                  WHERE sp.pizzeria_id IN (SELECT id FROM reconcile_shop)) n
            CROSS JOIN LATERAL (
                SELECT si.id, si.supplier_id, si.pack_size, si.last_unit_price
                FROM supplier_item si
                LEFT JOIN LATERAL (
                    SELECT max(pp.business_date) AS last_bought FROM purchase_price pp
                    WHERE pp.pizzeria_id = n.pizzeria_id AND pp.supplier_item_id = si.id) bought ON true
                WHERE si.ingredient_id = n.ingredient_id AND si.active AND si.stock_effect = 'ingredient'
                ORDER BY bought.last_bought DESC NULLS LAST, si.last_unit_price / si.pack_size NULLS LAST, si.id
                LIMIT 1) item
            WHERE n.shortfall > 0
            ORDER BY 1, 3
            """)
        result.reorderCents =
            try session.queryValue(
                """
                SELECT coalesce(sum(expected_cost_cents), 0)::bigint FROM reorder_suggestion
                WHERE business_date = \(businessDate) AND pizzeria_id IN (SELECT id FROM reconcile_shop)
                """, as: Int64.self) ?? 0
    }
}
