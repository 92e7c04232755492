import Foundation
import Glibc
import Prometheus

/// Writes a job's Prometheus textfile (`var/metrics/ocpizza_job_<job>.prom`) for node_exporter's
/// textfile collector, atomically: written to a temporary name, fsynced, then renamed, so the
/// collector never reads half a file.
///
/// Alert on absence of success (`time() - ocpizza_job_last_success_timestamp_seconds`), not only
/// on errors: a job that silently stops running raises no error.
public struct JobMetrics: Sendable {
    public let directory: String

    public init(varDirectory: String) { directory = varDirectory + "/metrics" }

    public func path(for job: String) -> String { "\(directory)/ocpizza_job_\(job.replacingHyphens).prom" }

    /// - Parameter lastSuccess: when the job last ended ok or partial (this run or an earlier one).
    public func write(_ report: JobRunReport, lastSuccess: Date?) throws {
        let registry = PrometheusCollectorRegistry()
        // Not `job`: Prometheus gives that label to the scrape target (node_exporter), and would
        // rename ours to `exported_job`.
        let labels = [("job_name", report.job)]
        func gauge(_ metric: String, _ unit: String, _ help: String, _ value: Double, _ extra: [(String, String)] = [])
        {
            let descriptor = MetricNameDescriptor(
                namespace: "ocpizza", subsystem: "job", metricName: metric, unitName: unit, helpText: help)
            registry.makeGauge(descriptor: descriptor, labels: labels + extra).set(value)
        }
        let now = (report.finishedAt ?? Date()).timeIntervalSince1970
        gauge("last_run_timestamp", "seconds", "When the job last finished, whatever the outcome.", now)
        if let lastSuccess {
            gauge(
                "last_success_timestamp", "seconds", "When the job last finished ok or partial.",
                lastSuccess.timeIntervalSince1970)
        }
        gauge("duration", "seconds", "How long the last run took.", report.durationSeconds ?? 0)
        gauge(
            "last_exit", "code", "Exit code of the last run (0 ok, 65 partial, 75 skipped, ...).",
            Double(report.exitCode))
        for (kind, count) in report.counts.sorted(by: { $0.key < $1.key }) {
            gauge("records", "total", "Records the last run handled, by kind.", Double(count), [("kind", kind)])
        }
        var bytes = registry.emitToBuffer()
        if bytes.last != UInt8(ascii: "\n") { bytes.append(UInt8(ascii: "\n")) }  // the textfile collector wants it
        try writeAtomically(bytes, to: path(for: report.job))
    }

    /// The last-success timestamp an earlier run wrote, for when the database cannot tell.
    public func previousLastSuccess(of job: String) -> Date? {
        guard let text = try? String(contentsOfFile: path(for: job), encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("ocpizza_job_last_success_timestamp_seconds{") {
            if let value = line.split(separator: " ").last.flatMap({ Double($0) }) {
                return Date(timeIntervalSince1970: value)
            }
        }
        return nil
    }

    func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".tmp.\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MetricsError("cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else {
                close(descriptor)
                unlink(temporary)
                throw MetricsError("cannot write \(temporary): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        fsync(descriptor)
        close(descriptor)
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw MetricsError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}

public struct MetricsError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    fileprivate var replacingHyphens: String { String(map { $0 == "-" ? "_" : $0 }) }
}
