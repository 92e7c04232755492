import Logging
import Migrations
import Ordering
import Postgres

/// Everything the routes share: the request pool, the store, the key cache, the maintenance
/// flag's watcher and the metrics. One per server process.
public final class OrderingService: Sendable {
    public let pool: ConnectionPool
    public let store: OrderStore
    public let keys: APIKeyCache
    public let maintenance: MaintenanceWatch
    public let metrics: ServerMetrics
    public let logger: Logger

    public init(conninfo: String, poolSize: Int, logger: Logger, keyCacheLifetime: Duration = .seconds(5)) {
        pool = ConnectionPool(conninfo: conninfo, maximumConnections: poolSize, logger: logger)
        store = OrderStore(pool: pool)
        keys = APIKeyCache(lifetime: keyCacheLifetime)
        maintenance = MaintenanceWatch(conninfo: conninfo, logger: logger)
        metrics = ServerMetrics()
        self.logger = logger
    }

    /// What `/ready` checks: the database answers, every migration of this build is applied
    /// (and none changed), and maintenance mode is off.
    public struct Readiness: Sendable, Codable, Equatable {
        public var database: String
        public var migrations: String
        public var maintenance: Bool
        public var ready: Bool { database == "ok" && migrations == "current" && !maintenance }
    }

    public func readiness() async -> Readiness {
        do {
            let states = try await pool.withConnection { connection in
                try await Migrator().status(on: connection)
            }
            let behind = states.filter { $0.status != .applied }
            return Readiness(
                database: "ok",
                migrations: behind.isEmpty
                    ? "current" : behind.map { "\($0.label) \($0.status.rawValue)" }.joined(separator: ", "),
                maintenance: maintenance.current.on)
        } catch {
            logger.warning("readiness: database check failed", metadata: ["error": "\(error)"])
            return Readiness(database: "unreachable", migrations: "unknown", maintenance: maintenance.current.on)
        }
    }

    public func shutdown() async { await pool.close() }
}
