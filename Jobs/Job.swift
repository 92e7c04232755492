import Logging
import Postgres

/// A batch job: what cron runs nightly and operators run by hand.
///
/// Each job runs under its own advisory lock (named after ``name``), inside one job-run record,
/// so the same crontab can run on several servers and exactly one of them works. The job runner
/// that does this, and the jobs themselves, arrive with the data-model and job issues; this
/// target holds the contract they share.
public protocol Job: Sendable {
    /// The command name and lock name, e.g. `import-supplier`.
    static var name: String { get }
    /// Backups must run while maintenance mode is on; everything else waits.
    static var runsDuringMaintenance: Bool { get }
    /// Does the work. Throwing marks the run failed; returning reports what was done.
    func run(in context: JobContext) async throws -> JobOutcome
}

extension Job {
    public static var runsDuringMaintenance: Bool { false }
}

/// What a job is given to work with.
public struct JobContext: Sendable {
    /// Where the database is (see `CommandEnvironment.conninfo()`).
    public let conninfo: String
    /// The working folders (`var/`): `inbox/<job>`, `archive/<job>`, `rejected/<job>`, `reports`, `metrics`.
    public let varDirectory: String
    public let logger: Logger

    public init(conninfo: String, varDirectory: String, logger: Logger) {
        self.conninfo = conninfo
        self.varDirectory = varDirectory
        self.logger = logger
    }
}

/// How a run ended, for the job-run record, the summary and the exit code.
public struct JobOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Everything was processed (exit 0).
        case succeeded
        /// Done, but some inputs were rejected (exit 65).
        case partial
    }

    public var status: Status
    /// Named counts for the summary and the metrics, e.g. `files_imported: 3`.
    public var counts: [String: Int]

    public init(status: Status = .succeeded, counts: [String: Int] = [:]) {
        self.status = status
        self.counts = counts
    }
}
