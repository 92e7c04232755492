import Domain
import Foundation
import Postgres
import SupplierDocuments

/// Where a document ends up once read: posted, recorded without stock effect, or held.
struct DocumentDisposition: Sendable, Equatable {
    var status: String
    var holdReason: String?
    var note: String?
    /// Whether its stock movements are written now.
    var posts: Bool

    /// The rules, in order: an unknown supplier holds everything; a profile without lines
    /// (Factur-X MINIMUM, BASIC WL) is recorded for accounting; held lines hold the document;
    /// goods need a shop to go to; a document whose goods came through a linked despatch advice
    /// (or whose lines are all deposits, transport or non-food) is recorded; the rest is posted.
    static func decide(
        supplierKnown: Bool, shopKnown: Bool, profileHasNoLines: Bool, lineCount: Int, linesHeld: Int,
        stockLines: Int, alreadyReceivedBy: String?
    ) -> DocumentDisposition {
        guard supplierKnown else {
            return DocumentDisposition(
                status: "held", holdReason: "unknown_supplier",
                note: "the seller matches no supplier: add it (ocpizza suppliers add --from-document ID), then run "
                    + "import-supplier again",
                posts: false)
        }
        if profileHasNoLines || lineCount == 0 {
            return DocumentDisposition(
                status: "recorded", holdReason: nil,
                note: "the document carries no lines (MINIMUM or BASIC WL profile): recorded for accounting, "
                    + "nothing posted to stock", posts: false)
        }
        if linesHeld > 0 {
            return DocumentDisposition(
                status: "held", holdReason: "held_lines",
                note: "\(linesHeld) of \(lineCount) lines wait for an operator: see supplier-documents show",
                posts: false)
        }
        if stockLines > 0, !shopKnown {
            return DocumentDisposition(
                status: "held", holdReason: "unknown_shop",
                note: "no shop matches the deliver-to location or buyer reference", posts: false)
        }
        if let alreadyReceivedBy {
            return DocumentDisposition(
                status: "recorded", holdReason: nil,
                note:
                    "goods already received through the \(alreadyReceivedBy.replacingOccurrences(of: "_", with: " ")): "
                    + "prices recorded, no stock moved again", posts: false)
        }
        guard stockLines > 0 else {
            return DocumentDisposition(
                status: "recorded", holdReason: nil, note: "no line enters ingredient stock", posts: false)
        }
        return DocumentDisposition(status: "posted", holdReason: nil, note: nil, posts: true)
    }
}

/// The set-based SQL that turns a complete document's lines into stock movements, purchase
/// prices and weighted average costs: a handful of statements per document, whatever its size.
enum DocumentPosting {
    /// Refuses a document whose supplier, kind and number are already taken by different content.
    static func refuseConflict(
        _ session: PostgresSession, supplierID: Int64, header: SupplierDocumentHeader, file: String
    ) throws {
        let existing = try session.query(
            """
            SELECT id, file_name, file_sha256 FROM supplier_document
            WHERE supplier_id = \(supplierID) AND kind = \(header.kind.rawValue) AND lower(number) = lower(\(header.number))
              AND status IN ('received', 'held', 'posted', 'recorded')
            """)
        guard let row = existing.first else { return }
        let id: Int64 = try row.decode("id")
        let name: String = try row.decode("file_name")
        throw SupplierDocumentError(
            .badValue, file: file,
            "conflict: \(header.kind.rawValue.replacingOccurrences(of: "_", with: " ")) \(header.number) of this "
                + "supplier was already imported from \(name) (document #\(id)) with different content; "
                + "a correction must come as a credit note or under a new number")
    }

    /// Whether the goods of this document were already received through the document it links
    /// to: an invoice billing a known despatch advice (BT-16), or a despatch advice an imported
    /// invoice already billed. Returns which, for the lines' flag and the note.
    static func linkedReceipt(
        _ session: PostgresSession, supplierID: Int64, header: SupplierDocumentHeader
    ) throws
        -> String?
    {
        switch header.kind {
        case .invoice:
            guard let reference = header.despatchReference else { return nil }
            let found = try session.queryValue(
                """
                SELECT EXISTS (SELECT 1 FROM supplier_document WHERE supplier_id = \(supplierID)
                    AND kind = 'despatch_advice' AND lower(number) = lower(\(reference)) AND status = 'posted')
                """, as: Bool.self)
            return found == true ? "despatch_advice" : nil
        case .despatchAdvice:
            let found = try session.queryValue(
                """
                SELECT EXISTS (SELECT 1 FROM supplier_document WHERE supplier_id = \(supplierID)
                    AND kind = 'invoice' AND lower(despatch_reference) = lower(\(header.number)) AND status = 'posted')
                """, as: Bool.self)
            return found == true ? "invoice" : nil
        case .creditNote:
            return nil
        }
    }

    /// Writes the document's movements (at 10:00 shop time on `date`), its purchase prices and
    /// the new weighted average costs, and marks it posted. Returns the movements written.
    ///
    /// No `ON CONFLICT`: a document is posted once, in the transaction that moves it from held
    /// (or new) to posted, so its lines have no movement yet; the ledger's unique source key
    /// would refuse a second posting anyway (and the whole document with it).
    ///
    /// The average is moved before the movements are written, so "on hand before" excludes this
    /// document; negative on-hand counts as zero so it never poisons the average.
    ///
    /// With `moveStock: false` (an invoice billing goods a despatch advice already received), only
    /// the costs are recorded: purchase prices and the average, whose "on hand before" then
    /// excludes the goods this invoice prices, and the document stays `recorded`.
    static func post(
        _ session: PostgresSession, documentID: Int64, shop: PartyDirectory.Shop, date: LocalDate, runID: Int64?,
        moveStock: Bool = true
    ) throws -> Int {
        let day = CalendarDate(date)
        let priced =
            moveStock
            ? "l.movement_kind = 'receipt'"
            : "l.movement_kind = 'none' AND 'received_through_despatch_advice' = ANY (l.flags)"
        try session.execute(
            """
            WITH received AS (
                SELECT si.ingredient_id, sum(l.quantity_base) AS quantity, sum(l.quantity_base * l.unit_cost) AS cost,
                       max(l.line_no) AS last_line
                FROM supplier_document_line l JOIN supplier_item si ON si.id = l.supplier_item_id
                WHERE l.document_id = \(documentID) AND \(unsafeRaw: priced) AND l.unit_cost IS NOT NULL
                  AND l.quantity_base > 0
                GROUP BY si.ingredient_id
            ), basis AS (
                SELECT r.ingredient_id, r.quantity, r.cost, c.average_unit_cost,
                       greatest(coalesce((SELECT sum(m.quantity) FROM stock_movement m
                           WHERE m.pizzeria_id = \(shop.id) AND m.ingredient_id = r.ingredient_id), 0)
                           - CASE WHEN \(moveStock) THEN 0 ELSE r.quantity END, 0) AS on_hand
                FROM received r
                LEFT JOIN ingredient_cost c ON c.pizzeria_id = \(shop.id) AND c.ingredient_id = r.ingredient_id
            )
            INSERT INTO ingredient_cost (pizzeria_id, ingredient_id, average_unit_cost, last_unit_cost, last_business_date)
            SELECT \(shop.id), ingredient_id,
                   round(CASE WHEN average_unit_cost IS NULL OR on_hand = 0 THEN cost / quantity
                         ELSE (on_hand * average_unit_cost + cost) / (on_hand + quantity) END, 8),
                   round(cost / quantity, 8), \(day)
            FROM basis
            ON CONFLICT (pizzeria_id, ingredient_id) DO UPDATE
                SET average_unit_cost = excluded.average_unit_cost, last_unit_cost = excluded.last_unit_cost,
                    last_business_date = greatest(ingredient_cost.last_business_date, excluded.last_business_date),
                    updated_at = now()
            """)
        guard moveStock else {
            try insertPurchasePrices(
                session, documentID: documentID, shop: shop, day: day, runID: runID, priced: priced)
            try recordPrices(session, documentID: documentID)
            return 0
        }
        let movements = try session.execute(
            """
            INSERT INTO stock_movement (pizzeria_id, ingredient_id, kind, quantity, unit_cost, occurred_at,
                business_date, source_type, source_id, job_run_id)
            SELECT \(shop.id), si.ingredient_id, l.movement_kind,
                   CASE WHEN l.movement_kind = 'receipt' THEN l.quantity_base ELSE -l.quantity_base END,
                   l.unit_cost, (\(day)::date + time '10:00') AT TIME ZONE \(shop.timeZone), \(day),
                   'supplier_document_line', l.id, \(runID)
            FROM supplier_document_line l JOIN supplier_item si ON si.id = l.supplier_item_id
            WHERE l.document_id = \(documentID) AND l.movement_kind IN ('receipt', 'return') AND l.quantity_base > 0
            """)
        try insertPurchasePrices(session, documentID: documentID, shop: shop, day: day, runID: runID, priced: priced)
        try recordPrices(session, documentID: documentID)
        try session.execute(
            """
            UPDATE supplier_document SET status = 'posted', posted_at = now(), pizzeria_id = \(shop.id),
                stock_lines_posted = \(movements), hold_reason = NULL
            WHERE id = \(documentID)
            """)
        return movements
    }

    private static func insertPurchasePrices(
        _ session: PostgresSession, documentID: Int64, shop: PartyDirectory.Shop, day: CalendarDate, runID: Int64?,
        priced: String
    ) throws {
        try session.execute(
            """
            INSERT INTO purchase_price (pizzeria_id, ingredient_id, supplier_item_id, document_line_id, business_date,
                quantity_base, unit_cost, job_run_id)
            SELECT \(shop.id), si.ingredient_id, si.id, l.id, \(day), l.quantity_base, l.unit_cost, \(runID)
            FROM supplier_document_line l JOIN supplier_item si ON si.id = l.supplier_item_id
            WHERE l.document_id = \(documentID) AND \(unsafeRaw: priced) AND l.unit_cost IS NOT NULL
              AND l.quantity_base > 0
            """)
    }

    /// Keeps each item's last net price per purchase unit current (the price-jump check compares
    /// with it), from lines invoiced in the item's own purchase unit.
    static func recordPrices(_ session: PostgresSession, documentID: Int64) throws {
        try session.execute(
            """
            UPDATE supplier_item si SET last_unit_price = latest.unit_price
            FROM (SELECT DISTINCT ON (l.supplier_item_id) l.supplier_item_id, l.unit_price
                  FROM supplier_document_line l JOIN supplier_item i ON i.id = l.supplier_item_id
                  JOIN supplier_document d ON d.id = l.document_id
                  -- what we pay: invoices' positive lines, never a credit note's or a return's price
                  WHERE l.document_id = \(documentID) AND l.unit_price > 0 AND l.hold_reason IS NULL
                    AND d.kind = 'invoice' AND l.quantity > 0 AND coalesce(l.net_cents, 0) > 0
                    AND (l.unit_code = i.purchase_unit_code OR l.unit_code IN ('C62', 'EA', 'H87', 'NAR', 'XPP'))
                  ORDER BY l.supplier_item_id, l.line_no DESC) latest
            WHERE si.id = latest.supplier_item_id AND si.last_unit_price IS DISTINCT FROM latest.unit_price
            """)
    }
}
