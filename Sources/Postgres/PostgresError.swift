/// The one error type of the Postgres module.
///
/// It carries what an operator needs to act (SQLSTATE, the server's message, detail, hint,
/// constraint), the query text that failed (never the bound values) and the call site.
/// `description` stays short and safe to log; `debugDescription` adds detail, hint and query.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What kind of failure this is, independent of the server's SQLSTATE.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed = "connection failed"
            case connectionLost = "connection lost"
            case server = "server error"
            case decoding = "decoding error"
            case copyFailed = "COPY failed"
            case cancelled = "cancelled"
            case connectionClosed = "connection closed"
            case poolClosed = "pool closed"
            case invalidUsage = "invalid usage"
            case invalidConnectionString = "invalid connection string"
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The server could not be reached or refused the connection.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection broke while in use (server restarted, backend terminated, network).
        public static let connectionLost = Code(.connectionLost)
        /// The server answered with an error; see ``PostgresError/sqlState``.
        public static let server = Code(.server)
        /// A column could not be decoded as the requested Swift type.
        public static let decoding = Code(.decoding)
        /// A COPY could not be started, fed or finished.
        public static let copyFailed = Code(.copyFailed)
        /// The task was cancelled and the query was cancelled on the server.
        public static let cancelled = Code(.cancelled)
        /// The connection was closed by this process and cannot be used any more.
        public static let connectionClosed = Code(.connectionClosed)
        /// The pool was shut down.
        public static let poolClosed = Code(.poolClosed)
        /// The API was used in a way it does not support (e.g. a transaction inside a transaction).
        public static let invalidUsage = Code(.invalidUsage)
        /// The connection string (URI or key=value) cannot be parsed: bad configuration.
        public static let invalidConnectionString = Code(.invalidConnectionString)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// Five-character SQLSTATE when the server sent one, e.g. `23505`.
    public var sqlState: SQLState?
    /// The server's primary message, or libpq's message for client-side failures.
    public var message: String
    public var detail: String?
    public var hint: String?
    public var constraint: String?
    public var schema: String?
    public var table: String?
    public var column: String?
    /// 1-based character position of the error in the query text, when the server gave one.
    public var position: Int?
    /// The query text (with `$n` placeholders, never the bound values).
    public var query: String?
    public var file: String
    public var line: Int

    public init(
        code: Code, message: String, sqlState: SQLState? = nil, query: String? = nil,
        file: String = #fileID, line: Int = #line
    ) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.query = query
        self.file = file
        self.line = line
    }

    /// True when the database could not be reached or the connection broke: the command maps
    /// this to "database unreachable" (exit 69) instead of a generic failure.
    public var isUnreachable: Bool {
        if code == .connectionFailed || code == .connectionLost { return true }
        guard let sqlState else { return false }
        return sqlState.isConnectionFailure
    }

    public var description: String {
        var text = "\(code)"
        if let sqlState { text += " (SQLSTATE \(sqlState.rawValue))" }
        text += ": \(message)"
        return text
    }

    public var debugDescription: String {
        var lines = [description]
        if let detail { lines.append("detail: \(detail)") }
        if let hint { lines.append("hint: \(hint)") }
        if let constraint { lines.append("constraint: \(constraint)") }
        if let table { lines.append("table: \([schema, table].compactMap { $0 }.joined(separator: "."))") }
        if let column { lines.append("column: \(column)") }
        if let position { lines.append("position: \(position)") }
        if let query { lines.append("query: \(query)") }
        lines.append("at: \(file):\(line)")
        return lines.joined(separator: "\n  ")
    }
}

/// A PostgreSQL SQLSTATE code, with the ones this product reacts to named.
public struct SQLState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The two-character class, e.g. `23` for integrity constraint violations.
    public var errorClass: String { String(rawValue.prefix(2)) }
    public var description: String { rawValue }

    /// Class 08 (connection exception) and the 57P0x shutdown codes.
    public var isConnectionFailure: Bool {
        errorClass == "08" || self == .adminShutdown || self == .crashShutdown || self == .cannotConnectNow
    }

    // Class 08: connection exception
    public static let connectionException = SQLState("08000")
    public static let connectionFailure = SQLState("08006")
    // Class 22: data exception
    public static let numericValueOutOfRange = SQLState("22003")
    public static let invalidTextRepresentation = SQLState("22P02")
    public static let badCopyFileFormat = SQLState("22P04")
    // Class 23: integrity constraint violation
    public static let notNullViolation = SQLState("23502")
    public static let foreignKeyViolation = SQLState("23503")
    public static let uniqueViolation = SQLState("23505")
    public static let checkViolation = SQLState("23514")
    public static let exclusionViolation = SQLState("23P01")
    // Class 25: invalid transaction state
    public static let inFailedSQLTransaction = SQLState("25P02")
    // Class 40: transaction rollback
    public static let serializationFailure = SQLState("40001")
    public static let deadlockDetected = SQLState("40P01")
    // Class 42: syntax error or access rule violation
    public static let syntaxError = SQLState("42601")
    public static let undefinedColumn = SQLState("42703")
    public static let undefinedTable = SQLState("42P01")
    public static let insufficientPrivilege = SQLState("42501")
    // Class 55: object not in prerequisite state
    public static let lockNotAvailable = SQLState("55P03")
    // Class 57: operator intervention
    public static let queryCanceled = SQLState("57014")
    public static let adminShutdown = SQLState("57P01")
    public static let crashShutdown = SQLState("57P02")
    public static let cannotConnectNow = SQLState("57P03")
    // Class P0: PL/pgSQL
    public static let raiseException = SQLState("P0001")

    /// Lets `catch let error as PostgresError where error.sqlState == .uniqueViolation` read naturally,
    /// and `switch` on codes: `case .uniqueViolation:`.
    public static func ~= (pattern: SQLState, error: PostgresError) -> Bool {
        error.sqlState == pattern
    }
}
