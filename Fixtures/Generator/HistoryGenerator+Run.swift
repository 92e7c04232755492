import Domain
import Foundation
import Jobs
import Logging
import Postgres

extension HistoryGenerator {
    /// The generating side of a run: what it read at the start (catalogue, shops, the days to
    /// generate) and what it carries from one batch to the next (stock, order numbers, reserved
    /// ids). Batches come out in a fixed order, whatever the writers do with them.
    ///
    /// Safety: used only on the generator connection's queue, one call at a time.
    final class Producer: @unchecked Sendable {
        let shopsCreated: Int
        let customersCreated: Int
        let skipped: Int
        let closed: Int
        let work: [(shop: Int, day: Int)]
        private let shops: [ShopContext]
        private var states: [ShopState]
        private var ids: IdBlocks
        private var generator: DayGenerator
        private var next = 0

        /// Supplier documents filed into the inbox so far.
        var filedDocuments: Int { generator.filedDocuments }

        init(session: PostgresSession, options: Options, logger: Logger) throws {
            let data = DemoData.embedded
            let catalogue = try Catalogue.load(session, data: data)
            var ids = try IdBlocks(session: session)
            let demoCodes = data.shops.map(\.code)
            let ordinals = Array(1...options.shops)
            let codes = ordinals.map { $0 <= demoCodes.count ? demoCodes[$0 - 1] : SyntheticShops.code($0) }
            var ordersPerDay: [String: Int] = [:]
            var streets: [String: [DemoData.Street]] = [:]
            for shop in data.shops {
                ordersPerDay[shop.code] = shop.profile.ordersPerDay
                streets[shop.code] = shop.profile.streets
            }
            let synthetic = ordinals.filter { $0 > demoCodes.count }
            for ordinal in synthetic {
                ordersPerDay[SyntheticShops.code(ordinal)] = SyntheticShops.ordersPerDay(ordinal)
            }
            shopsCreated = try session.transaction { session in
                try SyntheticShops.ensure(session, ordinals: synthetic, data: data, ids: &ids)
            }
            var shops = try ShopContext.load(session, codes: codes, catalogue: catalogue, ordersPerDay: ordersPerDay)
            customersCreated = try session.transaction { session in
                try CustomerPool.ensure(session, shops: &shops, streets: streets, ids: &ids)
            }

            // A shop's day is there when it has orders of that date with a demo: idempotency key.
            let lastDay = try LocalDate(year: 1970, month: 1, day: 1).days(until: options.endDate)
            let firstDay = lastDay - options.days + 1
            var generated: Set<String> = []
            for row in try session.query(
                """
                SELECT pizzeria_id, business_date FROM customer_order
                WHERE pizzeria_id = ANY(\(shops.map(\.id))) AND idempotency_key LIKE 'demo:%'
                  AND business_date BETWEEN \(Days.iso(firstDay))::date AND \(Days.iso(lastDay))::date
                GROUP BY 1, 2
                """)
            {
                let day = try row.decode("business_date", as: CalendarDate.self).daysSinceEpoch
                generated.insert("\(try row.decode("pizzeria_id", as: Int64.self))/\(day)")
            }
            var work: [(shop: Int, day: Int)] = []
            var closed = 0
            var skipped = 0
            for day in firstDay...lastDay {
                for (index, shop) in shops.enumerated() {
                    if !shop.trades(on: day) {
                        closed += 1
                    } else if generated.contains("\(shop.id)/\(day)") {
                        skipped += 1
                    } else {
                        work.append((index, day))
                    }
                }
            }
            self.work = work
            self.closed = closed
            self.skipped = skipped
            self.shops = shops
            self.states = try Self.loadStates(session, shops: shops, catalogue: catalogue)
            self.ids = ids
            var filing: DayGenerator.Filing?
            if let inbox = options.supplierInbox, let from = options.filedDeliveriesFrom {
                filing = DayGenerator.Filing(directory: inbox, firstDay: from.daysSinceEpoch)
            }
            if let counts = options.countInbox {
                filing = filing ?? DayGenerator.Filing(directory: nil, firstDay: Int.max)
                filing?.countDirectory = counts
                filing?.countDay = CalendarDate(options.endDate).daysSinceEpoch
            }
            self.generator = DayGenerator(catalogue: catalogue, seed: options.seed, filing: filing)
            logger.info(
                "generating demo history",
                metadata: ["shop_days": "\(work.count)", "skipped": "\(skipped)", "closed": "\(closed)"])
        }

        /// The next batch of shop-days, or nil when all are done.
        func nextBatch(_ session: PostgresSession) throws -> Batch? {
            guard next < work.count else { return nil }
            var batch = Batch()
            while next < work.count && batch.shopDays < HistoryGenerator.batchShopDays {
                let item = work[next]
                try generator.generate(
                    shop: shops[item.shop], day: item.day, state: &states[item.shop], batch: &batch, ids: &ids,
                    session: session)
                next += 1
            }
            return batch
        }

        /// Each shop's next order number and stock (the ledger's sums; the shelves start equal).
        private static func loadStates(
            _ session: PostgresSession, shops: [ShopContext], catalogue: Catalogue
        ) throws -> [ShopState] {
            let ids = shops.map(\.id)
            var next: [Int64: Int64] = [:]
            for row in try session.query(
                """
                SELECT p.id, greatest(coalesce(c.last_number, 0),
                    coalesce((SELECT max(order_number) FROM customer_order o WHERE o.pizzeria_id = p.id), 0)) + 1 AS next
                FROM pizzeria p LEFT JOIN order_number_counter c ON c.pizzeria_id = p.id
                WHERE p.id = ANY(\(ids))
                """)
            {
                next[try row.decode("id", as: Int64.self)] = try row.decode("next", as: Int64.self)
            }
            var ledgers: [Int64: [Int64]] = [:]
            var opened: Set<Int64> = []
            for row in try session.query(
                """
                SELECT pizzeria_id, ingredient_id, (sum(quantity) * 1000)::bigint AS milli,
                       bool_or(kind = 'opening') AS opening
                FROM stock_movement WHERE pizzeria_id = ANY(\(ids)) GROUP BY 1, 2
                """)
            {
                let shop = try row.decode("pizzeria_id", as: Int64.self)
                if try row.decode("opening", as: Bool.self) { opened.insert(shop) }
                guard let ingredient = catalogue.ingredientIndex[try row.decode("ingredient_id", as: Int64.self)] else {
                    continue
                }
                ledgers[shop, default: Array(repeating: 0, count: catalogue.ingredients.count)][ingredient] =
                    try row.decode("milli", as: Int64.self)
            }
            return shops.map { shop in
                let ledger = ledgers[shop.id] ?? Array(repeating: 0, count: catalogue.ingredients.count)
                return ShopState(
                    nextOrderNumber: next[shop.id] ?? 1, ledger: ledger, physical: ledger.map { max(0, $0) },
                    hasOpening: opened.contains(shop.id))
            }
        }
    }
}
