import Postgres

extension Seeder {
    /// Ingredients, products, prices, menus, recipes and modifiers.
    mutating func loadCatalogue() throws {
        try loadIngredients()
        try loadProducts()
        try loadPrices()
        try loadMenus()
        try loadRecipes()
        try loadModifiers()
    }

    private mutating func loadIngredients() throws {
        try upsert(
            "ingredient",
            """
            INSERT INTO ingredient AS t (sku, name, base_unit, category, perishable, default_waste_pct)
            SELECT x.sku, x.name, x.base_unit, x.category, x.perishable, x.waste_pct
            FROM jsonb_to_recordset(\(try json(data.ingredients)))
                AS x (sku text, name text, base_unit text, category text, perishable boolean, waste_pct numeric)
            ON CONFLICT (sku) DO UPDATE
                SET name = excluded.name, base_unit = excluded.base_unit, category = excluded.category,
                    perishable = excluded.perishable, default_waste_pct = excluded.default_waste_pct
                WHERE (t.name, t.base_unit, t.category, t.perishable, t.default_waste_pct)
                    IS DISTINCT FROM (excluded.name, excluded.base_unit, excluded.category, excluded.perishable,
                        excluded.default_waste_pct)
            RETURNING (xmax = 0) AS inserted
            """)
    }

    private mutating func loadProducts() throws {
        try upsert(
            "product",
            """
            INSERT INTO product AS t (sku, name, description, category_id, kind, size, vat_rate)
            SELECT x.sku, x.name, x.description, c.id, x.kind, x.size, x.vat_rate
            FROM jsonb_to_recordset(\(try json(data.products)))
                AS x (sku text, name text, description text, category text, kind text, size text, vat_rate numeric)
            JOIN product_category c ON c.code = x.category
            ON CONFLICT (sku) DO UPDATE
                SET name = excluded.name, description = excluded.description, category_id = excluded.category_id,
                    kind = excluded.kind, size = excluded.size, vat_rate = excluded.vat_rate
                WHERE (t.name, t.description, t.category_id, t.kind, t.size, t.vat_rate)
                    IS DISTINCT FROM (excluded.name, excluded.description, excluded.category_id, excluded.kind,
                        excluded.size, excluded.vat_rate)
            RETURNING (xmax = 0) AS inserted
            """)
    }

    /// Prices have no natural key but (product, shop, valid_from): update those that differ, first
    /// (a shortened period makes room for the next one), then insert the missing ones.
    private mutating func loadPrices() throws {
        struct Row: Encodable {
            var sku: String
            var shop: String?
            var validFrom: String
            var validTo: String?
            var cents: Int
        }
        var rows: [Row] = []
        for product in data.products {
            rows += product.prices.map {
                Row(sku: product.sku, shop: nil, validFrom: $0.from, validTo: $0.to, cents: $0.cents)
            }
            rows += (product.shopPrices ?? []).map {
                Row(sku: product.sku, shop: $0.shop, validFrom: $0.from, validTo: $0.to, cents: $0.cents)
            }
        }
        try session.execute(
            """
            CREATE TEMP TABLE seed_price ON COMMIT DROP AS
            SELECT p.id AS product_id, s.id AS pizzeria_id, x.valid_from, x.valid_to, x.cents
            FROM jsonb_to_recordset(\(try json(rows))) AS x (sku text, shop text, valid_from date, valid_to date, cents bigint)
            JOIN product p ON p.sku = x.sku LEFT JOIN pizzeria s ON s.code = x.shop
            WHERE x.shop IS NULL OR s.id IS NOT NULL
            """)
        count(
            "product_price",
            updated: try session.execute(
                """
                UPDATE product_price t SET price_ttc_cents = x.cents, valid_to = x.valid_to
                FROM seed_price x
                WHERE t.product_id = x.product_id AND t.pizzeria_id IS NOT DISTINCT FROM x.pizzeria_id
                  AND t.valid_from = x.valid_from
                  AND (t.price_ttc_cents, t.valid_to) IS DISTINCT FROM (x.cents, x.valid_to)
                """))
        count(
            "product_price",
            inserted: try session.execute(
                """
                INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from, valid_to)
                SELECT x.product_id, x.pizzeria_id, x.cents, x.valid_from, x.valid_to
                FROM seed_price x
                WHERE NOT EXISTS (
                    SELECT 1 FROM product_price t
                    WHERE t.product_id = x.product_id AND t.pizzeria_id IS NOT DISTINCT FROM x.pizzeria_id
                      AND t.valid_from = x.valid_from)
                ORDER BY x.valid_from
                """))
        try session.execute("DROP TABLE seed_price")
    }

    /// Every product on every demo shop's menu, except where `notSoldIn` says otherwise. The
    /// `available` flag is the shop's to change: set on insert only.
    private mutating func loadMenus() throws {
        struct Row: Encodable {
            var shop, sku: String
            var sortOrder: Int
        }
        var sold: [Row] = []
        var notSold: [Row] = []
        for shop in data.shops {
            for (index, product) in data.products.enumerated() {
                let row = Row(shop: shop.code, sku: product.sku, sortOrder: (index + 1) * 10)
                if product.notSoldIn?.contains(shop.code) ?? false { notSold.append(row) } else { sold.append(row) }
            }
        }
        try upsert(
            "pizzeria_menu",
            """
            INSERT INTO pizzeria_menu AS t (pizzeria_id, product_id, available, sort_order)
            SELECT s.id, p.id, true, x.sort_order
            FROM jsonb_to_recordset(\(try json(sold))) AS x (shop text, sku text, sort_order integer)
            JOIN pizzeria s ON s.code = x.shop JOIN product p ON p.sku = x.sku
            ON CONFLICT (pizzeria_id, product_id) DO UPDATE SET sort_order = excluded.sort_order
                WHERE t.sort_order IS DISTINCT FROM excluded.sort_order
            RETURNING (xmax = 0) AS inserted
            """)
        count(
            "pizzeria_menu",
            deleted: try session.execute(
                """
                DELETE FROM pizzeria_menu m
                USING jsonb_to_recordset(\(try json(notSold))) AS x (shop text, sku text), pizzeria s, product p
                WHERE s.code = x.shop AND p.sku = x.sku AND m.pizzeria_id = s.id AND m.product_id = p.id
                """))
    }

    /// Recipe versions, then their lines. A recipe that was sold is frozen by a trigger (even an
    /// `INSERT ... ON CONFLICT` that changes nothing fires it), so only missing or different
    /// lines are written: an unchanged recipe is never touched.
    private mutating func loadRecipes() throws {
        struct Version: Encodable {
            var product: String
            var version: Int
            var validFrom: String
            var validTo: String?
            var bakeMinutes: String?
            var ovenTempC: Int?
            var instructions: String?
        }
        struct Line: Encodable {
            var product: String
            var version: Int
            var ingredient, quantity, wastePct: String
            var sortOrder: Int
        }
        var versions: [Version] = []
        var lines: [Line] = []
        for recipe in data.recipes {
            for version in recipe.versions {
                versions.append(
                    Version(
                        product: recipe.product, version: version.version, validFrom: version.validFrom,
                        validTo: version.validTo, bakeMinutes: version.bakeMinutes, ovenTempC: version.ovenTempC,
                        instructions: version.instructions))
                for (index, line) in version.lines.enumerated() {
                    lines.append(
                        Line(
                            product: recipe.product, version: version.version, ingredient: line.ingredient,
                            quantity: line.quantity, wastePct: line.wastePct, sortOrder: (index + 1) * 10))
                }
            }
        }
        try upsert(
            "recipe",
            """
            INSERT INTO recipe AS t (product_id, version, valid_from, valid_to, bake_minutes, oven_temp_c, instructions)
            SELECT p.id, x.version, x.valid_from, x.valid_to, x.bake_minutes, x.oven_temp_c, x.instructions
            FROM jsonb_to_recordset(\(try json(versions))) AS x (product text, version integer, valid_from date,
                valid_to date, bake_minutes numeric, oven_temp_c integer, instructions text)
            JOIN product p ON p.sku = x.product
            ORDER BY p.id, x.version
            ON CONFLICT (product_id, version) DO UPDATE
                SET valid_from = excluded.valid_from, valid_to = excluded.valid_to, bake_minutes = excluded.bake_minutes,
                    oven_temp_c = excluded.oven_temp_c, instructions = excluded.instructions
                WHERE (t.valid_from, t.valid_to, t.bake_minutes, t.oven_temp_c, t.instructions)
                    IS DISTINCT FROM (excluded.valid_from, excluded.valid_to, excluded.bake_minutes,
                        excluded.oven_temp_c, excluded.instructions)
            RETURNING (xmax = 0) AS inserted
            """)
        try session.execute(
            """
            CREATE TEMP TABLE seed_recipe_line ON COMMIT DROP AS
            SELECT r.id AS recipe_id, i.id AS ingredient_id, x.quantity, x.waste_pct, x.sort_order
            FROM jsonb_to_recordset(\(try json(lines))) AS x (product text, version integer, ingredient text,
                quantity numeric, waste_pct numeric, sort_order integer)
            JOIN product p ON p.sku = x.product JOIN recipe r ON r.product_id = p.id AND r.version = x.version
            JOIN ingredient i ON i.sku = x.ingredient
            """)
        count(
            "recipe_line",
            deleted: try session.execute(
                """
                DELETE FROM recipe_line l
                WHERE l.recipe_id IN (SELECT recipe_id FROM seed_recipe_line)
                  AND NOT EXISTS (SELECT 1 FROM seed_recipe_line w
                                  WHERE w.recipe_id = l.recipe_id AND w.ingredient_id = l.ingredient_id)
                """))
        try upsert(
            "recipe_line",
            """
            INSERT INTO recipe_line AS t (recipe_id, ingredient_id, quantity, waste_pct, sort_order)
            SELECT w.recipe_id, w.ingredient_id, w.quantity, w.waste_pct, w.sort_order
            FROM seed_recipe_line w
            LEFT JOIN recipe_line l ON l.recipe_id = w.recipe_id AND l.ingredient_id = w.ingredient_id
            WHERE l.id IS NULL
               OR (l.quantity, l.waste_pct, l.sort_order) IS DISTINCT FROM (w.quantity, w.waste_pct, w.sort_order)
            ON CONFLICT (recipe_id, ingredient_id) DO UPDATE
                SET quantity = excluded.quantity, waste_pct = excluded.waste_pct, sort_order = excluded.sort_order
            RETURNING (xmax = 0) AS inserted
            """)
        try session.execute("DROP TABLE seed_recipe_line")
    }

    private mutating func loadModifiers() throws {
        struct Delta: Encodable {
            var modifier, ingredient, quantityDelta: String
        }
        let deltas = try json(
            data.modifiers.flatMap { modifier in
                modifier.ingredients.map {
                    Delta(modifier: modifier.code, ingredient: $0.ingredient, quantityDelta: $0.quantityDelta)
                }
            })
        try upsert(
            "modifier",
            """
            INSERT INTO modifier AS t (code, name, kind, product_id, price_delta_cents)
            SELECT x.code, x.name, x.kind, p.id, x.price_delta_cents
            FROM jsonb_to_recordset(\(try json(data.modifiers)))
                AS x (code text, name text, kind text, product text, price_delta_cents bigint)
            LEFT JOIN product p ON p.sku = x.product
            ON CONFLICT (code) DO UPDATE
                SET name = excluded.name, kind = excluded.kind, product_id = excluded.product_id,
                    price_delta_cents = excluded.price_delta_cents
                WHERE (t.name, t.kind, t.product_id, t.price_delta_cents)
                    IS DISTINCT FROM (excluded.name, excluded.kind, excluded.product_id, excluded.price_delta_cents)
            RETURNING (xmax = 0) AS inserted
            """)
        try session.execute(
            """
            CREATE TEMP TABLE seed_modifier_ingredient ON COMMIT DROP AS
            SELECT m.id AS modifier_id, i.id AS ingredient_id, x.quantity_delta
            FROM jsonb_to_recordset(\(deltas)) AS x (modifier text, ingredient text, quantity_delta numeric)
            JOIN modifier m ON m.code = x.modifier JOIN ingredient i ON i.sku = x.ingredient
            """)
        count(
            "modifier_ingredient",
            deleted: try session.execute(
                """
                DELETE FROM modifier_ingredient d
                WHERE d.modifier_id IN (SELECT modifier_id FROM seed_modifier_ingredient)
                  AND NOT EXISTS (SELECT 1 FROM seed_modifier_ingredient w
                                  WHERE w.modifier_id = d.modifier_id AND w.ingredient_id = d.ingredient_id)
                """))
        try upsert(
            "modifier_ingredient",
            """
            INSERT INTO modifier_ingredient AS t (modifier_id, ingredient_id, quantity_delta)
            SELECT modifier_id, ingredient_id, quantity_delta FROM seed_modifier_ingredient
            ON CONFLICT (modifier_id, ingredient_id) DO UPDATE SET quantity_delta = excluded.quantity_delta
                WHERE t.quantity_delta IS DISTINCT FROM excluded.quantity_delta
            RETURNING (xmax = 0) AS inserted
            """)
        try session.execute("DROP TABLE seed_modifier_ingredient")
    }
}
