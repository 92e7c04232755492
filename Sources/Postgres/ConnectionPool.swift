import Logging
import Synchronization

/// A small pool of ``PostgresConnection``s for the HTTP endpoint.
///
/// Connections open lazily up to `maximumConnections`; callers beyond that wait in FIFO order
/// (the better tail latency under load, measured here). A connection that comes back broken or
/// still inside a transaction is closed instead of reused. Waiting is cancellable.
public final class ConnectionPool: Sendable {
    public let maximumConnections: Int
    private let conninfo: String
    private let logger: Logger
    private let state: Mutex<State>

    private enum Grant: Sendable {
        case connection(PostgresConnection)
        case openNew
    }

    private struct State: ~Copyable {
        var idle: [PostgresConnection] = []
        var openCount = 0
        var waiters: [(id: Int, continuation: CheckedContinuation<Grant, any Error>)] = []
        var nextWaiterID = 0
        var isClosed = false
    }

    public init(conninfo: String, maximumConnections: Int = 4, logger: Logger) {
        precondition(maximumConnections > 0, "a pool needs at least one connection")
        self.conninfo = conninfo
        self.maximumConnections = maximumConnections
        self.logger = logger
        self.state = Mutex(State())
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    public func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            await release(connection)
            return value
        } catch {
            await release(connection)
            throw error
        }
    }

    /// Connections currently open (idle or lent).
    public var openConnections: Int { state.withLock { $0.openCount } }

    /// What the pool holds now, for metrics: open connections, the idle ones among them, and
    /// the borrowers waiting for one.
    public var usage: (open: Int, idle: Int, waiting: Int) {
        state.withLock { ($0.openCount, $0.idle.count, $0.waiters.count) }
    }

    /// Closes idle connections and refuses new borrowers; lent connections close when returned.
    public func close() async {
        let (idle, waiters) = state.withLock { state in
            state.isClosed = true
            defer {
                state.openCount -= state.idle.count
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters {
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed, message: "the pool is closed"))
        }
        for connection in idle { await connection.close() }
    }

    private func acquire() async throws -> PostgresConnection {
        enum Step { case use(PostgresConnection), open, wait }
        let step: Step = try state.withLock { state in
            if state.isClosed { throw PostgresError(code: .poolClosed, message: "the pool is closed") }
            if let connection = state.idle.popLast() { return .use(connection) }
            if state.openCount < maximumConnections {
                state.openCount += 1
                return .open
            }
            return .wait
        }
        switch step {
        case .use(let connection): return connection
        case .open: return try await open()
        case .wait:
            switch try await waitForGrant() {
            case .connection(let connection): return connection
            case .openNew: return try await open()
            }
        }
    }

    /// Opens a connection for a slot already counted in `openCount`.
    private func open() async throws -> PostgresConnection {
        do {
            return try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
        } catch {
            // Give the slot back; the next waiter (if any) tries for itself.
            let waiter = state.withLock { state in
                state.openCount -= 1
                if state.waiters.isEmpty { return nil as CheckedContinuation<Grant, any Error>? }
                state.openCount += 1
                return state.waiters.removeFirst().continuation
            }
            waiter?.resume(returning: .openNew)
            throw error
        }
    }

    private func waitForGrant() async throws -> Grant {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let refusal: (any Error)? = state.withLock { state in
                    if state.isClosed { return PostgresError(code: .poolClosed, message: "the pool is closed") }
                    if Task.isCancelled { return CancellationError() }
                    state.waiters.append((id, continuation))
                    return nil
                }
                if let refusal { continuation.resume(throwing: refusal) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func release(_ connection: PostgresConnection) async {
        let reusable = await connection.isReusable()
        enum Next {
            case handTo(CheckedContinuation<Grant, any Error>), keep, close(
                wakeForOpen: CheckedContinuation<Grant, any Error>?)
        }
        let next: Next = state.withLock { state in
            guard reusable, !state.isClosed else {
                state.openCount -= 1
                guard !state.isClosed, !state.waiters.isEmpty else { return .close(wakeForOpen: nil) }
                state.openCount += 1
                return .close(wakeForOpen: state.waiters.removeFirst().continuation)
            }
            if !state.waiters.isEmpty { return .handTo(state.waiters.removeFirst().continuation) }
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .handTo(let waiter):
            waiter.resume(returning: .connection(connection))
        case .keep:
            break
        case .close(let waiter):
            if !reusable { logger.debug("closing a connection that cannot be reused") }
            await connection.close()
            waiter?.resume(returning: .openNew)
        }
    }
}
