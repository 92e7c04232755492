import Foundation
import Glibc
import Logging
import Postgres

/// Runs every job the same way, so that cron, operators and monitoring see the same things:
///
/// 1. a `job_run` row is written first, before any precheck (so even a skipped run is recorded);
/// 2. maintenance mode skips the run (exit 75) unless the job runs during maintenance (backups);
/// 3. the job's advisory lock is taken on a dedicated connection: if another run holds it, on
///    this host or another, the run is recorded as skipped (exit 75, "skipped: locked");
/// 4. holding the lock, runs of this job left 'running' are marked failed (their process died),
///    as are runs of any job whose heartbeat went stale;
/// 5. the work runs with a heartbeat every `heartbeatInterval`; SIGTERM/SIGINT cancel it;
/// 6. the row gets the outcome, the lock is released, the metrics textfile is rewritten.
public struct JobRunner: Sendable {
    public let conninfo: String
    public let varDirectory: String
    public let logger: Logger
    public var heartbeatInterval: Duration = .seconds(10)
    /// A 'running' row whose heartbeat is older than this belongs to a dead process.
    public var staleAfter: Duration = .seconds(120)
    /// Maps an error thrown by the work to an exit code (the command layer's sysexits mapping).
    public let exitCode: @Sendable (any Error) -> Int32

    public init(
        conninfo: String, varDirectory: String, logger: Logger, exitCode: @escaping @Sendable (any Error) -> Int32
    ) {
        self.conninfo = conninfo
        self.varDirectory = varDirectory
        self.logger = logger
        self.exitCode = exitCode
    }

    /// Runs `work` as job `request.name`. Throws only when the database cannot be reached to
    /// record the run at all (after writing the metrics, so monitoring still sees it).
    public func run(
        _ request: JobRequest, progress: ProgressReporter? = nil,
        work: @escaping @Sendable (JobContext) async throws -> JobOutcome
    ) async throws -> JobRunReport {
        // From the very first step, so that a SIGTERM before the work starts still ends recorded.
        TerminationSignals.shared.begin()
        defer { TerminationSignals.shared.end() }
        let host = Self.hostName()
        let pid = getpid()
        var report = JobRunReport(
            runID: nil, job: request.name, businessDate: request.businessDate, status: .running, exitCode: 0,
            startedAt: Date(), finishedAt: nil, counts: [:], message: nil, host: host, pid: pid)
        let metrics = JobMetrics(varDirectory: varDirectory)

        let connection: PostgresConnection
        let store: JobRunStore
        do {
            connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
            store = JobRunStore(connection: connection)
            do {
                let started = try await store.start(request, host: host, pid: pid)
                report.runID = started.id
                report.startedAt = started.startedAt
            } catch {
                await connection.close()
                throw error
            }
        } catch {
            report.status = .failed
            report.exitCode = exitCode(error)
            report.message = "\(error)"
            report.finishedAt = Date()
            try? metrics.write(report, lastSuccess: metrics.previousLastSuccess(of: request.name))
            throw error
        }

        var logger = self.logger
        logger[metadataKey: "job.name"] = "\(request.name)"
        logger[metadataKey: "job.run_id"] = "\(report.runID ?? 0)"
        if let date = request.businessDate { logger[metadataKey: "job.business_date"] = "\(date)" }
        logger.info("job started", metadata: ["job.host": "\(host)", "job.pid": "\(pid)"])

        let lock: AdvisoryLock?
        (report, lock) = await execute(
            request, report: report, store: store, logger: logger, progress: progress, work: work)

        // The outcome is recorded while the lock is still held: the next run of this job cannot
        // take the lock, find this row still 'running' and mistake it for a dead one.
        do {
            report.finishedAt = try await store.finish(runID: report.runID ?? 0, report: report)
        } catch {
            logger.error("could not record the end of the run", metadata: ["error": "\(error)"])
            report.finishedAt = Date()
            if report.status != .failed {
                report.status = .failed
                report.exitCode = exitCode(error)
                report.message = "the run finished but its outcome could not be recorded: \(error)"
            }
        }
        await lock?.release()
        // A run skipped because another one holds the lock leaves the metrics to the run that works.
        if !(report.status == .skipped && lock == nil && (report.message ?? "").hasPrefix("skipped: locked")) {
            let lastSuccess =
                (try? await store.lastSuccess(of: request.name)) ?? metrics.previousLastSuccess(of: request.name)
            do {
                try metrics.write(report, lastSuccess: lastSuccess)
            } catch {
                logger.warning("could not write the metrics textfile", metadata: ["error": "\(error)"])
            }
        }
        await connection.close()
        let level: Logger.Level = report.status == .failed ? .error : (report.status == .ok ? .info : .notice)
        logger.log(
            level: level, "job \(report.status.rawValue)",
            metadata: ["job.exit_code": "\(report.exitCode)", "job.duration_s": "\(report.durationSeconds ?? 0)"]
                .merging(report.message.map { ["job.message": "\($0)"] } ?? [:]) { $1 })
        return report
    }

    /// Prechecks, lock, work. Returns the report with status, exit code, counts and message set,
    /// and the job's lock when it was taken (the caller releases it after recording the outcome).
    private func execute(
        _ request: JobRequest, report: JobRunReport, store: JobRunStore, logger: Logger,
        progress: ProgressReporter?, work: @escaping @Sendable (JobContext) async throws -> JobOutcome
    ) async -> (JobRunReport, AdvisoryLock?) {
        var report = report
        var lock: AdvisoryLock?
        let runID = report.runID ?? 0
        func skip(_ message: String) -> (JobRunReport, AdvisoryLock?) {
            report.status = .skipped
            report.exitCode = 75
            report.message = message
            return (report, lock)
        }
        do {
            let dead = try await store.markDeadRuns(of: nil, except: runID, staleAfter: staleAfter)
            if !dead.isEmpty {
                logger.warning("marked runs with a stale heartbeat as failed", metadata: ["job.dead_runs": "\(dead)"])
            }
            let maintenance = try await store.connection.withSession { try MaintenanceFlag.read(in: $0) }
            if maintenance.on && !request.runsDuringMaintenance {
                return skip("skipped: maintenance mode is on" + (maintenance.reason.map { " (\($0))" } ?? ""))
            }
            lock = try await AdvisoryLock.tryAcquire("job:\(request.name)", conninfo: conninfo, logger: logger)
            guard lock != nil else {
                return skip("skipped: locked (another run of \(request.name) is in progress)")
            }
            let orphans = try await store.markDeadRuns(of: request.name, except: runID, staleAfter: staleAfter)
            if !orphans.isEmpty {
                logger.warning("marked runs whose process died as failed", metadata: ["job.dead_runs": "\(orphans)"])
            }

            let context = JobContext(
                conninfo: conninfo, varDirectory: varDirectory, businessDate: request.businessDate, logger: logger,
                progress: progress ?? ProgressReporter(label: request.name), runID: runID)
            defer { context.progress.finish() }
            let outcome = try await withHeartbeat(runID: runID, store: store, logger: logger) {
                try await TerminationSignals.shared.cancellingOnSignal { try await work(context) }
            }
            report.status = outcome.status == .ok ? .ok : .partial
            report.exitCode = outcome.status == .ok ? 0 : 65
            report.counts = outcome.counts
            report.message = outcome.message
            return (report, lock)
        } catch {
            report.status = .failed
            report.exitCode = exitCode(error)
            report.message = error is CancellationError ? "interrupted (SIGTERM, SIGINT or cancellation)" : "\(error)"
            return (report, lock)
        }
    }

    /// Runs `body` while a child task refreshes the run's heartbeat.
    private func withHeartbeat<T: Sendable>(
        runID: Int64, store: JobRunStore, logger: Logger, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let interval = heartbeatInterval
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    guard !Task.isCancelled else { break }
                    do { try await store.heartbeat(runID: runID) } catch {
                        logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
                    }
                }
                return nil
            }
            group.addTask { try await body() }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let value = result { return value }
            }
            throw CancellationError()
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
