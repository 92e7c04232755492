import ArgumentParser
import DemoChain
import Domain
import Jobs
import Logging
import Migrations
import Postgres
import Runtime

/// `ocpizza demo`: the main job (`demo run`, the default) and the history generator (`demo generate`).
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on the configured (or embedded) database, or generate demo history.",
        subcommands: [Run.self, Generate.self], defaultSubcommand: Run.self)

    /// The main job on the embedded default: migrate, load the demo chain, generate its order
    /// history, run the nightly pipeline for the last closed business date, print what ran.
    /// Safe to run again: every step is idempotent (nothing is generated twice).
    ///
    /// The suppliers' deliveries of the last generated day are not posted: they are filed as
    /// e-invoices (UBL, CII, Factur-X XML) into `<var>/inbox/supplier`, where import-supplier
    /// finds them, as it would a real morning's documents.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The main job: migrate, load the demo chain with its order history, run nightly, summarise.",
            discussion: """
                Uses the configured database, or the embedded one when none is configured. Every step is \
                idempotent: a second run finds the schema, the chain and the history in place and only runs \
                nightly again.
                """)

        @OptionGroup var options: GlobalOptions
        @Option(help: "Days of order history, ending on the last closed business date.") var days = 60
        @Option(help: "Seed of the history generator.") var seed: UInt64 = 2026
        @Flag(help: "Print the result as JSON.") var json = false

        struct Report: Encodable {
            var database: DatabaseStatusReport
            var seed: SeedReport
            var history: JobRunReport
            var nightly: JobRunReport
            var nightlySteps: [Nightly.Step]
        }

        static func writePaymentFiles(
            conninfo: String, logger: Logger, seed: UInt64, from: LocalDate, to: LocalDate, varDirectory: String
        ) async throws -> Int {
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
            do {
                let written = try await connection.withSession { session in
                    try PaymentFilesWriter(seed: seed).write(
                        session: session, from: from, to: to, directory: varDirectory + "/inbox/payments",
                        archiveDirectory: varDirectory + "/archive/payments")
                }
                await connection.close()
                return written
            } catch {
                await connection.close()
                throw error
            }
        }

        func run() async throws {
            let days = self.days
            let seed = self.seed
            let json = self.json
            try await CommandRunner.run(options, command: "demo") { environment in
                let logger = environment.logger
                let conninfo = try await environment.conninfo()
                let migration = try await Migrator().migrate(conninfo: conninfo, logger: logger)
                let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
                let endpoint = try await connection.withSession { $0.endpoint }
                await connection.close()
                let database = DatabaseStatusReport(
                    endpoint: endpoint, embedded: environment.usesEmbeddedDatabase, migrations: migration.states)
                guard database.isHealthy else {
                    print(database.text)
                    return .configuration
                }

                let seeded = try await DemoChain.seed(conninfo: conninfo, demo: true, logger: logger)
                let endDate = HistoryGenerator.lastClosedBusinessDate()
                let supplierInbox = environment.varDirectory + "/inbox/supplier"
                // The last week's deliveries arrive as files (every supplier delivers at least
                // weekly: UBL, CII and Factur-X XML alike), imported by the nightly run below; so
                // does the last night's stock count of every shop, for reconcile-stock.
                let filedFrom = CalendarDate(endDate.adding(days: -6))
                let runner = environment.jobRunner(conninfo: conninfo)
                let history = try await runner.run(
                    JobRequest(
                        name: "demo-generate", businessDate: CalendarDate(endDate),
                        options: ["days": "\(days)", "seed": "\(seed)"]),
                    progress: ProgressReporter(label: "order history")
                ) { context in
                    let report = try await HistoryGenerator(conninfo: context.conninfo, logger: context.logger)
                        .generate(
                            HistoryGenerator.Options(
                                shops: DemoData.embedded.shops.count, days: days, seed: seed, endDate: endDate,
                                supplierInbox: supplierInbox, filedDeliveriesFrom: filedFrom,
                                countInbox: environment.varDirectory + "/inbox/counts"),
                            progress: context.progress)
                    // What Stripe, PayPal, the bank and the shops' cash-ups would have sent for
                    // that history, for settle-payments to settle (files already there or
                    // archived are left alone).
                    let paymentFiles = try await Self.writePaymentFiles(
                        conninfo: context.conninfo, logger: context.logger, seed: seed,
                        from: endDate.adding(days: -(days - 1)), to: endDate, varDirectory: environment.varDirectory)
                    return JobOutcome(
                        counts: report.rows.merging([
                            "shop_days": report.shopDaysGenerated,
                            "supplier_documents_filed": report.supplierDocumentsFiled,
                            "payment_files_written": paymentFiles,
                        ]) { $1 },
                        message: report.shopDaysGenerated == 0
                            ? "history already there (\(report.shopDaysSkipped) shop-days kept)" : nil)
                }
                let steps = Nightly.StepLog()
                let nightly = try await runner.run(
                    JobRequest(
                        name: "nightly", businessDate: CalendarDate(endDate), options: ["date": "\(endDate)"],
                        runsDuringMaintenance: true)
                ) { context in
                    try await Nightly.runSteps(
                        businessDate: CalendarDate(endDate), runner: runner, context: context, steps: steps)
                }

                if json {
                    try printJSON(
                        Report(
                            database: database, seed: seeded, history: history, nightly: nightly,
                            nightlySteps: steps.all))
                } else {
                    print(database.headline)
                    print(
                        "Demo chain: " + (seeded.changes == 0 ? "already loaded." : "loaded (\(seeded.changes) rows)."))
                    print("")
                    print(history.summary)
                    print("")
                    print(nightly.summary)
                    print(
                        Table.render(
                            header: ["  step", "outcome", "note"],
                            rows: steps.all.map { ["  " + $0.job, $0.outcome, String(($0.message ?? "").prefix(60))] }))
                    print("")
                    print(
                        "Next: `ocpizza jobs history`, `ocpizza jobs status`, metrics in \(environment.relative(environment.varDirectory))/metrics."
                    )
                }
                let worst: Int32 = [history.exitCode, nightly.exitCode].first { $0 != 0 } ?? 0
                return ExitStatus(rawValue: worst) ?? .failure
            }
        }
    }
}
