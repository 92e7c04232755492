import ArgumentParser
import Foundation
import Jobs
import Postgres
import Runtime

extension ReportPeriod: ExpressibleByArgument {}

/// `ocpizza export-reports [--date D] [--period day|week|month] [--shop CODE] [--out DIR]`.
struct ExportReports: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-reports",
        abstract: "Export the managers' reports: an HTML page per shop and for the chain, and a CSV per table.",
        discussion: """
            Writes <out>/<period>/<day|week|month>/chain.html and <SHOP>.html (self-contained: styles \
            and SVG charts inline, no external request), csv/<page>-<table>.csv (UTF-8 with BOM, `;` \
            and decimal commas for a French spreadsheet), and <out>/index.html listing every report \
            produced so far. <out> defaults to var/reports. The period is the day, the ISO week or \
            the month that contains --date (default: the last closed business date).

            Reads from REPORTS_DATABASE_URL when it is set (a replica), else from the database. The \
            same data gives byte-identical files.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "A business date of the period (default: the last closed one).") var date: CalendarDate?
    @Option(help: "day, week or month.") var period: ReportPeriod = .day
    @Option(help: "Only this shop's page (its code).") var shop: String?
    @Option(help: "Where to write (default: var/reports).") var out: String?
    @Flag(help: "Print the result as JSON.") var json = false

    struct Report: Encodable {
        var run: JobRunReport
        var result: ExportReportsJob.Result?
    }

    func run() async throws {
        let replica = ProcessInfo.processInfo.environment["REPORTS_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let job = ExportReportsJob(
            period: period, shopCode: shop?.uppercased(), outDirectory: out, readConninfo: replica)
        var recorded = ["period": period.rawValue]
        if let shop { recorded["shop"] = shop.uppercased() }
        if let out { recorded["out"] = out }
        let date = self.date ?? JobCatalog.lastClosedBusinessDate()
        let json = self.json
        try await CommandRunner.run(options, command: "export-reports") { environment in
            let conninfo = try await environment.conninfo()
            let report = try await environment.jobRunner(conninfo: conninfo).run(
                JobRequest(name: "export-reports", businessDate: date, options: recorded), work: job.run)
            if json {
                try printJSON(Report(run: report, result: job.result))
            } else {
                print(report.summary)
            }
            return ExitStatus(rawValue: report.exitCode) ?? .failure
        }
    }
}
