import Foundation
import Postgres
import TestSupport
import Testing

/// Helpers shared by the end-to-end suites.
enum E2E {
    /// Runs `body` with a fresh database on the test server and a scratch working directory.
    static func withDatabase(
        _ body: (_ conninfo: String, _ name: String, _ scratch: ScratchDirectory) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase { conninfo, name in
            try await ScratchDirectory.with { scratch in
                try await body(conninfo, name, scratch)
            }
        }
    }

    /// The `migrations` array of a `db status --json` (or `demo --json`) document.
    static func migrations(_ result: CommandResult) -> [[String: Any]] {
        result.json?["migrations"] as? [[String: Any]] ?? []
    }

    /// `label → status` of a `db status --json` document (labels as operators see them: `0001_foundation`).
    static func statuses(_ result: CommandResult) -> [String: String] {
        var statuses: [String: String] = [:]
        for migration in migrations(result) {
            guard let version = migration["version"] as? Int, let name = migration["name"] as? String else {
                continue
            }
            statuses[label(version: version, name: name)] = migration["status"] as? String
        }
        return statuses
    }

    static func label(version: Int, name: String) -> String {
        let digits = String(version)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits + "_" + name
    }

    /// Runs `sql` once on `conninfo` and returns the first column of every row as text.
    static func query(_ sql: SQL, conninfo: String) async throws -> [String?] {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
        let outcome: Result<[String?], any Error>
        do {
            outcome = .success(try await connection.query(sql) { try $0.decode(0, as: String?.self) })
        } catch {
            outcome = .failure(error)
        }
        await connection.close()
        return try outcome.get()
    }

    /// Runs one statement on `conninfo`.
    static func execute(_ sql: SQL, conninfo: String) async throws {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
        let outcome: Result<Int, any Error>
        do {
            outcome = .success(try await connection.execute(sql))
        } catch {
            outcome = .failure(error)
        }
        await connection.close()
        _ = try outcome.get()
    }
}
