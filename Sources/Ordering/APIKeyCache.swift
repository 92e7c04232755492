import Checksums
import Postgres
import Synchronization

/// Remembers verified API keys for a few seconds, so that a busy channel costs the database one
/// key lookup (and one `last_used_at` write) per key every ``lifetime``, not one per request.
///
/// The price: a revoked key keeps working on an instance for at most ``lifetime`` (5 s by
/// default), which the operations manual states. Unknown keys are remembered too, so a client
/// hammering with a wrong key does not hammer the database.
public final class APIKeyCache: Sendable {
    public let lifetime: Duration
    private let maximumEntries = 10_000
    private let entries = Mutex<[String: (info: APIKeyInfo?, until: ContinuousClock.Instant)]>([:])

    public init(lifetime: Duration = .seconds(5)) { self.lifetime = lifetime }

    /// The live key matching `key`, or nil.
    public func verify(_ key: String, using pool: ConnectionPool) async throws -> APIKeyInfo? {
        let digest = SHA256Digest.hex(of: Array(key.utf8))
        let now = ContinuousClock.now
        if let cached = entries.withLock({ $0[digest] }), cached.until > now { return cached.info }
        let info = try await pool.withConnection { connection in
            try await connection.withSession { session in try APIKeys.verify(key, in: session) }
        }
        entries.withLock { entries in
            if entries.count >= maximumEntries { entries.removeAll(keepingCapacity: true) }
            entries[digest] = (info, now + lifetime)
        }
        return info
    }

    /// Forgets every key (tests, and after `api-keys revoke` on the same process).
    public func removeAll() { entries.withLock { $0.removeAll() } }
}
