import Foundation
import Postgres
import Testing

/// The happy path: a new shop, a product with its recipe and price, a delivered order paid online,
/// its events, payment, stock consumption and settlement rows all go in, in one transaction.
@Suite struct ValidChainTests {
    @Test func aShopProductRecipeOrderLineEventPaymentChainIsAccepted() async throws {
        try await withMigratedDatabase { session, base in
            try session.transaction { session in
                let address = try #require(
                    try session.queryValue(
                        "INSERT INTO address (line1, postcode, city) VALUES ('40 cours de Vincennes', '75012', 'Paris') RETURNING id",
                        as: Int.self))
                let shop = try #require(
                    try session.queryValue(
                        """
                        INSERT INTO pizzeria (code, name, address_id, opened_on, opening_hours)
                        VALUES ('PAR12', 'OC Pizza Nation', \(address), '2026-06-01', '{"tue": [["18:00","00:30"]]}')
                        RETURNING id
                        """, as: Int.self))
                let pizzaiolo = try #require(
                    try session.queryValue(
                        "INSERT INTO employee (pizzeria_id, role, full_name) VALUES (\(shop), 'pizzaiolo', 'Marco') RETURNING id",
                        as: Int.self))
                let reine = try #require(
                    try session.queryValue(
                        """
                        INSERT INTO product (sku, name, category_id, kind, vat_rate)
                        SELECT 'PIZ-REINE', 'Reine', id, 'pizza', 0.10 FROM product_category WHERE code = 'pizzas'
                        RETURNING id
                        """, as: Int.self))
                try session.execute(
                    """
                    INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from)
                    VALUES (\(reine), NULL, 1250, '2026-01-01'), (\(reine), \(shop), 1290, '2026-06-01');
                    """)
                try session.execute("INSERT INTO pizzeria_menu (pizzeria_id, product_id) VALUES (\(shop), \(reine))")
                let recipe = try #require(
                    try session.queryValue(
                        """
                        INSERT INTO recipe (product_id, version, valid_from, bake_minutes, oven_temp_c, instructions)
                        VALUES (\(reine), 1, '2026-01-01', 4.5, 420, 'Sauce, mozzarella, jambon, champignons.')
                        RETURNING id
                        """, as: Int.self))
                try session.execute(
                    """
                    INSERT INTO recipe_line (recipe_id, ingredient_id, quantity, waste_pct)
                    VALUES (\(recipe), \(base.dough), 1, 0), (\(recipe), \(base.mozzarella), 110, 0.02)
                    """)
                try session.execute(
                    """
                    INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
                    VALUES (\(shop), \(base.mozzarella), 10000, 2500)
                    """)

                // 2 Reine with extra mozzarella (2 × 14.40) + 1 cola (3.00) = 31.80; VAT per rate on the order.
                let order = try #require(
                    try session.queryValue(
                        """
                        INSERT INTO customer_order (pizzeria_id, customer_id, channel, fulfilment_mode, delivery_address,
                            payment_method, placed_at, business_date, idempotency_key, request_hash,
                            total_ttc_cents, total_ht_cents, total_vat_cents)
                        VALUES (\(shop), \(base.customer), 'web', 'delivery', \(sampleAddress), 'online_card',
                            '2026-06-02 20:05+02', '2026-06-02', '0b7e7a4e-5f7d-4c1e-9d55-6f1d2a9c8e01',
                            \(fakeSHA256("d")), 3180, 2902, 278)
                        RETURNING id
                        """, as: Int.self))
                let line = try #require(
                    try session.queryValue(
                        """
                        INSERT INTO order_line (order_id, pizzeria_id, line_no, product_id, recipe_id, quantity,
                            unit_price_ttc_cents, modifiers_ttc_cents, vat_rate, line_total_ttc_cents)
                        VALUES (\(order), \(shop), 1, \(reine), \(recipe), 2, 1290, 150, 0.10, 2880)
                        RETURNING id
                        """, as: Int.self))
                try session.execute(
                    """
                    INSERT INTO order_line_modifier (order_line_id, modifier_id, price_delta_cents)
                    VALUES (\(line), \(base.extraMozzarella), 150)
                    """)
                try session.execute(
                    """
                    INSERT INTO order_line (order_id, pizzeria_id, line_no, product_id, recipe_id, quantity,
                        unit_price_ttc_cents, vat_rate, line_total_ttc_cents)
                    VALUES (\(order), \(shop), 2, \(base.cola), \(base.colaRecipe), 1, 300, 0.055, 300)
                    """)

                // Fulfilment and payment, each move with its event.
                let moves: [(String, String?, String, Int?, String)] = [
                    ("fulfilment", nil, "placed", nil, "web"), ("payment", nil, "unpaid", nil, "web"),
                    ("payment", "unpaid", "authorised", nil, "stripe"),
                    ("fulfilment", "placed", "accepted", pizzaiolo, "counter"),
                    ("fulfilment", "accepted", "in_preparation", pizzaiolo, "counter"),
                    ("payment", "authorised", "captured", nil, "system"),
                    ("fulfilment", "in_preparation", "ready", pizzaiolo, "counter"),
                    ("fulfilment", "ready", "out_for_delivery", base.driver, "driver"),
                    ("fulfilment", "out_for_delivery", "delivered", base.driver, "driver"),
                ]
                for (kind, from, to, employee, actor) in moves {
                    try session.execute(
                        """
                        INSERT INTO order_event (order_id, pizzeria_id, kind, from_status, to_status, business_date,
                            actor_employee_id, actor)
                        VALUES (\(order), \(shop), \(kind), \(from), \(to), '2026-06-02', \(employee), \(actor))
                        """)
                    if from != nil {
                        try session.execute(
                            "UPDATE customer_order SET \(identifier: kind + "_status") = \(to) WHERE id = \(order)")
                    }
                }
                let authorised = try #require(
                    try session.queryValue(
                        """
                        INSERT INTO payment (pizzeria_id, order_id, method, status, amount_cents, processor,
                            processor_reference, occurred_at, business_date)
                        VALUES (\(shop), \(order), 'online_card', 'authorised', 3180, 'stripe', 'pi_3PyReine',
                            '2026-06-02 20:05+02', '2026-06-02')
                        RETURNING id
                        """, as: Int.self))
                try session.execute(
                    """
                    INSERT INTO payment (pizzeria_id, order_id, parent_payment_id, method, status, amount_cents,
                        processor, processor_reference, occurred_at, business_date)
                    VALUES (\(shop), \(order), \(authorised), 'online_card', 'captured', 3180, 'stripe', 'pi_3PyReine',
                        '2026-06-02 20:12+02', '2026-06-02')
                    """)

                // The nightly stock job posts the consumption of line 1 (recipe + extra mozzarella).
                try session.execute(
                    """
                    INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, unit_cost, occurred_at,
                        business_date, source_type, source_id)
                    VALUES (\(shop), \(base.mozzarella), 'sale_consumption', -344.4, 0.0084, '2026-06-02 20:40+02',
                        '2026-06-02', 'order_line', \(line)),
                           (\(shop), \(base.dough), 'sale_consumption', -2, 0.35, '2026-06-02 20:40+02',
                        '2026-06-02', 'order_line', \(line))
                    ON CONFLICT DO NOTHING
                    """)
            }

            let summary = try #require(
                try session.query(
                    """
                    SELECT o.order_number, o.fulfilment_status, o.payment_status,
                           (SELECT sum(line_total_ttc_cents)::bigint FROM order_line l WHERE l.order_id = o.id) AS lines,
                           (SELECT count(*) FROM order_event e WHERE e.order_id = o.id) AS events,
                           (SELECT sum(quantity) FROM stock_movement m WHERE m.pizzeria_id = o.pizzeria_id
                              AND m.ingredient_id = \(base.mozzarella))::text AS mozzarella
                    FROM customer_order o JOIN pizzeria p ON p.id = o.pizzeria_id WHERE p.code = 'PAR12'
                    """
                ).first)
            #expect(try summary.decode("order_number", as: Int.self) == 1)
            #expect(try summary.decode("fulfilment_status", as: String.self) == "delivered")
            #expect(try summary.decode("payment_status", as: String.self) == "captured")
            #expect(try summary.decode("lines", as: Int.self) == 3180)
            #expect(try summary.decode("events", as: Int.self) == 9)
            #expect(try summary.decode("mozzarella", as: String.self) == "-344.400")
        }
    }
}
