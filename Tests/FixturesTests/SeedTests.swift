import DemoChain
import Postgres
import TestSupport
import Testing

/// `db seed` and `db seed --demo` on fresh databases.
@Suite struct SeedTests {
    @Test func withoutDemoOnlyTheMenuSectionsAreLoaded() async throws {
        try await withMigratedDatabase { conninfo in
            let report = try await DemoChain.seed(conninfo: conninfo, demo: false, logger: TestDatabase.logger)
            #expect(report.tables.map(\.table) == ["product_category"])
            #expect(report.changes == 8)
            try await withSession(conninfo) { session throws in
                #expect(try session.int("SELECT count(*) FROM product_category") == 8)
                #expect(try session.int("SELECT count(*) FROM pizzeria") == 0)
                #expect(try session.int("SELECT count(*) FROM product") == 0)
            }
        }
    }

    @Test func theDemoChainLoadsThePromisedMinimums() async throws {
        try await withMigratedDatabase { conninfo in
            let report = try await DemoChain.seed(conninfo: conninfo, demo: true, logger: TestDatabase.logger)
            #expect(report.tables.map(\.table) == seededTables)
            try await withSession(conninfo) { session throws in
                #expect(try session.int("SELECT count(*) FROM pizzeria") == 6)
                #expect(try session.int("SELECT count(*) FROM pizzeria WHERE opened_on > DATE '2026-11-22'") == 1)
                #expect(
                    try session.text("SELECT opened_on::text FROM pizzeria WHERE opened_on > DATE '2026-11-22'")
                        == "2026-12-15")
                #expect(try session.int("SELECT count(*) FROM pizzeria WHERE NOT opening_hours ? 'mon'") == 1)
                #expect(try session.int("SELECT count(*) FROM product") >= 25)
                #expect(try session.int("SELECT count(*) FROM ingredient") >= 40)
                #expect(try session.int("SELECT count(*) FROM supplier") >= 4)
                // Every pizza has a recipe in force today, with dough, sauce or cream, cheese, and real quantities.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM product p WHERE p.kind = 'pizza' AND NOT EXISTS (
                            SELECT 1 FROM recipe r JOIN recipe_line l ON l.recipe_id = r.id
                            JOIN ingredient i ON i.id = l.ingredient_id
                            WHERE r.product_id = p.id AND daterange(r.valid_from, r.valid_to) @> DATE '2026-11-22'
                            GROUP BY r.id
                            HAVING bool_or(i.sku = 'PATON-250' AND l.quantity = 250)
                               AND bool_or(i.category = 'sauce') AND bool_or(i.category = 'cheese')
                               AND count(*) >= 5 AND min(r.bake_minutes) BETWEEN 6 AND 9
                               AND min(r.oven_temp_c) BETWEEN 280 AND 450)
                        """) == 0)
                // Every product has a recipe in force, and every line's ingredient exists (no orphan).
                #expect(
                    try session.int(
                        "SELECT count(*) FROM product p WHERE ocpizza_recipe_in_force(p.id, DATE '2026-11-22') IS NULL")
                        == 0)
                #expect(
                    try session.int(
                        "SELECT count(*) FROM recipe_line l LEFT JOIN ingredient i ON i.id = l.ingredient_id WHERE i.id IS NULL"
                    )
                        == 0)
                // Every shop sells at a price on every product of its menu, and has a stock policy.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM pizzeria_menu m
                        WHERE ocpizza_price_ttc_cents(m.product_id, m.pizzeria_id, DATE '2026-11-22') IS NULL
                        """) == 0)
                #expect(try session.int("SELECT count(DISTINCT pizzeria_id) FROM ingredient_stock_policy") == 6)
                #expect(
                    try session.int("SELECT count(*) FROM customer WHERE anonymous_for_pizzeria_id IS NOT NULL") == 6)
                let gtins = try session.query("SELECT gtin FROM supplier_item WHERE gtin IS NOT NULL").map {
                    try $0.decode("gtin", as: String.self)
                }
                #expect(gtins.count >= 40)
                #expect(gtins.allSatisfy(Identifiers.isValidGTIN))
                let sirens = try session.query("SELECT siren, vat_id FROM supplier").map {
                    (try $0.decode("siren", as: String.self), try $0.decode("vat_id", as: String.self))
                }
                #expect(
                    sirens.allSatisfy {
                        Identifiers.passesLuhn($0.0) && Identifiers.frenchVATNumber(siren: $0.0) == $0.1
                    })
            }
        }
    }

    @Test func seedingTwiceChangesNothing() async throws {
        try await withMigratedDatabase { conninfo in
            let first = try await DemoChain.seed(conninfo: conninfo, demo: true, logger: TestDatabase.logger)
            #expect(first.changes > 1_000)
            let before = try await withSession(conninfo) { try contentChecksum($0, tables: seededTables) }
            let second = try await DemoChain.seed(conninfo: conninfo, demo: true, logger: TestDatabase.logger)
            #expect(second.changes == 0)
            #expect(second.tables.map(\.rows) == first.tables.map(\.rows))
            let after = try await withSession(conninfo) { try contentChecksum($0, tables: seededTables) }
            #expect(after == before)
            // Without --demo afterwards: still nothing to do.
            let reference = try await DemoChain.seed(conninfo: conninfo, demo: false, logger: TestDatabase.logger)
            #expect(reference.changes == 0)
        }
    }

    @Test func reseedingAfterSalesLeavesTheFrozenRecipesAlone() async throws {
        try await withDemoChain { conninfo in
            try await generate(conninfo, shops: 1, days: 2)
            let again = try await DemoChain.seed(conninfo: conninfo, demo: true, logger: TestDatabase.logger)
            #expect(again.changes == 0)
        }
    }
}
