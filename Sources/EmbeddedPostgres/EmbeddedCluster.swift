import Dispatch
import Foundation
import Logging
import Postgres

/// The private PostgreSQL cluster ocpizza starts by itself when no database is configured.
///
/// It lives under `.ocpizza/postgres` of the working directory: `data/` (initdb'd on first use,
/// data checksums on), `run/` (the Unix socket; no TCP port is opened) and `server.log`. The
/// database `ocpizza` is owned by the superuser `ocpizza`; local connections are trusted, which
/// is safe because the socket folder is mode 0700. Starting, stopping and resetting are
/// serialised across processes with a file lock, so two commands started at once do not both
/// run initdb.
///
/// As root, the server runs as an unprivileged account (see `ServerAccount`). When that account
/// cannot reach the working directory (a checkout under `/root`, mode 0700), the cluster's files
/// go to `/var/lib/ocpizza/dev-clusters/<hash>` and `.ocpizza/postgres` becomes a symbolic link
/// to them.
///
/// initdb and pg_ctl block for up to a minute: every call here runs on a dispatch queue, never
/// on a Swift concurrency thread.
public struct EmbeddedCluster: Sendable {
    public static let databaseName = "ocpizza"
    public static let superuser = "ocpizza"
    static let port = 5432

    /// Absolute path of `<working directory>/.ocpizza/postgres` (possibly a symbolic link).
    public let root: String
    let environment: [String: String]

    public init(workingDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = workingDirectory.hasSuffix("/") ? String(workingDirectory.dropLast()) : workingDirectory
        self.root = base + "/.ocpizza/postgres"
        self.environment = environment
    }

    /// Where the files really are: `root`, or where `root` links to.
    public var storage: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: root)) ?? root
    }

    public var dataDirectory: String { storage + "/data" }
    public var logFile: String { storage + "/server.log" }

    /// The socket folder: `run/` inside the cluster folder, or, when that path would pass the
    /// 107-byte limit of a Unix socket path, a folder under /tmp named after the cluster path.
    public var socketDirectory: String {
        let inside = storage + "/run"
        if (inside + "/.s.PGSQL.\(Self.port)").utf8.count < 100 { return inside }
        return "/tmp/ocpizza-pg-" + Self.hash(root)
    }

    /// A libpq connection string for `database` on this cluster.
    public func conninfo(database: String = EmbeddedCluster.databaseName) -> String {
        ConnectionString.keyValue([
            "host": socketDirectory, "port": String(Self.port), "user": Self.superuser, "dbname": database,
        ])
    }

    public enum Status: Equatable, Sendable {
        case notInitialized
        case stopped
        case running(pid: Int)
    }

    public func status() async throws -> Status {
        try await offload { try currentStatus() }
    }

    public enum StartOutcome: String, Sendable {
        case alreadyRunning = "already running"
        case started
        case initializedAndStarted = "initialized and started"
    }

    /// Initialises the cluster if needed, starts it if needed, and makes sure the database exists.
    @discardableResult
    public func start(logger: Logger) async throws -> StartOutcome {
        let outcome = try await offload { try withStartLock { try startServer(logger: logger) } }
        try await createDatabaseIfMissing(logger: logger)
        return outcome
    }

    /// Stops the server (fast shutdown: open sessions are rolled back). Returns false if it was not running.
    @discardableResult
    public func stop(logger: Logger) async throws -> Bool {
        try await offload { try withStartLock { try stopServer(logger: logger) } }
    }

    /// Stops the server, deletes every database in it, and starts a fresh, empty one, all under
    /// the start lock so that no other command can start the old cluster in between.
    public func reset(logger: Logger) async throws {
        try await offload {
            try withStartLock {
                _ = try stopServer(logger: logger)
                for path in [dataDirectory, socketDirectory, logFile] where FileManager.default.fileExists(atPath: path)
                {
                    do { try FileManager.default.removeItem(atPath: path) } catch {
                        throw EmbeddedClusterError(.fileSystem, "cannot remove \(path): \(error.localizedDescription)")
                    }
                }
                logger.notice("embedded PostgreSQL wiped", metadata: ["db.cluster": "\(root)"])
                _ = try startServer(logger: logger)
            }
        }
        try await createDatabaseIfMissing(logger: logger)
    }

    private func createDatabaseIfMissing(logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(conninfo: conninfo(database: "postgres"), logger: logger)
        let name = Self.databaseName
        do {
            try await connection.withSession { session in
                let exists =
                    try session.queryValue("SELECT true FROM pg_database WHERE datname = \(name)", as: Bool.self)
                    ?? false
                guard !exists else { return }
                do {
                    try session.execute("CREATE DATABASE \(identifier: name)")
                } catch let error as PostgresError where error.sqlState == SQLState("42P04") {
                    // Created meanwhile by a concurrent start: fine.
                }
            }
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Runs blocking work (flock, posix_spawn, waitpid) on a dispatch queue.
    private func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// A stable short name for a path (FNV-1a, hex).
    static func hash(_ text: String) -> String { String(StableHash.fnv1a64(text), radix: 16) }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
