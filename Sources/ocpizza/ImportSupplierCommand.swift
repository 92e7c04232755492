import ArgumentParser
import Foundation
import Jobs
import Postgres
import Runtime

/// `ocpizza import-supplier [PATH...]`: supplier e-invoices (UBL 2.1, CII D16B, Factur-X) and
/// despatch advices into stock and purchase prices.
struct ImportSupplier: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-supplier",
        abstract: "Import supplier e-invoices and despatch advices (UBL 2.1, CII D16B, Factur-X).",
        discussion: """
            Reads every file of the inbox (default var/inbox/supplier/) or the given files and folders. \
            Each document commits in its own transaction; its file then moves to \
            var/archive/supplier/YYYY/MM/. A refused file (malformed, hostile, schema-invalid, wrong \
            totals, duplicate, conflicting number) moves to var/rejected/supplier/ with a .reason.txt \
            beside it, and nothing of it stays in the database. Documents whose supplier, shop or items \
            cannot be resolved are held; held documents are taken up again at the start of every run.

            Exit 0 when every file was imported or held, 65 when any file was refused.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "Files or folders to import (default: var/inbox/supplier/).") var paths: [String] = []
    @Option(help: "Hold a line whose price per purchase unit moved more than this fraction (0.30 = 30 %).")
    var priceJumpThreshold: Double = 0.30
    @Flag(help: "Only read, validate and check the arithmetic: write nothing, move no file.") var validateOnly = false
    @Flag(help: "Print the result as JSON.") var json = false

    struct Report: Encodable {
        var run: JobRunReport
        var files: [SupplierFileResult]
    }

    func validate() throws {
        guard priceJumpThreshold > 0 else { throw ValidationError("--price-jump-threshold must be positive") }
    }

    func run() async throws {
        let threshold = Decimal(string: String(priceJumpThreshold)) ?? Decimal(3) / 10
        let job = SupplierImportJob(
            paths: paths.isEmpty ? nil : paths, settings: SupplierImportSettings(priceJumpThreshold: threshold),
            validateOnly: validateOnly)
        var recorded = ["price_jump_threshold": "\(threshold)"]
        if !paths.isEmpty { recorded["paths"] = paths.joined(separator: " ") }
        if validateOnly { recorded["validate_only"] = "true" }
        let json = self.json
        try await CommandRunner.run(options, command: "import-supplier") { environment in
            let conninfo = try await environment.conninfo()
            let report = try await environment.jobRunner(conninfo: conninfo).run(
                JobRequest(name: "import-supplier", options: recorded), work: job.run)
            if json {
                try printJSON(Report(run: report, files: job.results))
            } else {
                print(report.summary)
                let results = job.results
                if !results.isEmpty {
                    print("")
                    print(
                        Table.render(
                            header: ["file", "outcome", "document", "supplier", "posted", "held", "reason"],
                            rows: results.map { result in
                                [
                                    (result.file as NSString).lastPathComponent, result.outcome.rawValue,
                                    [result.kind, result.number].compactMap { $0 }.joined(separator: " "),
                                    String((result.supplier ?? "-").prefix(24)), "\(result.linesPosted)",
                                    "\(result.linesHeld)", String((result.reason ?? "").prefix(80)),
                                ]
                            }))
                }
            }
            return ExitStatus(rawValue: report.exitCode) ?? .failure
        }
    }
}
