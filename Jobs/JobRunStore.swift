import Foundation
import Postgres

/// Reads and writes `job_run` rows. All SQL of the runner lives here.
public struct JobRunStore: Sendable {
    let connection: PostgresConnection

    public init(connection: PostgresConnection) { self.connection = connection }

    /// Writes the row that says a run started, before any precheck; returns its id.
    func start(_ request: JobRequest, host: String, pid: Int32) async throws -> (id: Int64, startedAt: Date) {
        let options = try JSONB(encoding: request.options)
        return try await connection.withSession { session in
            let row = try session.query(
                """
                INSERT INTO job_run (job, business_date, host, pid, options)
                VALUES (\(request.name), \(request.businessDate), \(host), \(Int(pid)), \(options))
                RETURNING id, started_at
                """
            ).first
            guard let row else { throw PostgresError(code: .server, message: "INSERT ... RETURNING returned no row") }
            return (try row.decode("id", as: Int64.self), try row.decode("started_at", as: Date.self))
        }
    }

    /// Uncancellable on purpose: the runner stops the heartbeat by cancelling its task when the
    /// work ends, and a PQcancel aimed at an UPDATE that has just finished lands on the next
    /// statement of the same connection, the one recording the run's outcome (seen in CI).
    func heartbeat(runID: Int64) async throws {
        _ = try await connection.withUncancellableSession { session in
            try session.execute("UPDATE job_run SET heartbeat_at = now() WHERE id = \(runID) AND status = 'running'")
        }
    }

    /// Records how the run ended, even from a cancelled task (an interrupted run must say so).
    func finish(runID: Int64, report: JobRunReport) async throws -> Date {
        let summary = try JSONB(encoding: report.counts)
        return try await connection.withUncancellableSession { session in
            try session.queryValue(
                """
                UPDATE job_run
                SET status = \(report.status.rawValue), finished_at = now(), heartbeat_at = now(),
                    exit_code = \(Int(report.exitCode)), summary = \(summary), error = \(report.message)
                WHERE id = \(runID)
                RETURNING finished_at
                """, as: Date.self) ?? Date()
        }
    }

    /// Marks failed the runs whose process died: runs of `job` still 'running' while we hold
    /// its lock (nobody else can be running it), and runs of any job whose heartbeat is older
    /// than `staleAfter`. Returns the ids marked.
    func markDeadRuns(of job: String?, except runID: Int64, staleAfter: Duration) async throws -> [Int64] {
        let staleSeconds =
            Double(staleAfter.components.seconds) + Double(staleAfter.components.attoseconds) / 1e18
        return try await connection.withSession { session in
            try session.query(
                """
                UPDATE job_run
                SET status = 'failed', finished_at = heartbeat_at, exit_code = 1,
                    error = CASE WHEN job = \(job) THEN 'the process running it died (found running while its lock was free)'
                                 ELSE 'the process running it died (no heartbeat since ' || heartbeat_at || ')' END
                WHERE status = 'running' AND id <> \(runID)
                  AND (job = \(job) OR heartbeat_at < now() - make_interval(secs => \(staleSeconds)))
                RETURNING id
                """
            ).map { try $0.decode("id", as: Int64.self) }
        }
    }

    /// The newest runs, newest first.
    public func history(job: String?, limit: Int) async throws -> [JobRunReport] {
        try await connection.query(
            """
            SELECT id, job, business_date, status, coalesce(exit_code, 0) AS exit_code, started_at, finished_at,
                   summary, error, host, pid
            FROM job_run
            WHERE \(job)::text IS NULL OR job = \(job)
            ORDER BY started_at DESC, id DESC
            LIMIT \(limit)
            """, decode: Self.report)
    }

    /// The last run and the last successful run of each job that ever ran.
    public func latest() async throws -> [(last: JobRunReport, lastSuccess: JobRunReport?)] {
        let columns =
            "id, job, business_date, status, coalesce(exit_code, 0) AS exit_code, started_at, finished_at, summary, error, host, pid"
        let last = try await connection.query(
            "SELECT DISTINCT ON (job) \(unsafeRaw: columns) FROM job_run ORDER BY job, started_at DESC, id DESC",
            decode: Self.report)
        let success = try await connection.query(
            """
            SELECT DISTINCT ON (job) \(unsafeRaw: columns) FROM job_run
            WHERE status IN ('ok', 'partial') ORDER BY job, finished_at DESC, id DESC
            """, decode: Self.report)
        let successByJob = Dictionary(success.map { ($0.job, $0) }, uniquingKeysWith: { first, _ in first })
        return last.map { ($0, successByJob[$0.job]) }
    }

    /// When `job` last ended ok or partial.
    func lastSuccess(of job: String) async throws -> Date? {
        try await connection.withUncancellableSession { session in
            try session.queryValue(
                "SELECT max(finished_at) FROM job_run WHERE job = \(job) AND status IN ('ok', 'partial')",
                as: Date?.self)
                ?? nil
        }
    }

    @Sendable static func report(_ row: Row) throws -> JobRunReport {
        let summary = try row.decode("summary", as: JSONB.self)
        return JobRunReport(
            runID: try row.decode("id"), job: try row.decode("job"), businessDate: try row.decode("business_date"),
            status: JobRunReport.Status(rawValue: try row.decode("status", as: String.self)) ?? .failed,
            exitCode: Int32(try row.decode("exit_code", as: Int.self)), startedAt: try row.decode("started_at"),
            finishedAt: try row.decode("finished_at"), counts: (try? summary.decode([String: Int].self)) ?? [:],
            message: try row.decode("error"), host: try row.decode("host"),
            pid: Int32(try row.decode("pid", as: Int.self)))
    }
}
