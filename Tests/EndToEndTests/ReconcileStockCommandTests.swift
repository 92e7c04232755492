import Foundation
import Postgres
import TestSupport
import Testing

/// `ocpizza reconcile-stock` through the binary, on the demo chain: the files of the inbox, the
/// `--json` report, the exit codes, `--shop`, and a second run that replaces instead of adding.
@Suite("Reconcile stock through the binary")
struct ReconcileStockCommandTests {
    @Test("a waste log and a count sheet: imported, posted, reconciled; a bad file and a duplicate are 65")
    func inboxToResults() async throws {
        try await SupplierFlowSupport.withFlow { flow in
            // PAR11's opening count two days before, at par for every ingredient of its policy.
            _ = try await flow.rows(
                """
                WITH c AS (
                    INSERT INTO stock_count (pizzeria_id, counted_at, business_date, status, approved_at)
                    SELECT id, '2026-03-12T09:30:00+01:00', '2026-03-12', 'approved', now() FROM pizzeria WHERE code = 'PAR11'
                    RETURNING id, pizzeria_id),
                l AS (
                    INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity)
                    SELECT c.id, c.pizzeria_id, p.ingredient_id, p.par_level
                    FROM c JOIN ingredient_stock_policy p ON p.pizzeria_id = c.pizzeria_id
                    RETURNING id, pizzeria_id, ingredient_id, quantity)
                INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, occurred_at, business_date,
                                            source_type, source_id)
                SELECT pizzeria_id, ingredient_id, 'opening', quantity, '2026-03-12T09:30:00+01:00', '2026-03-12',
                       'stock_count_line', id
                FROM l WHERE quantity > 0
                RETURNING id::text
                """)
            // The closing count: 2 % under par everywhere (nothing was sold: a plausible small loss).
            let sheet = try await flow.rows(
                """
                SELECT 'shop,counted_at,ingredient,quantity,unit' UNION ALL
                (SELECT 'PAR11,2026-03-14 23:40,' || i.sku || ',' || round(p.par_level * 0.98) || ',' ||
                        CASE i.base_unit WHEN 'g' THEN 'g' WHEN 'ml' THEN 'ml' ELSE 'piece' END
                 FROM ingredient_stock_policy p JOIN ingredient i ON i.id = p.ingredient_id
                 WHERE p.pizzeria_id = (SELECT id FROM pizzeria WHERE code = 'PAR11') ORDER BY i.sku)
                """
            ).compactMap { $0 }.joined(separator: "\n")
            let counts = flow.directory + "/var/inbox/counts"
            let waste = flow.directory + "/var/inbox/waste"
            for folder in [counts, waste] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            try Data(sheet.utf8).write(to: URL(fileURLWithPath: counts + "/par11-0314.csv"))
            try Data(
                "shop,at,item,quantity,unit,reason\nPAR11,2026-03-13T21:00:00+01:00,PIZ-MARGHERITA,1,piece,burnt\n".utf8
            ).write(to: URL(fileURLWithPath: waste + "/par11-0313.csv"))
            try Data("shop,at,item,quantity,unit,reason\nPAR11,yesterday,MOZZA,1,kg,dropped\n".utf8).write(
                to: URL(fileURLWithPath: waste + "/broken.csv"))

            let run = try await flow.run("reconcile-stock", "--date", "2026-03-14", "--json")
            #expect(run.status == 65, "\(run)")
            let report = try #require(run.json, "\(run)")
            let files = try #require(report["files"] as? [[String: Any]], "\(run)")
            let outcomes = Dictionary(
                uniqueKeysWithValues: files.map {
                    ((($0["file"] as? String ?? "") as NSString).lastPathComponent, $0["outcome"] as? String ?? "")
                })
            #expect(outcomes == ["par11-0313.csv": "imported", "broken.csv": "rejected", "par11-0314.csv": "imported"])
            let reason = try String(
                contentsOfFile: flow.directory + "/var/rejected/waste/broken.csv.reason.txt", encoding: .utf8)
            #expect(reason.contains("broken.csv line 2: bad_time"), "\(reason)")
            let result = try #require(report["result"] as? [String: Any])
            #expect(result["periodsComputed"] as? Int == 1, "\(result)")
            #expect((result["varianceLines"] as? Int ?? 0) > 0, "\(result)")
            #expect(result["shops"] as? Int ?? 0 >= 5, "\(result)")

            let lines = try await flow.rows("SELECT count(*)::text FROM variance_line")
            let snapshot = try await flow.rows(
                """
                SELECT string_agg(concat_ws(' ', ingredient_id, actual_usage, theoretical_usage, waste, variance,
                                            variance_value_cents, flags), ';' ORDER BY ingredient_id)
                FROM variance_line
                """)
            // The same sheet again is a duplicate (exit 65, nothing imported); PAR11 alone, and
            // the period is not counted twice.
            try Data(sheet.utf8).write(to: URL(fileURLWithPath: counts + "/par11-0314-again.csv"))
            let again = try await flow.run("reconcile-stock", "--date", "2026-03-14", "--shop", "PAR11", "--json")
            #expect(again.status == 65, "\(again)")
            let second = try #require(again.json?["result"] as? [String: Any], "\(again)")
            #expect(second["shops"] as? Int == 1, "\(second)")
            #expect(try await flow.rows("SELECT count(*)::text FROM variance_line") == lines)
            #expect(
                try await flow.rows(
                    """
                    SELECT string_agg(concat_ws(' ', ingredient_id, actual_usage, theoretical_usage, waste, variance,
                                                variance_value_cents, flags), ';' ORDER BY ingredient_id)
                    FROM variance_line
                    """) == snapshot)
            #expect(try await flow.rows("SELECT count(*)::text FROM stock_count WHERE status = 'approved'") == ["2"])
        }
    }
}
