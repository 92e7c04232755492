import FoundationEssentials
import Logging
import Postgres

/// Applies and inspects the versioned migrations.
///
/// * Each pending migration runs in its own transaction together with the row that records it
///   (version, name, SHA-256 of the file, duration), so a crash leaves it either applied and
///   recorded or not applied at all.
/// * An applied migration whose file changed since is refused, by name, before anything runs.
/// * A session advisory lock makes concurrent `db migrate` runs safe: one applies, the other
///   waits for it and then finds nothing pending.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    /// The advisory lock name shared by every `db migrate`.
    public static let lockName = "db-migrate"

    public init(migrations: [Migration] = MigrationCatalog.all) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        precondition(
            Set(migrations.map(\.version)).count == migrations.count, "two migrations share a version number")
    }

    /// Where each migration stands in the database, plus rows applied by a build this one does not know.
    public func status(on connection: PostgresConnection) async throws -> [MigrationState] {
        let migrations = self.migrations
        return try await connection.withSession { session in
            try Self.states(of: migrations, in: session)
        }
    }

    /// Applies every pending migration, in order. Waits up to `lockTimeout` for a concurrent run.
    @discardableResult
    public func migrate(
        conninfo: String, lockTimeout: Duration = .seconds(60), logger: Logger
    ) async throws -> MigrationReport {
        guard
            let lock = try await AdvisoryLock.acquire(
                Self.lockName, conninfo: conninfo, timeout: lockTimeout, logger: logger)
        else {
            throw MigrationError.lockTimeout(lockTimeout)
        }
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
        } catch {
            await lock.release()
            throw error
        }
        let migrations = self.migrations
        do {
            let report = try await connection.withSession { session in
                try Self.apply(migrations, in: session, logger: logger)
            }
            await connection.close()
            await lock.release()
            return report
        } catch {
            await connection.close()
            await lock.release()
            throw error
        }
    }

    // MARK: - On the connection's queue

    private static func apply(
        _ migrations: [Migration], in session: PostgresSession, logger: Logger
    ) throws
        -> MigrationReport
    {
        try ensureHistoryTable(in: session)
        let states = try states(of: migrations, in: session)
        let modified = states.filter { $0.status == .modified }
        guard modified.isEmpty else { throw MigrationError.modified(modified.map(\.label)) }
        let unknown = states.filter { $0.status == .unknown }
        guard unknown.isEmpty else { throw MigrationError.unknownApplied(unknown.map(\.label)) }

        var applied: [MigrationState] = []
        for state in states where state.status == .pending {
            guard let migration = migrations.first(where: { $0.version == state.version }) else { continue }
            let clock = ContinuousClock()
            let started = clock.now
            try session.transaction { session in
                try session.executeScript(migration.sql)
                let milliseconds = Self.milliseconds(clock.now - started)
                try session.execute(
                    """
                    INSERT INTO schema_migration (version, name, checksum, execution_ms)
                    VALUES (\(migration.version), \(migration.name), \(state.checksum), \(milliseconds))
                    """)
            }
            logger.info(
                "applied migration",
                metadata: [
                    "db.migration": "\(migration.label)", "db.duration_ms": "\(Self.milliseconds(clock.now - started))",
                ])
            var done = state
            done.status = .applied
            applied.append(done)
        }
        return MigrationReport(applied: applied, states: try Self.states(of: migrations, in: session))
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    private static func ensureHistoryTable(in session: PostgresSession) throws {
        try session.executeScript(
            """
            CREATE TABLE IF NOT EXISTS schema_migration (
                version       integer PRIMARY KEY,
                name          text NOT NULL,
                checksum      text NOT NULL,
                applied_at    timestamptz NOT NULL DEFAULT now(),
                applied_by    text NOT NULL DEFAULT current_user,
                execution_ms  integer NOT NULL
            )
            """)
    }

    static func states(of migrations: [Migration], in session: PostgresSession) throws -> [MigrationState] {
        // SHA-256 of each file as PostgreSQL computes it (sha256() is built in since PostgreSQL 11):
        // one round trip, and the same function whatever machine runs the command.
        let checksums = try session.query(
            "SELECT encode(sha256(convert_to(sql, 'UTF8')), 'hex') AS checksum FROM unnest(\(migrations.map(\.sql))::text[]) WITH ORDINALITY AS f(sql, n) ORDER BY n"
        ).map { try $0.decode("checksum", as: String.self) }

        let tableExists =
            try session.queryValue("SELECT to_regclass('schema_migration') IS NOT NULL", as: Bool.self) ?? false
        var recorded: [Int: (name: String, checksum: String, appliedAt: Date)] = [:]
        if tableExists {
            for row in try session.query(
                "SELECT version, name, checksum, applied_at FROM schema_migration ORDER BY version")
            {
                recorded[try row.decode("version")] = (
                    try row.decode("name"), try row.decode("checksum"), try row.decode("applied_at")
                )
            }
        }

        var states: [MigrationState] = []
        for (migration, checksum) in zip(migrations, checksums) {
            guard let record = recorded.removeValue(forKey: migration.version) else {
                states.append(
                    MigrationState(
                        version: migration.version, name: migration.name, status: .pending, checksum: checksum))
                continue
            }
            states.append(
                MigrationState(
                    version: migration.version, name: migration.name,
                    status: record.checksum == checksum ? .applied : .modified, checksum: checksum,
                    appliedAt: record.appliedAt))
        }
        for (version, record) in recorded.sorted(by: { $0.key < $1.key }) {
            states.append(
                MigrationState(
                    version: version, name: record.name, status: .unknown, checksum: record.checksum,
                    appliedAt: record.appliedAt))
        }
        return states.sorted { $0.version < $1.version }
    }
}

/// One migration as the database sees it.
public struct MigrationState: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Applied, and the file is unchanged.
        case applied
        /// In this build, not yet applied.
        case pending
        /// Applied, but the file in this build differs from what was applied.
        case modified
        /// Applied by a build that had a migration this one does not have.
        case unknown
    }

    public var version: Int
    public var name: String
    public var status: Status
    /// SHA-256 (hex) of the file in this build, or the recorded one for `unknown`.
    public var checksum: String
    public var appliedAt: Date?

    public var label: String { Migration(version: version, name: name, sql: "").label }
}

/// What `db migrate` did.
public struct MigrationReport: Sendable, Codable {
    /// The migrations this run applied, in order.
    public var applied: [MigrationState]
    /// Every migration's state after the run.
    public var states: [MigrationState]
}

public enum MigrationError: Error, Sendable, CustomStringConvertible {
    /// Applied migrations whose file changed since (labels).
    case modified([String])
    /// Applied migrations that this build does not contain: the database is ahead of the program.
    case unknownApplied([String])
    /// Another `db migrate` held the lock for longer than the timeout.
    case lockTimeout(Duration)

    public var description: String {
        switch self {
        case .modified(let labels):
            return "applied migration file changed since it was applied: \(labels.joined(separator: ", ")); "
                + "never edit an applied migration, add a new one instead"
        case .unknownApplied(let labels):
            return "the database has migrations this build does not know: \(labels.joined(separator: ", ")); "
                + "it was migrated by a newer ocpizza"
        case .lockTimeout(let timeout):
            return "another db migrate is running (advisory lock held for more than \(timeout))"
        }
    }
}
