import Logging
import Postgres
import Synchronization

/// Follows the maintenance flag (`maintenance_mode` view) for one server instance.
///
/// The flag lives in the database so that `ocpizza maintenance on` reaches every instance; each
/// instance reads it every ``interval`` (500 ms) on a connection of its own, outside the request
/// pool, so a saturated pool never delays it. Requests read the last value from memory: the flag
/// costs no query per request and takes effect within a second.
public final class MaintenanceWatch: Sendable {
    public struct State: Sendable, Equatable {
        public var on: Bool
        public var reason: String?
        /// False while the flag could not be read (the database is away).
        public var known: Bool
    }

    public let interval: Duration
    private let conninfo: String
    private let logger: Logger
    private let state = Mutex(State(on: false, reason: nil, known: false))

    public init(conninfo: String, interval: Duration = .milliseconds(500), logger: Logger) {
        self.conninfo = conninfo
        self.interval = interval
        self.logger = logger
    }

    public var current: State { state.withLock { $0 } }

    /// Reads the flag once, now.
    public func refresh(on connection: PostgresConnection) async throws {
        let row = try await connection.withSession { session in
            try session.query(#"SELECT "on", reason FROM maintenance_mode"#).first.map {
                (on: try $0.decode("on", as: Bool.self), reason: try $0.decode("reason", as: String?.self))
            }
        }
        let next = State(on: row?.on ?? false, reason: row?.reason, known: true)
        let previous = state.withLock { state in
            defer { state = next }
            return state
        }
        if previous.on != next.on || !previous.known {
            logger.notice("maintenance flag", metadata: ["on": "\(next.on)", "reason": "\(next.reason ?? "")"])
        }
    }

    /// Polls until the task is cancelled, reconnecting after failures.
    public func run() async {
        var connection: PostgresConnection?
        while !Task.isCancelled {
            do {
                let current: PostgresConnection
                if let connection {
                    current = connection
                } else {
                    current = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
                }
                connection = current
                try await refresh(on: current)
            } catch {
                if !Task.isCancelled {
                    state.withLock { $0.known = false }
                    logger.warning("cannot read the maintenance flag", metadata: ["error": "\(error)"])
                }
                if let broken = connection { await broken.close() }
                connection = nil
            }
            try? await Task.sleep(for: interval)
        }
        if let connection { await connection.close() }
    }
}
