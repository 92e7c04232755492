import Foundation
import Logging
import Postgres

/// The throwaway PostgreSQL server that `scripts/test` starts, and per-test databases and schemas on it.
///
/// `scripts/test` exports `OCPIZZA_TEST_PGHOST` (a Unix socket directory or host name),
/// `OCPIZZA_TEST_PGPORT` and `OCPIZZA_TEST_PGUSER`. Every test owns its own schema or database,
/// so tests run in parallel and in any order.
public enum TestDatabase {
    public static let logger: Logger = {
        var logger = Logger(label: "ocpizza.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// The server's connection settings, or a failure that says how to run the tests.
    public static func server() throws -> (host: String, port: String, user: String) {
        let environment = ProcessInfo.processInfo.environment
        guard let host = environment["OCPIZZA_TEST_PGHOST"], !host.isEmpty else {
            throw TestSetupError(
                "OCPIZZA_TEST_PGHOST is not set: run the test suite with scripts/test, which starts its own PostgreSQL")
        }
        return (host, environment["OCPIZZA_TEST_PGPORT"] ?? "5432", environment["OCPIZZA_TEST_PGUSER"] ?? "postgres")
    }

    /// A key=value connection string for `database` on the test server.
    public static func conninfo(database: String = "postgres") throws -> String {
        let server = try server()
        return ConnectionString.keyValue([
            "host": server.host, "port": server.port, "user": server.user, "dbname": database,
        ])
    }

    /// A fresh name usable as a database or schema name.
    public static func uniqueName(_ prefix: String = "t") -> String {
        prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// Creates a database for the duration of `body` and drops it afterwards: empty, or a copy
    /// of `template` (a database nobody is connected to).
    public static func withDatabase<T>(
        template: String? = nil, _ body: (_ conninfo: String, _ name: String) async throws -> T
    ) async throws -> T {
        let name = uniqueName("ocpizza_test")
        let admin = try await PostgresConnection.connect(conninfo: conninfo(), logger: logger)
        if let template {
            try await admin.execute("CREATE DATABASE \(identifier: name) TEMPLATE \(identifier: template)")
        } else {
            try await admin.execute("CREATE DATABASE \(identifier: name)")
        }
        do {
            let value = try await body(try conninfo(database: name), name)
            try await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            await admin.close()
            return value
        } catch {
            _ = try? await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            await admin.close()
            throw error
        }
    }

    /// A connection whose `search_path` is a fresh schema, dropped (with everything in it) afterwards.
    public static func withSchema<T>(_ body: (PostgresConnection, _ schema: String) async throws -> T) async throws -> T
    {
        let schema = uniqueName("test")
        let connection = try await PostgresConnection.connect(conninfo: conninfo(), logger: logger)
        try await connection.withSession { session in
            try session.execute("CREATE SCHEMA \(identifier: schema)")
            try session.execute("SET search_path TO \(identifier: schema)")
        }
        do {
            let value = try await body(connection, schema)
            try await connection.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await connection.close()
            return value
        } catch {
            _ = try? await connection.execute("DROP SCHEMA \(identifier: schema) CASCADE")
            await connection.close()
            throw error
        }
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
