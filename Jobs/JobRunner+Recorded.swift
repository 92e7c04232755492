import Foundation
import Logging
import Postgres

extension JobRunner {
    /// For the one job that cannot be recorded while it runs: a restore over the production
    /// database replaces the very database that holds `job_run` and terminates every connection
    /// to it, the runner's included. The work runs first (serialized by an advisory lock on the
    /// server's `postgres` database, which the swap does not touch), then its run is written,
    /// whole, into whichever database now has the production name, and the metrics as usual.
    public func runThenRecord(
        _ request: JobRequest, lockConninfo: String, work: @escaping @Sendable () async throws -> JobOutcome
    ) async throws -> JobRunReport {
        TerminationSignals.shared.begin()
        defer { TerminationSignals.shared.end() }
        var report = JobRunReport(
            runID: nil, job: request.name, businessDate: request.businessDate, status: .running, exitCode: 0,
            startedAt: Date(), finishedAt: nil, counts: [:], message: nil, host: Self.hostName(), pid: getpid())
        if let lock = try await AdvisoryLock.tryAcquire("job:\(request.name)", conninfo: lockConninfo, logger: logger) {
            do {
                let outcome = try await TerminationSignals.shared.cancellingOnSignal { try await work() }
                report.status = outcome.status == .ok ? .ok : .partial
                report.exitCode = outcome.status == .ok ? 0 : 65
                report.counts = outcome.counts
                report.message = outcome.message
            } catch {
                report.status = .failed
                report.exitCode = exitCode(error)
                report.message =
                    error is CancellationError ? "interrupted (SIGTERM, SIGINT or cancellation)" : "\(error)"
            }
            await lock.release()
        } else {
            report.status = .skipped
            report.exitCode = 75
            report.message = "skipped: locked (another run of \(request.name) is in progress)"
        }
        report.finishedAt = Date()
        let finished = report
        do {
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
            let summary = try JSONB(encoding: finished.counts)
            let options = try JSONB(encoding: request.options)
            report.runID = try await connection.withUncancellableSession { session in
                try session.queryValue(
                    """
                    INSERT INTO job_run (job, business_date, host, pid, options, started_at, finished_at, heartbeat_at,
                                         status, exit_code, summary, error)
                    VALUES (\(finished.job), \(finished.businessDate), \(finished.host), \(Int(finished.pid)),
                            \(options), \(finished.startedAt), now(), now(), \(finished.status.rawValue),
                            \(Int(finished.exitCode)), \(summary), \(finished.message))
                    RETURNING id
                    """, as: Int64.self)
            }
            let lastSuccess = try? await JobRunStore(connection: connection).lastSuccess(of: request.name)
            await connection.close()
            try? JobMetrics(varDirectory: varDirectory).write(report, lastSuccess: lastSuccess ?? nil)
        } catch {
            logger.error("could not record the run", metadata: ["error": "\(error)"])
            try? JobMetrics(varDirectory: varDirectory).write(
                report, lastSuccess: JobMetrics(varDirectory: varDirectory).previousLastSuccess(of: request.name))
        }
        return report
    }
}
