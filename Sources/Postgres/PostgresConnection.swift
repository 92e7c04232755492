import CLibPQ
import Dispatch
import Logging
import Synchronization

/// An async handle on one PostgreSQL connection.
///
/// libpq is blocking, so every call runs on this connection's own serial dispatch queue: never
/// on a Swift concurrency thread, never on an event loop, and never on two threads at once.
/// Group statements that belong together in one ``withSession(file:line:_:)`` closure: it runs
/// start to end on the queue without a hop per statement.
///
/// Cancelling the calling task sends `PQcancel` to the server, so a long query stops there too.
public final class PostgresConnection: Sendable {
    private let queue: DispatchQueue
    private let box: SessionBox
    private let canceller: Canceller
    public let logger: Logger

    private init(session: PostgresSession, queue: DispatchQueue, logger: Logger) {
        self.box = SessionBox(session)
        self.queue = queue
        self.canceller = Canceller(session: session)
        self.logger = logger
    }

    /// Connects, on a dedicated queue. `conninfo`: see ``PostgresSession/connect(conninfo:logger:file:line:)``.
    public static func connect(
        conninfo: String, logger: Logger, file: String = #fileID, line: Int = #line
    ) async throws -> PostgresConnection {
        let queue = DispatchQueue(label: "ocpizza.postgres.connection")
        let session = try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(
                    with: Result {
                        SessionBox(
                            try PostgresSession.connect(conninfo: conninfo, logger: logger, file: file, line: line))
                    })
            }
        }
        return PostgresConnection(session: try session.session, queue: queue, logger: logger)
    }

    /// Runs `body` with the session on the connection's queue and returns its result.
    public func withSession<T: Sendable>(
        file: String = #fileID, line: Int = #line, _ body: @escaping @Sendable (PostgresSession) throws -> T
    ) async throws -> T {
        let operation = canceller.makeOperation()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                queue.async { [box] in
                    continuation.resume(
                        with: Result {
                            guard operation.begin() else {
                                throw PostgresError(
                                    code: .cancelled, message: "cancelled before it started", file: file, line: line)
                            }
                            let session = try box.session
                            session.isInterrupted = { operation.wasCancelled }
                            defer {
                                session.isInterrupted = nil
                                operation.end()
                            }
                            do {
                                return try body(session)
                            } catch var error as PostgresError where operation.wasCancelled {
                                error.code = .cancelled
                                throw error
                            }
                        })
                }
            }
        } onCancel: {
            operation.cancel()
        }
    }

    /// Runs `body` even when the calling task is already cancelled, and lets cancellation not
    /// interrupt it: for bookkeeping that must happen precisely then (recording that a job was
    /// interrupted, releasing a lock). Keep such work short.
    public func withUncancellableSession<T: Sendable>(
        file: String = #fileID, line: Int = #line, _ body: @escaping @Sendable (PostgresSession) throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [box] in
                continuation.resume(with: Result { try body(try box.session) })
            }
        }
    }

    /// Runs one query and decodes every row with `decode`.
    public func query<T: Sendable>(
        _ sql: SQL, file: String = #fileID, line: Int = #line, decode: @escaping @Sendable (Row) throws -> T
    ) async throws -> [T] {
        try await withSession(file: file, line: line) { session in
            try session.query(sql, file: file, line: line).map(decode)
        }
    }

    /// Runs one statement and returns the number of rows it affected.
    @discardableResult
    public func execute(_ sql: SQL, file: String = #fileID, line: Int = #line) async throws -> Int {
        try await withSession(file: file, line: line) { try $0.execute(sql, file: file, line: line) }
    }

    /// Runs `body` in a transaction on the connection's queue; see ``PostgresSession/transaction(isolation:readOnly:file:line:_:)``.
    public func transaction<T: Sendable>(
        isolation: IsolationLevel = .readCommitted, file: String = #fileID, line: Int = #line,
        _ body: @escaping @Sendable (PostgresSession) throws -> T
    ) async throws -> T {
        try await withSession(file: file, line: line) { session in
            try session.transaction(isolation: isolation, file: file, line: line, body)
        }
    }

    /// Whether the connection can go back to a pool: not broken and not inside a transaction.
    /// Answers truthfully even from a cancelled task (a pool checks connections back in from those).
    public func isReusable() async -> Bool {
        await onQueue { box in
            guard let session = try? box.session else { return false }
            return !session.isBroken && !session.isInTransaction
        }
    }

    /// Closes the connection now (it is also closed when the last reference goes away).
    public func close() async {
        await onQueue { $0.close() }
    }

    /// Runs housekeeping on the queue, untouched by task cancellation.
    private func onQueue<T: Sendable>(_ body: @escaping @Sendable (SessionBox) -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { [box] in continuation.resume(returning: body(box)) }
        }
    }
}

/// Holds the session so it can be captured by the queue's `@Sendable` closures.
///
/// Safety: the session is only touched on its connection's serial queue.
private final class SessionBox: @unchecked Sendable {
    private var storage: PostgresSession?
    init(_ session: PostgresSession) { storage = session }

    var session: PostgresSession {
        get throws {
            guard let storage else {
                throw PostgresError(code: .connectionClosed, message: "the connection was closed")
            }
            return storage
        }
    }

    func close() { storage = nil }
}

/// Sends `PQcancel` for the operation in flight when its task is cancelled.
///
/// `PQcancel` opens a new connection to the server and waits for it: a blocking call that must
/// not run on the thread that cancelled the task (a Swift concurrency thread, or an event loop
/// when an HTTP client hangs up). Requests therefore go out from this connection's own serial
/// cancel queue. `PGcancel` may be used from any thread (that is its purpose); it is freed in
/// `deinit`.
private final class Canceller: @unchecked Sendable {
    private let handle: OpaquePointer?
    fileprivate let queue = DispatchQueue(label: "ocpizza.postgres.cancel")

    init(session: PostgresSession) { handle = PQgetCancel(session.handle) }
    deinit { if let handle { PQfreeCancel(handle) } }

    func makeOperation() -> Operation { Operation(canceller: self) }

    func sendCancel() {
        guard let handle else { return }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(handle, &errorBuffer, Int32(errorBuffer.count))
    }

    /// The cancellation state of one call: cancelled before it starts means it never starts;
    /// cancelled while in flight sends a cancel request; cancelled after it ends does nothing.
    final class Operation: Sendable {
        private enum Phase { case pending, running, finished }
        private let phase = Mutex(Phase.pending)
        /// Read before every statement (``PostgresSession/isInterrupted``): an atomic, so that
        /// reading it never waits for a cancel request on its way.
        private let cancelled = Atomic<Bool>(false)
        private let canceller: Canceller

        init(canceller: Canceller) { self.canceller = canceller }

        func begin() -> Bool {
            phase.withLock { $0 = .running }
            return !cancelled.load(ordering: .sequentiallyConsistent)
        }

        func end() { phase.withLock { $0 = .finished } }

        var wasCancelled: Bool { cancelled.load(ordering: .sequentiallyConsistent) }

        /// Called on the cancelling thread: never blocks.
        func cancel() {
            cancelled.store(true, ordering: .sequentiallyConsistent)
            canceller.queue.async { [self] in sendWhileRunning(attempt: 1) }
        }

        /// On the cancel queue. The request is sent under the phase lock so that `end()` cannot
        /// let the connection's next operation start (and be cancelled by mistake) meanwhile.
        /// A request that reaches the server just before a statement starts is ignored there,
        /// so it is sent again every 250 ms while this operation still runs (the session sends
        /// no further statement once cancelled).
        private func sendWhileRunning(attempt: Int) {
            let stillRunning = phase.withLock { phase in
                if phase == .running { canceller.sendCancel() }
                return phase == .running
            }
            guard stillRunning, attempt < 40 else { return }
            canceller.queue.asyncAfter(deadline: .now() + .milliseconds(250)) { [self] in
                sendWhileRunning(attempt: attempt + 1)
            }
        }
    }
}
