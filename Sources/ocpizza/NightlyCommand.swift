import ArgumentParser
import Foundation
import Jobs
import Postgres
import Runtime
import Synchronization

/// `ocpizza nightly`: the whole pipeline for one business date, in order. It goes on past a
/// failed step and exits non-zero if any step failed. Steps this build does not have are
/// listed as not available.
struct Nightly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the nightly jobs in order for one business date.",
        discussion: "Default date: the business day that closed last in Europe/Paris (cutoff 04:00).")

    @OptionGroup var options: GlobalOptions
    @Option(help: "Business date (YYYY-MM-DD).") var date: CalendarDate?
    @Flag(help: "Print the result as JSON.") var json = false

    struct Step: Codable, Sendable {
        var job: String
        var outcome: String
        var exitCode: Int32?
        var runID: Int64?
        var message: String?
    }

    struct Report: Encodable {
        var nightly: JobRunReport
        var steps: [Step]
    }

    /// The steps' outcomes, collected while the nightly job's work runs.
    final class StepLog: Sendable {
        private let steps = Mutex<[Step]>([])
        func append(_ step: Step) { steps.withLock { $0.append(step) } }
        var all: [Step] { steps.withLock { $0 } }
    }

    struct StepsFailed: Error, CustomStringConvertible {
        var failed: [String]
        var description: String { "\(failed.count) step(s) failed: \(failed.joined(separator: ", "))" }
    }

    func run() async throws {
        let businessDate = date ?? JobCatalog.lastClosedBusinessDate()
        let json = self.json
        try await CommandRunner.run(options, command: "nightly") { environment in
            let conninfo = try await environment.conninfo()
            let runner = environment.jobRunner(conninfo: conninfo)
            let steps = StepLog()
            let report = try await runner.run(
                JobRequest(
                    name: "nightly", businessDate: businessDate, options: ["date": "\(businessDate)"],
                    runsDuringMaintenance: true)
            ) { context in
                try await Self.runSteps(businessDate: businessDate, runner: runner, context: context, steps: steps)
            }
            let stepList = steps.all
            if json {
                try printJSON(Report(nightly: report, steps: stepList))
            } else {
                print(report.summary)
                print("")
                print(
                    Table.render(
                        header: ["step", "outcome", "run", "note"],
                        rows: stepList.map { step in
                            [
                                step.job, step.outcome, step.runID.map { "#\($0)" } ?? "-",
                                String((step.message ?? "").prefix(70)),
                            ]
                        }))
            }
            return ExitStatus(rawValue: report.exitCode) ?? .failure
        }
    }

    static func runSteps(
        businessDate: CalendarDate, runner: JobRunner, context: JobContext, steps: StepLog
    ) async throws -> JobOutcome {
        var failed: [String] = []
        var counts = ["steps_run": 0, "steps_failed": 0, "steps_not_available": 0]
        for entry in JobCatalog.nightlySteps {
            try Task.checkCancellation()
            guard let work = entry.work else {
                counts["steps_not_available", default: 0] += 1
                steps.append(Step(job: entry.name, outcome: "not available", message: "not built yet"))
                continue
            }
            let request = JobRequest(
                name: entry.name, businessDate: businessDate, runsDuringMaintenance: entry.runsDuringMaintenance)
            let step: Step
            do {
                let report = try await runner.run(request, progress: .silent(), work: work)
                step = Step(
                    job: entry.name, outcome: report.status.rawValue, exitCode: report.exitCode, runID: report.runID,
                    message: report.message)
                if report.status == .failed { failed.append(entry.name) }
            } catch {
                step = Step(
                    job: entry.name, outcome: "failed", exitCode: runner.exitCode(error),
                    message: "\(error)")
                failed.append(entry.name)
            }
            counts["steps_run", default: 0] += 1
            steps.append(step)
            context.logger.info(
                "nightly step done", metadata: ["job.step": "\(entry.name)", "job.step_outcome": "\(step.outcome)"])
        }
        counts["steps_failed"] = failed.count
        guard failed.isEmpty else { throw StepsFailed(failed: failed) }
        let unavailable = counts["steps_not_available"] ?? 0
        return JobOutcome(
            counts: counts,
            message: unavailable > 0
                ? "\(unavailable) of \(JobCatalog.nightlySteps.count) steps are not built yet" : nil)
    }
}
