import Logging

/// A PostgreSQL session advisory lock held on a dedicated connection.
///
/// The lock lives exactly as long as the connection: if the process is killed, the server
/// releases it, so a crashed job never blocks the next run. Jobs take their lock with
/// ``tryAcquire(_:conninfo:logger:)`` (another holder means "skip", exit 75); `db migrate`
/// waits a little with ``acquire(_:conninfo:timeout:logger:)``.
public final class AdvisoryLock: Sendable {
    public let name: String
    public let key: Int64
    private let connection: PostgresConnection

    private init(name: String, key: Int64, connection: PostgresConnection) {
        self.name = name
        self.key = key
        self.connection = connection
    }

    /// The lock, or `nil` when another session holds it.
    public static func tryAcquire(_ name: String, conninfo: String, logger: Logger) async throws -> AdvisoryLock? {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
        let key = lockKey(for: name)
        if try await tryLock(key, on: connection) {
            return AdvisoryLock(name: name, key: key, connection: connection)
        }
        await connection.close()
        return nil
    }

    /// Waits up to `timeout` for the lock; `nil` when it is still held elsewhere by then.
    public static func acquire(
        _ name: String, conninfo: String, timeout: Duration, logger: Logger
    ) async throws -> AdvisoryLock? {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
        let key = lockKey(for: name)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(50)
        while true {
            if try await tryLock(key, on: connection) {
                return AdvisoryLock(name: name, key: key, connection: connection)
            }
            if clock.now >= deadline { break }
            logger.debug("waiting for advisory lock", metadata: ["db.lock": "\(name)"])
            try await Task.sleep(for: min(delay, deadline - clock.now))
            delay = min(delay * 2, .seconds(1))
        }
        await connection.close()
        return nil
    }

    /// Releases the lock and closes its connection.
    public func release() async {
        _ = try? await connection.execute("SELECT pg_advisory_unlock(\(key))")
        await connection.close()
    }

    private static func tryLock(_ key: Int64, on connection: PostgresConnection) async throws -> Bool {
        try await connection.withSession { session in
            try session.queryValue("SELECT pg_try_advisory_lock(\(key))", as: Bool.self) ?? false
        }
    }

    /// A stable 64-bit key for a lock name (FNV-1a of "ocpizza:" + name), the same on every
    /// server and every version of the program.
    public static func lockKey(for name: String) -> Int64 {
        Int64(bitPattern: StableHash.fnv1a64("ocpizza:" + name))
    }
}

/// FNV-1a: a fast, stable (across runs, machines and versions, unlike `Hasher`) 64-bit hash for
/// names and paths. Not for security.
public enum StableHash {
    public static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}
