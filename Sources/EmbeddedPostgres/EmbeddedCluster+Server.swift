import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The blocking side of the embedded cluster: folders, initdb, pg_ctl. Runs on a dispatch queue.
extension EmbeddedCluster {
    func currentStatus() throws -> Status {
        guard FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") else { return .notInitialized }
        let tools = try ServerTools.locate(environment: environment, dataDirectory: dataDirectory)
        let account = try ServerAccount.resolve(environment: environment)
        let result = try ProcessRunner.run(account.command([tools.pgCtl, "status", "-D", dataDirectory]))
        switch result.status {
        case 0: return .running(pid: postmasterPID() ?? 0)
        case 3: return .stopped
        default:
            // 4: the data directory cannot be read (another owner, permissions).
            throw EmbeddedClusterError(.permissions, "pg_ctl status failed: \(result.output.trimmed)")
        }
    }

    func startServer(logger: Logger) throws -> StartOutcome {
        let account = try ServerAccount.resolve(environment: environment)
        try prepareFolders(account: account, logger: logger)
        let tools = try ServerTools.locate(environment: environment, dataDirectory: dataDirectory)

        var outcome = StartOutcome.started
        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try initialize(tools: tools, account: account, logger: logger)
            outcome = .initializedAndStarted
        }
        if case .running = try currentStatus() { return .alreadyRunning }

        // pg_ctl hands these options to /bin/sh: the socket path is shell-quoted (and the paths
        // were checked for characters pg_ctl's own double quotes cannot carry).
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

    func stopServer(logger: Logger) throws -> Bool {
        guard case .running = try currentStatus() else { return false }
        let tools = try ServerTools.locate(environment: environment, dataDirectory: dataDirectory)
        let account = try ServerAccount.resolve(environment: environment)
        let result = try ProcessRunner.run(
            account.command([tools.pgCtl, "stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60"]))
        guard result.status == 0 else {
            throw EmbeddedClusterError(.toolFailed, "pg_ctl stop failed: \(result.output.trimmed)")
        }
        logger.info("embedded PostgreSQL stopped", metadata: ["db.cluster": "\(root)"])
        return true
    }

    /// Creates the cluster folder (or, as root when the server account cannot reach the working
    /// directory, a folder under /var/lib linked from it) and the socket folder.
    private func prepareFolders(account: ServerAccount, logger: Logger) throws {
        let fileManager = FileManager.default
        let parent = (root as NSString).deletingLastPathComponent
        let rootExists = (try? fileManager.attributesOfItem(atPath: root)) != nil
        if !rootExists, account.name != nil, !account.canReach(parent) {
            let fallback = "/var/lib/ocpizza/dev-clusters/" + Self.hash(root)
            try makeFolder(fallback, account: account)
            do { try fileManager.createSymbolicLink(atPath: root, withDestinationPath: fallback) } catch {
                throw EmbeddedClusterError(
                    .fileSystem, "cannot link \(root) to \(fallback): \(error.localizedDescription)")
            }
            logger.notice(
                "the server account cannot reach the working directory: the cluster's files go to \(fallback)",
                metadata: ["db.cluster": "\(root)"])
        }
        for path in [storage, socketDirectory] where path.contains(where: { "\"`$\\,\n".contains($0) }) {
            throw EmbeddedClusterError(
                .permissions,
                "\(path) contains a character pg_ctl cannot pass to the server (\", `, $, \\, comma or newline); "
                    + "run ocpizza from another folder")
        }
        try makeFolder(storage, account: account)
        try makeFolder(socketDirectory, account: account)

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
        if let name = account.name, !account.canWrite(storage) {
            throw EmbeddedClusterError(
                .permissions,
                "the server runs as '\(name)', which cannot reach \(storage); make its parent folders traversable "
                    + "(chmod o+x) or run ocpizza from another folder")
        }
    }

    /// Creates `folder` mode 0700 for the server account; missing parents get 0755 so that the
    /// account can traverse them.
    private func makeFolder(_ folder: String, account: ServerAccount) throws {
        let fileManager = FileManager.default
        do {
            try fileManager.createDirectory(
                atPath: (folder as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o755])
            if !fileManager.fileExists(atPath: folder) {
                try fileManager.createDirectory(
                    atPath: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw EmbeddedClusterError(.fileSystem, "cannot create \(folder): \(error.localizedDescription)")
        }
        try account.own(folder)
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
    func withStartLock<T>(_ body: () throws -> T) throws -> T {
        let parent = (root as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
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

/// The PostgreSQL server programs: `OCPIZZA_PG_BINDIR` if set, else the version the cluster was
/// created with (`data/PG_VERSION`), else the newest `/usr/lib/postgresql/<major>/bin` (Debian
/// keeps them off PATH), else PATH.
struct ServerTools {
    let initdb: String
    let pgCtl: String

    static func locate(environment: [String: String], dataDirectory: String? = nil) throws -> ServerTools {
        var directories: [String] = []
        if let explicit = environment["OCPIZZA_PG_BINDIR"], !explicit.isEmpty { directories.append(explicit) }
        if let dataDirectory,
            let version = try? String(contentsOfFile: dataDirectory + "/PG_VERSION", encoding: .utf8).trimmed
        {
            directories.append("/usr/lib/postgresql/\(version)/bin")
        }
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
