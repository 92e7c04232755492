import Foundation
import Jobs
import Postgres
import TestSupport
import Testing

/// The Prometheus textfile each run rewrites under `var/metrics/`.
@Suite("Job metrics")
struct JobMetricsTests {
    /// The metrics file's samples: `name{labels}` → value.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func read(_ path: String) throws -> String {
        try String(contentsOfFile: path, encoding: .utf8)
    }

    static func leftovers(in varDirectory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: varDirectory + "/metrics").filter { $0.contains(".tmp.") }
    }

    @Test("ok, then failed, then database unreachable: exit code follows, last success stays")
    func successThenFailure() async throws {
        try await Fixture.withRunner { runner, _, varDirectory in
            let job = "test-metrics-job"
            let path = varDirectory + "/metrics/ocpizza_job_test_metrics_job.prom"
            #expect(JobMetrics(varDirectory: varDirectory).path(for: job) == path)

            let ok = try await runner.run(JobRequest(name: job)) { _ in
                JobOutcome(counts: ["files_imported": 3, "lines": 42])
            }
            #expect(ok.status == .ok)
            let text = try Self.read(path)
            #expect(text.hasSuffix("\n"), "the textfile collector wants a final newline")
            let samples = Self.samples(text)
            let label = "{job_name=\"\(job)\"}"
            #expect(samples["ocpizza_job_last_exit_code\(label)"] == 0, "\(text)")
            #expect(text.contains("ocpizza_job_last_exit_code\(label) 0"), "\(text)")
            let success = try #require(samples["ocpizza_job_last_success_timestamp_seconds\(label)"], "\(text)")
            let finishedAt = try #require(ok.finishedAt).timeIntervalSince1970
            #expect(abs(success - finishedAt) < 0.01, "\(success) vs \(finishedAt)")
            #expect(samples["ocpizza_job_last_run_timestamp_seconds\(label)"] != nil, "\(text)")
            #expect(samples["ocpizza_job_duration_seconds\(label)"] != nil, "\(text)")
            #expect(samples["ocpizza_job_records_total{job_name=\"\(job)\",kind=\"files_imported\"}"] == 3, "\(text)")
            #expect(samples["ocpizza_job_records_total{job_name=\"\(job)\",kind=\"lines\"}"] == 42, "\(text)")
            #expect(try Self.leftovers(in: varDirectory).isEmpty)

            try await Task.sleep(for: .milliseconds(20))
            let failed = try await runner.run(JobRequest(name: job)) { _ in throw Boom() }
            #expect(failed.status == .failed)
            let afterFailure = try Self.read(path)
            #expect(afterFailure.hasSuffix("\n"))
            let failedSamples = Self.samples(afterFailure)
            #expect(failedSamples["ocpizza_job_last_exit_code\(label)"] == 70, "\(afterFailure)")
            let stillSuccess = failedSamples["ocpizza_job_last_success_timestamp_seconds\(label)"]
            #expect(stillSuccess.map { abs($0 - finishedAt) < 0.01 } == true, "\(afterFailure)")
            let lastRun = try #require(failedSamples["ocpizza_job_last_run_timestamp_seconds\(label)"])
            #expect(lastRun > success, "\(afterFailure)")
            #expect(try Self.leftovers(in: varDirectory).isEmpty)

            // The database goes away: run throws, the file still tells monitoring (and keeps the last success).
            let unreachable = JobRunner(
                conninfo: "host=/nonexistent-ocpizza dbname=x", varDirectory: varDirectory,
                logger: TestDatabase.logger, exitCode: { _ in 69 })
            await #expect(throws: (any Error).self) {
                _ = try await unreachable.run(JobRequest(name: job)) { _ in JobOutcome() }
            }
            let afterOutage = Self.samples(try Self.read(path))
            #expect(afterOutage["ocpizza_job_last_exit_code\(label)"] == 69)
            #expect(
                afterOutage["ocpizza_job_last_success_timestamp_seconds\(label)"].map { abs($0 - finishedAt) < 0.01 }
                    == true)
            #expect(try Self.leftovers(in: varDirectory).isEmpty)
        }
    }

    @Test("database unreachable on the first run: run throws, the file gets the closure's exit code")
    func unreachableFirstRun() async throws {
        try await Fixture.withVarDirectory { varDirectory in
            let runner = JobRunner(
                conninfo: "host=/nonexistent", varDirectory: varDirectory, logger: TestDatabase.logger,
                exitCode: { _ in 69 })
            let worked = Flag()
            await #expect(throws: (any Error).self) {
                _ = try await runner.run(JobRequest(name: "export-reports")) { _ in
                    worked.set()
                    return JobOutcome()
                }
            }
            #expect(!worked.isSet, "the work ran without a job-run row")
            let text = try Self.read(varDirectory + "/metrics/ocpizza_job_export_reports.prom")
            #expect(text.hasSuffix("\n"))
            let samples = Self.samples(text)
            #expect(samples["ocpizza_job_last_exit_code{job_name=\"export-reports\"}"] == 69, "\(text)")
            let lastSuccess = "ocpizza_job_last_success_timestamp_seconds{job_name=\"export-reports\"}"
            #expect(samples[lastSuccess] == nil, "\(text)")
            #expect(try Self.leftovers(in: varDirectory).isEmpty)
        }
    }
}
