import Foundation
import Postgres
import TestSupport
import Testing

/// `transaction` and `savepoint` on a real session.
@Suite struct TransactionTests {
    private static let createTable = "CREATE TABLE item (id int8 PRIMARY KEY)"

    private func ids(_ connection: PostgresConnection) async throws -> [Int] {
        try await connection.query("SELECT id FROM item ORDER BY id") { try $0.decode("id", as: Int.self) }
    }

    @Test func commitMakesTheWorkVisibleToOtherSessions() async throws {
        try await TestDatabase.withSchema { connection, schema in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            let value = try await connection.transaction { session in
                try session.execute("INSERT INTO item (id) VALUES (\(1)), (\(2))")
                return "done"
            }
            #expect(value == "done")
            let other = try await PostgresConnection.connect(
                conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
            let count = try await other.value("SELECT count(*) FROM \(identifier: schema).item", as: Int.self)
            await other.close()
            #expect(count == 2)
            #expect(try await connection.withSession { $0.isInTransaction } == false)
        }
    }

    @Test func bodyErrorRollsBackAndIsRethrownUnchanged() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            let boom = Boom()
            do {
                try await connection.transaction { session in
                    try session.execute("INSERT INTO item (id) VALUES (\(1))")
                    throw boom
                }
                Issue.record("the transaction should have thrown")
            } catch let error as Boom {
                #expect(error == boom)
            }
            #expect(try await ids(connection) == [])
            #expect(try await connection.withSession { $0.isInTransaction } == false)
        }
    }

    @Test func serverErrorInTheBodyIsRethrownUnchanged() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            let error = try #require(
                await postgresError {
                    try await connection.transaction { session in
                        try session.execute("INSERT INTO item (id) VALUES (\(1))")
                        try session.execute("INSERT INTO item (id) VALUES (\(1))")
                    }
                })
            #expect(error.code == .server)
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.query == "INSERT INTO item (id) VALUES ($1)")
            #expect(try await ids(connection) == [])
        }
    }

    @Test func nestedTransactionIsRefused() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            let nested: PostgresError? = try await connection.transaction { session in
                try session.execute("INSERT INTO item (id) VALUES (\(1))")
                do {
                    _ = try session.transaction { inner in try inner.execute("INSERT INTO item (id) VALUES (\(2))") }
                    return nil
                } catch let error as PostgresError {
                    return error
                }
            }
            #expect(nested?.code == .invalidUsage)
            #expect(try await ids(connection) == [1])
        }
    }

    @Test func transactionAfterAManualBeginIsRefused() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.withSession { try $0.executeScript("BEGIN") }
            let error = await postgresError { try await connection.transaction { _ in 1 } }
            #expect(error?.code == .invalidUsage)
            try await connection.withSession { try $0.executeScript("ROLLBACK") }
        }
    }

    @Test func savepointRollbackKeepsTheOuterWork() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            let boom = Boom()
            let caught: Boom? = try await connection.transaction { session in
                try session.execute("INSERT INTO item (id) VALUES (\(1))")
                var caught: Boom?
                do {
                    try session.savepoint { inner in
                        try inner.execute("INSERT INTO item (id) VALUES (\(2))")
                        throw boom
                    }
                } catch let error as Boom {
                    caught = error
                }
                // A successful savepoint keeps its work.
                _ = try session.savepoint { inner in try inner.execute("INSERT INTO item (id) VALUES (\(3))") }
                return caught
            }
            #expect(caught == boom)
            #expect(try await ids(connection) == [1, 3])
        }
    }

    @Test func failedStatementInASavepointLeavesTheOuterTransactionUsable() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            let state: SQLState? = try await connection.transaction { session in
                try session.execute("INSERT INTO item (id) VALUES (\(1))")
                var state: SQLState?
                do {
                    _ = try session.savepoint { inner in try inner.execute("INSERT INTO item (id) VALUES (\(1))") }
                } catch let error as PostgresError {
                    state = error.sqlState
                }
                try session.execute("INSERT INTO item (id) VALUES (\(2))")
                return state
            }
            #expect(state == .uniqueViolation)
            #expect(try await ids(connection) == [1, 2])
        }
    }

    @Test func savepointOutsideATransactionIsRefused() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let error = await postgresError { try await connection.withSession { try $0.savepoint { _ in 1 } } }
            #expect(error?.code == .invalidUsage)
        }
    }

    @Test func deferredConstraintFailingAtCommitLeavesTheSessionUsable() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(
                "CREATE TABLE seat (id int8, CONSTRAINT seat_id_key UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)")
            let error = try #require(
                await postgresError {
                    try await connection.transaction { session in
                        try session.execute("INSERT INTO seat (id) VALUES (\(1))")
                        try session.execute("INSERT INTO seat (id) VALUES (\(1))")  // accepted until COMMIT
                    }
                })
            #expect(error.sqlState == .uniqueViolation)
            #expect(error.constraint == "seat_id_key")
            #expect(error.query == "COMMIT")
            #expect(try await connection.withSession { $0.isInTransaction } == false)
            #expect(try await connection.value("SELECT count(*) FROM seat", as: Int.self) == 0)
            // A new transaction works on the same session.
            _ = try await connection.transaction { session in
                try session.execute("INSERT INTO seat (id) VALUES (\(2))")
            }
            #expect(try await connection.value("SELECT count(*) FROM seat", as: Int.self) == 1)
        }
    }

    @Test func isolationLevelAndReadOnly() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            let level = try await connection.transaction(isolation: .serializable) { session in
                try session.queryValue("SHOW transaction_isolation", as: String.self)
            }
            #expect(level == "serializable")
            let readOnly = await postgresError {
                try await connection.withSession { session in
                    try session.transaction(readOnly: true) { inner in
                        try inner.execute("INSERT INTO item (id) VALUES (\(1))")
                    }
                }
            }
            #expect(readOnly?.sqlState == SQLState("25006"))
            #expect(try await ids(connection) == [])
        }
    }

    /// A body that swallows a server error leaves the transaction aborted: PostgreSQL answers
    /// COMMIT with ROLLBACK, and the caller must not be told the work was committed.
    @Test func commitOfAnAbortedTransactionIsNotReportedAsSuccess() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(SQL(unsafeSQL: Self.createTable))
            var reportedSuccess = false
            do {
                try await connection.transaction { session in
                    try session.execute("INSERT INTO item (id) VALUES (\(1))")
                    _ = try? session.execute("INSERT INTO item (id) VALUES (\(1))")  // swallowed by the body
                }
                reportedSuccess = true
            } catch {}
            #expect(!reportedSuccess, "transaction() returned normally although the server rolled it back")
            #expect(try await ids(connection) == [])
            #expect(try await connection.withSession { $0.isInTransaction } == false)
        }
    }
}
