import EmbeddedPostgres
import Foundation
import Logging
import Postgres

/// What every command starts from: the logger, the working folders, and how to reach the database.
public struct CommandEnvironment: Sendable {
    public let logger: Logger
    public let selection: DatabaseSelection
    /// The working folders (`--var`, default `./var`): inbox, archive, rejected, reports, metrics.
    public let varDirectory: String
    public let workingDirectory: String
    public let environment: [String: String]

    public init(
        databaseURL: String?, varDirectory: String, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(ConfigurationError) {
        self.logger = logger
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.varDirectory = varDirectory.hasPrefix("/") ? varDirectory : workingDirectory + "/" + varDirectory
        self.selection = try DatabaseSelection.resolve(databaseURL: databaseURL, environment: environment)
    }

    /// The embedded cluster of this working directory (whether or not it is the one in use).
    public var embeddedCluster: EmbeddedCluster {
        EmbeddedCluster(workingDirectory: workingDirectory, environment: environment)
    }

    public var usesEmbeddedDatabase: Bool { selection == .embedded }

    /// The libpq connection string to use; starts the embedded cluster first when it is the one.
    public func conninfo() async throws -> String {
        switch selection {
        case .url(let url, _):
            return url
        case .libpqEnvironment:
            return ""
        case .embedded:
            let cluster = embeddedCluster
            let outcome = try await cluster.start(logger: logger)
            logger.notice(
                "no database configured: using the embedded PostgreSQL (\(outcome.rawValue))",
                metadata: ["db.cluster": "\(relative(cluster.root))", "db.socket": "\(cluster.socketDirectory)"])
            return cluster.conninfo()
        }
    }

    /// Connects to the selected database.
    public func connect() async throws -> (connection: PostgresConnection, conninfo: String) {
        let conninfo = try await conninfo()
        return (try await PostgresConnection.connect(conninfo: conninfo, logger: logger), conninfo)
    }

    /// Runs `body` on a session of the selected database, then closes the connection, whatever
    /// happens: what most commands need.
    public func withSession<T: Sendable>(_ body: @escaping @Sendable (PostgresSession) throws -> T) async throws -> T {
        let (connection, _) = try await connect()
        do {
            let value = try await connection.withSession(body)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// A path shown relative to the working directory when it is inside it.
    public func relative(_ path: String) -> String {
        path.hasPrefix(workingDirectory + "/") ? String(path.dropFirst(workingDirectory.count + 1)) : path
    }
}
