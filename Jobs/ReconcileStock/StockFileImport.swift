import Domain
import Foundation
import Postgres
import StockFiles

/// What importing one count or waste file did.
struct StockFileImported: Sendable {
    var rows: Int
    /// Count files: approved (and posted), or left a draft with a recount asked.
    var countID: Int64?
    var recountRequested = false
    var recountReason: String?
}

/// Imports one count sheet or waste log in the caller's transaction: the file row (its SHA-256
/// is unique, so the same bytes never import twice), then the count or the waste entries.
///
/// A count is reviewed before it is posted: against the period since the shop's previous
/// approved count, a count where more than `reconcile.recount_line_share` of the lines imply a
/// negative usage or a usage over `reconcile.over_theoretical_factor` × theoretical stays a draft
/// with a recount asked. An approved count posts `count_adjustment` movements (counted − ledger
/// at the count's time), and the shop's next approved count is posted again, because a late count
/// moves the ledger it was measured against.
struct StockFileImport {
    let session: PostgresSession
    let kind: StockFileReader.Kind
    let fileName: String
    let sha256: String
    let rows: [StockFileRow]
    let runID: Int64?

    func run() throws -> StockFileImported {
        let fileID = try session.queryValue(
            """
            INSERT INTO stock_file (kind, file_name, sha256, rows, job_run_id)
            VALUES (\(kind.rawValue), \(fileName), \(sha256), \(rows.count), \(runID)) RETURNING id
            """, as: Int64.self)!
        let resolved = try resolve()
        switch kind {
        case .count: return try importCount(resolved, fileID: fileID)
        case .waste: return try importWaste(resolved, fileID: fileID)
        }
    }

    /// A row with its shop, its item and its base quantity looked up.
    struct Resolved {
        var row: StockFileRow
        var shopID: Int64
        var ingredientID: Int64?
        var productID: Int64?
        var quantity: Decimal
    }

    private func resolve() throws -> [Resolved] {
        let shops = Set(rows.map(\.shop))
        let items = Set(rows.map(\.item))
        var shopIDs: [String: Int64] = [:]
        for row in try session.query("SELECT code, id FROM pizzeria WHERE code = ANY(\(Array(shops)))") {
            shopIDs[try row.decode("code")] = try row.decode("id")
        }
        var ingredients: [String: (id: Int64, unit: BaseUnit)] = [:]
        for row in try session.query("SELECT sku, id, base_unit FROM ingredient WHERE sku = ANY(\(Array(items)))") {
            let unit = BaseUnit(rawValue: try row.decode("base_unit")) ?? .piece
            ingredients[try row.decode("sku")] = (try row.decode("id"), unit)
        }
        var products: [String: Int64] = [:]
        if kind == .waste {
            for row in try session.query("SELECT sku, id FROM product WHERE sku = ANY(\(Array(items)))") {
                products[try row.decode("sku")] = try row.decode("id")
            }
        }
        return try rows.map { row in
            guard let shopID = shopIDs[row.shop] else {
                throw StockFileError("unknown_shop", file: fileName, line: row.line, message: "no shop \(row.shop)")
            }
            if let ingredient = ingredients[row.item] {
                do {
                    let base = try row.unit.baseQuantity(of: row.quantity, ingredientUnit: ingredient.unit)
                    return Resolved(
                        row: row, shopID: shopID, ingredientID: ingredient.id,
                        quantity: base.value.roundedHalfUp(places: 3))
                } catch {
                    throw StockFileError(
                        "bad_unit", file: fileName, line: row.line,
                        message: "\(row.unit.code) does not measure \(row.item), counted in \(ingredient.unit)")
                }
            }
            if let product = products[row.item] {
                guard row.unit.conversion == .base(factor: 1, unit: .piece),
                    row.quantity == row.quantity.roundedHalfUp(places: 0)
                else {
                    throw StockFileError(
                        "bad_unit", file: fileName, line: row.line,
                        message: "\(row.item) is a product: waste it in whole portions (unit piece)")
                }
                return Resolved(row: row, shopID: shopID, productID: product, quantity: row.quantity)
            }
            throw StockFileError(
                "unknown_item", file: fileName, line: row.line,
                message: "no \(kind == .count ? "ingredient" : "ingredient or product") \(row.item)")
        }
    }

    /// `at` as a timestamptz: with its offset, or the shop's wall-clock time.
    private static let instantSQL = """
        CASE WHEN x.at ~ '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$' THEN x.at::timestamptz
             ELSE x.at::timestamp AT TIME ZONE p.timezone END
        """

    private func importCount(_ lines: [Resolved], fileID: Int64) throws -> StockFileImported {
        let first = lines[0]
        let countID = try session.queryValue(
            """
            INSERT INTO stock_count (pizzeria_id, counted_at, business_date, scope, status, file_sha256, stock_file_id)
            SELECT p.id, t.at, ocpizza_business_date(p.id, t.at),
                   CASE WHEN EXISTS (
                       SELECT 1 FROM ingredient_stock_policy sp
                       WHERE sp.pizzeria_id = p.id AND sp.ingredient_id <> ALL(\(lines.compactMap(\.ingredientID))))
                   THEN 'partial' ELSE 'full' END,
                   'draft', \(sha256), \(fileID)
            FROM pizzeria p
            CROSS JOIN LATERAL (SELECT \(unsafeRaw: Self.instantSQL) AS at
                                FROM (SELECT \(first.row.at)::text AS at) x) t
            WHERE p.id = \(first.shopID)
            RETURNING id
            """, as: Int64.self)!
        try session.execute(
            """
            INSERT INTO stock_count_line (count_id, pizzeria_id, ingredient_id, quantity, entered_quantity, entered_unit_code)
            SELECT \(countID), \(first.shopID), x.ingredient_id, x.quantity, x.entered, x.unit
            FROM unnest(\(lines.compactMap(\.ingredientID)), \(lines.map(\.quantity)), \(lines.map(\.row.quantity)),
                        \(lines.map(\.row.unit.code))) AS x(ingredient_id, quantity, entered, unit)
            """)
        var result = StockFileImported(rows: lines.count, countID: countID)
        if let reason = try CountReview.implausibility(of: countID, in: session) {
            try session.execute(
                """
                UPDATE stock_count SET review = 'recount_requested', review_detail = \(reason.detail)::jsonb
                WHERE id = \(countID)
                """)
            result.recountRequested = true
            result.recountReason = reason.summary
            return result
        }
        try CountPosting.approve(countID, in: session, runID: runID)
        return result
    }

    private func importWaste(_ lines: [Resolved], fileID: Int64) throws -> StockFileImported {
        // One waste_log row per line; a product's waste takes the recipe in force that business
        // date and posts its ingredients (quantity × line × (1 + loss)), as a sale would.
        try session.execute(
            """
            CREATE TEMP TABLE stock_waste_in ON COMMIT DROP AS
            SELECT x.pizzeria_id, x.ingredient_id, x.product_id, x.quantity, x.reason, x.note, x.line, t.at,
                   ocpizza_business_date(x.pizzeria_id, t.at) AS business_date
            FROM unnest(\(lines.map(\.shopID)), \(lines.map(\.ingredientID)), \(lines.map(\.productID)),
                        \(lines.map(\.quantity)), \(lines.map { $0.row.reason ?? "other" }),
                        \(lines.map(\.row.at)), \(lines.map { $0.row.note }), \(lines.map { Int64($0.row.line) }))
                 AS x(pizzeria_id, ingredient_id, product_id, quantity, reason, at, note, line)
            JOIN pizzeria p ON p.id = x.pizzeria_id
            CROSS JOIN LATERAL (SELECT \(unsafeRaw: Self.instantSQL) AS at) t
            """)
        if let missing = try session.query(
            """
            SELECT w.line, pr.sku, w.business_date FROM stock_waste_in w JOIN product pr ON pr.id = w.product_id
            WHERE ocpizza_recipe_in_force(w.product_id, w.business_date) IS NULL ORDER BY w.line LIMIT 1
            """
        ).first {
            throw StockFileError(
                "no_recipe", file: fileName, line: Int(try missing.decode("line", as: Int64.self)),
                message: "\(try missing.decode("sku", as: String.self)) has no recipe on "
                    + "\(try missing.decode("business_date", as: CalendarDate.self))")
        }
        try session.execute(
            """
            WITH logged AS (
                INSERT INTO waste_log (pizzeria_id, ingredient_id, product_id, recipe_id, quantity, reason, occurred_at,
                                       business_date, note, stock_file_id)
                SELECT w.pizzeria_id, w.ingredient_id, w.product_id,
                       CASE WHEN w.product_id IS NOT NULL THEN ocpizza_recipe_in_force(w.product_id, w.business_date) END,
                       w.quantity, w.reason, w.at, w.business_date, w.note, \(fileID)
                FROM stock_waste_in w ORDER BY w.line
                RETURNING id, pizzeria_id, ingredient_id, recipe_id, quantity, occurred_at, business_date)
            INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, unit_cost, occurred_at, business_date,
                                        source_type, source_id, job_run_id)
            SELECT u.pizzeria_id, u.ingredient_id, 'waste', -u.quantity, c.average_unit_cost, u.occurred_at,
                   u.business_date, 'waste_log', u.id, \(runID)
            FROM (SELECT id, pizzeria_id, ingredient_id, quantity, occurred_at, business_date
                  FROM logged WHERE ingredient_id IS NOT NULL
                  UNION ALL
                  SELECT l.id, l.pizzeria_id, rl.ingredient_id, round(sum(rl.quantity * (1 + rl.waste_pct)) * l.quantity, 3),
                         l.occurred_at, l.business_date
                  FROM logged l JOIN recipe_line rl ON rl.recipe_id = l.recipe_id
                  GROUP BY l.id, l.pizzeria_id, rl.ingredient_id, l.quantity, l.occurred_at, l.business_date) u
            LEFT JOIN ingredient_cost c ON c.pizzeria_id = u.pizzeria_id AND c.ingredient_id = u.ingredient_id
            WHERE u.quantity > 0
            ORDER BY u.id, u.ingredient_id
            """)
        return StockFileImported(rows: lines.count)
    }
}
