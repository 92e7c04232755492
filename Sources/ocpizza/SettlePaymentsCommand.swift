import ArgumentParser
import Foundation
import Jobs
import Logging
import Postgres
import Runtime

/// `ocpizza settle-payments [PATH...]`: Stripe and PayPal reports, camt.053 bank statements and
/// shift remittances, matched to orders to the cent.
struct SettlePayments: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settle-payments",
        abstract: "Settle payments: processor reports, bank statements and cash remittances matched to orders.",
        discussion: """
            Reads every file of the inbox (default var/inbox/payments/) or the given files and folders; \
            the format is recognised from the content (Stripe balance or payout reconciliation CSV, \
            PayPal STL/TRR or activity CSV, camt.053 .001.02/.04/.08, shift remittance CSV). Each file \
            commits in its own transaction and moves to var/archive/payments/YYYY/MM/; a refused file \
            (malformed, duplicate, conflicting with an earlier report, not one of our accounts) moves \
            to var/rejected/payments/ with a .reason.txt, and nothing of it stays in the database.

            Then everything not matched yet is matched: processor rows to payments and orders \
            (processor reference, then OC-<shop>-<number> in the metadata, then amount and time, \
            never a guess), refunds and disputes, payouts to the bank credits that paid them, shift \
            remittances to the collections of the shift. Orders move along the payment state machine \
            with an event each. The discrepancies (paid but no order, duplicate payment, amount \
            difference, unpaid past due, disputes, payouts not in the bank, cash differences...) go \
            to var/reports/settlement/discrepancies-<as-of>.csv.

            Exit 0 when every file was imported, 65 when any file was refused. Discrepancies are \
            findings for the accountant: they do not change the exit code.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Files or folders to settle (default: var/inbox/payments/).") var paths: [String] = []
    @Option(help: "Judge the time rules (past due, dispute lost, payout not in bank) at this business date.")
    var asOf: CalendarDate?
    @Flag(help: "Print the result as JSON.") var json = false

    struct Report: Encodable {
        var run: JobRunReport
        var files: [SettlementFileResult]
        var matching: SettlementMatchResult?
        var discrepancies: [DiscrepancyReport.Line]
    }

    func run() async throws {
        let job = SettlePaymentsJob(paths: paths.isEmpty ? nil : paths, asOf: asOf)
        var recorded: [String: String] = [:]
        if !paths.isEmpty { recorded["paths"] = paths.joined(separator: " ") }
        if let asOf { recorded["as_of"] = asOf.description }
        let json = self.json
        try await CommandRunner.run(options, command: "settle-payments") { environment in
            let conninfo = try await environment.conninfo()
            let report = try await environment.jobRunner(conninfo: conninfo).run(
                JobRequest(name: "settle-payments", businessDate: asOf, options: recorded), work: job.run)
            let results = job.results
            if json {
                let open = try await Self.openDiscrepancies(conninfo: conninfo, logger: environment.logger)
                try printJSON(Report(run: report, files: results, matching: job.matchResult, discrepancies: open))
            } else {
                print(report.summary)
                if !results.isEmpty {
                    print("")
                    print(
                        Table.render(
                            header: ["file", "outcome", "format", "rows", "new", "known", "reason"],
                            rows: results.map { result in
                                [
                                    (result.file as NSString).lastPathComponent, result.outcome.rawValue,
                                    result.format ?? "-", "\(result.rowsRead)", "\(result.rowsImported)",
                                    "\(result.rowsKnown)", String((result.reason ?? "").prefix(80)),
                                ]
                            }))
                }
                if let open = job.matchResult?.openDiscrepancies, !open.isEmpty {
                    print("")
                    print(
                        Table.render(
                            header: ["open discrepancies", "count"],
                            rows: open.sorted { $0.key < $1.key }.map { [$0.key, "\($0.value)"] }))
                }
            }
            return ExitStatus(rawValue: report.exitCode) ?? .failure
        }
    }

    static func openDiscrepancies(conninfo: String, logger: Logger) async throws -> [DiscrepancyReport.Line] {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
        do {
            let lines = try await connection.withSession { try DiscrepancyReport.open($0) }
            await connection.close()
            return lines
        } catch {
            await connection.close()
            throw error
        }
    }
}
