import Foundation
import Postgres

/// What phase 2 of a settle-payments run did: counts for the summary, the job-run row and the
/// metrics, and the open discrepancies per kind.
public struct SettlementMatchResult: Sendable, Codable, Equatable {
    public var counts: [String: Int] = [:]
    public var openDiscrepancies: [String: Int] = [:]
    /// Seconds each step took (payout lines, payments, refunds, bank, remittances, transitions,
    /// discrepancies): where a slow night went, in `--json` and the benchmark.
    public var stepSeconds: [String: Double] = [:]
}

/// The settlement settings operators tune in `app_setting` (`settlement.*`, migration 0015).
struct SettlementSettings: Sendable {
    var unpaidGraceDays = 2
    var payoutDaysBefore = 1
    var payoutDaysAfter = 3
    var amountTimeWindowMinutes = 30
    var disputeLostAfterDays = 75

    static func load(_ session: PostgresSession) throws -> SettlementSettings {
        var settings = SettlementSettings()
        for row in try session.query("SELECT key, value::text AS value FROM app_setting WHERE key LIKE 'settlement.%'")
        {
            let key: String = try row.decode("key")
            let value: String = try row.decode("value")
            switch key {
            case "settlement.unpaid_grace_days": settings.unpaidGraceDays = Int(value) ?? settings.unpaidGraceDays
            case "settlement.amount_time_window_minutes":
                settings.amountTimeWindowMinutes = Int(value) ?? settings.amountTimeWindowMinutes
            case "settlement.dispute_lost_after_days":
                settings.disputeLostAfterDays = Int(value) ?? settings.disputeLostAfterDays
            case "settlement.payout_window_days":
                struct Window: Decodable {
                    var before: Int
                    var after: Int
                }
                if let window = try? JSONDecoder().decode(Window.self, from: Data(value.utf8)) {
                    settings.payoutDaysBefore = window.before
                    settings.payoutDaysAfter = window.after
                }
            default: break
            }
        }
        return settings
    }
}

/// Phase 2 of settle-payments, inside one transaction: every step is one set-based statement
/// over what is not matched yet, so the same data always ends in the same state and a killed run
/// is simply run again (design note §3.1). The order matters: payouts need their lines before
/// their amounts are known, refunds need their payments, "settled" needs the bank matches.
struct SettlementMatcher {
    let session: PostgresSession
    let runID: Int64?
    /// The business date the time rules are judged at (past due, dispute lost, payout not in bank).
    let asOf: CalendarDate

    func run() throws -> SettlementMatchResult {
        let settings = try SettlementSettings.load(session)
        // Every statement below reads the run's parameters from this one-row table (`x`), so the
        // statements are plain text and the values are bound once.
        try execute(
            """
            CREATE TEMPORARY TABLE settle_params ON COMMIT DROP AS
            SELECT \(runID)::bigint AS run_id, \(asOf)::date AS as_of,
                   ((\(asOf)::date + 1)::timestamp + interval '4 hours') AT TIME ZONE 'Europe/Paris' AS as_of_end,
                   \(settings.unpaidGraceDays) * interval '1 day' AS grace,
                   \(settings.payoutDaysBefore)::integer AS payout_days_before,
                   \(settings.payoutDaysAfter)::integer AS payout_days_after,
                   \(settings.amountTimeWindowMinutes) * interval '1 minute' AS amount_time_window,
                   \(settings.disputeLostAfterDays) * interval '1 day' AS dispute_lost_after
            """)
        var result = SettlementMatchResult()
        func record(_ name: String, _ count: Int) { result.counts[name, default: 0] += count }
        func timed<T>(_ step: String, _ body: () throws -> T) rethrows -> T {
            let started = ContinuousClock.now
            defer {
                let elapsed = ContinuousClock.now - started
                result.stepSeconds[step, default: 0] +=
                    Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            return try body()
        }

        // Fresh statistics first: the files of this run were committed moments ago, before
        // autovacuum could look at them, and a planner that believes these tables empty picks
        // nested loops that make the matching quadratic (measured: 100,000 rows took 275 s).
        // ANALYZE samples a bounded number of rows, so this stays cheap however long the history.
        try timed("analyze") { try analyzeSettlementTables() }
        // Every step is one bulk statement that also reads the table it inserts into (a NOT
        // EXISTS guard): a nested loop rescans that table once per outer row while it grows, which
        // is quadratic. Hash joins read it once. JIT compilation only adds seconds to statements
        // whose row estimates are large but whose work is simple.
        try execute("SET LOCAL enable_nestloop = off")
        try execute("SET LOCAL jit = off")
        try timed("payout_lines") {
            record("payout_lines", try linkPayoutLines())
            try updateDerivedPayoutAmounts()
        }
        try timed("payments") {
            for (rule, count) in try matchTransactionsToPayments() { record("matched_\(rule)", count) }
        }
        try timed("analyze") { try execute("ANALYZE payment_transaction_match, processor_payout_line") }
        try timed("refunds") { record("refunds_recorded", try recordRefunds()) }
        try timed("bank") { for (rule, count) in try matchPayoutsToBank() { record("payouts_\(rule)", count) } }
        try timed("remittances") { record("remittance_payments", try matchRemittances()) }
        try timed("transitions") {
            for (transition, count) in try applyTransitions() { record("transitions_\(transition)", count) }
        }
        let discrepancies = try timed("discrepancies") { try refreshDiscrepancies() }
        record("discrepancies_new", discrepancies.new)
        record("discrepancies_resolved", discrepancies.resolved)
        for row in try session.query(
            "SELECT kind, count(*)::bigint AS n FROM settlement_discrepancy WHERE resolved_at IS NULL GROUP BY kind")
        {
            result.openDiscrepancies[try row.decode("kind")] = try row.decode("n")
        }
        result.counts["discrepancies_open"] = result.openDiscrepancies.values.reduce(0, +)
        return result
    }

    func analyzeSettlementTables() throws {
        try execute(
            """
            ANALYZE processor_transaction, payout, bank_statement_entry, bank_statement_transaction,
                    payment_transaction_match, processor_payout_line, payout_bank_match, shift_remittance,
                    shift_remittance_payment, settlement_discrepancy
            """)
    }

    /// Runs a statement and returns the number of rows it touched.
    @discardableResult
    func execute(_ sql: SQL, file: String = #fileID, line: Int = #line) throws -> Int {
        try session.execute(sql, file: file, line: line)
    }
}
