import Foundation
import Postgres
import Testing

/// The stock ledger, counts and waste (0006).
@Suite struct StockTests {
    /// A stock movement of `quantity` base units of mozzarella in the base shop.
    static func movement(
        _ base: Base, kind: String, quantity: String, source: String = "order_line", sourceID: Int = 1,
        revision: Int = 0, reverses: Int? = nil, suffix: String = ""
    ) -> SQL {
        """
        INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date,
            source_type, source_id, revision, reverses_movement_id)
        VALUES (\(base.shop), \(base.mozzarella), \(kind), \(quantity)::numeric, '2026-05-12 21:00+02', '2026-05-12',
            \(source), \(sourceID), \(revision), \(reverses))\(unsafeRaw: suffix)
        """
    }

    /// A waste log line of the base shop.
    static func waste(
        _ base: Base, ingredient: Int? = nil, product: Int? = nil, recipe: Int? = nil, quantity: Int = 1,
        reason: String = "burnt"
    ) -> SQL {
        """
        INSERT INTO waste_log (pizzeria_id, ingredient_id, product_id, recipe_id, quantity, reason, occurred_at,
            business_date)
        VALUES (\(base.shop), \(ingredient), \(product), \(recipe), \(quantity), \(reason), '2026-05-12 22:10+02',
            '2026-05-12')
        """
    }

    @Test func theLedgerIsAppendOnly() async throws {
        try await withMigratedDatabase { session, base in
            try session.execute(Self.movement(base, kind: "sale_consumption", quantity: "-122.4"))
            expectRefused(appendOnlyViolation, session, "UPDATE stock_movement SET quantity = -100")
            expectRefused(appendOnlyViolation, session, "DELETE FROM stock_movement")
            expectRefused(appendOnlyViolation, session, "TRUNCATE stock_movement")
            #expect(
                try session.queryValue("SELECT sum(quantity)::text FROM stock_movement", as: String.self) == "-122.400")
        }
    }

    @Test func postingTheSameSourceTwiceIsImpossible() async throws {
        try await withMigratedDatabase { session, base in
            try session.execute(Self.movement(base, kind: "sale_consumption", quantity: "-122.4", sourceID: 7))
            expectRefused(
                .uniqueViolation, constraint: "stock_movement_source_key", session,
                Self.movement(base, kind: "sale_consumption", quantity: "-122.4", sourceID: 7))
            // What a job does: ON CONFLICT DO NOTHING makes a re-run harmless.
            let inserted = try session.execute(
                Self.movement(
                    base, kind: "sale_consumption", quantity: "-122.4", sourceID: 7, suffix: " ON CONFLICT DO NOTHING"))
            #expect(inserted == 0)
            // Another ingredient of the same order line is another movement.
            try session.execute(
                """
                INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date,
                    source_type, source_id)
                VALUES (\(base.shop), \(base.dough), 'sale_consumption', -1, now(), '2026-05-12', 'order_line', 7)
                """)
        }
    }

    @Test func theSignAndTheSourceFollowTheKind() async throws {
        try await withMigratedDatabase { session, base in
            let sign = "stock_movement_sign_matches_kind"
            expectRefused(
                .checkViolation, constraint: sign, session,
                Self.movement(base, kind: "sale_consumption", quantity: "122.4"))
            expectRefused(
                .checkViolation, constraint: sign, session,
                Self.movement(base, kind: "receipt", quantity: "-1000", source: "supplier_document_line"))
            expectRefused(
                .checkViolation, constraint: sign, session,
                Self.movement(base, kind: "waste", quantity: "50", source: "waste_log"))
            expectRefused(
                .checkViolation, constraint: "stock_movement_quantity_not_zero", session,
                Self.movement(base, kind: "count_adjustment", quantity: "0", source: "stock_count_line"))
            expectRefused(
                .checkViolation, constraint: "stock_movement_source_matches_kind", session,
                Self.movement(base, kind: "receipt", quantity: "1000", source: "order_line"))
            expectRefused(
                .checkViolation, constraint: "stock_movement_kind_known", session,
                Self.movement(base, kind: "theft", quantity: "-10"))
            try session.execute(
                Self.movement(base, kind: "count_adjustment", quantity: "-35", source: "stock_count_line"))
            try session.execute(
                Self.movement(base, kind: "count_adjustment", quantity: "12", source: "stock_count_line", sourceID: 2))
        }
    }

    @Test func aMistakeIsReversedByACounterEntryThenReposted() async throws {
        try await withMigratedDatabase { session, base in
            let receipt = { (quantity: String, revision: Int, reverses: Int?) in
                Self.movement(
                    base, kind: "receipt", quantity: quantity, source: "supplier_document_line", sourceID: 3,
                    revision: revision, reverses: reverses)
            }
            let wrong = try #require(
                try session.queryValue(
                    Self.movement(
                        base, kind: "receipt", quantity: "1000", source: "supplier_document_line", sourceID: 3,
                        suffix: " RETURNING id"), as: Int.self))
            expectRefused(
                .checkViolation, constraint: "stock_movement_reversal_matches", session, receipt("1000", 0, wrong))
            expectRefused(
                .checkViolation, constraint: "stock_movement_reversal_matches", session, receipt("-999", 0, wrong))
            try session.execute(receipt("-1000", 0, wrong))
            expectRefused(
                .uniqueViolation, constraint: "stock_movement_reverses_movement_id_key", session,
                receipt("-1000", 0, wrong))
            // Same source, same revision: refused; the corrected posting is revision 1.
            expectRefused(.uniqueViolation, constraint: "stock_movement_source_key", session, receipt("2500", 0, nil))
            try session.execute(receipt("2500", 1, nil))
            #expect(
                try session.queryValue(
                    "SELECT quantity::text FROM stock_on_hand WHERE ingredient_id = \(base.mozzarella)", as: String.self
                )
                    == "2500.000")
        }
    }

    @Test func countsAndWasteLogs() async throws {
        try await withMigratedDatabase { session, base in
            let count = try #require(
                try session.queryValue(
                    """
                    INSERT INTO stock_count (pizzeria_id, counted_at, business_date, file_sha256)
                    VALUES (\(base.shop), '2026-05-11 23:30+02', '2026-05-11', \(fakeSHA256("c"))) RETURNING id
                    """, as: Int.self))
            expectRefused(
                .uniqueViolation, constraint: "stock_count_file_sha256_key", session,
                """
                INSERT INTO stock_count (pizzeria_id, counted_at, business_date, file_sha256)
                VALUES (\(base.shop), '2026-05-18 23:30+02', '2026-05-18', \(fakeSHA256("c")))
                """)
            expectRefused(
                .checkViolation, constraint: "stock_count_approval", session,
                "UPDATE stock_count SET status = 'approved' WHERE id = \(count)")
            expectRefused(
                .checkViolation, constraint: "stock_count_line_quantity_not_negative", session,
                """
                INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
                VALUES (\(count), \(base.shop), \(base.mozzarella), -1)
                """)
            // A line always belongs to its count's shop.
            expectRefused(
                .foreignKeyViolation, session,
                """
                INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
                VALUES (\(count), \(base.otherShop), \(base.mozzarella), 4200)
                """)
            let xor = "waste_log_ingredient_xor_product"
            expectRefused(
                .checkViolation, constraint: xor, session,
                Self.waste(base, ingredient: base.mozzarella, product: base.margherita, recipe: base.margheritaRecipe))
            expectRefused(.checkViolation, constraint: xor, session, Self.waste(base))
            expectRefused(
                .checkViolation, constraint: "waste_log_quantity_positive", session,
                Self.waste(base, ingredient: base.mozzarella, quantity: 0, reason: "expired"))
            expectRefused(
                .checkViolation, constraint: "waste_log_reason_known", session,
                Self.waste(base, ingredient: base.mozzarella, quantity: 10, reason: "eaten"))
            expectRefused(
                .checkViolation, constraint: "waste_log_product_recipe", session,
                Self.waste(base, product: base.margherita))
            // The recipe must be one of the product's versions.
            expectRefused(
                .foreignKeyViolation, session, Self.waste(base, product: base.margherita, recipe: base.colaRecipe))
            try session.execute(Self.waste(base, ingredient: base.mozzarella, quantity: 250, reason: "expired"))
            try session.execute(
                Self.waste(base, product: base.margherita, recipe: base.margheritaRecipe, reason: "remake"))
        }
    }
}
