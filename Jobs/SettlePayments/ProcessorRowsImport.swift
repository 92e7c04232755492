import Domain
import Foundation
import Postgres
import Settlement

/// Streams a processor report into a temporary stage table with one `COPY` (no row kept in
/// Swift), then moves it into `processor_transaction` and `payout` with set-based statements.
///
/// A key already imported with the same values is *known* (overlapping reports); the same key
/// with other amounts, fee, currency or type refuses the file (`conflicting_transaction`): a
/// processor never rewrites a balance row, so one of the two files is wrong. PayPal's activity
/// download and its STL/TRR reports describe the same transactions under different keys (`A:…`
/// event codes): a row of one is known when the other already has its transaction id.
struct ProcessorRowsImport {
    let session: PostgresSession
    let path: String
    let sha256: String
    let runID: Int64?

    func run(format: SettlementFormat) throws -> ImportedFileCounts {
        try session.execute(
            """
            CREATE TEMPORARY TABLE settle_stage (
                record integer NOT NULL, processor text NOT NULL, transaction_id text NOT NULL, event_code text,
                type text NOT NULL, reporting_category text, gross bigint NOT NULL, fee bigint NOT NULL,
                net bigint NOT NULL, currency text NOT NULL, occurred_epoch bigint NOT NULL, source_time text,
                available_on date, payout_id text, payout_effective_epoch bigint, source_reference text,
                related_reference text, order_reference text, description text, trace_id text, payout_status text
            ) ON COMMIT DROP
            """)
        var summary: ProcessorFileSummary?
        try session.copyIn("COPY settle_stage FROM STDIN") { writer in
            summary = try ProcessorReportReader.read(
                path: path, name: path, format: format, localTimeZone: SettlementFileImport.reportTimeZone
            ) { row in
                try writer.writeRow(Self.fields(of: row))
            }
        }
        guard let summary else { throw SettlementFileError("unreadable", file: path, message: "no summary") }
        try session.execute("ANALYZE settle_stage")
        // Bulk statements: hash joins, never a nested loop that rescans processor_transaction
        // once per staged row (see SettlementMatcher.run).
        try session.execute("SET LOCAL enable_nestloop = off")
        try session.execute("SET LOCAL jit = off")
        try refuseConflicts()
        let imported = try insertTransactions(format: format)
        try insertPayouts()
        var counts = ImportedFileCounts()
        counts.rowsRead = summary.rowsRead
        counts.rowsIgnored = summary.rowsIgnored
        counts.rowsImported = imported
        counts.rowsKnown = summary.rowsRead - imported
        counts.formatVersion = summary.formatVersion
        counts.warnings = summary.warnings
        return counts
    }

    static func fields(of row: ProcessorRow) -> [String?] {
        [
            String(row.record), row.processor.rawValue, row.transactionID, row.eventCode, row.type.rawValue,
            row.reportingCategory, String(row.grossCents), String(row.feeCents), String(row.netCents), row.currency,
            String(Int64(row.occurredAt.timeIntervalSince1970.rounded(.down))), row.sourceTime,
            row.availableOn?.isoString, row.payoutID,
            row.payoutEffectiveAt.map { String(Int64($0.timeIntervalSince1970.rounded(.down))) },
            row.sourceReference, row.relatedReference, row.orderReference, row.description, row.traceID,
            row.payoutStatus,
        ]
    }

    /// The same key twice in the file with other values, or a key already imported with other
    /// values: the file is refused, naming the record.
    private func refuseConflicts() throws {
        if let row = try session.query(
            """
            SELECT min(record) AS first, max(record) AS second, transaction_id, coalesce(event_code, '') AS code
            FROM settle_stage GROUP BY processor, transaction_id, event_code
            HAVING count(DISTINCT (type, gross, fee, currency)) > 1
            ORDER BY 1 LIMIT 1
            """
        ).first {
            throw SettlementFileError(
                "conflicting_transaction", file: path, record: try row.decode("second"),
                message:
                    "transaction \(try row.decode("transaction_id") as String) \(try row.decode("code") as String) "
                    + "appears again with other amounts (first at record \(try row.decode("first") as Int))")
        }
        if let row = try session.query(
            """
            SELECT s.record, s.transaction_id, coalesce(s.event_code, '') AS code, t.gross_cents, t.currency,
                   f.file_name
            FROM settle_stage s
            JOIN processor_transaction t ON t.processor = s.processor AND t.transaction_id = s.transaction_id
                 AND t.event_code IS NOT DISTINCT FROM s.event_code
            LEFT JOIN settlement_file f ON f.sha256 = t.source_file_sha256
            WHERE (t.gross_cents, t.fee_cents, t.currency, t.type) IS DISTINCT FROM (s.gross, s.fee, s.currency, s.type)
            ORDER BY s.record LIMIT 1
            """
        ).first {
            let earlier: String? = try row.decode("file_name")
            throw SettlementFileError(
                "conflicting_transaction", file: path, record: try row.decode("record"),
                message:
                    "transaction \(try row.decode("transaction_id") as String) \(try row.decode("code") as String) "
                    + "was imported from \(earlier ?? "an earlier file") with other values "
                    + "(\(try row.decode("gross_cents") as Int64) \(try row.decode("currency") as String)); "
                    + "a processor never rewrites a row: nothing imported")
        }
    }

    private func insertTransactions(format: SettlementFormat) throws -> Int {
        try session.queryValue(
            """
            WITH inserted AS (
                INSERT INTO processor_transaction (
                    processor, transaction_id, event_code, type, reporting_category, gross_cents, fee_cents,
                    net_cents, currency, occurred_at, available_on, payout_id, source_reference, related_reference,
                    order_reference, description, source_time, source_format, source_file_sha256, job_run_id)
                SELECT DISTINCT ON (s.processor, s.transaction_id, s.event_code)
                       s.processor, s.transaction_id, s.event_code, s.type, s.reporting_category, s.gross, s.fee,
                       s.net, s.currency, to_timestamp(s.occurred_epoch), s.available_on, s.payout_id,
                       s.source_reference, s.related_reference, s.order_reference, s.description, s.source_time,
                       \(format.rawValue), \(sha256), \(runID)
                FROM settle_stage s
                WHERE NOT EXISTS (
                    SELECT 1 FROM processor_transaction t
                    WHERE t.processor = s.processor AND t.transaction_id = s.transaction_id
                      AND (t.event_code IS NOT DISTINCT FROM s.event_code
                           -- the activity download and STL/TRR describe one transaction under two keys
                           OR (s.event_code LIKE 'A:%') <> (t.event_code LIKE 'A:%')))
                ORDER BY s.processor, s.transaction_id, s.event_code, s.record
                ON CONFLICT DO NOTHING
                RETURNING 1)
            SELECT count(*)::bigint FROM inserted
            """, as: Int.self) ?? 0
    }

    /// Payout rows become payouts (+ = the credit the bank should show); a Stripe report without
    /// payout rows names its payouts on every line (`automatic_payout_id`): those are *derived*,
    /// their amount summed from their lines by the matcher.
    private func insertPayouts() throws {
        try session.execute(
            """
            INSERT INTO payout (processor, payout_id, amount_cents, currency, arrival_date, status, trace_id,
                                effective_at, source_file_sha256, job_run_id)
            SELECT DISTINCT ON (s.processor, pid)
                   s.processor, pid, -s.gross, s.currency,
                   (coalesce(to_timestamp(s.payout_effective_epoch), to_timestamp(s.occurred_epoch))
                       AT TIME ZONE 'Europe/Paris')::date,
                   coalesce(s.payout_status, 'paid'), s.trace_id,
                   coalesce(to_timestamp(s.payout_effective_epoch), to_timestamp(s.occurred_epoch)), \(sha256), \(runID)
            FROM settle_stage s,
                 LATERAL (SELECT CASE WHEN s.processor = 'stripe'
                                      THEN coalesce(nullif(s.related_reference, ''), s.payout_id, s.transaction_id)
                                      ELSE s.transaction_id END AS pid) p
            WHERE s.type = 'payout' AND s.gross < 0
            ORDER BY s.processor, pid, s.record
            ON CONFLICT (processor, payout_id) DO UPDATE SET status = 'paid'
                WHERE payout.status = 'pending' AND EXCLUDED.status = 'paid'
            """)
        try session.execute(
            """
            INSERT INTO payout (processor, payout_id, amount_cents, currency, arrival_date, status, effective_at,
                                source_file_sha256, job_run_id)
            SELECT DISTINCT ON (s.processor, s.payout_id)
                   s.processor, s.payout_id, 0, s.currency,
                   (to_timestamp(coalesce(s.payout_effective_epoch, s.occurred_epoch)) AT TIME ZONE 'Europe/Paris')::date,
                   'derived', to_timestamp(coalesce(s.payout_effective_epoch, s.occurred_epoch)), \(sha256), \(runID)
            FROM settle_stage s
            WHERE s.payout_id IS NOT NULL AND s.type <> 'payout'
            ORDER BY s.processor, s.payout_id, s.payout_effective_epoch DESC NULLS LAST
            ON CONFLICT (processor, payout_id) DO NOTHING
            """)
    }
}
