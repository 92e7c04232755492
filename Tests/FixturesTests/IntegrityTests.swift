import DemoChain
import Postgres
import TestSupport
import Testing

/// The generated rows agree with each other and with the schema's own rules, across a recipe
/// change (Margherita version 2 from 2026-10-19) and the end of summer time (2026-10-25).
@Suite struct IntegrityTests {
    @Test func generatedHistoryIsConsistent() async throws {
        try await withDemoChain { conninfo in
            try await generate(conninfo, shops: 3, days: 10, end: "2026-10-26")
            try await withSession(conninfo) { session throws in
                #expect(try session.int("SELECT count(*) FROM customer_order") > 1_000)
                // Totals: the lines add up to the order, HT + VAT = TTC, VAT once per rate, half-up.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM customer_order o
                        WHERE o.total_ttc_cents <> (SELECT sum(line_total_ttc_cents) FROM order_line l WHERE l.order_id = o.id)
                           OR o.total_ht_cents + o.total_vat_cents <> o.total_ttc_cents
                           OR o.total_vat_cents <> (
                                SELECT sum(round(ttc * rate / (1 + rate)))::bigint FROM (
                                    SELECT vat_rate AS rate, sum(line_total_ttc_cents) AS ttc FROM order_line l
                                    WHERE l.order_id = o.id GROUP BY vat_rate) r)
                        """) == 0)
                // Business dates: the schema's own function for every order, event and payment.
                #expect(
                    try session.int(
                        "SELECT count(*) FROM customer_order WHERE business_date <> ocpizza_business_date(pizzeria_id, placed_at)"
                    )
                        == 0)
                #expect(
                    try session.int(
                        "SELECT count(*) FROM order_event WHERE business_date <> ocpizza_business_date(pizzeria_id, at)"
                    )
                        == 0)
                #expect(
                    try session.int(
                        "SELECT count(*) FROM payment WHERE business_date <> ocpizza_business_date(pizzeria_id, occurred_at)"
                    )
                        == 0)
                // The night of the clock change is there, and on the right business date.
                #expect(
                    try session.int(
                        "SELECT count(*) FROM customer_order WHERE business_date = DATE '2026-10-24' AND placed_at >= '2026-10-24 21:00+00'"
                    )
                        > 0)
                // Every line froze the recipe version in force when it was sold, both Margherita versions were sold.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM order_line l JOIN customer_order o ON o.id = l.order_id
                        JOIN recipe r ON r.id = l.recipe_id
                        WHERE NOT daterange(r.valid_from, r.valid_to) @> ocpizza_business_date(o.pizzeria_id, o.placed_at)
                        """) == 0)
                #expect(
                    try session.int(
                        """
                        SELECT count(DISTINCT r.version) FROM order_line l JOIN recipe r ON r.id = l.recipe_id
                        JOIN product p ON p.id = l.product_id WHERE p.sku = 'PIZ-MARGHERITA'
                        """) == 2)
                // Each order's statuses are the last of its events, in time order.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM customer_order o
                        WHERE o.fulfilment_status <> (SELECT to_status FROM order_event e WHERE e.order_id = o.id
                                                      AND e.kind = 'fulfilment' ORDER BY at DESC, id DESC LIMIT 1)
                           OR o.payment_status <> (SELECT to_status FROM order_event e WHERE e.order_id = o.id
                                                   AND e.kind = 'payment' ORDER BY at DESC, id DESC LIMIT 1)
                        """) == 0)
                // Money taken: captured or collected payments carry the total, once.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM customer_order o
                        WHERE o.payment_status IN ('captured', 'collected') AND o.total_ttc_cents <> (
                            SELECT sum(amount_cents) FROM payment p WHERE p.order_id = o.id AND p.status IN ('captured', 'collected'))
                        """) == 0)
                try Self.expectConsumption(session)
                // The stock ledger: weekly counts are followed by their adjustments; nothing without a source.
                #expect(try session.int("SELECT count(*) FROM stock_movement WHERE kind = 'count_adjustment'") > 0)
                #expect(try session.int("SELECT count(*) FROM stock_movement WHERE kind = 'receipt'") > 0)
                #expect(try session.int("SELECT count(*) FROM stock_movement WHERE kind = 'waste'") > 0)
            }
        }
    }

    /// sale_consumption = quantity × recipe line × (1 + waste %) + modifier deltas, for exactly the
    /// lines of orders that were not cancelled.
    static func expectConsumption(_ session: PostgresSession) throws {
        #expect(
            try session.int(
                """
                SELECT count(*) FROM stock_movement m JOIN order_line l ON l.id = m.source_id
                JOIN customer_order o ON o.id = l.order_id
                WHERE m.kind = 'sale_consumption' AND o.fulfilment_status = 'cancelled'
                """) == 0)
        #expect(
            try session.int(
                """
                SELECT count(*) FROM customer_order o WHERE o.fulfilment_status <> 'cancelled' AND EXISTS (
                    SELECT 1 FROM order_line l WHERE l.order_id = o.id AND NOT EXISTS (
                        SELECT 1 FROM stock_movement m WHERE m.kind = 'sale_consumption' AND m.source_type = 'order_line'
                          AND m.source_id = l.id))
                """) == 0)
        #expect(
            try session.int(
                """
                WITH expected AS (
                    SELECT line_id, ingredient_id, round(sum(q), 3) AS q FROM (
                        SELECT l.id AS line_id, rl.ingredient_id, l.quantity * rl.quantity * (1 + rl.waste_pct) AS q
                        FROM order_line l JOIN recipe_line rl ON rl.recipe_id = l.recipe_id
                        UNION ALL
                        SELECT l.id, mi.ingredient_id, l.quantity * olm.quantity * mi.quantity_delta
                        FROM order_line l JOIN order_line_modifier olm ON olm.order_line_id = l.id
                        JOIN modifier_ingredient mi ON mi.modifier_id = olm.modifier_id) parts
                    JOIN order_line l ON l.id = parts.line_id JOIN customer_order o ON o.id = l.order_id
                    WHERE o.fulfilment_status <> 'cancelled'
                    GROUP BY line_id, ingredient_id HAVING round(sum(q), 3) > 0),
                posted AS (
                    SELECT source_id AS line_id, ingredient_id, -quantity AS q FROM stock_movement
                    WHERE kind = 'sale_consumption')
                SELECT count(*) FROM expected e FULL JOIN posted p USING (line_id, ingredient_id)
                WHERE e.q IS DISTINCT FROM p.q
                """) == 0)
    }
}
