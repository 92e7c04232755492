import Logging
import Postgres

/// What a job is given to work with.
public struct JobContext: Sendable {
    /// Where the database is (a libpq connection string; empty means libpq's environment).
    public let conninfo: String
    /// The working folders (`var/`): `inbox/<job>`, `archive/<job>`, `rejected/<job>`, `reports`, `metrics`.
    public let varDirectory: String
    /// The business date the run is for, when the job works per date.
    public let businessDate: CalendarDate?
    /// Carries `job.name` and `job.run_id`.
    public let logger: Logger
    /// Progress on a terminal for long work (silent otherwise).
    public let progress: ProgressReporter
    /// The job-run row of this run, for rows the job writes (`job_run_id` columns).
    public let runID: Int64?

    public init(
        conninfo: String, varDirectory: String, businessDate: CalendarDate?, logger: Logger,
        progress: ProgressReporter, runID: Int64? = nil
    ) {
        self.runID = runID
        self.conninfo = conninfo
        self.varDirectory = varDirectory
        self.businessDate = businessDate
        self.logger = logger
        self.progress = progress
    }
}

/// How a job's work ended, when it did not throw.
public struct JobOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// Everything was processed (exit 0).
        case ok
        /// Done, but some inputs were rejected (exit 65).
        case partial
    }

    public var status: Status
    /// Named counts for the summary, the job-run row and the metrics, e.g. `files_imported: 3`.
    public var counts: [String: Int]
    /// One line for the summary (what a manager or operator should know).
    public var message: String?

    public init(status: Status = .ok, counts: [String: Int] = [:], message: String? = nil) {
        self.status = status
        self.counts = counts
        self.message = message
    }
}

/// What the runner needs to know about a job before running it.
public struct JobRequest: Sendable {
    /// The job's name: command name, lock name and metrics label, e.g. `import-supplier`.
    public var name: String
    public var businessDate: CalendarDate?
    /// The options the run was started with, recorded in the job-run row.
    public var options: [String: String]
    /// Backups run while maintenance mode is on; everything else is skipped.
    public var runsDuringMaintenance: Bool

    public init(
        name: String, businessDate: CalendarDate? = nil, options: [String: String] = [:],
        runsDuringMaintenance: Bool = false
    ) {
        self.name = name
        self.businessDate = businessDate
        self.options = options
        self.runsDuringMaintenance = runsDuringMaintenance
    }
}
