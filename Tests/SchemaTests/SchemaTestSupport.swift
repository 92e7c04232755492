import Foundation
import Migrations
import Postgres
import TestSupport
import Testing

/// A fresh database with every shipped migration applied and the small base fixture loaded;
/// `body` runs on one session of it. Each test gets its own database, so tests run in parallel.
func withMigratedDatabase<T: Sendable>(
    _ body: @escaping @Sendable (PostgresSession, Base) throws -> T
) async throws -> T {
    try await TestDatabase.withDatabase { conninfo, _ in
        _ = try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
        do {
            let value = try await connection.withSession { session in
                try session.executeScript(Base.script)
                return try body(session, try Base.load(session))
            }
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }
}

/// Runs a write the schema must refuse and checks the SQLSTATE (and the constraint, when given).
func expectRefused(
    _ state: SQLState, constraint: String? = nil, _ session: PostgresSession, _ sql: SQL,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        try session.execute(sql)
        Issue.record("expected SQLSTATE \(state), but it was accepted: \(sql.text)", sourceLocation: sourceLocation)
    } catch let error as PostgresError {
        #expect(error.sqlState == state, "\(error.debugDescription)", sourceLocation: sourceLocation)
        if let constraint {
            #expect(error.constraint == constraint, "\(error.debugDescription)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// The append-only trigger's SQLSTATE (`restrict_violation`).
let appendOnlyViolation = SQLState("23001")

/// The ids of the base fixture: two shops, a few people, a Margherita and a cola with recipes.
struct Base: Sendable {
    var shop: Int
    var otherShop: Int
    var customer: Int
    var orderTaker: Int
    var driver: Int
    var margherita: Int
    var margheritaRecipe: Int
    var cola: Int
    var colaRecipe: Int
    var mozzarella: Int
    var dough: Int
    var extraMozzarella: Int

    static let script = """
        INSERT INTO address (line1, postcode, city) VALUES
            ('12 rue de la Roquette', '75011', 'Paris'), ('3 place Jean Jaurès', '92100', 'Boulogne-Billancourt');
        INSERT INTO pizzeria (code, name, address_id, opened_on, opening_hours)
        SELECT 'PAR11', 'OC Pizza Bastille', id, '2020-03-01',
               '{"mon": [["11:30","14:30"],["18:00","23:00"]], "sun": []}' FROM address WHERE postcode = '75011';
        INSERT INTO pizzeria (code, name, address_id, opened_on)
        SELECT 'BOU', 'OC Pizza Boulogne', id, '2021-06-01' FROM address WHERE postcode = '92100';
        INSERT INTO employee (pizzeria_id, role, full_name)
        SELECT id, 'order_taker', 'Inès Martin' FROM pizzeria WHERE code = 'PAR11'
        UNION ALL SELECT id, 'driver', 'Karim Benali' FROM pizzeria WHERE code = 'PAR11';
        INSERT INTO customer (phone, full_name) VALUES ('+33612345678', 'Jeanne Dupont');
        INSERT INTO product_category (code, name) VALUES ('pizzas', 'Pizzas'), ('drinks', 'Boissons');
        INSERT INTO product (sku, name, category_id, kind, vat_rate)
        SELECT 'PIZ-MARG', 'Margherita', id, 'pizza', 0.10 FROM product_category WHERE code = 'pizzas'
        UNION ALL SELECT 'DRK-COLA-33', 'Cola 33 cl', id, 'drink', 0.055 FROM product_category WHERE code = 'drinks';
        INSERT INTO ingredient (sku, name, base_unit, category) VALUES
            ('DOUGH-250', 'Pâton 250 g', 'piece', 'dough'), ('MOZZA', 'Mozzarella fior di latte', 'g', 'cheese'),
            ('SAUCE-TOM', 'Sauce tomate', 'g', 'sauce'), ('COLA-33', 'Cola 33 cl', 'piece', 'drink');
        INSERT INTO recipe (product_id, version, valid_from, bake_minutes, oven_temp_c)
        SELECT id, 1, DATE '2026-01-01', 4, 420 FROM product WHERE sku = 'PIZ-MARG'
        UNION ALL SELECT id, 1, DATE '2026-01-01', NULL, NULL FROM product WHERE sku = 'DRK-COLA-33';
        INSERT INTO recipe_line (recipe_id, ingredient_id, quantity, waste_pct)
        SELECT r.id, i.id, v.quantity, v.waste
        FROM (VALUES ('PIZ-MARG', 'DOUGH-250', 1, 0), ('PIZ-MARG', 'MOZZA', 120, 0.02),
                     ('PIZ-MARG', 'SAUCE-TOM', 80, 0.05), ('DRK-COLA-33', 'COLA-33', 1, 0))
             AS v (product, ingredient, quantity, waste)
        JOIN product p ON p.sku = v.product JOIN recipe r ON r.product_id = p.id
        JOIN ingredient i ON i.sku = v.ingredient;
        INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from)
        SELECT id, NULL, CASE sku WHEN 'PIZ-MARG' THEN 1050 ELSE 300 END, '2026-01-01' FROM product;
        INSERT INTO pizzeria_menu (pizzeria_id, product_id) SELECT s.id, p.id FROM pizzeria s CROSS JOIN product p;
        INSERT INTO modifier (code, name, kind, price_delta_cents) VALUES ('extra-mozza', 'Extra mozzarella', 'extra', 150);
        INSERT INTO modifier_ingredient (modifier_id, ingredient_id, quantity_delta)
        SELECT m.id, i.id, 60 FROM modifier m, ingredient i WHERE i.sku = 'MOZZA';
        """

    static func load(_ session: PostgresSession) throws -> Base {
        func id(_ sql: SQL) throws -> Int { try #require(try session.queryValue(sql, as: Int.self)) }
        return Base(
            shop: try id("SELECT id FROM pizzeria WHERE code = 'PAR11'"),
            otherShop: try id("SELECT id FROM pizzeria WHERE code = 'BOU'"),
            customer: try id("SELECT id FROM customer WHERE phone = '+33612345678'"),
            orderTaker: try id("SELECT id FROM employee WHERE role = 'order_taker'"),
            driver: try id("SELECT id FROM employee WHERE role = 'driver'"),
            margherita: try id("SELECT id FROM product WHERE sku = 'PIZ-MARG'"),
            margheritaRecipe: try id(
                "SELECT r.id FROM recipe r JOIN product p ON p.id = r.product_id WHERE p.sku = 'PIZ-MARG'"),
            cola: try id("SELECT id FROM product WHERE sku = 'DRK-COLA-33'"),
            colaRecipe: try id(
                "SELECT r.id FROM recipe r JOIN product p ON p.id = r.product_id WHERE p.sku = 'DRK-COLA-33'"),
            mozzarella: try id("SELECT id FROM ingredient WHERE sku = 'MOZZA'"),
            dough: try id("SELECT id FROM ingredient WHERE sku = 'DOUGH-250'"),
            extraMozzarella: try id("SELECT id FROM modifier WHERE code = 'extra-mozza'"))
    }
}

/// A valid pickup (or delivery) order of 10.50 € in the base shop; returns its id.
@discardableResult
func insertOrder(
    _ session: PostgresSession, _ base: Base, key: String, shop: Int? = nil, mode: String = "pickup",
    method: String = "counter_cash", address: JSONB? = nil, number: Int? = nil
) throws -> Int {
    let address = address ?? (mode == "delivery" ? sampleAddress : nil)
    return try #require(
        try session.queryValue(
            """
            INSERT INTO customer_order (pizzeria_id, order_number, customer_id, channel, fulfilment_mode,
                delivery_address, payment_method, placed_at, business_date, idempotency_key, request_hash,
                total_ttc_cents, total_ht_cents, total_vat_cents)
            VALUES (\(shop ?? base.shop), \(number), \(base.customer), 'phone', \(mode), \(address), \(method),
                '2026-05-12 19:42:00+02', '2026-05-12', \(key), \(String(repeating: "ab", count: 32)), 1050, 955, 95)
            RETURNING id
            """, as: Int.self))
}

/// One Margherita at 10.50 € on `order`.
@discardableResult
func insertLine(_ session: PostgresSession, _ base: Base, order: Int, lineNo: Int = 1) throws -> Int {
    try #require(
        try session.queryValue(
            """
            INSERT INTO order_line (order_id, pizzeria_id, line_no, product_id, recipe_id, quantity,
                unit_price_ttc_cents, vat_rate, line_total_ttc_cents)
            VALUES (\(order), \(base.shop), \(lineNo), \(base.margherita), \(base.margheritaRecipe), 1, 1050, 0.10, 1050)
            RETURNING id
            """, as: Int.self))
}

let sampleAddress = JSONB(text: #"{"line1": "8 rue Oberkampf", "postcode": "75011", "city": "Paris"}"#)

/// A lower-case hex SHA-256-shaped string made of one repeated character.
func fakeSHA256(_ character: Character) -> String { String(repeating: character, count: 64) }
