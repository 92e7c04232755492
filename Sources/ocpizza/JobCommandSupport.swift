import ArgumentParser
import Backups
import Jobs
import Postgres
import Runtime

extension CalendarDate: ExpressibleByArgument {
    public init?(argument: String) { self.init(iso8601: argument) }
}

extension CommandEnvironment {
    /// The runner every job command goes through, with the command's sysexits mapping.
    func jobRunner(conninfo: String) -> JobRunner {
        JobRunner(conninfo: conninfo, varDirectory: varDirectory, logger: logger) { error in
            commandExitStatus(error).rawValue
        }
    }
}

/// The exit status of an error, with the errors of the modules Runtime does not know.
func commandExitStatus(_ error: any Error) -> ExitStatus {
    switch error {
    case is InboxError: return .ioFailure
    case is SupplierImportSetupError: return .configuration
    case let error as BackupError:
        switch error.code {
        case .toolMissing: return .configuration
        case .storage: return .ioFailure
        case .mismatch: return .inputsRejected
        case .confirmationRequired, .invalidRequest: return .usage
        case .toolFailed, .notFound: return .failure
        }
    default: return ExitStatus.forError(error)
    }
}

/// Runs one job through the runner and prints its one-screen summary (or `--json`).
func runJobCommand(
    _ options: GlobalOptions, json: Bool, request: JobRequest,
    work: @escaping @Sendable (JobContext) async throws -> JobOutcome
) async throws {
    try await CommandRunner.run(options, command: request.name) { environment in
        let conninfo = try await environment.conninfo()
        let report = try await environment.jobRunner(conninfo: conninfo).run(request, work: work)
        if json { try printJSON(report) } else { print(report.summary) }
        return ExitStatus(rawValue: report.exitCode) ?? .failure
    }
}
