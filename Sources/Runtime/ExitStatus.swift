import EmbeddedPostgres
import Migrations
import Postgres

/// The command's exit codes (sysexits), so cron and monitoring can tell failures apart.
public enum ExitStatus: Int32, Sendable, CaseIterable {
    /// Done.
    case success = 0
    /// Anything not covered below.
    case failure = 1
    /// Bad usage: unknown command or option, invalid argument (EX_USAGE).
    case usage = 64
    /// Done, but some inputs were rejected (EX_DATAERR).
    case inputsRejected = 65
    /// The database is unreachable (EX_UNAVAILABLE).
    case databaseUnreachable = 69
    /// A file or folder could not be read or written (EX_IOERR).
    case ioFailure = 74
    /// Skipped: another run holds the lock, or maintenance mode is on (EX_TEMPFAIL).
    case skipped = 75
    /// Bad configuration (EX_CONFIG).
    case configuration = 78

    /// The exit status an error stands for.
    public static func forError(_ error: any Error) -> ExitStatus {
        switch error {
        case let error as PostgresError:
            if error.code == .invalidConnectionString { return .configuration }
            return error.isUnreachable ? .databaseUnreachable : .failure
        case is ConfigurationError:
            return .configuration
        case is FileIOError:
            return .ioFailure
        case is SkippedError:
            return .skipped
        case let error as MigrationError:
            switch error {
            case .lockTimeout: return .skipped
            case .modified, .unknownApplied: return .configuration
            }
        case let error as EmbeddedClusterError:
            switch error.code {
            case .fileSystem: return .ioFailure
            case .serverNotInstalled, .permissions: return .configuration
            default: return .failure
            }
        default:
            return .failure
        }
    }
}
