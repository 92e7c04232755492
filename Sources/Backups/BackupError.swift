/// Why a backup operation failed, with where in this code it was noticed.
///
/// The command layer maps the code to an exit status: a missing tool or an old pg_dump is a
/// configuration problem (78), a full disk or an unwritable folder is I/O (74), a verify or drill
/// that finds the archive does not match is a data problem (65), a refused confirmation is usage (64).
public struct BackupError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// pg_dump/pg_restore/pg_amcheck not found, or older than the server.
        case toolMissing
        /// A tool exited non-zero or was killed.
        case toolFailed
        /// Not enough free space, a file that cannot be written, fsynced or renamed.
        case storage
        /// The archive's hash or content does not match what was recorded.
        case mismatch
        /// No such backup, or not in a state that allows the operation.
        case notFound
        /// A restore over an existing database without the typed confirmation.
        case confirmationRequired
        /// The arguments make no sense together.
        case invalidRequest
    }

    public var code: Code
    public var message: String
    public var file: String
    public var line: Int

    public init(_ code: Code, _ message: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { message }
}
