import Domain
import Foundation
import Postgres

extension DayGenerator {
    /// The first generated day of a shop starts from a full, approved count at par level (give or
    /// take), posted as `opening` movements.
    mutating func openingCount(
        _ context: Day, state: inout ShopState, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession,
        random: inout SplitMix64
    ) throws {
        var quantities: [(Int, Int64)] = []
        for (ingredient, par, _) in context.shop.policy {
            quantities.append((ingredient, countable(ingredient, par * Int64(85 + random.below(16)) / 100)))
        }
        let lines = try count(
            context, at: context.at(9 * 3600 + 30 * 60), quantities: quantities, batch: &batch, ids: &ids,
            session: session, random: &random)
        for (ingredient, lineID, quantity) in lines where quantity > 0 {
            try move(
                context.shop, ingredient, "opening", quantity, at: context.at(9 * 3600 + 45 * 60), day: context.day,
                source: "stock_count_line", lineID, state: &state, batch: &batch, ids: &ids, session: session)
            state.physical[ingredient] = quantity
        }
        state.hasOpening = true
    }

    /// The week's count after closing: what is really on the shelves, weighed to 10 g or 10 ml
    /// (about 1 % off either way) and counted to the piece, approved by the manager, and its
    /// `count_adjustment` movements (counted − ledger) once approved, so the ledger restarts from
    /// the count each week. They use the source key a stock job would (stock_count_line, kind,
    /// revision 0): a job posting counts with `ON CONFLICT DO NOTHING` finds them done.
    mutating func weeklyCount(
        _ context: Day, state: inout ShopState, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession,
        random: inout SplitMix64
    ) throws {
        let close = context.shop.windows[context.weekday - 1].map(\.close).max() ?? 23 * 3600
        let quantities = context.shop.policy.map { entry -> (Int, Int64) in
            let real = Double(state.physical[entry.ingredient]) * (1 + 0.01 * random.normal())
            return (entry.ingredient, countable(entry.ingredient, Int64(max(0, real))))
        }
        let at = context.at(close + 25 * 60)
        let lines = try count(
            context, at: at, quantities: quantities, batch: &batch, ids: &ids, session: session, random: &random)
        for (ingredient, lineID, counted) in lines where counted != state.ledger[ingredient] {
            try move(
                context.shop, ingredient, "count_adjustment", counted - state.ledger[ingredient], at: at + 2_700,
                day: context.day, source: "stock_count_line", lineID, state: &state, batch: &batch, ids: &ids,
                session: session)
        }
    }

    /// The closing count of the run's last day as the stock keeper's sheet, for reconcile-stock to
    /// review and post (nothing of it is in the database): the same weighing as ``weeklyCount``,
    /// written in the shop's local time without an offset, grams, millilitres and pieces.
    func fileClosingCount(_ context: Day, state: ShopState, directory: String, random: inout SplitMix64) throws {
        let close = context.shop.windows[context.weekday - 1].map(\.close).max() ?? 23 * 3600
        let at = Date(timeIntervalSince1970: TimeInterval(context.at(close + 25 * 60)))
        var local = Calendar(identifier: .gregorian)
        local.timeZone = context.shop.calendar.timeZone
        let parts = local.dateComponents([.year, .month, .day, .hour, .minute], from: at)
        let stamp = String(
            format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0,
            parts.minute ?? 0)
        var text = "shop,counted_at,ingredient,quantity,unit\n"
        for entry in context.shop.policy {
            let real = Double(state.physical[entry.ingredient]) * (1 + 0.01 * random.normal())
            let counted = countable(entry.ingredient, Int64(max(0, real)))
            let ingredient = catalogue.ingredients[entry.ingredient]
            let unit = ingredient.unit == "g" ? "GRM" : ingredient.unit == "ml" ? "MLT" : "H87"
            text += "\(context.shop.code),\(stamp),\(ingredient.sku),\(counted / 1_000),\(unit)\n"
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = try PaymentFilesWriter.writeAtomically(
            Array(text.utf8), directory: directory,
            fileName: "count-\(context.shop.code)-\(Days.compact(context.day)).csv")
    }

    /// Rounds a quantity the way it is counted: whole pieces, or 10 g / 10 ml.
    func countable(_ ingredient: Int, _ milli: Int64) -> Int64 {
        let step: Int64 = catalogue.ingredients[ingredient].unit == "piece" ? 1_000 : 10_000
        return (milli + step / 2) / step * step
    }

    /// Writes an approved count and its lines (entered in KGM, LTR or H87); returns the lines.
    private func count(
        _ context: Day, at: Int64, quantities: [(Int, Int64)], batch: inout Batch, ids: inout IdBlocks,
        session: PostgresSession, random: inout SplitMix64
    ) throws -> [(ingredient: Int, line: Int64, quantity: Int64)] {
        let shop = context.shop
        let countID = try ids.count.take(session)
        let approved = at + Int64(random.between(600, 2_400))
        batch.counts.int(countID)
        batch.counts.int(shop.id)
        batch.counts.instant(at)
        batch.counts.date(context.day)
        batch.counts.plain("full")
        batch.counts.plain("approved")
        batch.counts.int(shop.employee("stock_keeper", on: context.day, &random))
        batch.counts.int(shop.employee("manager", on: context.day, &random))
        batch.counts.instant(approved)
        batch.counts.instant(at)
        batch.counts.endRow()
        var lines: [(ingredient: Int, line: Int64, quantity: Int64)] = []
        for (ingredient, quantity) in quantities {
            let lineID = try ids.countLine.take(session)
            let unit = catalogue.ingredients[ingredient].unit
            batch.countLines.int(lineID)
            batch.countLines.int(countID)
            batch.countLines.int(shop.id)
            batch.countLines.int(catalogue.ingredients[ingredient].id)
            batch.countLines.milli(quantity)
            batch.countLines.milli(unit == "piece" ? quantity : quantity / 1_000)
            batch.countLines.plain(unit == "g" ? "KGM" : unit == "ml" ? "LTR" : "H87")
            batch.countLines.endRow()
            lines.append((ingredient, lineID, quantity))
        }
        return lines
    }

    /// Supplier deliveries of the morning: each supplier on its weekdays (or the next day when the
    /// shop was closed), a posted invoice bringing every ingredient under 80 % of par back to par
    /// in whole packs, and its `receipt` movements.
    ///
    /// From ``Filing/firstDay`` on (when the run files deliveries), the invoice is written as an
    /// e-invoice file into the supplier inbox instead, in the supplier's format, for
    /// `import-supplier` to post: no document, line or movement row, but the shop's stock moves
    /// in memory exactly as if received, so the rest of the day (and the days after) are the same
    /// either way. The random draws are the same too.
    mutating func deliveries(
        _ context: Day, state: inout ShopState, batch: inout Batch, ids: inout IdBlocks, session: PostgresSession,
        random: inout SplitMix64
    ) throws {
        let shop = context.shop
        let yesterday = context.weekday == 1 ? 7 : context.weekday - 1
        let par = Dictionary(
            context.shop.policy.map { ($0.ingredient, $0.par) }, uniquingKeysWith: { first, _ in first })
        let filing = self.filing.flatMap { context.day >= $0.firstDay && $0.directory != nil ? $0 : nil }
        for (position, supplier) in catalogue.suppliers.enumerated() {
            let due =
                supplier.weekdays.contains(context.weekday)
                || (supplier.weekdays.contains(yesterday) && !shop.isOpen(weekday: yesterday)
                    && context.day > shop.openedOn)
            guard due else { continue }
            var lines: [(item: Catalogue.Item, packs: Int64, net: Money)] = []
            for index in supplier.items {
                let item = catalogue.items[index]
                guard let target = par[item.ingredient], item.pack > 0 else { continue }
                let onHand = state.physical[item.ingredient]
                guard onHand * 10 < target * 8 else { continue }
                let packs = max(1, (target - onHand + item.pack - 1) / item.pack)
                lines.append((item, packs, try Money(roundingHalfUp: Decimal(packs) * item.unitPrice)))
            }
            guard !lines.isEmpty else { continue }
            let delivered = context.at(9 * 3600 + position * 12 * 60 + random.between(0, 600))
            let received = delivered + Int64(random.between(1_800, 7_200))
            let number = "\(supplier.code)-\(Days.compact(context.day))-\(shop.code)"
            if let filing {
                try file(number: number, supplier: supplier, shop: shop, day: context.day, lines: lines, in: filing)
                for line in lines {
                    let base = line.packs * line.item.pack
                    state.ledger[line.item.ingredient] += base
                    state.physical[line.item.ingredient] = max(0, state.physical[line.item.ingredient] + base)
                }
                continue
            }
            let vat = try VATBreakdown(
                lines: lines.map { VATLine(amount: $0.net, rate: $0.item.vat) }, basis: .excludingVAT)
            let content = lines.map { "\($0.item.sellerItemID);\($0.packs);\($0.item.unitPriceText)" }.joined(
                separator: "\n")
            let documentID = try ids.document.take(session)
            batch.documents.int(documentID)
            batch.documents.int(supplier.id)
            batch.documents.int(shop.id)
            batch.documents.plain("invoice")
            batch.documents.text(number)
            batch.documents.date(context.day)
            batch.documents.date(context.day + 30)
            batch.documents.date(context.day)
            batch.documents.plain(supplier.format)
            batch.documents.text(number + (supplier.format == "facturx" ? ".pdf" : ".xml"))
            batch.documents.plain(SHA256.hex(number + "\n" + content))
            batch.documents.plain("posted")
            batch.documents.int(vat.ht.cents)
            batch.documents.int(vat.vat.cents)
            batch.documents.int(vat.ttc.cents)
            batch.documents.instant(received)
            batch.documents.instant(received + 300)
            batch.documents.endRow()
            for (lineNumber, line) in lines.enumerated() {
                let lineID = try ids.documentLine.take(session)
                let base = line.packs * line.item.pack
                batch.documentLines.int(lineID)
                batch.documentLines.int(documentID)
                batch.documentLines.int(lineNumber + 1)
                batch.documentLines.plain(String(lineNumber + 1))
                batch.documentLines.text(line.item.sellerItemID)
                batch.documentLines.text(line.item.gtin)
                batch.documentLines.text(line.item.description)
                batch.documentLines.milli(line.packs * 1_000)
                batch.documentLines.plain(line.item.unitCode)
                batch.documentLines.plain(line.item.unitPriceText)
                batch.documentLines.int(line.net.cents)
                batch.documentLines.plain("S")
                batch.documentLines.plain(line.item.vatText)
                batch.documentLines.int(line.item.id)
                batch.documentLines.milli(base)
                batch.documentLines.endRow()
                try move(
                    shop, line.item.ingredient, "receipt", base, at: delivered, day: context.day,
                    source: "supplier_document_line", lineID, state: &state, batch: &batch, ids: &ids, session: session)
            }
        }
    }

    /// Writes one delivery as the supplier's e-invoice into the inbox (atomically: the importer
    /// never sees half a file; a file already there with the same bytes is left alone).
    private mutating func file(
        number: String, supplier: Catalogue.Supplier, shop: ShopContext, day: Int,
        lines: [(item: Catalogue.Item, packs: Int64, net: Money)], in filing: Filing
    ) throws {
        let (year, month, dayOfMonth) = Days.civil(day)
        let delivery = SupplierDelivery(
            number: number, seller: supplier.party,
            shop: SupplierDelivery.Shop(code: shop.code, name: shop.name, gln: shop.gln),
            day: try LocalDate(year: year, month: month, day: dayOfMonth),
            lines: try lines.map {
                try SupplierDelivery.Line(
                    sellerItemID: $0.item.sellerItemID, gtin: $0.item.gtin, name: $0.item.description,
                    unitCode: $0.item.unitCode, packs: $0.packs, unitPrice: $0.item.unitPriceText, vatRate: $0.item.vat)
            })
        let format = SupplierDelivery.Format(rawValue: supplier.format) ?? .ubl
        try SupplierDocumentWriter.writeAtomically(
            try SupplierDocumentWriter.render(delivery, as: format), directory: filing.directory ?? ".",
            fileName: format.fileName(number: number))
        filedDocuments += 1
    }
}
