import Foundation
import Jobs
import Migrations
import Postgres
import TestSupport
import Testing

/// A tiny chain for the stock scenarios, every figure small enough to compute by hand:
///
/// - shops PAR11 and LYO01 (Europe/Paris, cutoff 04:00);
/// - ingredients FLOUR (g), WATER (ml), MOZZA (g), TOMATO (g);
/// - sub-recipe `dough` v1: one batch of 10 000 g = 6 000 g FLOUR + 4 000 ml WATER;
/// - product MARG: recipe v1 until 2026-03-20 = 250 g of dough (150 g FLOUR, 100 ml WATER),
///   100 g MOZZA at 5 % loss, 80 g TOMATO; v2 from 2026-03-20 = the same with 120 g MOZZA;
/// - modifier `extra-mozza`: +50 g MOZZA;
/// - average cost: FLOUR 0.001 €/g, WATER 0 €/ml, MOZZA 0.01 €/g (last price 0.012), TOMATO
///   none (its lines say `no_cost`);
/// - supplier item: MOZZA in bags of 2 500 g at 30.00 €.
struct StockChain {
    let conninfo: String
    let varDirectory: String
    let runner: JobRunner
    let shop: Int64
    let otherShop: Int64

    static func with(_ body: (StockChain) async throws -> Void) async throws {
        let template = try await Self.template.name()
        try await TestDatabase.withDatabase(template: template) { conninfo, _ in
            try await Fixture.withVarDirectory { varDirectory in
                let runner = JobRunner(
                    conninfo: conninfo, varDirectory: varDirectory, logger: TestDatabase.logger,
                    exitCode: Fixture.exitCode)
                let ids = try await Fixture.withConnection(conninfo) { connection in
                    try await connection.withSession { session in
                        (
                            try session.queryValue("SELECT id FROM pizzeria WHERE code = 'PAR11'", as: Int64.self) ?? 0,
                            try session.queryValue("SELECT id FROM pizzeria WHERE code = 'LYO01'", as: Int64.self) ?? 0
                        )
                    }
                }
                try await body(
                    StockChain(
                        conninfo: conninfo, varDirectory: varDirectory, runner: runner, shop: ids.0, otherShop: ids.1))
            }
        }
    }

    private static let template = TemplateDatabase(prefix: "ocpizza_stock_template") { conninfo in
        try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
        try await Fixture.withConnection(conninfo) { connection in
            try await connection.withSession { session in
                try session.executeScript(
                    """
                    INSERT INTO address (line1, postcode, city) VALUES ('11 rue Oberkampf', '75011', 'Paris'),
                                                                         ('1 place Bellecour', '69002', 'Lyon');
                    INSERT INTO pizzeria (code, name, address_id, opened_on, opening_hours)
                    SELECT x.code, x.name, a.id, '2020-01-01',
                           (SELECT jsonb_object_agg(day, '[["00:00", "00:00"]]'::jsonb)
                            FROM unnest('{mon,tue,wed,thu,fri,sat,sun}'::text[]) AS day)
                    FROM (VALUES ('PAR11', 'OC Pizza Oberkampf', '75011'), ('LYO01', 'OC Pizza Bellecour', '69002'))
                         AS x(code, name, postcode)
                    JOIN address a ON a.postcode = x.postcode;
                    INSERT INTO customer (phone, full_name) VALUES ('+33612345678', 'Client');
                    INSERT INTO ingredient (sku, name, base_unit, category) VALUES
                        ('FLOUR', 'Farine T00', 'g', 'dough'), ('WATER', 'Eau', 'ml', 'dough'),
                        ('MOZZA', 'Mozzarella', 'g', 'cheese'), ('TOMATO', 'Sauce tomate', 'g', 'sauce');
                    INSERT INTO product_category (code, name) VALUES ('pizzas', 'Pizzas');
                    INSERT INTO product (sku, name, category_id, kind, vat_rate)
                    SELECT 'MARG', 'Margherita', id, 'pizza', 0.1 FROM product_category;
                    INSERT INTO product_price (product_id, price_ttc_cents, valid_from) SELECT id, 1000, '2020-01-01' FROM product;
                    INSERT INTO pizzeria_menu (pizzeria_id, product_id) SELECT p.id, pr.id FROM pizzeria p, product pr;
                    INSERT INTO recipe (product_id, version, valid_from, valid_to)
                    SELECT id, 1, date '2020-01-01', date '2026-03-20' FROM product UNION ALL SELECT id, 2, date '2026-03-20', NULL FROM product;
                    INSERT INTO sub_recipe (code, name, unit, yield_quantity) VALUES ('dough', 'Pâte à pizza', 'g', 10000);
                    INSERT INTO sub_recipe_line (sub_recipe_id, ingredient_id, quantity)
                    SELECT s.id, i.id, x.q FROM sub_recipe s, (VALUES ('FLOUR', 6000), ('WATER', 4000)) AS x(sku, q)
                    JOIN ingredient i ON i.sku = x.sku;
                    SELECT ocpizza_recipe_add_sub_recipe(r.id, s.id, 250) FROM recipe r, sub_recipe s;
                    INSERT INTO recipe_line (recipe_id, ingredient_id, quantity, waste_pct)
                    SELECT r.id, i.id, CASE WHEN i.sku = 'TOMATO' THEN 80 WHEN r.version = 1 THEN 100 ELSE 120 END,
                           CASE WHEN i.sku = 'MOZZA' THEN 0.05 ELSE 0 END
                    FROM recipe r CROSS JOIN ingredient i WHERE i.sku IN ('MOZZA', 'TOMATO');
                    INSERT INTO modifier (code, name, kind, price_delta_cents) VALUES ('extra-mozza', 'Extra mozzarella', 'extra', 150);
                    INSERT INTO modifier_ingredient (modifier_id, ingredient_id, quantity_delta)
                    SELECT m.id, i.id, 50 FROM modifier m, ingredient i WHERE i.sku = 'MOZZA';
                    INSERT INTO ingredient_cost (pizzeria_id, ingredient_id, average_unit_cost, last_unit_cost, last_business_date)
                    SELECT p.id, i.id, x.average, x.last, '2026-03-01'
                    FROM pizzeria p, (VALUES ('FLOUR', 0.001, 0.001), ('WATER', 0, 0), ('MOZZA', 0.01, 0.012)) AS x(sku, average, last)
                    JOIN ingredient i ON i.sku = x.sku;
                    INSERT INTO supplier (name, siren) VALUES ('Latteria Sorrentina', '123456789');
                    INSERT INTO supplier_item (supplier_id, seller_item_id, ingredient_id, pack_size, purchase_unit_code, last_unit_price)
                    SELECT s.id, 'MOZ-2.5', i.id, 2500, 'XBX', 30.00 FROM supplier s, ingredient i WHERE i.sku = 'MOZZA';
                    """)
            }
        }
    }

    /// An approved full count of PAR11 at `at`, posted as `opening` movements (the shop's
    /// first count): quantities by SKU.
    @discardableResult
    func openingCount(at: String, _ quantities: [String: Int]) async throws -> Int64 {
        try await sql { session in
            let countID = try session.queryValue(
                """
                INSERT INTO stock_count (pizzeria_id, counted_at, business_date, status, approved_at)
                VALUES (\(shop), \(at)::timestamptz, ocpizza_business_date(\(shop), \(at)::timestamptz), 'approved', now())
                RETURNING id
                """, as: Int64.self)!
            for (sku, quantity) in quantities {
                try session.execute(
                    """
                    WITH line AS (
                        INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
                        SELECT \(countID), \(shop), id, \(quantity) FROM ingredient WHERE sku = \(sku)
                        RETURNING id, ingredient_id)
                    INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date,
                                                source_type, source_id)
                    SELECT \(shop), ingredient_id, 'opening', \(quantity), \(at)::timestamptz,
                           ocpizza_business_date(\(shop), \(at)::timestamptz), 'stock_count_line', id
                    FROM line
                    """)
            }
            return countID
        }
    }

    /// An order of PAR11 placed at `at`: `lines` of (quantity, modifiers) of MARG with the recipe
    /// in force on its business date, in `status` (delivered, collected, cancelled...).
    @discardableResult
    func order(_ number: Int, at: String, status: String = "delivered", lines: [(Int, [String])]) async throws -> Int64
    {
        try await sql { session in
            let orderID = try session.queryValue(
                """
                INSERT INTO customer_order (
                    pizzeria_id, order_number, customer_id, channel, fulfilment_mode, delivery_address, fulfilment_status,
                    payment_status, payment_method, placed_at, business_date, idempotency_key, request_hash,
                    total_ttc_cents, total_ht_cents, total_vat_cents)
                SELECT \(shop), \(number), (SELECT min(id) FROM customer), 'web', 'delivery',
                       '{"line1": "1 rue", "postcode": "75011", "city": "Paris"}'::jsonb, \(status), 'unpaid',
                       'cash_on_delivery', \(at)::timestamptz, ocpizza_business_date(\(shop), \(at)::timestamptz),
                       'stock-' || \(number), repeat('0', 64), 0, 0, 0
                RETURNING id
                """, as: Int64.self)!
            for (index, line) in lines.enumerated() {
                try session.execute(
                    """
                    WITH l AS (
                        INSERT INTO order_line (order_id, pizzeria_id, line_no, product_id, recipe_id, quantity,
                                                unit_price_ttc_cents, vat_rate, line_total_ttc_cents)
                        SELECT \(orderID), \(shop), \(index + 1), p.id, ocpizza_recipe_in_force(p.id, o.business_date),
                               \(line.0), 0, 0.1, 0
                        FROM product p, customer_order o WHERE p.sku = 'MARG' AND o.id = \(orderID)
                        RETURNING id)
                    INSERT INTO order_line_modifier (order_line_id, modifier_id, price_delta_cents)
                    SELECT l.id, m.id, 0 FROM l, modifier m WHERE m.code = ANY(\(line.1))
                    """)
            }
            return orderID
        }
    }

    /// A movement of `kind` (receipt, waste...) of PAR11 at `at`, from a made-up source row.
    func movement(
        _ kind: String, _ sku: String, _ quantity: Int, at: String, source: String, sourceID: Int64
    )
        async throws
    {
        try await sql { session in
            try session.execute(
                """
                INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date,
                                            source_type, source_id)
                SELECT \(shop), id, \(kind), \(quantity), \(at)::timestamptz,
                       ocpizza_business_date(\(shop), \(at)::timestamptz), \(source), \(sourceID)
                FROM ingredient WHERE sku = \(sku)
                """)
        }
    }

    /// Writes a file into `var/inbox/<folder>/`.
    func drop(_ folder: String, _ name: String, _ content: String) throws {
        let directory = varDirectory + "/inbox/" + folder
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
    }

    /// Runs reconcile-stock for `date` (YYYY-MM-DD).
    @discardableResult
    func reconcile(_ date: String, shop: String? = nil) async throws -> (JobRunReport, ReconcileStockJob) {
        let day = try #require(CalendarDate(iso8601: date))
        let job = ReconcileStockJob(shopCode: shop)
        let report = try await runner.run(
            JobRequest(name: "reconcile-stock", businessDate: day, options: shop.map { ["shop": $0] } ?? [:]),
            work: job.run)
        return (report, job)
    }

    func sql<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        try await Fixture.withConnection(conninfo) { connection in try await connection.withSession(body) }
    }

    /// Every row of `query`, its columns as text joined by " ".
    func rows(_ query: SQL) async throws -> [String] {
        try await sql { session in
            let result = try session.query(query)
            return try result.map { row in
                try (0..<result.columns.count).map { try row.decode($0, as: String?.self) ?? "-" }.joined(
                    separator: " ")
            }
        }
    }

    /// The variance lines of the period that ends with the count at `closing` (timestamptz text):
    /// "SKU opening receipts transfers closing actual theoretical waste variance cents pct {flags}".
    func varianceLines(closingAt closing: String) async throws -> [String] {
        try await rows(
            """
            SELECT i.sku, v.opening::float8::text, v.receipts::float8::text, v.transfers::float8::text,
                   v.closing::float8::text, v.actual_usage::float8::text, v.theoretical_usage::float8::text,
                   v.waste::float8::text, v.variance::float8::text, v.variance_value_cents::text, v.variance_pct::text,
                   v.flags::text
            FROM variance_line v
            JOIN stock_period p ON p.id = v.period_id
            JOIN ingredient i ON i.id = v.ingredient_id
            WHERE p.ends_at = \(closing)::timestamptz
            ORDER BY i.sku
            """)
    }
}
