import Foundation
import Jobs
import Postgres
import TestSupport
import Testing

/// reconcile-stock on hand-computed scenarios (the chain is described in ``StockChain``). Each
/// expected figure is worked out in the comments next to it.
@Suite("Reconcile stock: scenarios with hand-computed figures", .serialized)
struct ReconcileStockScenarioTests {
    /// One week of PAR11: a sub-recipe dough, a modifier, a cancelled order, the recipe changing
    /// version mid-period, waste logged by file (a product and an ingredient), a transfer to
    /// another shop, a receipt, an order after midnight, then the closing count by file.
    @Test("a count-to-count period: actual, theoretical, waste and variance per ingredient, to the gram and the cent")
    func aWeekReconciled() async throws {
        try await StockChain.with { chain in
            try await chain.openingCount(
                at: "2026-03-18T10:00:00+01:00", ["FLOUR": 10_000, "WATER": 10_000, "MOZZA": 5_000, "TOMATO": 4_000])
            try await chain.movement(
                "receipt", "MOZZA", 2_000, at: "2026-03-19T09:00:00+01:00",
                source: "supplier_document_line", sourceID: 1)
            try await chain.sql { session in
                try session.execute(
                    """
                    WITH t AS (
                        INSERT INTO stock_transfer (from_pizzeria_id, to_pizzeria_id, shipped_at, business_date)
                        VALUES (\(chain.shop), \(chain.otherShop), '2026-03-21T15:00:00+01:00', '2026-03-21') RETURNING id)
                    INSERT INTO stock_transfer_line (transfer_id, ingredient_id, quantity)
                    SELECT t.id, i.id, 1000 FROM t, ingredient i WHERE i.sku = 'FLOUR'
                    """)
            }
            // v1 (business date 19): 2 × (150 FLOUR, 100 WATER, 105 MOZZA, 80 TOMATO) + 2 × 50 MOZZA extra
            try await chain.order(1, at: "2026-03-19T20:00:00+01:00", lines: [(2, ["extra-mozza"])])
            // v2 (business date 21): 3 × (150, 100, 126, 80)
            try await chain.order(2, at: "2026-03-21T20:00:00+01:00", status: "collected", lines: [(3, [])])
            try await chain.order(3, at: "2026-03-21T21:00:00+01:00", status: "cancelled", lines: [(5, [])])
            // 00:30 on the 22nd is still business date 21 (cutoff 04:00): 1 × (150, 100, 126, 80)
            try await chain.order(4, at: "2026-03-22T00:30:00+01:00", lines: [(1, [])])
            // 2 Margheritas v2 burnt (300 FLOUR, 200 WATER, 252 MOZZA, 160 TOMATO) and 200 g of mozzarella
            try chain.drop(
                "waste", "waste-0321.csv",
                """
                shop,at,item,quantity,unit,reason,note
                PAR11,2026-03-21T22:00:00+01:00,MARG,2,piece,burnt,
                PAR11,2026-03-21 22:30,MOZZA,0.2,kg,expired,"local time, Paris"
                """)
            try chain.drop(
                "counts", "count-0323.csv",
                """
                shop,counted_at,ingredient,quantity,unit
                PAR11,2026-03-23T10:00:00+01:00,FLOUR,7.7,KGM
                PAR11,2026-03-23T10:00:00+01:00,WATER,9,LTR
                PAR11,2026-03-23T10:00:00+01:00,MOZZA,5500,GRM
                PAR11,2026-03-23T10:00:00+01:00,TOMATO,3.3,kg
                """)

            let (day, dayJob) = try await chain.reconcile("2026-03-21")
            #expect(day.exitCode == 0, "\(day)")
            #expect(dayJob.files.map(\.outcome) == [.imported, .imported], "\(dayJob.files)")
            #expect(dayJob.result?.transferLinesPosted == 2)
            // Business date 21: orders 2 and 4 (3 is cancelled): FLOUR 4 × 150, WATER 4 × 100, MOZZA 4 × 126, TOMATO 4 × 80
            #expect(
                try await chain.rows(
                    """
                    SELECT i.sku, u.quantity::float8::text FROM theoretical_usage u JOIN ingredient i ON i.id = u.ingredient_id
                    WHERE u.business_date = '2026-03-21' ORDER BY 1
                    """) == ["FLOUR 600", "MOZZA 504", "TOMATO 320", "WATER 400"])
            #expect(
                try await chain.rows(
                    "SELECT orders_closed::text, orders_cancelled::text, orders_open::text FROM stock_usage_day WHERE pizzeria_id = \(chain.shop)"
                )
                    == ["2 1 0"])
            // The count is after date 21: no period yet.
            #expect(try await chain.rows("SELECT id FROM stock_period").isEmpty)
            // The count was posted: counted − ledger at its time (FLOUR 10 000 − 1 000 − 300 = 8 700 → −1 000;
            // WATER 10 000 − 200 → −800; MOZZA 5 000 + 2 000 − 252 − 200 = 6 548 → −1 048; TOMATO 4 000 − 160 → −540).
            #expect(
                try await chain.rows(
                    """
                    SELECT i.sku, m.quantity::float8::text FROM stock_movement m JOIN ingredient i ON i.id = m.ingredient_id
                    WHERE m.kind = 'count_adjustment' ORDER BY 1
                    """) == ["FLOUR -1000", "MOZZA -1048", "TOMATO -540", "WATER -800"])

            let (week, _) = try await chain.reconcile("2026-03-23")
            #expect(week.exitCode == 0, "\(week)")
            // Theoretical over the period: orders 1, 2 and 4: FLOUR 900, WATER 600, MOZZA 310 + 378 + 126 = 814, TOMATO 480.
            // MOZZA: actual 5 000 + 2 000 − 5 500 = 1 500; waste 252 + 200 = 452; variance 1 500 − 814 − 452 = 234 g
            // = 2.34 € at 0.01 €/g, 234 / 814 = 28.75 %. FLOUR: 10 000 − 1 000 − 7 700 = 1 300 − 900 − 300 = 100 g = 0.10 €.
            let expected = [
                "FLOUR 10000 0 -1000 7700 1300 900 300 100 10 11.11 {}",
                "MOZZA 5000 2000 0 5500 1500 814 452 234 234 28.75 {}",
                "TOMATO 4000 0 0 3300 700 480 160 60 - 12.50 {no_cost}",
                "WATER 10000 0 0 9000 1000 600 200 200 0 33.33 {}",
            ]
            #expect(try await chain.varianceLines(closingAt: "2026-03-23T10:00:00+01:00") == expected)
            // End of the 23rd: the ledger is the count; MARG v2 can be made 41 times (TOMATO 3 300 / 80).
            let position = try await chain.rows(
                """
                SELECT i.sku, p.on_hand::float8::text, p.value_cents::text, p.negative::text FROM stock_position p
                JOIN ingredient i ON i.id = p.ingredient_id WHERE p.business_date = '2026-03-23' AND p.pizzeria_id = \(chain.shop)
                ORDER BY 1
                """)
            #expect(
                position == [
                    "FLOUR 7700 770 false", "MOZZA 5500 5500 false", "TOMATO 3300 - false", "WATER 9000 0 false",
                ])
            let availability = try await chain.rows(
                """
                SELECT a.portions::text, i.sku FROM product_availability a JOIN ingredient i ON i.id = a.limiting_ingredient_id
                WHERE a.business_date = '2026-03-23' AND a.pizzeria_id = \(chain.shop)
                """)
            #expect(availability == ["41 TOMATO"])
            // The same figure as the endpoint's menu (live balance = the count, nothing since).
            let canMake = try await chain.rows(
                "SELECT ocpizza_menu_json(\(chain.shop)) #>> '{products,0,can_make}'")
            #expect(canMake == ["41"])

            // Re-running the date gives the same rows.
            let snapshot = try await Self.results(chain, "2026-03-23")
            let (again, _) = try await chain.reconcile("2026-03-23")
            #expect(again.exitCode == 0)
            #expect(try await Self.results(chain, "2026-03-23") == snapshot)
            #expect(try await chain.varianceLines(closingAt: "2026-03-23T10:00:00+01:00") == expected)
        }
    }

    /// Everything a run writes for a date, ids and times left out, as text.
    static func results(_ chain: StockChain, _ date: String) async throws -> [String] {
        try await chain.rows(
            """
            SELECT 'usage', pizzeria_id::text, ingredient_id::text, quantity::text FROM theoretical_usage
            WHERE business_date = \(date)::date
            UNION ALL
            SELECT 'variance', v.pizzeria_id::text, v.ingredient_id::text,
                   concat_ws(' ', p.starts_at, p.ends_at, v.opening, v.receipts, v.transfers, v.closing, v.actual_usage,
                             v.theoretical_usage, v.waste, v.variance, v.unit_cost, v.variance_value_cents, v.variance_pct,
                             v.flags)
            FROM variance_line v JOIN stock_period p ON p.id = v.period_id
            UNION ALL
            SELECT 'position', pizzeria_id::text, ingredient_id::text,
                   concat_ws(' ', on_hand, unit_cost, value_cents, negative) FROM stock_position
            WHERE business_date = \(date)::date
            UNION ALL
            SELECT 'availability', pizzeria_id::text, product_id::text, concat_ws(' ', recipe_id, portions, limiting_ingredient_id)
            FROM product_availability WHERE business_date = \(date)::date
            UNION ALL
            SELECT 'reorder', pizzeria_id::text, ingredient_id::text,
                   concat_ws(' ', supplier_item_id, on_hand, open_deliveries, shortfall, packs, expected_cost_cents)
            FROM reorder_suggestion WHERE business_date = \(date)::date
            ORDER BY 1, 2, 3, 4
            """)
    }

    @Test("an implausible count asks for a recount and posts nothing; the corrected count posts, its odd line flagged")
    func implausibleCountsAskForARecount() async throws {
        try await StockChain.with { chain in
            try await chain.openingCount(
                at: "2026-03-18T10:00:00+01:00", ["FLOUR": 10_000, "WATER": 10_000, "MOZZA": 5_000, "TOMATO": 4_000])
            // Nothing came in, nothing was sold: 50 kg of flour and water imply a negative usage (2 lines of 4).
            try chain.drop(
                "counts", "count-a.csv",
                """
                shop;counted_at;ingredient;quantity;unit
                PAR11;2026-03-20T10:00:00+01:00;FLOUR;50;kg
                PAR11;2026-03-20T10:00:00+01:00;WATER;50;l
                PAR11;2026-03-20T10:00:00+01:00;MOZZA;5;kg
                PAR11;2026-03-20T10:00:00+01:00;TOMATO;4;kg
                """)
            let (first, job) = try await chain.reconcile("2026-03-20")
            #expect(first.exitCode == 0, "\(first)")
            let file = try #require(job.files.first)
            #expect(file.outcome == .recountRequested, "\(file)")
            #expect(file.reason?.contains("2 of 4 lines") == true, "\(file)")
            #expect(
                try await chain.rows(
                    "SELECT status, review, review_detail #>> '{implausible,0,ingredient}' FROM stock_count WHERE id = \(file.countID ?? 0)"
                ) == ["draft recount_requested FLOUR"])
            #expect(try await chain.rows("SELECT id FROM stock_movement WHERE kind = 'count_adjustment'").isEmpty)
            #expect(try await chain.rows("SELECT id FROM stock_period").isEmpty)

            // The recount: flour 100 g over the opening with nothing received is one odd line of four (25 %,
            // not over the 25 % limit): posted, the line flagged.
            try chain.drop(
                "counts", "count-b.csv",
                """
                shop,counted_at,ingredient,quantity,unit
                PAR11,2026-03-20T10:30:00+01:00,FLOUR,10100,g
                PAR11,2026-03-20T10:30:00+01:00,WATER,10000,ml
                PAR11,2026-03-20T10:30:00+01:00,MOZZA,5000,g
                PAR11,2026-03-20T10:30:00+01:00,TOMATO,4000,g
                """)
            let (second, recount) = try await chain.reconcile("2026-03-20")
            #expect(recount.files.map(\.outcome) == [.imported], "\(recount.files)")
            #expect(second.exitCode == 0)
            #expect(
                try await chain.varianceLines(closingAt: "2026-03-20T10:30:00+01:00") == [
                    "FLOUR 10000 0 0 10100 -100 0 0 -100 -10 - {negative_usage}",
                    "MOZZA 5000 0 0 5000 0 0 0 0 0 - {}",
                    "TOMATO 4000 0 0 4000 0 0 0 0 - - {no_cost}",
                    "WATER 10000 0 0 10000 0 0 0 0 0 - {}",
                ])
            #expect(
                try await chain.rows(
                    "SELECT i.sku, b.quantity::float8::text FROM stock_balance b JOIN ingredient i ON i.id = b.ingredient_id ORDER BY 1"
                ) == ["FLOUR 10100", "MOZZA 5000", "TOMATO 4000", "WATER 10000"])
        }
    }

    @Test(
        "a DST night: orders before and after 04:00 on the day clocks go forward; late data recomputes only its period")
    func daylightSavingAndLateData() async throws {
        try await StockChain.with { chain in
            try await chain.sql { session in
                try session.execute("UPDATE app_setting SET value = '0' WHERE key = 'reconcile.late_margin_minutes'")
            }
            try await chain.openingCount(
                at: "2026-03-25T10:00:00+01:00", ["FLOUR": 10_000, "WATER": 10_000, "MOZZA": 5_000, "TOMATO": 4_000])
            // 29 March 2026: 02:00 CET becomes 03:00 CEST. 01:30 and 03:30 are still business date 28, 04:30 is 29.
            try await chain.order(1, at: "2026-03-29T01:30:00+01:00", lines: [(1, [])])
            try await chain.order(2, at: "2026-03-29T03:30:00+02:00", lines: [(1, [])])
            try await chain.order(3, at: "2026-03-29T04:30:00+02:00", lines: [(1, [])])
            // A count typed in the shop's local time (CEST that day: 10:00 UTC).
            try chain.drop(
                "counts", "count-0329.csv",
                """
                shop,counted_at,ingredient,quantity,unit
                PAR11,2026-03-29 12:00,FLOUR,9550,g
                PAR11,2026-03-29 12:00,WATER,9700,ml
                PAR11,2026-03-29 12:00,MOZZA,4600,g
                PAR11,2026-03-29 12:00,TOMATO,3750,g
                """)
            try chain.drop(
                "counts", "count-0402.csv",
                """
                shop,counted_at,ingredient,quantity,unit
                PAR11,2026-04-02T10:00:00+02:00,FLOUR,9500,g
                PAR11,2026-04-02T10:00:00+02:00,WATER,9650,ml
                PAR11,2026-04-02T10:00:00+02:00,MOZZA,4500,g
                PAR11,2026-04-02T10:00:00+02:00,TOMATO,3700,g
                """)
            try await chain.reconcile("2026-03-28")
            #expect(
                try await chain.rows(
                    """
                    SELECT i.sku, u.quantity::float8::text FROM theoretical_usage u JOIN ingredient i ON i.id = u.ingredient_id
                    WHERE u.business_date = '2026-03-28' ORDER BY 1
                    """) == ["FLOUR 300", "MOZZA 252", "TOMATO 160", "WATER 200"])
            #expect(
                try await chain.rows(
                    "SELECT to_char(counted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), business_date::text FROM stock_count WHERE file_sha256 IS NOT NULL ORDER BY counted_at"
                ) == ["2026-03-29 10:00 2026-03-29", "2026-04-02 08:00 2026-04-02"])

            try await chain.reconcile("2026-04-02")
            let before = try await chain.rows("SELECT id::text, ends_at::text FROM stock_period ORDER BY ends_at")
            #expect(before.count == 2)
            // The first period: 3 orders × (150 FLOUR, 100 WATER, 126 MOZZA, 80 TOMATO); FLOUR 10 000 − 9 550 = 450 used.
            #expect(
                try await chain.varianceLines(closingAt: "2026-03-29T12:00:00+02:00").first
                    == "FLOUR 10000 0 0 9550 450 450 0 0 0 0.00 {}")

            // A late invoice for the 27th: only the first period is computed again.
            try await chain.movement(
                "receipt", "MOZZA", 1_000, at: "2026-03-27T09:00:00+01:00",
                source: "supplier_document_line", sourceID: 7)
            let (late, lateJob) = try await chain.reconcile("2026-04-02")
            #expect(late.exitCode == 0)
            #expect(lateJob.result?.periodsComputed == 1)
            let after = try await chain.rows("SELECT id::text, ends_at::text FROM stock_period ORDER BY ends_at")
            #expect(after[1] == before[1], "the second period is untouched")
            #expect(after[0] != before[0], "the first period is replaced")
            #expect(
                try await chain.varianceLines(closingAt: "2026-03-29T12:00:00+02:00")[1]
                    == "MOZZA 5000 1000 0 4600 1400 378 0 1022 1022 270.37 {over_theoretical}")

            // A late count on the 27th splits the first period in two; the second is untouched.
            try chain.drop(
                "counts", "count-0327.csv",
                """
                shop,counted_at,ingredient,quantity,unit
                PAR11,2026-03-27T10:00:00+01:00,FLOUR,10000,g
                PAR11,2026-03-27T10:00:00+01:00,WATER,10000,ml
                PAR11,2026-03-27T10:00:00+01:00,MOZZA,5000,g
                PAR11,2026-03-27T10:00:00+01:00,TOMATO,4000,g
                """)
            let (split, splitJob) = try await chain.reconcile("2026-04-02")
            #expect(split.exitCode == 0)
            #expect(splitJob.result?.periodsComputed == 2)
            let periods = try await chain.rows("SELECT id::text, ends_at::text FROM stock_period ORDER BY ends_at")
            #expect(periods.count == 3)
            #expect(periods[2] == before[1])
        }
    }

    @Test("negative theoretical stock is flagged and valued at the last price; reorder fills to par in whole packs")
    func negativeStockAndReorder() async throws {
        try await StockChain.with { chain in
            try await chain.openingCount(at: "2026-03-18T10:00:00+01:00", ["MOZZA": 1_000])
            try await chain.movement(
                "waste", "MOZZA", -1_500, at: "2026-03-18T20:00:00+01:00", source: "waste_log", sourceID: 1)
            try await chain.sql { session in
                try session.executeScript(
                    """
                    INSERT INTO ingredient_stock_policy (pizzeria_id, ingredient_id, par_level, safety_stock)
                    SELECT \(chain.shop), id, 10000, 2000 FROM ingredient WHERE sku = 'MOZZA';
                    WITH d AS (
                        INSERT INTO supplier_document (supplier_id, pizzeria_id, kind, number, issue_date, delivery_date, format,
                                                       file_name, file_sha256, status, hold_reason, total_ht_cents,
                                                       total_vat_cents, total_ttc_cents)
                        SELECT id, \(chain.shop), 'invoice', 'F-1', '2026-03-18', '2026-03-18', 'ubl', 'f1.xml',
                               repeat('a', 64), 'held', 'held_lines', 2400, 132, 2532
                        FROM supplier RETURNING id)
                    INSERT INTO supplier_document_line (document_id, line_no, quantity, unit_code, unit_price, net_cents,
                                                        supplier_item_id, quantity_base, hold_reason)
                    SELECT d.id, 1, 1, 'XBX', 24.00, 2400, si.id, 2000, 'price_jump' FROM d, supplier_item si;
                    """)
            }
            let (report, job) = try await chain.reconcile("2026-03-18", shop: "PAR11")
            #expect(report.exitCode == 0, "\(report)")
            #expect(job.result?.negativePositions == 1)
            // −500 g at the last price 0.012 €/g (not the average 0.01): −6.00 €.
            #expect(
                try await chain.rows(
                    """
                    SELECT p.on_hand::float8::text, p.unit_cost::float8::text, p.value_cents::text, p.negative::text
                    FROM stock_position p JOIN ingredient i ON i.id = p.ingredient_id WHERE i.sku = 'MOZZA'
                    """) == ["-500 0.012 -600 true"])
            #expect(
                try await chain.rows(
                    "SELECT average_unit_cost::float8::text FROM ingredient_cost WHERE pizzeria_id = \(chain.shop) AND ingredient_id = (SELECT id FROM ingredient WHERE sku = 'MOZZA')"
                )
                    == ["0.01"])
            // par 10 000 − (−500) − 2 000 held = 8 500 g → 4 bags of 2 500 g (10 000 g), 4 × 30.00 €.
            #expect(
                try await chain.rows(
                    """
                    SELECT r.par_level::float8::text, r.on_hand::float8::text, r.open_deliveries::float8::text,
                           r.shortfall::float8::text, r.packs::text, r.order_quantity::float8::text, r.expected_cost_cents::text
                    FROM reorder_suggestion r
                    """) == ["10000 -500 2000 8500 4 10000 12000"])
            // Nothing can be made: MOZZA is short.
            #expect(try await chain.rows("SELECT portions::text FROM product_availability") == ["0"])
        }
    }

    @Test("bad and duplicate files are refused with the file and the line; nothing of them stays; the run exits 65")
    func badFilesAreRefused() async throws {
        try await StockChain.with { chain in
            let waste = "shop,at,item,quantity,unit,reason\nPAR11,2026-03-18T20:00:00+01:00,MOZZA,300,g,dropped\n"
            try chain.drop("waste", "a.csv", waste)
            try chain.drop(
                "waste", "b.csv",
                "shop,at,item,quantity,unit,reason\nPAR11,2026-03-18T20:00:00+01:00,CAVIAR,1,kg,dropped\n")
            try chain.drop(
                "counts", "c.csv",
                "shop,counted_at,ingredient,quantity,unit\nPAR11,2026-03-18T23:00:00+01:00,MOZZA,2,LTR\n")
            let (first, job) = try await chain.reconcile("2026-03-18")
            #expect(first.exitCode == 65, "\(first)")
            let byName = Dictionary(
                uniqueKeysWithValues: job.files.map { (($0.file as NSString).lastPathComponent, $0) })
            #expect(byName["a.csv"]?.outcome == .imported)
            #expect(byName["b.csv"]?.reason?.contains("b.csv line 2: unknown_item") == true, "\(job.files)")
            #expect(byName["c.csv"]?.reason?.contains("c.csv line 2: bad_unit") == true, "\(job.files)")
            let rejected = chain.varDirectory + "/rejected"
            #expect(FileManager.default.fileExists(atPath: rejected + "/waste/b.csv"))
            #expect(FileManager.default.fileExists(atPath: rejected + "/counts/c.csv.reason.txt"))
            #expect(try await chain.rows("SELECT count(*)::text FROM waste_log") == ["1"])
            #expect(try await chain.rows("SELECT count(*)::text FROM stock_count") == ["0"])

            try chain.drop("waste", "a-again.csv", waste)
            let (second, again) = try await chain.reconcile("2026-03-18")
            #expect(second.exitCode == 65)
            #expect(again.files.first?.outcome == .duplicate)
            #expect(try await chain.rows("SELECT count(*)::text FROM waste_log") == ["1"])
            #expect(try await chain.rows("SELECT sum(quantity)::float8::text FROM stock_movement") == ["-300"])
        }
    }
}
