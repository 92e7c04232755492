import Domain
import Foundation
import Postgres
import SupplierDocuments

/// Held documents of earlier runs, taken up again at the start of each run: their supplier,
/// shop and lines are resolved again against today's mappings, and a document that is now
/// complete is posted. Each document commits in its own transaction. Lines are read from the
/// database (the file is in the archive already), so no file is needed.
enum HeldDocuments {
    static func retry(
        _ session: PostgresSession, directory: PartyDirectory, items: SupplierItemCache,
        settings: SupplierImportSettings
    ) throws -> [SupplierFileResult] {
        let ids = try session.query("SELECT id FROM supplier_document WHERE status = 'held' ORDER BY id").map {
            try $0.decode("id", as: Int64.self)
        }
        var results: [SupplierFileResult] = []
        for id in ids {
            do {
                let result = try session.transaction { session in
                    try retry(id, session: session, directory: directory, items: items, settings: settings)
                }
                if let result { results.append(result) }
            } catch let conflict as HeldConflict {
                try session.execute(
                    """
                    UPDATE supplier_document SET hold_reason = 'number_conflict', status_reason = \(conflict.description)
                    WHERE id = \(id)
                    """)
            }
        }
        return results
    }

    /// Returns a result only when the document left the held state.
    private static func retry(
        _ id: Int64, session: PostgresSession, directory: PartyDirectory, items: SupplierItemCache,
        settings: SupplierImportSettings
    ) throws -> SupplierFileResult? {
        guard
            let row = try session.query(
                """
                SELECT kind, number, file_name, supplier_id, pizzeria_id, seller, buyer_reference, delivery_location,
                       delivery_name, issue_date,
                       delivery_date, profile, despatch_reference, line_count
                FROM supplier_document WHERE id = \(id) AND status = 'held' FOR UPDATE
                """
            ).first
        else { return nil }
        let kind = SupplierDocumentKind(rawValue: try row.decode("kind", as: String.self)) ?? .invoice
        var header = SupplierDocumentHeader(format: .ubl, kind: kind)
        header.number = try row.decode("number")
        header.seller = try row.decode("seller", as: JSONB?.self).map { try $0.decode(DocumentParty.self) } ?? .init()
        header.buyerReference = try row.decode("buyer_reference")
        header.deliveryLocation = try row.decode("delivery_location", as: String?.self).map { SchemedID(id: $0) }
        header.deliveryPartyName = try row.decode("delivery_name")
        header.profile = try row.decode("profile")
        header.despatchReference = try row.decode("despatch_reference")
        let issueDate = try row.decode("issue_date", as: CalendarDate.self)
        let deliveryDate = try row.decode("delivery_date", as: CalendarDate?.self)
        let fileName: String = try row.decode("file_name")
        let knownSupplierID: Int64? = try row.decode("supplier_id")

        let supplier = directory.supplier(for: header.seller)
        // A shop found on the first import stays the document's shop.
        let knownShopID: Int64? = try row.decode("pizzeria_id")
        let shop = directory.shop(for: header) ?? directory.shops.first { $0.id == knownShopID }
        var alreadyReceivedBy: String?
        if let supplier {
            if knownSupplierID == nil {
                try DocumentPosting.refuseConflictForHeld(
                    session, documentID: id, supplierID: supplier.id, header: header)
            }
            alreadyReceivedBy = try DocumentPosting.linkedReceipt(session, supplierID: supplier.id, header: header)
        }
        let index = try supplier.map { try items.index(for: $0.id, session: session) }
        var linesHeld = 0
        var stockLines = 0
        // The new resolutions go to a temporary table by COPY and update the lines in one
        // statement: a held despatch advice can have hundreds of thousands of lines.
        try session.executeScript(
            """
            CREATE TEMPORARY TABLE IF NOT EXISTS held_line_resolution (
                id bigint PRIMARY KEY, supplier_item_id bigint, movement_kind text, quantity_base numeric,
                unit_cost numeric, hold_reason text, hold_detail text, flags text[]) ON COMMIT DELETE ROWS
            """)
        var pending: [[String?]] = []
        func flush() throws {
            guard !pending.isEmpty else { return }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            try session.copyIn(
                """
                COPY held_line_resolution (id, supplier_item_id, movement_kind, quantity_base, unit_cost, hold_reason,
                    hold_detail, flags) FROM STDIN
                """
            ) { writer in
                for row in batch { try writer.writeRow(row) }
            }
        }
        for line in try session.query(
            """
            SELECT id, line_no, quantity, unit_code, unit_price, net_cents, seller_item_id, standard_item_id,
                   description, accepted_hold, file_line
            FROM supplier_document_line WHERE document_id = \(id) ORDER BY line_no
            """)
        {
            var documentLine = SupplierDocumentLine(
                position: try line.decode("line_no"), fileLine: try line.decode("file_line", as: Int?.self) ?? 0,
                quantity: try line.decode("quantity"), unitCode: try line.decode("unit_code"))
            documentLine.netPrice = try line.decode("unit_price")
            documentLine.netAmount = try line.decode("net_cents", as: Int64?.self).map { Decimal($0) / 100 }
            documentLine.sellerItemID = try line.decode("seller_item_id")
            documentLine.standardItemID = try line.decode("standard_item_id", as: String?.self).map {
                SchemedID(id: $0)
            }
            documentLine.itemName = try line.decode("description")
            let accepted = try line.decode("accepted_hold", as: String?.self).flatMap(HoldReason.init)
            let direction = try LineDirection.of(documentLine, kind: kind, file: fileName)
            var resolution = LineResolver.resolve(
                LineFacts(documentLine), direction: direction, items: index,
                priceJumpThreshold: settings.priceJumpThreshold, acceptedHold: accepted)
            if let reference = alreadyReceivedBy, resolution.movement != .none {
                resolution.movement = .none
                resolution.flags.append("received_through_\(reference)")
            }
            if resolution.isHeld { linesHeld += 1 }
            if resolution.movement != .none { stockLines += 1 }
            pending.append([
                String(try line.decode("id", as: Int64.self)), resolution.supplierItem.map { String($0.id) },
                resolution.movement.rawValue, resolution.quantityBase.map { LineRow.text($0) },
                resolution.unitCost.map { LineRow.text($0) }, resolution.hold?.rawValue, resolution.holdDetail,
                "{" + resolution.flags.joined(separator: ",") + "}",
            ])
            if pending.count >= 5_000 { try flush() }
        }
        try flush()
        try session.execute(
            """
            UPDATE supplier_document_line l
            SET supplier_item_id = r.supplier_item_id, movement_kind = r.movement_kind,
                quantity_base = round(r.quantity_base, 3), unit_cost = round(r.unit_cost, 8),
                hold_reason = r.hold_reason, hold_detail = r.hold_detail,
                flags = ARRAY(SELECT DISTINCT flag FROM unnest(l.flags || r.flags) AS flag ORDER BY flag)
            FROM held_line_resolution r
            WHERE l.id = r.id AND l.document_id = \(id)
            """)
        let lineCount: Int = try row.decode("line_count")
        let disposition = DocumentDisposition.decide(
            supplierKnown: supplier != nil, shopKnown: shop != nil, profileHasNoLines: header.profileHasNoLines,
            lineCount: lineCount, linesHeld: linesHeld, stockLines: stockLines, alreadyReceivedBy: alreadyReceivedBy)
        try session.execute(
            """
            UPDATE supplier_document SET supplier_id = \(supplier?.id), pizzeria_id = \(shop?.id),
                status = \(disposition.status), hold_reason = \(disposition.holdReason),
                posted_at = CASE WHEN \(disposition.status) = 'posted' THEN now() END,
                status_reason = \(disposition.note)
            WHERE id = \(id)
            """)
        var posted = 0
        if disposition.posts, let shop {
            let date = LocalDate(deliveryDate ?? issueDate)
            posted = try DocumentPosting.post(session, documentID: id, shop: shop, date: date, runID: settings.runID)
            if let supplier { items.invalidate(supplier.id) }
        } else if alreadyReceivedBy != nil, disposition.status == "recorded", let shop {
            _ = try DocumentPosting.post(
                session, documentID: id, shop: shop, date: LocalDate(deliveryDate ?? issueDate), runID: settings.runID,
                moveStock: false)
        }
        guard disposition.status != "held" else { return nil }
        return SupplierFileResult(
            file: fileName, outcome: .released, documentID: id, kind: kind.rawValue, number: header.number,
            supplier: supplier?.name, status: disposition.status, linesPosted: posted, linesHeld: 0,
            reason: disposition.note)
    }
}

extension DocumentPosting {
    /// A held document whose supplier just became known may collide with a live document of
    /// that supplier: it then stays held, saying so.
    static func refuseConflictForHeld(
        _ session: PostgresSession, documentID: Int64, supplierID: Int64, header: SupplierDocumentHeader
    ) throws {
        let taken = try session.queryValue(
            """
            SELECT EXISTS (SELECT 1 FROM supplier_document WHERE supplier_id = \(supplierID) AND id <> \(documentID)
                AND kind = \(header.kind.rawValue) AND lower(number) = lower(\(header.number))
                AND status IN ('received', 'held', 'posted', 'recorded'))
            """, as: Bool.self)
        if taken == true {
            throw HeldConflict(documentID: documentID, number: header.number)
        }
    }
}

/// A held document that would duplicate a live one once its supplier is known.
struct HeldConflict: Error, CustomStringConvertible {
    var documentID: Int64
    var number: String
    var description: String {
        "held document #\(documentID) (\(number)) has the number of another document of the same supplier"
    }
}
