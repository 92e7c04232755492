import Domain
import Foundation
import Postgres
import SupplierDocuments

/// Imports one supplier document inside the caller's transaction, while the file streams:
/// checks each line's arithmetic, resolves it against the supplier's items, and copies it into
/// `supplier_document_line` in batches (COPY), so memory stays flat for a 200 MB despatch advice.
///
/// In UBL the header (seller, shop, totals) comes before the lines, so the document row is
/// written at the first line. In CII it comes after them: lines wait in memory, up to
/// ``SupplierImportSettings/maximumBufferedLines``, until the end of the file.
///
/// Any error rolls the caller's transaction back: nothing of a refused document stays.
final class DocumentImport {
    private let session: PostgresSession
    private let file: String
    private let fileName: String
    private let sha256: String
    private let directory: PartyDirectory
    private let items: SupplierItemCache
    private let settings: SupplierImportSettings

    private var arithmetic: DocumentArithmetic?
    private var buffered: [SupplierDocumentLine] = []
    private var rows: [[String?]] = []
    private var prepared: PreparedDocument?
    private(set) var linesHeld = 0
    private(set) var stockLines = 0
    private var linesSeen = 0

    /// What is known once the header is: the document row and what it resolved to.
    struct PreparedDocument {
        var id: Int64
        var header: SupplierDocumentHeader
        var supplier: PartyDirectory.Supplier?
        var shop: PartyDirectory.Shop?
        var items: SupplierItemIndex?
        /// The goods already came in through the linked despatch advice (or invoice): the lines
        /// record prices but move no stock again.
        var alreadyReceivedBy: String?
    }

    init(
        session: PostgresSession, file: String, fileName: String, sha256: String, directory: PartyDirectory,
        items: SupplierItemCache, settings: SupplierImportSettings
    ) {
        self.session = session
        self.file = file
        self.fileName = fileName
        self.sha256 = sha256
        self.directory = directory
        self.items = items
        self.settings = settings
    }

    /// Called by the reader for each line, with the header read so far.
    func accept(_ line: SupplierDocumentLine, header: SupplierDocumentHeader) throws {
        linesSeen += 1
        if arithmetic == nil { arithmetic = DocumentArithmetic(file: file, kind: header.kind) }
        try arithmetic?.add(line)
        var line = line
        if arithmetic?.linesIgnoringBaseQuantity.contains(line.position) == true {
            line.priceBaseQuantity = nil
            line.flags.append("price_base_quantity_ignored")
        }
        if prepared == nil, header.format == .ubl { try prepare(header) }
        guard prepared != nil else {
            guard buffered.count < settings.maximumBufferedLines else {
                throw SupplierDocumentError(
                    .badValue, file: file, line: line.fileLine,
                    "more than \(settings.maximumBufferedLines) lines in a CII invoice: too large to import; "
                        + "ask the supplier for UBL, whose header precedes its lines")
            }
            buffered.append(line)
            return
        }
        try stage(line)
    }

    /// Called once the whole file has been read and validated: checks the totals, writes the
    /// buffered lines, decides the document's fate and posts it. Returns what was decided.
    func finish(_ read: ReadDocument) throws -> (PreparedDocument, DocumentDisposition) {
        if arithmetic == nil { arithmetic = DocumentArithmetic(file: file, kind: read.header.kind) }
        if read.header.kind != .despatchAdvice {
            var settlement = read.settlement
            // A MINIMUM or BASIC WL invoice cannot state prepayments, so its amount due may differ
            // from its grand total (the Factur-X MINIMUM sample does): BT-115 is not checked.
            if read.header.profileHasNoLines { settlement.totals.payable = nil }
            try arithmetic?.finish(settlement, currency: read.header.currency)
        }
        if prepared == nil { try prepare(read.header) }
        for line in buffered { try stage(line) }
        buffered.removeAll()
        try flush()
        guard var document = prepared else { preconditionFailure("prepare sets the document") }
        document.header = read.header
        let totals = try DocumentTotalsCents(read.settlement.totals, kind: read.header.kind, file: file)
        let disposition = DocumentDisposition.decide(
            supplierKnown: document.supplier != nil, shopKnown: document.shop != nil,
            profileHasNoLines: read.header.profileHasNoLines, lineCount: read.lineCount, linesHeld: linesHeld,
            stockLines: stockLines, alreadyReceivedBy: document.alreadyReceivedBy)
        try session.execute(
            """
            UPDATE supplier_document
            SET total_ht_cents = \(totals.taxExclusive), total_vat_cents = \(totals.tax),
                total_ttc_cents = \(totals.taxInclusive), allowance_cents = \(totals.allowances),
                charge_cents = \(totals.charges), payable_cents = \(totals.payable),
                line_count = \(read.lineCount), currency = coalesce(\(read.header.currency), 'EUR'),
                status = \(disposition.status), hold_reason = \(disposition.holdReason),
                posted_at = CASE WHEN \(disposition.status) = 'posted' THEN now() END,
                status_reason = \(disposition.note), buyer_reference = \(read.header.buyerReference),
                despatch_reference = \(read.header.despatchReference), order_reference = \(read.header.orderReference),
                preceding_invoice = \(read.header.precedingInvoice), profile = \(read.header.profile)
            WHERE id = \(document.id)
            """)
        if disposition.posts, let shop = document.shop, let date = read.header.deliveryDate ?? read.header.issueDate {
            let posted = try DocumentPosting.post(
                session, documentID: document.id, shop: shop, date: date, runID: settings.runID)
            stockLines = posted
            if let supplier = document.supplier { items.invalidate(supplier.id) }
        } else if document.alreadyReceivedBy != nil, disposition.status == "recorded", let shop = document.shop,
            let date = read.header.deliveryDate ?? read.header.issueDate
        {
            // The goods came in through the despatch advice at no cost: the invoice brings it.
            _ = try DocumentPosting.post(
                session, documentID: document.id, shop: shop, date: date, runID: settings.runID, moveStock: false)
        }
        return (document, disposition)
    }

    /// Resolves supplier and shop, refuses a conflicting number, and writes the document row.
    private func prepare(_ header: SupplierDocumentHeader) throws {
        let supplier = directory.supplier(for: header.seller)
        let shop = directory.shop(for: header)
        var alreadyReceivedBy: String?
        if let supplier {
            try DocumentPosting.refuseConflict(session, supplierID: supplier.id, header: header, file: file)
            alreadyReceivedBy = try DocumentPosting.linkedReceipt(session, supplierID: supplier.id, header: header)
        }
        let index = try supplier.map { try items.index(for: $0.id, session: session) }
        let seller = try JSONB(encoding: header.seller)
        // The totals are known at the end of the file (in CII) and written then; the row's checks
        // want them present for invoices and credit notes meanwhile.
        let placeholder: Int64? = header.kind == .despatchAdvice ? nil : 0
        let inserted = try session.queryValue(
            """
            INSERT INTO supplier_document (supplier_id, pizzeria_id, kind, number, issue_date, due_date, delivery_date,
                format, file_name, file_sha256, status, currency, type_code, profile, buyer_reference, order_reference,
                despatch_reference, preceding_invoice, delivery_location, delivery_name, seller, job_run_id, hold_reason,
                total_ht_cents, total_vat_cents, total_ttc_cents)
            VALUES (\(supplier?.id), \(shop?.id), \(header.kind.rawValue), \(header.number),
                \(header.issueDate.map(CalendarDate.init)), \(header.dueDate.map(CalendarDate.init)),
                \(header.deliveryDate.map(CalendarDate.init)), \(header.format.rawValue), \(fileName), \(sha256),
                'held', coalesce(\(header.currency), 'EUR'), \(header.typeCode), \(header.profile),
                \(header.buyerReference), \(header.orderReference), \(header.despatchReference),
                \(header.precedingInvoice), \(header.deliveryLocation?.id), \(header.deliveryPartyName), \(seller),
                \(settings.runID), 'importing',
                \(placeholder), \(placeholder), \(placeholder))
            RETURNING id
            """, as: Int64.self)
        guard let id = inserted else { preconditionFailure("INSERT ... RETURNING id returns the id") }
        prepared = PreparedDocument(
            id: id, header: header, supplier: supplier, shop: shop, items: index, alreadyReceivedBy: alreadyReceivedBy)
    }

    /// Resolves a line and queues its row for the next COPY.
    private func stage(_ line: SupplierDocumentLine) throws {
        guard let document = prepared else { return }
        let direction = try LineDirection.of(line, kind: document.header.kind, file: file)
        var resolution = LineResolver.resolve(
            LineFacts(line), direction: direction, items: document.items,
            priceJumpThreshold: settings.priceJumpThreshold)
        guard resolution.unitCode.isUnitCodeShaped else {
            throw SupplierDocumentError(
                .badValue, file: file, line: line.fileLine,
                "line \(line.position): unit code '\(line.unitCode)' is not a UN/ECE Rec 20/21 code")
        }
        if let reference = document.alreadyReceivedBy, resolution.movement != .none {
            resolution.movement = .none
            resolution.flags.append("received_through_\(reference)")
        }
        if resolution.isHeld { linesHeld += 1 }
        if resolution.movement != .none { stockLines += 1 }
        rows.append(try LineRow.fields(line, resolution: resolution, documentID: document.id, file: file))
        if rows.count >= 2_000 { try flush() }
    }

    private func flush() throws {
        guard !rows.isEmpty else { return }
        let batch = rows
        rows.removeAll(keepingCapacity: true)
        try session.copyIn(
            """
            COPY supplier_document_line (document_id, line_no, line_ref, seller_item_id, standard_item_id,
                description, quantity, unit_code, unit_price, net_cents, vat_category, vat_rate, supplier_item_id,
                quantity_base, hold_reason, file_line, movement_kind, unit_cost, flags, hold_detail)
            FROM STDIN
            """
        ) { writer in
            for row in batch { try writer.writeRow(row) }
        }
    }
}

/// A document's totals in cents of its currency, as the `supplier_document` columns want them.
struct DocumentTotalsCents {
    var taxExclusive: Int64?
    var tax: Int64?
    var taxInclusive: Int64?
    var allowances: Int64?
    var charges: Int64?
    var payable: Int64?

    init(_ totals: DocumentTotals, kind: SupplierDocumentKind, file: String) throws(SupplierDocumentError) {
        guard kind != .despatchAdvice else { return }
        guard let exclusive = totals.taxExclusive else {
            throw SupplierDocumentError(
                .missingField, file: file, line: totals.fileLine, "the total without VAT (BT-109) is missing")
        }
        taxExclusive = try Self.cents(exclusive, file: file)
        tax = try Self.cents(totals.taxTotal ?? 0, file: file)
        // The arithmetic check allows a cent of rounding on BT-112; the column keeps HT + VAT.
        taxInclusive = (taxExclusive ?? 0) + (tax ?? 0)
        if let amount = totals.allowanceTotal { allowances = try Self.cents(amount, file: file) }
        if let amount = totals.chargeTotal { charges = try Self.cents(amount, file: file) }
        if let amount = totals.payable { payable = try Self.cents(amount, file: file) }
    }

    static func cents(_ amount: Decimal, file: String) throws(SupplierDocumentError) -> Int64 {
        let rounded = (amount * 100).roundedHalfUp(places: 0)
        guard let cents = Int64(exactly: NSDecimalNumber(decimal: rounded).int64Value), Decimal(cents) == rounded
        else {
            throw SupplierDocumentError(.badValue, file: file, "the amount \(amount) is too large")
        }
        return cents
    }
}
