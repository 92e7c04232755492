import Domain
import Foundation
import Postgres
import Settlement

/// Counts of one imported payment file.
struct ImportedFileCounts: Sendable {
    var rowsRead = 0
    var rowsImported = 0
    var rowsKnown = 0
    var rowsIgnored = 0
    var formatVersion: String?
    var warnings: [FileWarning] = []
}

/// Imports one payment file inside the caller's transaction: reads it with the reader of its
/// format, writes its rows (set-based for processor reports) and its `settlement_file` row. Throws
/// ``SettlementFileError`` to refuse the file (the caller rolls back and moves it to rejected/).
struct SettlementFileImport {
    let session: PostgresSession
    let path: String
    let fileName: String
    let sha256: String
    let format: SettlementFormat
    let runID: Int64?
    let bankReader: BankStatementReader

    /// The zone of Stripe files that carry only local times: the one OC Pizza asks Stripe for.
    static let reportTimeZone = TimeZone(identifier: "Europe/Paris") ?? .gmt

    func run() throws -> ImportedFileCounts {
        var counts: ImportedFileCounts
        switch format {
        case .stripeActivity, .stripePayoutReconciliation, .paypalSTL, .paypalTRR, .paypalActivity:
            counts = try ProcessorRowsImport(session: session, path: path, sha256: sha256, runID: runID).run(
                format: format)
        case .camt053:
            let statements = try bankReader.read(path: path, name: path)
            counts = try BankStatementImport(session: session, path: path, sha256: sha256, runID: runID).run(
                statements)
        case .remittance:
            let rows = try RemittanceReader.read(path: path, name: path)
            counts = try RemittanceImport(session: session, path: path, sha256: sha256).run(rows)
        }
        try session.execute(
            """
            INSERT INTO settlement_file (
                sha256, file_name, format, format_version, rows_read, rows_imported, rows_known, rows_ignored,
                warnings, job_run_id)
            VALUES (\(sha256), \(fileName), \(format.rawValue), \(counts.formatVersion), \(counts.rowsRead),
                    \(counts.rowsImported), \(counts.rowsKnown), \(counts.rowsIgnored),
                    \(try JSONB(encoding: counts.warnings)), \(runID))
            """)
        try recordFileDiscrepancies(counts.warnings)
        return counts
    }

    /// Findings about a file the accountant must see (a trailer or a statement balance that does
    /// not add up) go to the discrepancy list, keyed by the file so a re-run adds nothing.
    private func recordFileDiscrepancies(_ warnings: [FileWarning]) throws {
        let kinds: [String: String] = [
            "report_trailer_mismatch": "report_trailer_mismatch",
            "statement_balance_mismatch": "statement_balance_mismatch",
            "batch_sum_mismatch": "batch_sum_mismatch",
        ]
        for (index, warning) in warnings.enumerated() {
            guard let kind = kinds[warning.code] else { continue }
            let subject = "file:\(sha256.prefix(16)):\(index)"
            let reason = "\(fileName)\(warning.record.map { " record \($0)" } ?? ""): \(warning.message)"
            try session.execute(
                """
                INSERT INTO settlement_discrepancy (kind, subject, amount_cents, reason, first_run_id, last_run_id)
                VALUES (\(kind), \(subject), 0, \(reason), \(runID), \(runID))
                ON CONFLICT (kind, subject) DO NOTHING
                """)
        }
    }
}
