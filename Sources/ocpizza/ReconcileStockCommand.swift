import ArgumentParser
import Foundation
import Jobs
import Postgres
import Runtime

/// `ocpizza reconcile-stock [--date D] [--shop CODE]`: counts and waste from the inbox, then
/// actual vs theoretical usage, stock position, availability and reorder suggestions.
struct ReconcileStock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile-stock",
        abstract: "Reconcile stock: actual vs theoretical usage, availability and reorder suggestions.",
        discussion: """
            First imports the count sheets of var/inbox/counts/ and the waste logs of var/inbox/waste/ \
            (formats in the README); each file commits in its own transaction and moves to \
            var/archive/; a refused file moves to var/rejected/ with a .reason.txt. A count that \
            implies a negative usage or a usage far over the theoretical on too many lines is kept as \
            a draft and a recount is asked; a plausible one is approved and posted.

            Then, for the business date (default: the last closed one) and every shop trading that \
            day (or --shop): theoretical usage from the closed orders, the count-to-count periods \
            with their variance lines (new counts, and periods touched by anything posted since the \
            last run), the theoretical stock at the end of the day valued at average cost, how many \
            portions of each product can still be made, and what to reorder from which supplier. \
            Re-running a date replaces its results.

            Exit 0 when every file was imported, 65 when any file was refused.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "The business date to reconcile (default: the last closed one).") var date: CalendarDate?
    @Option(help: "Only this shop (its code, e.g. PAR11).") var shop: String?
    @Flag(help: "Print the result as JSON.") var json = false

    struct Report: Encodable {
        var run: JobRunReport
        var files: [StockFileResult]
        var result: StockReconcileResult?
    }

    func run() async throws {
        let job = ReconcileStockJob(shopCode: shop?.uppercased())
        var recorded: [String: String] = [:]
        if let shop { recorded["shop"] = shop.uppercased() }
        let date = self.date ?? JobCatalog.lastClosedBusinessDate()
        let json = self.json
        try await CommandRunner.run(options, command: "reconcile-stock") { environment in
            let conninfo = try await environment.conninfo()
            let report = try await environment.jobRunner(conninfo: conninfo).run(
                JobRequest(name: "reconcile-stock", businessDate: date, options: recorded), work: job.run)
            if json {
                try printJSON(Report(run: report, files: job.files, result: job.result))
            } else {
                print(report.summary)
                if !job.files.isEmpty {
                    print("")
                    print(
                        Table.render(
                            header: ["file", "kind", "outcome", "rows", "reason"],
                            rows: job.files.map { file in
                                [
                                    (file.file as NSString).lastPathComponent, file.kind, file.outcome.rawValue,
                                    "\(file.rows)", String((file.reason ?? "").prefix(90)),
                                ]
                            }))
                }
            }
            return ExitStatus(rawValue: report.exitCode) ?? .failure
        }
    }
}
