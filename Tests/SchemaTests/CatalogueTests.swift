import Foundation
import Postgres
import Testing

/// Products, prices, ingredients, recipes and modifiers (0004).
@Suite struct CatalogueTests {
    @Test func naturalKeysAndEnumerationsOfTheCatalogue() async throws {
        try await withMigratedDatabase { session, _ in
            let pizzas = try #require(
                try session.queryValue("SELECT id FROM product_category WHERE code = 'pizzas'", as: Int.self))
            expectRefused(
                .uniqueViolation, constraint: "product_sku_key", session,
                "INSERT INTO product (sku, name, category_id, kind, vat_rate) VALUES ('PIZ-MARG', 'Bis', \(pizzas), 'pizza', 0.10)"
            )
            expectRefused(
                .checkViolation, constraint: "product_kind_known", session,
                "INSERT INTO product (sku, name, category_id, kind, vat_rate) VALUES ('SAL-1', 'Salad', \(pizzas), 'salad', 0.10)"
            )
            // VAT rates are fractions: 10 % is 0.10, never 10 (which numeric(5,4) cannot even hold) nor 1.5.
            expectRefused(
                .checkViolation, session,
                "INSERT INTO product (sku, name, category_id, kind, vat_rate) VALUES ('PIZ-X', 'X', \(pizzas), 'pizza', 1.5)"
            )
            expectRefused(
                .uniqueViolation, constraint: "ingredient_sku_key", session,
                "INSERT INTO ingredient (sku, name, base_unit, category) VALUES ('MOZZA', 'Bis', 'g', 'cheese')")
            expectRefused(
                .checkViolation, constraint: "ingredient_base_unit_known", session,
                "INSERT INTO ingredient (sku, name, base_unit, category) VALUES ('FLOUR', 'Farine', 'kg', 'dough')")
            expectRefused(
                .notNullViolation, session,
                "INSERT INTO ingredient (sku, name, category) VALUES ('FLOUR', 'Farine', 'dough')")
        }
    }

    @Test func pricesOfOneProductInOneShopNeverOverlap() async throws {
        try await withMigratedDatabase { session, base in
            // The chain-wide default runs from 2026-01-01, open-ended.
            expectRefused(
                .exclusionViolation, constraint: "product_price_no_overlap", session,
                """
                INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from, valid_to)
                VALUES (\(base.margherita), NULL, 1100, '2026-06-01', NULL)
                """)
            // A shop price overrides the default over the same period, once.
            try session.execute(
                """
                INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from, valid_to)
                VALUES (\(base.margherita), \(base.shop), 1150, '2026-01-01', '2026-07-01'),
                       (\(base.margherita), \(base.shop), 1190, '2026-07-01', NULL),
                       (\(base.margherita), \(base.otherShop), 990, '2026-01-01', NULL)
                """)
            expectRefused(
                .exclusionViolation, constraint: "product_price_no_overlap", session,
                """
                INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from, valid_to)
                VALUES (\(base.margherita), \(base.shop), 1200, '2026-06-30', '2026-07-02')
                """)
            // The price in force: the shop's own, else the chain-wide default; [valid_from, valid_to).
            func price(_ shop: Int, _ day: String) throws -> Int? {
                try session.queryValue(
                    "SELECT ocpizza_price_ttc_cents(\(base.margherita), \(shop), \(day)::date)", as: Int?.self) ?? nil
            }
            #expect(try price(base.shop, "2026-06-30") == 1150)
            #expect(try price(base.shop, "2026-07-01") == 1190)
            #expect(try price(base.otherShop, "2026-03-01") == 990)
            #expect(try price(base.shop, "2025-12-31") == nil)
            expectRefused(
                .checkViolation, constraint: "product_price_period", session,
                """
                INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from, valid_to)
                VALUES (\(base.cola), \(base.shop), 250, '2026-07-01', '2026-07-01')
                """)
            expectRefused(
                .checkViolation, session,
                """
                INSERT INTO product_price (product_id, pizzeria_id, price_ttc_cents, valid_from)
                VALUES (\(base.cola), \(base.shop), -1, '2026-07-01')
                """)
        }
    }

    @Test func recipeVersionsNeverOverlapAndLinesUseRealQuantities() async throws {
        try await withMigratedDatabase { session, base in
            expectRefused(
                .exclusionViolation, constraint: "recipe_no_overlap", session,
                "INSERT INTO recipe (product_id, version, valid_from) VALUES (\(base.margherita), 2, '2026-09-01')")
            expectRefused(
                .uniqueViolation, constraint: "recipe_product_id_version_key", session,
                "INSERT INTO recipe (product_id, version, valid_from) VALUES (\(base.margherita), 1, '2025-01-01')")
            // Close version 1 at the end of August, then version 2 takes over.
            try session.execute(
                "UPDATE recipe SET valid_to = '2026-09-01' WHERE id = \(base.margheritaRecipe)")
            let version2 = try #require(
                try session.queryValue(
                    """
                    INSERT INTO recipe (product_id, version, valid_from, bake_minutes, oven_temp_c)
                    VALUES (\(base.margherita), 2, '2026-09-01', 4.5, 430) RETURNING id
                    """, as: Int.self))
            func inForce(_ day: String) throws -> Int? {
                try session.queryValue(
                    "SELECT ocpizza_recipe_in_force(\(base.margherita), \(day)::date)", as: Int?.self) ?? nil
            }
            #expect(try inForce("2026-08-31") == base.margheritaRecipe)
            #expect(try inForce("2026-09-01") == version2)
            expectRefused(
                .checkViolation, constraint: "recipe_line_quantity_positive", session,
                "INSERT INTO recipe_line (recipe_id, ingredient_id, quantity) VALUES (\(version2), \(base.mozzarella), 0)"
            )
            expectRefused(
                .checkViolation, constraint: "recipe_line_waste_fraction", session,
                """
                INSERT INTO recipe_line (recipe_id, ingredient_id, quantity, waste_pct)
                VALUES (\(version2), \(base.mozzarella), 125, 5)
                """)
            try session.execute(
                "INSERT INTO recipe_line (recipe_id, ingredient_id, quantity) VALUES (\(version2), \(base.mozzarella), 125)"
            )
            expectRefused(
                .uniqueViolation, constraint: "recipe_line_recipe_id_ingredient_id_key", session,
                "INSERT INTO recipe_line (recipe_id, ingredient_id, quantity) VALUES (\(version2), \(base.mozzarella), 5)"
            )
        }
    }

    @Test func stockPoliciesAreKeptPerShopAndModifiersPriceInTheRightDirection() async throws {
        try await withMigratedDatabase { session, base in
            try session.execute(
                """
                INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
                VALUES (\(base.shop), \(base.mozzarella), 12000, 3000), (\(base.otherShop), \(base.mozzarella), 8000, 2000)
                """)
            expectRefused(
                .uniqueViolation, constraint: "ingredient_stock_policy_pkey", session,
                """
                INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
                VALUES (\(base.shop), \(base.mozzarella), 1, 0)
                """)
            expectRefused(
                .checkViolation, constraint: "ingredient_stock_policy_safety_below_par", session,
                """
                INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
                VALUES (\(base.shop), \(base.dough), 50, 80)
                """)
            expectRefused(
                .checkViolation, constraint: "modifier_price_sign", session,
                "INSERT INTO modifier (code, name, kind, price_delta_cents) VALUES ('no-onion', 'Sans oignons', 'without', 50)"
            )
            expectRefused(
                .checkViolation, constraint: "modifier_kind_known", session,
                "INSERT INTO modifier (code, name, kind) VALUES ('half', 'Moitié', 'half')")
            expectRefused(
                .checkViolation, session,
                """
                INSERT INTO modifier_ingredient (modifier_id, ingredient_id, quantity_delta)
                VALUES (\(base.extraMozzarella), \(base.dough), 0)
                """)
        }
    }
}
