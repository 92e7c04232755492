import Foundation
import Logging
import Postgres
import Reports
import Synchronization

/// `export-reports`: the managers' pages (one per shop and one for the chain) and a CSV per
/// table, for a day, a week or a month, under `<out>/<period>/<folder>/`, and `<out>/index.html`
/// listing every report produced so far (design: docs/design/export-reports.md).
///
/// Read-only on the database (and on a replica when `REPORTS_DATABASE_URL` is set), all queries
/// in one REPEATABLE READ transaction so the pages agree with each other. Deterministic: the
/// same data gives byte-identical files (ordered queries, no clock in the files), and a file is
/// written to a temporary name then renamed, so a reader never sees half a page.
public final class ExportReportsJob: Sendable {
    public struct Result: Sendable, Codable, Equatable {
        public var period: String
        public var folder: String
        public var pages: [String]
        public var csvFiles: Int
        /// Chain revenue incl. VAT and closed orders of the period.
        public var revenueCents: Int64
        public var orders: Int64
        /// Seconds spent in the report's SQL queries, and in the whole job (queries, rendering,
        /// writing): the benchmark's two figures.
        public var querySeconds: Double
        public var totalSeconds: Double
    }

    public let period: ReportPeriod
    public let shopCode: String?
    /// nil: `<var>/reports`.
    public let outDirectory: String?
    /// Where to read from instead of the job's database (a replica).
    public let readConninfo: String?
    private let produced = Mutex<Result?>(nil)

    public init(
        period: ReportPeriod = .day, shopCode: String? = nil, outDirectory: String? = nil, readConninfo: String? = nil
    ) {
        self.period = period
        self.shopCode = shopCode
        self.outDirectory = outDirectory
        self.readConninfo = readConninfo
    }

    public var result: Result? { produced.withLock { $0 } }

    public func run(_ context: JobContext) async throws -> JobOutcome {
        let started = ContinuousClock.now
        let date = context.businessDate ?? JobCatalog.lastClosedBusinessDate()
        let span = period.span(containing: date)
        let out = outDirectory ?? context.varDirectory + "/reports"
        let folder = "\(out)/\(period.rawValue)/\(span.folder)"
        let renderer = try ReportRenderer()
        let connection = try await PostgresConnection.connect(
            conninfo: readConninfo ?? context.conninfo, logger: context.logger)
        let shopCode = self.shopCode
        let pages: [RenderedPage]
        var querySeconds = 0.0
        do {
            (pages, querySeconds) = try await connection.withSession { session in
                let clock = QueryClock()
                try session.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                defer { _ = try? session.execute("COMMIT") }
                let shops = try session.query(
                    """
                    SELECT id, code, name FROM pizzeria
                    WHERE opened_on <= \(span.to) AND (closed_on IS NULL OR closed_on > \(span.from))
                      AND (\(shopCode)::text IS NULL OR code = \(shopCode))
                    ORDER BY code
                    """
                ).map {
                    (
                        id: try $0.decode("id", as: Int64.self), code: try $0.decode("code", as: String.self),
                        name: try $0.decode("name", as: String.self)
                    )
                }
                func scope(_ ids: [Int64]) -> ReportScope {
                    ReportScope(
                        shops: ids, from: span.from, to: span.to, previousFrom: span.previousFrom,
                        previousTo: span.previousTo, lastWeekDay: span.lastWeekDay)
                }
                var built: [(page: ReportPage, isChain: Bool)] = []
                if shopCode == nil {
                    built.append(
                        (
                            try ReportPage.build(
                                name: "chain",
                                title: "OC Pizza · the chain · \(span.label.lowercased()) \(span.folder)",
                                queries: ReportQueries(session: session, scope: scope(shops.map(\.id)), clock: clock),
                                isChain: true), true
                        ))
                }
                for (index, shop) in shops.enumerated() {
                    context.progress.update(done: index, total: shops.count, unit: "shops")
                    built.append(
                        (
                            try ReportPage.build(
                                name: shop.code,
                                title: "\(shop.name) (\(shop.code)) · \(span.label.lowercased()) \(span.folder)",
                                queries: ReportQueries(session: session, scope: scope([shop.id]), clock: clock),
                                isChain: false), false
                        ))
                }
                let links = shops.map { ["code": $0.code, "href": "\($0.code).html"] }
                let rendered = built.map { page, isChain in
                    RenderedPage(
                        name: page.name, isChain: isChain,
                        html: Array(
                            renderer.page(page.context(span: span, shopLinks: isChain ? links : [], isChain: isChain))
                                .utf8),
                        csv: page.tables.map { ("\(page.name)-\($0.name).csv", $0.csv.bytes) }, headline: page.headline)
                }
                return (rendered, Self.seconds(clock.elapsed))
            }
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }

        try FileManager.default.createDirectory(atPath: folder + "/csv", withIntermediateDirectories: true)
        var csvFiles = 0
        for page in pages {
            try Self.write(page.html, to: "\(folder)/\(page.name).html")
            for (name, bytes) in page.csv {
                try Self.write(bytes, to: "\(folder)/csv/\(name)")
                csvFiles += 1
            }
        }
        try Self.write(Array(renderer.index(Self.indexContext(out)).utf8), to: "\(out)/index.html")
        let chain = pages.first { $0.isChain }?.headline ?? pages.first?.headline
        let result = Result(
            period: period.rawValue, folder: folder, pages: pages.map { "\($0.name).html" }, csvFiles: csvFiles,
            revenueCents: chain?.revenueTTC ?? 0, orders: chain?.orders ?? 0, querySeconds: querySeconds,
            totalSeconds: Self.seconds(ContinuousClock.now - started))
        produced.withLock { $0 = result }
        return JobOutcome(
            counts: [
                "pages": pages.count, "csv_files": csvFiles, "orders": Int(result.orders),
                "revenue_cents": Int(result.revenueCents),
            ],
            message: "\(folder)/\(shopCode == nil ? "chain" : shopCode ?? "").html")
    }

    /// A page rendered inside the read transaction: its HTML and its tables' CSV files.
    struct RenderedPage: Sendable {
        var name: String
        var isChain: Bool
        var html: [UInt8]
        var csv: [(String, [UInt8])]
        var headline: ReportQueries.Headline
    }

    /// The nightly step: the day's reports, the week's after a Sunday, the month's after its last
    /// day; from `REPORTS_DATABASE_URL` when it is set.
    public static func nightly(_ context: JobContext) async throws -> JobOutcome {
        let date = context.businessDate ?? JobCatalog.lastClosedBusinessDate()
        let replica = ProcessInfo.processInfo.environment["REPORTS_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        var periods: [ReportPeriod] = [.day]
        if ReportPeriod.week.span(containing: date).to == date { periods.append(.week) }
        if ReportPeriod.month.span(containing: date).to == date { periods.append(.month) }
        var outcome = JobOutcome()
        for period in periods {
            let one = try await ExportReportsJob(period: period, readConninfo: replica).run(context)
            outcome.counts.merge(one.counts) { $0 + $1 }
            outcome.message = [outcome.message, one.message].compactMap { $0 }.joined(separator: "; ")
        }
        return outcome
    }

    /// Every report under `out`, newest first, for the index page.
    static func indexContext(_ out: String) -> [String: Any] {
        let manager = FileManager.default
        var periods: [[String: Any]] = []
        for period in ReportPeriod.allCases {
            let root = "\(out)/\(period.rawValue)"
            let folders = ((try? manager.contentsOfDirectory(atPath: root)) ?? []).filter { !$0.hasPrefix(".") }
                .sorted(by: >)
            guard !folders.isEmpty else { continue }
            let entries: [[String: Any]] = folders.map { name in
                let files = ((try? manager.contentsOfDirectory(atPath: "\(root)/\(name)")) ?? []).filter {
                    $0.hasSuffix(".html")
                }.sorted()
                return [
                    "name": name,
                    "chain": files.contains("chain.html") ? "\(period.rawValue)/\(name)/chain.html" : "",
                    "shops": files.filter { $0 != "chain.html" }.map { file in
                        ["code": String(file.dropLast(5)), "href": "\(period.rawValue)/\(name)/\(file)"]
                    },
                ]
            }
            periods.append(["label": period.rawValue.capitalized + "s", "entries": entries])
        }
        return ["periods": periods]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Writes a temporary file beside the target, then renames it over the target.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = directory + "/." + (path as NSString).lastPathComponent + ".part"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw CocoaError(
                .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "cannot rename to \(path): \(reason)"])
        }
    }
}
