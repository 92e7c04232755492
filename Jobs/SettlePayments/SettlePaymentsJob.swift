import Checksums
import Domain
import Foundation
import Logging
import Postgres
import Settlement
import Synchronization

/// What happened to one payment file, for the summary and `--json`.
public struct SettlementFileResult: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable {
        /// Committed (its rows may all have been known already: an overlapping report).
        case imported
        /// The same bytes were imported before: nothing imported, file refused.
        case duplicate
        /// Refused: nothing of it is in the database.
        case rejected
    }

    public var file: String
    public var outcome: Outcome
    public var format: String?
    public var rowsRead: Int
    public var rowsImported: Int
    public var rowsKnown: Int
    public var rowsIgnored: Int
    public var warnings: [String]
    public var reason: String?
    public var movedTo: String?

    init(file: String, outcome: Outcome = .rejected) {
        self.file = file
        self.outcome = outcome
        self.rowsRead = 0
        self.rowsImported = 0
        self.rowsKnown = 0
        self.rowsIgnored = 0
        self.warnings = []
    }
}

/// `settle-payments`: processor reports, bank statements and shift remittances from the inbox
/// (design: docs/design/settle-payments.md).
///
/// Phase 1 imports each file in its own transaction (a refused file leaves nothing; the file then
/// moves to archive/ or rejected/). Phase 2 matches everything not matched yet in one transaction:
/// payout lines, processor rows to payments and orders, refunds and disputes, payouts to bank
/// credits, remittances to the shifts' collections, the status transitions with their events, and
/// the discrepancy list. Every step works only on what is not matched yet, so a run killed at any
/// point is simply run again.
public final class SettlePaymentsJob: Sendable {
    public static let folder = "payments"

    /// Files or folders; nil means the inbox, `var/inbox/payments`.
    public let paths: [String]?
    /// The date the time rules (past due, dispute lost, payout not in bank) are judged at; nil
    /// means the run's business date, else the last closed one.
    public let asOf: CalendarDate?
    private let collected = Mutex<[SettlementFileResult]>([])
    private let matching = Mutex<SettlementMatchResult?>(nil)

    public init(paths: [String]? = nil, asOf: CalendarDate? = nil) {
        self.paths = paths
        self.asOf = asOf
    }

    public var results: [SettlementFileResult] { collected.withLock { $0 } }
    public var matchResult: SettlementMatchResult? { matching.withLock { $0 } }

    public func run(_ context: JobContext) async throws -> JobOutcome {
        let inbox = InboxFiles(varDirectory: context.varDirectory, folder: Self.folder)
        if paths == nil {
            try? FileManager.default.createDirectory(atPath: inbox.inbox, withIntermediateDirectories: true)
        }
        let files = try InboxFiles.list(paths ?? [inbox.inbox])
        let bankReader = try BankStatementReader()
        let asOf = self.asOf ?? context.businessDate ?? JobCatalog.lastClosedBusinessDate()
        let connection = try await PostgresConnection.connect(conninfo: context.conninfo, logger: context.logger)
        do {
            let importStarted = ContinuousClock.now
            for (index, path) in files.enumerated() {
                try Task.checkCancellation()
                context.progress.update(done: index, total: files.count, unit: "files")
                let result = try await importFile(
                    path, connection: connection, inbox: inbox, bankReader: bankReader, context: context)
                context.logger.log(
                    level: result.outcome == .imported ? .info : .warning, "payment file \(result.outcome.rawValue)",
                    metadata: [
                        "file": "\(path)", "format": "\(result.format ?? "-")",
                        "rows.imported": "\(result.rowsImported)", "reason": "\(result.reason ?? "-")",
                    ])
                collected.withLock { $0.append(result) }
            }
            inbox.syncAll()
            context.progress.update(done: files.count, total: files.count, unit: "files")
            try Task.checkCancellation()
            let importTime = ContinuousClock.now - importStarted
            var match = try await connection.withSession { session in
                try session.transaction { session in
                    try SettlementMatcher(session: session, runID: context.runID, asOf: asOf).run()
                }
            }
            match.stepSeconds["files"] =
                Double(importTime.components.seconds) + Double(importTime.components.attoseconds) / 1e18
            context.logger.info(
                "settlement steps",
                metadata: match.stepSeconds.mapValues { .string(String(format: "%.2f s", $0)) })
            matching.withLock { $0 = match }
            let report = try await connection.withSession { session in
                try DiscrepancyReport.write(session, varDirectory: context.varDirectory, asOf: asOf)
            }
            await connection.close()
            return Self.outcome(results, match: match, reportPath: report)
        } catch {
            await connection.close()
            throw error
        }
    }

    static func outcome(
        _ results: [SettlementFileResult], match: SettlementMatchResult, reportPath: String
    )
        -> JobOutcome
    {
        func count(_ outcome: SettlementFileResult.Outcome) -> Int { results.filter { $0.outcome == outcome }.count }
        let refused = count(.rejected) + count(.duplicate)
        var counts = [
            "files": results.count, "files_imported": count(.imported), "files_duplicate": count(.duplicate),
            "files_rejected": count(.rejected), "rows_imported": results.reduce(0) { $0 + $1.rowsImported },
            "rows_known": results.reduce(0) { $0 + $1.rowsKnown },
            "rows_ignored": results.reduce(0) { $0 + $1.rowsIgnored },
        ]
        counts.merge(match.counts) { _, new in new }
        var notes: [String] = []
        if refused > 0 { notes.append("\(refused) file(s) refused: see var/rejected/\(folder)/*.reason.txt") }
        let open = match.openDiscrepancies.values.reduce(0, +)
        if open > 0 {
            let kinds = match.openDiscrepancies.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            notes.append("\(open) open discrepancies (\(kinds.joined(separator: ", "))): \(reportPath)")
        }
        return JobOutcome(
            status: refused > 0 ? .partial : .ok, counts: counts,
            message: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    private func importFile(
        _ path: String, connection: PostgresConnection, inbox: InboxFiles, bankReader: BankStatementReader,
        context: JobContext
    ) async throws -> SettlementFileResult {
        let fileName = (path as NSString).lastPathComponent
        var result = SettlementFileResult(file: path)
        let sha256: String
        do { sha256 = try SHA256Digest.hex(ofFile: path) } catch {
            return try refuse(result, reason: "\(path): cannot read: \(error)", inbox: inbox)
        }
        if let earlier = try await connection.withSession({ try EarlierSettlementFile.find(sha256: sha256, in: $0) }) {
            result.format = earlier.format
            if earlier.fileName == fileName, !inbox.isArchived(fileName, receivedAt: earlier.receivedAt) {
                // Committed by a run that stopped before moving the file: finish the move.
                result.outcome = .imported
                result.reason = "already committed by an interrupted run; file archived now"
                result.movedTo = try inbox.archive(path, at: earlier.receivedAt)
                return result
            }
            result.outcome = .duplicate
            return try refuse(
                result,
                reason: "\(path): duplicate: the same file was imported as \(earlier.fileName) on "
                    + "\(earlier.receivedAt.formatted(.iso8601)); nothing imported",
                inbox: inbox)
        }
        do {
            let format = try SettlementFormatDetector.detect(path: path, name: path)
            result.format = format.rawValue
            let imported = try await connection.withSession { session in
                try session.transaction { session in
                    try SettlementFileImport(
                        session: session, path: path, fileName: fileName, sha256: sha256, format: format,
                        runID: context.runID, bankReader: bankReader
                    ).run()
                }
            }
            result.outcome = .imported
            result.rowsRead = imported.rowsRead
            result.rowsImported = imported.rowsImported
            result.rowsKnown = imported.rowsKnown
            result.rowsIgnored = imported.rowsIgnored
            result.warnings = imported.warnings.map { warning in
                [warning.code, warning.record.map { "record \($0)" }, warning.message].compactMap { $0 }.joined(
                    separator: ": ")
            }
            result.movedTo = try inbox.archive(path)
            return result
        } catch let error as SettlementFileError {
            return try refuse(result, reason: error.description, inbox: inbox)
        } catch let error as PostgresError where error.isDataError {
            return try refuse(result, reason: "\(path): refused by the database: \(error.message)", inbox: inbox)
        }
    }

    private func refuse(
        _ result: SettlementFileResult, reason: String, inbox: InboxFiles
    ) throws
        -> SettlementFileResult
    {
        var refused = result
        refused.reason = reason
        refused.movedTo = try inbox.reject(refused.file, reason: reason)
        return refused
    }
}

/// A payment file already imported from the same bytes.
struct EarlierSettlementFile: Sendable {
    var fileName: String
    var format: String
    var receivedAt: Date

    static func find(sha256: String, in session: PostgresSession) throws -> EarlierSettlementFile? {
        guard
            let row = try session.query(
                "SELECT file_name, format, received_at FROM settlement_file WHERE sha256 = \(sha256)"
            ).first
        else { return nil }
        return EarlierSettlementFile(
            fileName: try row.decode("file_name"), format: try row.decode("format"),
            receivedAt: try row.decode("received_at"))
    }
}
