import ArgumentParser
import DemoChain
import Domain
import Jobs
import Postgres
import Runtime

extension Demo {
    /// `ocpizza demo generate`: deterministic order history for the demo chain (and synthetic
    /// shops beyond it), for demos and benchmarks.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate order history for the demo chain: orders, payments, stock, counts, waste.",
            discussion: """
                Deterministic: the same --shops, --days, --seed and --end-date give the same rows. Days a shop \
                already has (orders with a demo: idempotency key) are skipped, so running it twice adds nothing. \
                Shops beyond the demo chain's six are created as PAR-0007, PAR-0008... with the same menu. \
                Needs the demo chain: run `ocpizza db seed --demo` first.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(help: "Number of shops: the demo chain's 6, then synthetic ones (up to 9999).") var shops = 5
        @Option(help: "Number of business days, ending at --end-date.") var days = 60
        @Option(help: "Seed of the random generator.") var seed: UInt64 = 1
        @Option(help: "Last business date (YYYY-MM-DD); default: the last closed one in Europe/Paris.")
        var endDate: String?
        @Option(help: "Connections copying rows at the same time (the rows do not depend on it).") var writers = 2
        @Option(
            help: ArgumentHelp(
                "File the supplier deliveries of this date and later as e-invoices instead of posting them.",
                valueName: "YYYY-MM-DD"))
        var fileDeliveriesFrom: CalendarDate?
        @Option(
            help: ArgumentHelp(
                "Where --file-deliveries-from writes the documents (default: <var>/inbox/supplier).",
                valueName: "dir"))
        var supplierInbox: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            if let endDate, (try? LocalDate(iso: endDate)) == nil {
                throw ValidationError("--end-date must be a date YYYY-MM-DD, not \(endDate)")
            }
            if supplierInbox != nil && fileDeliveriesFrom == nil {
                throw ValidationError("--supplier-inbox needs --file-deliveries-from")
            }
        }

        func run() async throws {
            let end = try endDate.map { try LocalDate(iso: $0) } ?? HistoryGenerator.lastClosedBusinessDate()
            let base = HistoryGenerator.Options(
                shops: shops, days: days, seed: seed, endDate: end, writers: writers)
            let json = self.json
            let fileDeliveriesFrom = self.fileDeliveriesFrom
            let supplierInbox = self.supplierInbox
            try await CommandRunner.run(options, command: "demo generate") { environment in
                var request = base
                if let fileDeliveriesFrom {
                    request.filedDeliveriesFrom = fileDeliveriesFrom
                    request.supplierInbox =
                        supplierInbox.map { $0.hasPrefix("/") ? $0 : environment.workingDirectory + "/" + $0 }
                        ?? environment.varDirectory + "/inbox/supplier"
                }
                let conninfo = try await environment.conninfo()
                let generator = HistoryGenerator(conninfo: conninfo, logger: environment.logger)
                let report: GenerationReport
                do {
                    report = try await generator.generate(request, progress: ProgressReporter(label: "demo generate"))
                } catch let error as DemoChainError {
                    switch error {
                    case .busy: throw SkippedError(error.description)
                    case .invalidArguments(let message): throw ValidationError(message)
                    case .notSeeded, .invalidData: throw ConfigurationError(error.description)
                    }
                }
                if json { try printJSON(report) } else { print(report.text) }
                return .success
            }
        }
    }
}
