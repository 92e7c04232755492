import Foundation
import Logging
import Postgres

#if canImport(Glibc)
import Glibc
#endif

/// The private PostgreSQL cluster ocpizza starts by itself when no database is configured.
///
/// It lives under `.ocpizza/postgres` of the working directory: `data/` (initdb'd on first use,
/// data checksums on), `run/` (the Unix socket; no TCP port is opened) and `server.log`. The
/// database `ocpizza` is owned by the superuser `ocpizza`; local connections are trusted, which
/// is safe because the socket folder is mode 0700. Starting is serialised with a file lock, so
/// two commands started at once do not both run initdb.
public struct EmbeddedCluster: Sendable {
    public static let databaseName = "ocpizza"
    public static let superuser = "ocpizza"
    static let port = 5432

    /// Absolute path of the cluster folder (`<working directory>/.ocpizza/postgres`).
    public let root: String
    private let environment: [String: String]

    public init(workingDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let base = workingDirectory.hasSuffix("/") ? String(workingDirectory.dropLast()) : workingDirectory
        self.root = base + "/.ocpizza/postgres"
        self.environment = environment
    }

    public var dataDirectory: String { root + "/data" }
    public var logFile: String { root + "/server.log" }

    /// The socket folder: `run/` inside the cluster folder, or, when that path would pass the
    /// 107-byte limit of a Unix socket path, a folder under /tmp named after the cluster path.
    public var socketDirectory: String {
        let inside = root + "/run"
        if (inside + "/.s.PGSQL.\(Self.port)").utf8.count < 100 { return inside }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in root.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return "/tmp/ocpizza-pg-" + String(hash, radix: 16)
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

    public func status() throws -> Status {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else { return .notInitialized }
        let tools = try ServerTools.locate(environment: environment)
        let account = try ServerAccount.resolve(environment: environment)
        let result = try ProcessRunner.run(account.command([tools.pgCtl, "status", "-D", dataDirectory]))
        guard result.status == 0 else { return .stopped }
        return .running(pid: postmasterPID() ?? 0)
    }

    public enum StartOutcome: String, Sendable {
        case alreadyRunning = "already running"
        case started
        case initializedAndStarted = "initialized and started"
    }

    /// Initialises the cluster if needed, starts it if needed, and makes sure the database exists.
    @discardableResult
    public func start(logger: Logger) async throws -> StartOutcome {
        let outcome = try withStartLock { try startServer(logger: logger) }
        try await createDatabaseIfMissing(logger: logger)
        return outcome
    }

    /// Stops the server (fast shutdown: open sessions are rolled back). Returns false if it was not running.
    @discardableResult
    public func stop(logger: Logger) throws -> Bool {
        try withStartLock {
            guard case .running = try status() else { return false }
            let tools = try ServerTools.locate(environment: environment)
            let account = try ServerAccount.resolve(environment: environment)
            let result = try ProcessRunner.run(
                account.command([tools.pgCtl, "stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"]))
            guard result.status == 0 else {
                throw EmbeddedClusterError(.toolFailed, "pg_ctl stop failed: \(result.output.trimmed)")
            }
            logger.info("embedded PostgreSQL stopped", metadata: ["db.cluster": "\(root)"])
            return true
        }
    }

    /// Stops the server, deletes every database in it, and starts a fresh, empty one.
    public func reset(logger: Logger) async throws {
        try stop(logger: logger)
        try withStartLock {
            for path in [dataDirectory, socketDirectory, logFile] where FileManager.default.fileExists(atPath: path) {
                do { try FileManager.default.removeItem(atPath: path) } catch {
                    throw EmbeddedClusterError(.fileSystem, "cannot remove \(path): \(error.localizedDescription)")
                }
            }
        }
        logger.notice("embedded PostgreSQL wiped", metadata: ["db.cluster": "\(root)"])
        try await start(logger: logger)
    }

    // MARK: - Start

    private func startServer(logger: Logger) throws -> StartOutcome {
        let tools = try ServerTools.locate(environment: environment)
        let account = try ServerAccount.resolve(environment: environment)
        try prepareFolders(account: account)

        var outcome = StartOutcome.started
        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try initialize(tools: tools, account: account, logger: logger)
            outcome = .initializedAndStarted
        }
        if case .running = try status() { return .alreadyRunning }

        // pg_ctl hands these options to /bin/sh: the socket path is shell-quoted.
        let serverOptions =
            "-c listen_addresses='' -k \(Self.shellQuoted(socketDirectory)) -p \(Self.port) -c unix_socket_permissions=0700"
        let result = try ProcessRunner.run(
            account.command([
                tools.pgCtl, "start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-o", serverOptions,
            ]))
        guard result.status == 0 else {
            throw EmbeddedClusterError(
                .toolFailed, "pg_ctl start failed: \(result.output.trimmed)\nlast lines of \(logFile):\n\(logTail())")
        }
        return outcome
    }

    private func prepareFolders(account: ServerAccount) throws {
        let fileManager = FileManager.default
        for folder in [root, socketDirectory] {
            do {
                try fileManager.createDirectory(
                    atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw EmbeddedClusterError(.fileSystem, "cannot create \(folder): \(error.localizedDescription)")
            }
            try account.own(folder)
        }
        // A cluster initialised by another account (ocpizza run as another user before) cannot be
        // started by this one: say so instead of letting pg_ctl fail on a permission error.
        var info = stat()
        if stat(dataDirectory, &info) == 0, info.st_uid != account.uid {
            let owner = getpwuid(info.st_uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(info.st_uid)"
            throw EmbeddedClusterError(
                .permissions,
                "the cluster at \(root) belongs to \(owner), not to \(account.name ?? "the current user"); run ocpizza "
                    + "as \(owner), or start afresh with `ocpizza dev-db reset --yes`")
        }
        // As root, the server account must reach the folder through every parent folder.
        if let name = account.name {
            let test = try ProcessRunner.run(account.command(["/usr/bin/test", "-w", root, "-a", "-x", root]))
            guard test.status == 0 else {
                throw EmbeddedClusterError(
                    .permissions,
                    "the server runs as '\(name)', which cannot reach \(root); make its parent folders traversable "
                        + "(chmod o+x) or run ocpizza from another folder")
            }
        }
    }

    private func initialize(tools: ServerTools, account: ServerAccount, logger: Logger) throws {
        logger.debug("initialising the embedded PostgreSQL cluster", metadata: ["db.cluster": "\(root)"])
        let result = try ProcessRunner.run(
            account.command([
                tools.initdb, "-D", dataDirectory, "-U", Self.superuser, "--auth-local=trust", "--auth-host=reject",
                "--encoding=UTF8", "--locale=C.UTF-8", "--data-checksums",
            ]))
        guard result.status == 0 else {
            try? FileManager.default.removeItem(atPath: dataDirectory)
            throw EmbeddedClusterError(.toolFailed, "initdb failed: \(result.output.trimmed)")
        }
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

    // MARK: - Helpers

    /// Single-quotes a word for /bin/sh (`'` becomes `'\''`).
    static func shellQuoted(_ word: String) -> String {
        "'" + word.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    private func postmasterPID() -> Int? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8) else {
            return nil
        }
        return text.split(separator: "\n").first.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    private func logTail(lines: Int = 6) -> String {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Serialises init/start/stop/reset across processes with an exclusive `flock`.
    private func withStartLock<T>(_ body: () throws -> T) throws -> T {
        let parent = (root as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw EmbeddedClusterError(.fileSystem, "cannot create \(parent): \(error.localizedDescription)")
        }
        let lockPath = parent + "/postgres.lock"
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw EmbeddedClusterError(.fileSystem, "cannot open \(lockPath): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw EmbeddedClusterError(.fileSystem, "cannot lock \(lockPath): \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}

/// The PostgreSQL server programs: `OCPIZZA_PG_BINDIR` if set, else the newest
/// `/usr/lib/postgresql/<major>/bin` (Debian keeps them off PATH), else PATH.
struct ServerTools {
    let initdb: String
    let pgCtl: String

    static func locate(environment: [String: String]) throws -> ServerTools {
        var directories: [String] = []
        if let explicit = environment["OCPIZZA_PG_BINDIR"], !explicit.isEmpty { directories.append(explicit) }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        directories += versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        for directory in directories where FileManager.default.isExecutableFile(atPath: directory + "/initdb") {
            return ServerTools(initdb: directory + "/initdb", pgCtl: directory + "/pg_ctl")
        }
        if let initdb = ProcessRunner.which("initdb"), let pgCtl = ProcessRunner.which("pg_ctl") {
            return ServerTools(initdb: initdb, pgCtl: pgCtl)
        }
        throw EmbeddedClusterError(
            .serverNotInstalled,
            "no PostgreSQL server found (initdb, pg_ctl); install it with: apt-get install postgresql")
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
