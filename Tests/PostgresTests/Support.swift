import Foundation
import Postgres
import TestSupport
import Testing

/// An error thrown by test code, to check that it comes back unchanged.
struct Boom: Error, Equatable {
    var id = UUID()
}

extension PostgresConnection {
    /// The first column of the only row of `sql`.
    func value<T: PostgresDecodable & Sendable>(
        _ sql: SQL, as type: T.Type = T.self, file: String = #fileID, line: Int = #line
    ) async throws -> T {
        let rows = try await query(sql, file: file, line: line) { try $0.decode(0, as: T.self) }
        guard rows.count == 1 else { throw TestSetupError("expected 1 row, got \(rows.count): \(sql)") }
        return rows[0]
    }

    /// The backend process id of this connection.
    func backendPID() async throws -> Int32 {
        try await withSession { $0.backendPID }
    }
}

/// The ``PostgresError`` that `body` throws; records an issue when it throws something else or nothing.
func postgresError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> PostgresError? {
    do {
        _ = try await body()
        Issue.record("expected a PostgresError, nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as PostgresError {
        return error
    } catch {
        Issue.record("expected a PostgresError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The ``PostgresError`` that decoding `column` as `T` throws, or `nil` when it decodes
/// (for use inside a row-decoding closure, off the test's task).
func decodingFailure<T: PostgresDecodable>(_ row: Row, _ column: String, as type: T.Type) -> PostgresError? {
    do {
        _ = try row.decode(column, as: type)
        return nil
    } catch let error as PostgresError {
        return error
    } catch {
        return PostgresError(code: .invalidUsage, message: "unexpected error type: \(error)")
    }
}

/// Terminates a backend from an admin connection and waits until it is gone.
func terminateBackend(_ pid: Int32) async throws {
    let admin = try await PostgresConnection.connect(conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
    let terminated = try await admin.value("SELECT pg_terminate_backend(\(pid), \(5000))", as: Bool.self)
    await admin.close()
    guard terminated else { throw TestSetupError("backend \(pid) was not terminated") }
}

/// Decodes a value from its text form, as if a column of type `type` held it.
func decodeText<T: PostgresDecodable>(_ text: String, type: PostgresType, as _: T.Type = T.self) throws -> T {
    let bytes = Array(text.utf8)
    return try bytes.withUnsafeBufferPointer { buffer in
        try T(postgresText: PostgresText(bytes: buffer), type: type)
    }
}

/// Microseconds since the epoch, as PostgreSQL stores instants.
func microseconds(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
}
