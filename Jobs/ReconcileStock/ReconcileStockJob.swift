import Checksums
import Foundation
import Logging
import Postgres
import StockFiles
import Synchronization

/// What happened to one count or waste file, for the summary and `--json`.
public struct StockFileResult: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Committed: a count approved and posted, or waste logged and posted.
        case imported
        /// Committed as a draft: the count looked implausible, a recount is asked.
        case recountRequested = "recount_requested"
        /// The same bytes were imported before: nothing imported, file refused.
        case duplicate
        /// Refused: nothing of it is in the database.
        case rejected
    }

    public var file: String
    public var kind: String
    public var outcome: Outcome
    public var rows: Int
    public var countID: Int64?
    public var reason: String?
    public var movedTo: String?
}

/// `reconcile-stock`: count sheets and waste logs from the inbox, then actual vs theoretical
/// usage, the stock position, availability and reorder suggestions for one business date
/// (design: docs/design/reconcile-stock.md).
///
/// Phase 1 imports each file of `var/inbox/counts/` and `var/inbox/waste/` in its own transaction
/// (a refused file leaves nothing and moves to `rejected/` with a reason). Phase 2 computes
/// everything in one transaction, replacing what an earlier run of the same date wrote, so a run
/// killed at any point is simply run again.
public final class ReconcileStockJob: Sendable {
    /// nil: every shop trading that day.
    public let shopCode: String?
    private let collected = Mutex<[StockFileResult]>([])
    private let computed = Mutex<StockReconcileResult?>(nil)

    public init(shopCode: String? = nil) {
        self.shopCode = shopCode
    }

    public var files: [StockFileResult] { collected.withLock { $0 } }
    public var result: StockReconcileResult? { computed.withLock { $0 } }

    public func run(_ context: JobContext) async throws -> JobOutcome {
        let date = context.businessDate ?? JobCatalog.lastClosedBusinessDate()
        let connection = try await PostgresConnection.connect(conninfo: context.conninfo, logger: context.logger)
        do {
            let importStarted = ContinuousClock.now
            try await connection.withSession { session in try Self.refreshStatistics(session, logger: context.logger) }
            let transfers = try await connection.withSession { session in
                try session.transaction { session in
                    try StockReconciler.postTransfers(session, upTo: date, runID: context.runID)
                }
            }
            // Waste before counts: a count measures the ledger with the waste logged before it.
            for kind in [StockFileReader.Kind.waste, .count] {
                let inbox = InboxFiles(varDirectory: context.varDirectory, folder: kind == .count ? "counts" : "waste")
                try? FileManager.default.createDirectory(atPath: inbox.inbox, withIntermediateDirectories: true)
                let paths = try InboxFiles.list([inbox.inbox])
                for (index, path) in paths.enumerated() {
                    try Task.checkCancellation()
                    context.progress.update(done: index, total: paths.count, unit: "\(kind.rawValue) files")
                    let result = try await importFile(path, kind: kind, inbox: inbox, connection: connection, context)
                    context.logger.log(
                        level: result.outcome == .imported ? .info : .warning, "stock file \(result.outcome.rawValue)",
                        metadata: ["file": "\(path)", "rows": "\(result.rows)", "reason": "\(result.reason ?? "-")"])
                    collected.withLock { $0.append(result) }
                }
                inbox.syncAll()
            }
            let importTime = ContinuousClock.now - importStarted
            try Task.checkCancellation()
            let postedSince = try await connection.withSession { session in
                try Self.watermark(session, excluding: context.runID)
            }
            var result = try await connection.withSession { session in
                try session.transaction { session in
                    try StockReconciler(
                        session: session, runID: context.runID, businessDate: date, shopCode: self.shopCode,
                        postedSince: postedSince
                    ).run()
                }
            }
            result.transferLinesPosted = transfers
            result.stepSeconds["files"] =
                Double(importTime.components.seconds) + Double(importTime.components.attoseconds) / 1e18
            context.logger.info(
                "reconcile steps", metadata: result.stepSeconds.mapValues { .string(String(format: "%.2f s", $0)) })
            computed.withLock { $0 = result }
            await connection.close()
            return Self.outcome(files, result: result, shopCode: shopCode)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Movements posted after the start of the last complete chain-wide run, less
    /// `reconcile.late_margin_minutes` (60: transactions still in flight then commit with an
    /// earlier posted_at), may touch stored periods. nil on the first run: every period is new.
    static func watermark(_ session: PostgresSession, excluding runID: Int64?) throws -> Date? {
        try session.queryValue(
            """
            SELECT max(started_at) - make_interval(mins => coalesce((
                       SELECT (value #>> '{}')::int FROM app_setting WHERE key = 'reconcile.late_margin_minutes'), 60))
            FROM job_run
            WHERE job = 'reconcile-stock' AND status IN ('ok', 'partial') AND NOT options ? 'shop'
              AND id IS DISTINCT FROM \(runID)
            """, as: Date?.self) ?? nil
    }

    /// The tables this job reads, with statistics refreshed when a bulk load (the demo's history,
    /// a restore) changed a fifth of them since the last ANALYZE: without them the planner
    /// takes the ledger for empty and a count's review scans it row by row (seconds per file).
    static let readTables = [
        "stock_movement", "customer_order", "order_line", "order_line_modifier", "stock_count", "stock_count_line",
        "stock_balance", "recipe_line",
    ]

    static func refreshStatistics(_ session: PostgresSession, logger: Logger) throws {
        let stale = try session.query(
            """
            SELECT relname FROM pg_stat_user_tables
            WHERE relname = ANY(\(readTables)) AND schemaname = current_schema()
              AND (n_mod_since_analyze > 0.2 * greatest(n_live_tup, 1000)
                   OR NOT EXISTS (SELECT 1 FROM pg_stats s WHERE s.schemaname = current_schema() AND s.tablename = relname))
            ORDER BY relname
            """
        ).map { try $0.decode("relname", as: String.self) }
        for table in stale {
            logger.info("refreshing planner statistics", metadata: ["table": "\(table)"])
            try session.execute("ANALYZE \(identifier: table)")
        }
    }

    static func outcome(_ files: [StockFileResult], result: StockReconcileResult, shopCode: String?) -> JobOutcome {
        func count(_ outcome: StockFileResult.Outcome) -> Int { files.filter { $0.outcome == outcome }.count }
        let refused = count(.rejected) + count(.duplicate)
        let counts: [String: Int] = [
            "files": files.count, "files_imported": count(.imported), "files_rejected": count(.rejected),
            "files_duplicate": count(.duplicate), "recounts_requested": count(.recountRequested),
            "shops": result.shops, "orders_closed": result.ordersClosed, "orders_cancelled": result.ordersCancelled,
            "orders_open": result.ordersOpen, "transfer_lines_posted": result.transferLinesPosted,
            "usage_lines": result.usageLines, "periods_computed": result.periodsComputed,
            "variance_lines": result.varianceLines, "variance_lines_flagged": result.flaggedLines,
            "negative_positions": result.negativePositions, "availability_lines": result.availabilityLines,
            "products_unavailable": result.productsUnavailable, "reorder_lines": result.reorderLines,
            "reorder_cents": Int(result.reorderCents),
        ]
        var notes: [String] = []
        if refused > 0 { notes.append("\(refused) file(s) refused: see var/rejected/counts|waste/*.reason.txt") }
        if count(.recountRequested) > 0 { notes.append("\(count(.recountRequested)) count(s) need a recount") }
        if result.ordersOpen > 0 { notes.append("\(result.ordersOpen) order(s) still open are not in the usage") }
        if result.negativePositions > 0 {
            notes.append("\(result.negativePositions) negative theoretical stock line(s)")
        }
        return JobOutcome(
            status: refused > 0 ? .partial : .ok, counts: counts,
            message: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    private func importFile(
        _ path: String, kind: StockFileReader.Kind, inbox: InboxFiles, connection: PostgresConnection,
        _ context: JobContext
    ) async throws -> StockFileResult {
        let name = (path as NSString).lastPathComponent
        var result = StockFileResult(file: path, kind: kind.rawValue, outcome: .rejected, rows: 0)
        func refuse(_ reason: String, as outcome: StockFileResult.Outcome = .rejected) throws -> StockFileResult {
            result.outcome = outcome
            result.reason = reason
            result.movedTo = try inbox.reject(path, reason: reason)
            return result
        }
        let sha256: String
        do { sha256 = try SHA256Digest.hex(ofFile: path) } catch { return try refuse("\(path): cannot read: \(error)") }
        let earlier = try await connection.withSession { session in
            try session.query("SELECT file_name, received_at FROM stock_file WHERE sha256 = \(sha256)").first.map {
                (name: try $0.decode("file_name", as: String.self), at: try $0.decode("received_at", as: Date.self))
            }
        }
        if let earlier {
            if earlier.name == name, !inbox.isArchived(name, receivedAt: earlier.at) {
                // Committed by a run that stopped before moving the file: finish the move.
                result.outcome = .imported
                result.reason = "already committed by an interrupted run; file archived now"
                result.movedTo = try inbox.archive(path, at: earlier.at)
                return result
            }
            return try refuse(
                "\(path): duplicate: the same file was imported as \(earlier.name) on "
                    + "\(earlier.at.formatted(.iso8601)); nothing imported", as: .duplicate)
        }
        do {
            let rows = try StockFileReader.read(path: path, name: path, kind: kind)
            let imported = try await connection.withSession { session in
                try session.transaction { session in
                    try StockFileImport(
                        session: session, kind: kind, fileName: name, sha256: sha256, rows: rows, runID: context.runID
                    ).run()
                }
            }
            result.rows = imported.rows
            result.countID = imported.countID
            result.outcome = imported.recountRequested ? .recountRequested : .imported
            result.reason = imported.recountReason
            result.movedTo = try inbox.archive(path)
            return result
        } catch let error as StockFileError {
            var located = error
            located.file = path
            return try refuse(located.description)
        } catch let error as PostgresError where error.isDataError {
            return try refuse("\(path): refused by the database: \(error.message)")
        }
    }
}
