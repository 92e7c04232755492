import ArgumentParser
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
            switch error {
            case is InboxError: ExitStatus.ioFailure.rawValue
            case is SupplierImportSetupError: ExitStatus.configuration.rawValue
            default: ExitStatus.forError(error).rawValue
            }
        }
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
