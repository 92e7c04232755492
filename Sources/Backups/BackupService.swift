import Foundation
import Logging
import Postgres

/// The backup operations on one database: create, verify, drill, restore, prune, delete,
/// off-site copies. Each call opens its own connections and closes them.
///
/// `conninfo` names the production database; `directory` holds the archives.
public struct BackupService: Sendable {
    public var conninfo: String
    public var directory: String
    public var logger: Logger
    /// The job run doing the work, recorded on the backup rows it writes.
    public var jobRunID: Int64?
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(conninfo: String, directory: String, logger: Logger, jobRunID: Int64? = nil) {
        self.conninfo = conninfo
        self.directory = directory
        self.logger = logger
        self.jobRunID = jobRunID
    }

    func connect(_ conninfo: String? = nil) async throws -> PostgresConnection {
        try await PostgresConnection.connect(conninfo: conninfo ?? self.conninfo, logger: logger)
    }

    /// Runs `body` on a fresh connection to the production database and closes it.
    func withConnection<T: Sendable>(
        to conninfo: String? = nil, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await connect(conninfo)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The server's major version and the client tools that match it.
    func tools(on connection: PostgresConnection) async throws -> (PostgresTools, serverVersion: String) {
        let (number, version) = try await connection.withSession { session in
            (
                try session.queryValue("SELECT current_setting('server_version_num')::int", as: Int.self) ?? 0,
                try session.queryValue("SELECT current_setting('server_version')", as: String.self) ?? "?"
            )
        }
        return (try await PostgresTools.locate(serverMajor: number / 10_000, environment: environment), version)
    }

    public func record(_ id: Int64) async throws -> BackupRecord {
        try await withConnection { connection in
            try await connection.withSession { try BackupCatalog.find(id, in: $0) }
        }
    }

    public func list(includeDeleted: Bool = false) async throws -> [BackupRecord] {
        try await withConnection { connection in
            try await connection.withSession { try BackupCatalog.list(in: $0, includeDeleted: includeDeleted) }
        }
    }

    /// The backup a command names, or the newest successful one when it names none.
    public func resolve(_ id: Int64?) async throws -> BackupRecord {
        if let id { return try await record(id) }
        guard
            let newest = try await withConnection({ connection in
                try await connection.withSession { try BackupCatalog.newestSuccessful(in: $0) }
            })
        else {
            throw BackupError(.notFound, "there is no successful backup yet (take one: ocpizza backup create)")
        }
        return newest
    }

    /// Refuses to work on a backup that failed, is still running or whose file was deleted.
    static func requireUsable(_ backup: BackupRecord) throws {
        guard backup.deletedAt == nil else {
            throw BackupError(.notFound, "backup \(backup.id) was deleted (its file is gone)")
        }
        guard backup.succeeded else {
            throw BackupError(.notFound, "backup \(backup.id) is \(backup.status), not a usable backup")
        }
    }
}

extension BackupService {
    /// The production database's name (what a restore over it must be confirmed with).
    public func databaseName() async throws -> String {
        try await withConnection { connection in
            try await connection.withSession { try $0.queryValue("SELECT current_database()", as: String.self) ?? "" }
        }
    }
}
