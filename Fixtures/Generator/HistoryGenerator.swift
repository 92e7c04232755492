import Domain
import Foundation
import Jobs
import Logging
import Postgres

/// Generates order history for the demo chain (`ocpizza demo generate`): deterministic,
/// idempotent and bulk-loaded.
///
/// **Deterministic.** Every random number comes from ``SplitMix64`` seeded with (seed, shop
/// code, business date), so the same arguments give the same rows; ids come from the tables'
/// own sequences in a fixed order, so two fresh databases get the same ids too.
///
/// **Idempotent.** A shop's business date counts as generated when the shop has orders of that
/// date whose idempotency key starts with `demo:`; those days are skipped. Each batch of
/// shop-days (orders, events, payments, stock movements, deliveries, counts, waste, and the
/// shops' order-number counters) commits in one transaction, so a day is there entirely or not
/// at all. Runs take an advisory lock: two at once on one database never overlap.
///
/// **Fast.** Rows are built as COPY text in memory and sent with `COPY ... FROM STDIN`, table by
/// table, a batch at a time.
public struct HistoryGenerator: Sendable {
    public struct Options: Sendable, Codable {
        /// The first N shops: the demo chain's six in order, then synthetic PAR-0007, PAR-0008...
        public var shops: Int
        /// Business dates ending at ``endDate``.
        public var days: Int
        public var seed: UInt64
        public var endDate: LocalDate
        /// Connections copying batches at the same time (the rows do not depend on it).
        public var writers: Int
        /// The directory import-supplier reads (`<var>/inbox/supplier`): with
        /// ``filedDeliveriesFrom``, the deliveries of that day and later are written there as the
        /// suppliers' e-invoices (UBL, CII or Factur-X XML) instead of being posted, so the
        /// importer has real documents to post. Created if missing. Give both or neither.
        ///
        /// A day's files are written when the day is generated, before its batch commits: a run
        /// that fails in between leaves them, and resuming it rewrites the same bytes (at worst
        /// the importer sees a document whose orders are not there yet; it posts stock only).
        public var supplierInbox: String?
        /// The first business date whose deliveries are filed into ``supplierInbox``.
        public var filedDeliveriesFrom: CalendarDate?
        /// The directory reconcile-stock reads count sheets from (`<var>/inbox/counts`): when set,
        /// every shop's closing count of ``endDate`` is written there as a count sheet (what the
        /// stock keeper counted, about 1 % off the real stock) instead of being posted, so the
        /// nightly run has a count to review, post and reconcile whatever the weekday.
        public var countInbox: String?

        public init(
            shops: Int, days: Int, seed: UInt64, endDate: LocalDate, writers: Int = 2, supplierInbox: String? = nil,
            filedDeliveriesFrom: CalendarDate? = nil, countInbox: String? = nil
        ) {
            self.countInbox = countInbox
            self.shops = shops
            self.days = days
            self.seed = seed
            self.endDate = endDate
            self.writers = writers
            self.supplierInbox = supplierInbox
            self.filedDeliveriesFrom = filedDeliveriesFrom
        }
    }

    /// Shop-days per transaction (about 4 500 rows each for a 150-order shop).
    static let batchShopDays = 12
    /// The lock that keeps two runs apart.
    static let lockName = "ocpizza:demo-generate"

    let conninfo: String
    let logger: Logger

    public init(conninfo: String, logger: Logger) {
        self.conninfo = conninfo
        self.logger = logger
    }

    /// The last business date that has closed in Europe/Paris (yesterday after 04:00): the default end.
    public static func lastClosedBusinessDate(now: Date = Date()) -> LocalDate {
        JobCatalog.chainCalendar.previousBusinessDate(asOf: now)
    }

    public func generate(_ options: Options, progress: ProgressReporter = .silent()) async throws -> GenerationReport {
        guard options.shops >= 1, options.shops <= 9_999, options.days >= 1, options.days <= 3_660,
            options.writers >= 1, options.writers <= 32
        else {
            throw DemoChainError.invalidArguments("--shops must be 1...9999, --days 1...3660 and --writers 1...32")
        }
        guard options.endDate <= HistoryGenerator.lastClosedBusinessDate() else {
            throw DemoChainError.invalidArguments(
                "--end-date \(options.endDate) has not closed yet: history ends at \(HistoryGenerator.lastClosedBusinessDate()) at the latest"
            )
        }
        guard (options.supplierInbox == nil) == (options.filedDeliveriesFrom == nil) else {
            throw DemoChainError.invalidArguments("filing deliveries needs both a supplier inbox and a first date")
        }
        if let inbox = options.supplierInbox {
            do {
                try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            } catch {
                throw DemoChainError.invalidArguments("cannot create the supplier inbox \(inbox): \(error)")
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
        var writers: [PostgresConnection] = []
        do {
            let locked = try await connection.withSession { session in
                try session.queryValue(
                    "SELECT pg_try_advisory_lock(hashtext(\(HistoryGenerator.lockName)))", as: Bool.self)
            }
            guard locked == true else { throw DemoChainError.busy }
            let logger = self.logger
            let producer = try await connection.withSession { session in
                try Producer(session: session, options: options, logger: logger)
            }
            for _ in 0..<max(1, min(options.writers, producer.work.count)) {
                writers.append(try await PostgresConnection.connect(conninfo: conninfo, logger: logger))
            }
            let copied = try await Self.pipeline(
                producer: producer, generator: connection, writers: writers, progress: progress)
            progress.finish()
            for writer in writers { await writer.close() }
            await connection.close()
            let elapsed = clock.now - started
            return GenerationReport(
                options: options, firstDate: options.endDate.adding(days: 1 - options.days),
                shopsCreated: producer.shopsCreated, customersCreated: producer.customersCreated,
                shopDaysGenerated: producer.work.count, shopDaysSkipped: producer.skipped,
                shopDaysClosed: producer.closed, supplierDocumentsFiled: producer.filedDocuments,
                rows: copied.mapValues(\.rows), copySeconds: copied.mapValues(\.seconds),
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        } catch {
            for writer in writers { await writer.close() }
            await connection.close()
            throw error
        }
    }

    /// Batches come from the producer, one at a time, on the generator's connection; each goes to a
    /// free writer connection, which copies it in a transaction of its own. Generating the next
    /// batch overlaps with copying the previous ones, and the server checks constraints and
    /// updates indexes on as many backends as there are writers. Every row references only rows
    /// of its own batch or rows that existed before, so batches commit in any order; the order
    /// number counters only move forward (`greatest`).
    private static func pipeline(
        producer: Producer, generator: PostgresConnection, writers: [PostgresConnection], progress: ProgressReporter
    ) async throws -> [String: (rows: Int, seconds: Double)] {
        var totals: [String: (rows: Int, seconds: Double)] = [:]
        var done = 0
        let total = producer.work.count
        progress.update(done: 0, total: total, unit: "shop-days")
        try await withThrowingTaskGroup(of: (Int, [String: (rows: Int, seconds: Double)], Int).self) { group in
            func record(_ result: (Int, [String: (rows: Int, seconds: Double)], Int)) {
                for (table, count) in result.1 {
                    totals[table, default: (0, 0)].rows += count.rows
                    totals[table, default: (0, 0)].seconds += count.seconds
                }
                done += result.2
                progress.update(done: done, total: total, unit: "shop-days")
            }
            var free = Array(writers.indices)
            while let batch = try await generator.withSession({ session in try producer.nextBatch(session) }) {
                if free.isEmpty, let result = try await group.next() {
                    free.append(result.0)
                    record(result)
                }
                let index = free.removeLast()
                let writer = writers[index]
                let shopDays = batch.shopDays
                group.addTask {
                    let copied = try await writer.withSession { session in
                        try session.transaction { session in
                            var batch = batch
                            return try batch.copy(into: session)
                        }
                    }
                    return (index, copied, shopDays)
                }
            }
            for try await result in group { record(result) }
        }
        return totals
    }
}

/// What a generation did.
public struct GenerationReport: Sendable, Codable {
    public var options: HistoryGenerator.Options
    public var firstDate: LocalDate
    public var shopsCreated: Int
    public var customersCreated: Int
    /// Shop-days generated now, already there (skipped), and not trading (closed, not yet open).
    public var shopDaysGenerated: Int
    public var shopDaysSkipped: Int
    public var shopDaysClosed: Int
    /// Supplier e-invoices written into ``HistoryGenerator/Options/supplierInbox`` (deliveries
    /// filed instead of posted).
    public var supplierDocumentsFiled: Int
    /// Rows copied per table.
    public var rows: [String: Int]
    /// Seconds spent in each table's COPY (the server's side: constraint checks, indexes).
    public var copySeconds: [String: Double]
    public var seconds: Double
    public var totalRows: Int
    public var rowsPerSecond: Double

    init(
        options: HistoryGenerator.Options, firstDate: LocalDate, shopsCreated: Int, customersCreated: Int,
        shopDaysGenerated: Int, shopDaysSkipped: Int, shopDaysClosed: Int, supplierDocumentsFiled: Int,
        rows: [String: Int],
        copySeconds: [String: Double], seconds: Double
    ) {
        self.options = options
        self.firstDate = firstDate
        self.shopsCreated = shopsCreated
        self.customersCreated = customersCreated
        self.shopDaysGenerated = shopDaysGenerated
        self.shopDaysSkipped = shopDaysSkipped
        self.shopDaysClosed = shopDaysClosed
        self.supplierDocumentsFiled = supplierDocumentsFiled
        self.rows = rows
        self.copySeconds = copySeconds
        self.seconds = seconds
        totalRows = rows.values.reduce(0, +)
        rowsPerSecond = seconds > 0 ? Double(totalRows) / seconds : 0
    }

    /// A one-screen summary.
    public var text: String {
        var lines = [
            "Generated \(options.days) day(s) (\(firstDate) to \(options.endDate)) for \(options.shops) shop(s), seed \(options.seed).",
            "Shop-days: \(shopDaysGenerated) generated, \(shopDaysSkipped) already there (skipped), "
                + "\(shopDaysClosed) closed or not open yet.",
            "Synthetic shops created: \(shopsCreated); customers created: \(customersCreated).",
        ]
        if let inbox = options.supplierInbox, let from = options.filedDeliveriesFrom {
            lines.append(
                "Deliveries from \(from) on filed as supplier documents, not posted: "
                    + "\(supplierDocumentsFiled) file(s) in \(inbox).")
        }
        lines += [
            "",
            "  table                       rows  copy (s)",
        ]
        for (table, count) in rows.sorted(by: { $0.key < $1.key }) where count > 0 {
            let number = String(count)
            let seconds = String(format: "%.1f", copySeconds[table] ?? 0)
            lines.append(
                "  " + table.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + String(repeating: " ", count: max(0, 9 - number.count)) + number
                    + String(repeating: " ", count: max(0, 10 - seconds.count)) + seconds)
        }
        lines.append("")
        lines.append(
            "\(totalRows) rows in \(String(format: "%.1f", seconds)) s: \(Int(rowsPerSecond.rounded())) rows/s.")
        return lines.joined(separator: "\n")
    }
}
