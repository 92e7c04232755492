import CLibPQ
import Glibc
import Logging

/// Synchronous access to one libpq connection: the owner of its `PGconn` (closed in `deinit`).
///
/// Every call blocks the calling thread until the server answers, so a session is only ever used
/// on its ``PostgresConnection``'s dispatch queue (through ``PostgresConnection/withSession(file:line:_:)``),
/// never on a Swift concurrency thread or an event loop. It is deliberately not Sendable.
public final class PostgresSession {
    let handle: OpaquePointer
    public let logger: Logger
    private var savepointCounter = 0
    /// Set by ``PostgresConnection`` while an operation runs: answers whether its task was
    /// cancelled, so that the statements after a cancelled one are not sent at all.
    var isInterrupted: (@Sendable () -> Bool)?

    private init(handle: OpaquePointer, logger: Logger) {
        self.handle = handle
        self.logger = logger
    }

    deinit { PQfinish(handle) }

    /// Opens a connection, blocking. `conninfo` is a `postgresql://` URI or a `key=value` string;
    /// empty means libpq's own defaults (`PGHOST`, `PGDATABASE`, `PGSERVICE`, `.pgpass`), as `psql`.
    public static func connect(
        conninfo: String, logger: Logger, file: String = #fileID, line: Int = #line
    ) throws -> PostgresSession {
        // With expand_dbname, keywords after `dbname` override the expanded connection string;
        // `fallback_application_name` is the one keyword that only applies when nothing else sets it.
        if !conninfo.isEmpty { try validate(conninfo: conninfo, file: file, line: line) }
        // A server that accepts the connection and never answers must not hang a cron job: 10 s
        // unless the connection string or PGCONNECT_TIMEOUT says otherwise (keywords before
        // `dbname` give way to the expanded string).
        var keywords = ["dbname", "fallback_application_name"]
        var values = [conninfo, "ocpizza"]
        if getenv("PGCONNECT_TIMEOUT") == nil {
            keywords.insert("connect_timeout", at: 0)
            values.insert("10", at: 0)
        }
        let handle = withCStringArray(keywords) { keywordPointers in
            withCStringArray(values) { valuePointers in
                PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let handle else {
            throw PostgresError(code: .connectionFailed, message: "out of memory", file: file, line: line)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = lastErrorMessage(handle)
            PQfinish(handle)
            throw PostgresError(code: .connectionFailed, message: message, file: file, line: line)
        }
        let session = PostgresSession(handle: handle, logger: logger)
        session.installNoticeProcessor()
        // Instants are exchanged in UTC and ISO format whatever the server's or role's defaults are;
        // business dates are computed explicitly from each shop's time zone, never from the session's.
        try session.executeScript("SET TimeZone TO 'UTC'; SET DateStyle TO 'ISO, YMD'; SET bytea_output TO 'hex'")
        return session
    }

    /// Refuses a connection string libpq cannot parse (unterminated quote, unknown keyword, bad
    /// URI): a configuration mistake, not an unreachable database.
    private static func validate(conninfo: String, file: String, line: Int) throws {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            let text = message.map { String(cString: $0).trimmingTrailingNewlines() } ?? "cannot be parsed"
            if let message { PQfreemem(message) }
            throw PostgresError(
                code: .invalidConnectionString, message: "invalid connection string: \(text)", file: file, line: line)
        }
        PQconninfoFree(options)
    }

    // MARK: Queries

    /// Runs one statement with its bind parameters and returns its rows (possibly none).
    @discardableResult
    public func query(_ sql: SQL, file: String = #fileID, line: Int = #line) throws -> QueryResult {
        try checkInterrupted(query: sql.text, file: file, line: line)
        let result = sql.binds.isEmpty ? run(sql.text) : run(sql.text, binds: sql.binds)
        return try check(result, query: sql.text, file: file, line: line)
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: SQL, file: String = #fileID, line: Int = #line) throws -> Int {
        try query(sql, file: file, line: line).affectedRows
    }

    /// The first column of the first row, or `nil` when there is no row.
    public func queryValue<T: PostgresDecodable>(
        _ sql: SQL, as type: T.Type = T.self, file: String = #fileID, line: Int = #line
    ) throws -> T? {
        let result = try query(sql, file: file, line: line)
        guard let row = result.first else { return nil }
        return try row.decode(0, as: T.self, file: file, line: line)
    }

    /// Runs several statements with no parameters (a migration file, session settings).
    /// Only for SQL the program ships: it cannot carry bind parameters.
    public func executeScript(_ unsafeSQL: String, file: String = #fileID, line: Int = #line) throws {
        try checkInterrupted(query: unsafeSQL, file: file, line: line)
        try executeScriptEvenIfInterrupted(unsafeSQL, file: file, line: line)
    }

    /// For ROLLBACK and friends, which must run precisely when the operation was cancelled.
    func executeScriptEvenIfInterrupted(_ unsafeSQL: String, file: String, line: Int) throws {
        // PQexec returns the last statement's result; an error stops the script there and is returned.
        _ = try check(PQexec(handle, unsafeSQL), query: unsafeSQL, file: file, line: line)
    }

    func checkInterrupted(query: String, file: String, line: Int) throws {
        guard isInterrupted?() == true else { return }
        throw PostgresError(
            code: .cancelled, message: "cancelled before it was sent", query: query, file: file, line: line)
    }

    // MARK: State

    /// The server's version as an integer, e.g. 150018 for 15.18.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// True once libpq considers the connection broken; such a session cannot be reused.
    public var isBroken: Bool { PQstatus(handle) != CONNECTION_OK }

    /// True when the session is inside a transaction block (or an aborted one).
    public var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE
    }

    /// Where this session is connected, as libpq resolved it (no password).
    public var endpoint: PostgresEndpoint {
        func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
        return PostgresEndpoint(
            host: text(PQhost(handle)), port: text(PQport(handle)), database: text(PQdb(handle)),
            user: text(PQuser(handle)), serverVersion: serverVersion)
    }

    /// True when a statement failed inside the open transaction: only ROLLBACK is possible now.
    public var isInFailedTransaction: Bool { PQtransactionStatus(handle) == PQTRANS_INERROR }

    /// The backend process id, as `pg_backend_pid()` would say.
    public var backendPID: Int32 { PQbackendPID(handle) }

    // MARK: libpq plumbing

    private func run(_ text: String) -> OpaquePointer? {
        PQexecParams(handle, text, 0, nil, nil, nil, nil, 0)
    }

    private func run(_ text: String, binds: [PostgresBind]) -> OpaquePointer? {
        let types = binds.map { Oid($0.type.rawValue) }
        return withOptionalCStringArray(binds.map(\.text)) { values in
            PQexecParams(handle, text, Int32(binds.count), types, values, nil, nil, 0)
        }
    }

    /// Turns a `PGresult` into a ``QueryResult`` or throws the error it carries (freeing it).
    func check(_ result: OpaquePointer?, query: String, file: String, line: Int) throws -> QueryResult {
        guard let result else {
            throw connectionError(query: query, file: file, line: line)
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return QueryResult(handle: result, query: query)
        default:
            let error = serverError(result, query: query, file: file, line: line)
            PQclear(result)
            throw error
        }
    }

    func serverError(_ result: OpaquePointer, query: String?, file: String, line: Int) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(result, code) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(OCPQ_DIAG_SQLSTATE).map(SQLState.init(rawValue:))
        let message = field(OCPQ_DIAG_MESSAGE_PRIMARY) ?? Self.lastErrorMessage(handle)
        let code: PostgresError.Code
        if sqlState == .queryCanceled {
            code = .cancelled
        } else if isBroken || sqlState?.isConnectionFailure == true {
            code = .connectionLost
        } else {
            code = .server
        }
        var error = PostgresError(
            code: code, message: message, sqlState: sqlState, query: query, file: file, line: line)
        error.detail = field(OCPQ_DIAG_MESSAGE_DETAIL)
        error.hint = field(OCPQ_DIAG_MESSAGE_HINT)
        error.constraint = field(OCPQ_DIAG_CONSTRAINT_NAME)
        error.schema = field(OCPQ_DIAG_SCHEMA_NAME)
        error.table = field(OCPQ_DIAG_TABLE_NAME)
        error.column = field(OCPQ_DIAG_COLUMN_NAME)
        error.position = field(OCPQ_DIAG_STATEMENT_POSITION).flatMap { Int($0) }
        return error
    }

    func connectionError(query: String?, file: String, line: Int) -> PostgresError {
        PostgresError(
            code: isBroken ? .connectionLost : .server, message: Self.lastErrorMessage(handle), query: query,
            file: file, line: line)
    }

    static func lastErrorMessage(_ handle: OpaquePointer) -> String {
        guard let message = PQerrorMessage(handle) else { return "unknown libpq error" }
        let text = String(cString: message).trimmingTrailingNewlines()
        return text.isEmpty ? "unknown libpq error" : text
    }

    private func installNoticeProcessor() {
        // NOTICEs would otherwise go to stderr; they become debug log lines instead.
        PQsetNoticeProcessor(
            handle,
            { context, message in
                guard let context, let message else { return }
                let session = Unmanaged<PostgresSession>.fromOpaque(context).takeUnretainedValue()
                session.logger.debug(
                    "postgres notice", metadata: ["db.notice": "\(String(cString: message).trimmingTrailingNewlines())"]
                )
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    func nextSavepointName() -> String {
        savepointCounter += 1
        return "ocpizza_sp_\(savepointCounter)"
    }
}

@available(*, unavailable)
extension PostgresSession: Sendable {}

/// Where a session is connected: safe to print (no password).
public struct PostgresEndpoint: Sendable, Codable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: String
    public var database: String
    public var user: String
    /// e.g. 150018 for 15.18.
    public var serverVersion: Int

    /// `15.18` (or `9.6.24` for old servers).
    public var serverVersionString: String {
        serverVersion >= 100_000
            ? "\(serverVersion / 10_000).\(serverVersion % 10_000)"
            : "\(serverVersion / 10_000).\(serverVersion / 100 % 100).\(serverVersion % 100)"
    }

    public var description: String { "\(database) on \(host):\(port) as \(user) (PostgreSQL \(serverVersionString))" }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while let last = text.last, last.isNewline || last == " " { text.removeLast() }
        return text
    }
}

/// Calls `body` with a NULL-terminated array of C strings that live for the call.
func withCStringArray<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    withOptionalCStringArray(strings.map { Optional($0) }, body)
}

/// Like ``withCStringArray(_:_:)``, with `nil` passed as a NULL pointer (SQL NULL for libpq).
/// All strings are copied into one buffer, so the pointers stay valid for the whole call.
func withOptionalCStringArray<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    var storage: [CChar] = []
    var offsets: [Int?] = []
    offsets.reserveCapacity(strings.count)
    for string in strings {
        guard let string else {
            offsets.append(nil)
            continue
        }
        offsets.append(storage.count)
        storage.append(contentsOf: string.utf8CString)
    }
    return storage.withUnsafeBufferPointer { buffer in
        var pointers: [UnsafePointer<CChar>?] = offsets.map { offset in offset.map { buffer.baseAddress! + $0 } }
        pointers.append(nil)  // libpq's keyword arrays are NULL-terminated
        return body(pointers)
    }
}
