import ArgumentParser
import DemoChain
import Runtime

extension Database {
    /// `ocpizza db seed [--demo]`: the reference data, and the demo chain on request.
    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load the reference data (menu sections); with --demo, the demo chain too.",
            discussion: """
                Idempotent: rows are upserted on their natural keys and only written when they differ, so \
                running it twice changes nothing. Everything goes in one transaction. The demo chain: 6 shops \
                (one opening on 2026-12-15), staff, 66 ingredients, 35 products with prices and versioned \
                recipes, modifiers, 7 suppliers with their items, par levels. Run `db migrate` first.
                """)

        @OptionGroup var options: GlobalOptions
        @Flag(help: "Also load the demo chain from Fixtures/ (embedded in this binary).") var demo = false
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let (demo, json) = (self.demo, self.json)
            try await CommandRunner.run(options, command: "db seed") { environment in
                let conninfo = try await environment.conninfo()
                let report = try await DemoChain.seed(conninfo: conninfo, demo: demo, logger: environment.logger)
                if json { try printJSON(report) } else { print(report.text) }
                return .success
            }
        }
    }
}
