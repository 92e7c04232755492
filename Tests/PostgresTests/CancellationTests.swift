import Foundation
import Postgres
import TestSupport
import Testing

/// Cancelling the calling task cancels the query on the server, and the connection survives.
@Suite struct CancellationTests {
    @Test func cancellingTheTaskCancelsALongQuery() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let clock = ContinuousClock()
            let pid = try await connection.withSession { $0.backendPID }
            let task = Task { try await connection.execute("SELECT pg_sleep(600)") }
            // Cancel once the server runs it (under a loaded test run, 200 ms may not be enough
            // for it to start, and a task cancelled before it starts never reaches the server).
            try await waitUntilActive(pid: pid)
            let start = clock.now
            task.cancel()
            let error = await postgresError { try await task.value }
            let elapsed = clock.now - start
            #expect(error?.code == .cancelled)
            #expect(error?.sqlState == .queryCanceled)
            #expect(error?.isUnreachable == false)
            // Not a speed check: far below the 600 s the statement would run if the cancel were lost.
            #expect(elapsed < .seconds(120), "cancelled after \(elapsed)")
            // The connection is still usable, and no stray cancel hits the next queries.
            #expect(await connection.isReusable())
            for attempt in 1...10 {
                #expect(try await connection.value("SELECT \(attempt)", as: Int.self) == attempt)
            }
        }
    }

    @Test func cancellingASessionClosureStopsItsCurrentStatement() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE step (n int8)")
            let pid = try await connection.withSession { $0.backendPID }
            let task = Task {
                try await connection.withSession { session in
                    try session.execute("INSERT INTO step VALUES (1)")
                    try session.execute("SELECT pg_sleep(30)")
                    try session.execute("INSERT INTO step VALUES (2)")
                }
            }
            try await waitUntilActive(pid: pid, running: "SELECT pg_sleep(30)")
            task.cancel()
            let error = await postgresError { try await task.value }
            #expect(error?.code == .cancelled)
            let steps = try await connection.query("SELECT n FROM step ORDER BY n") { try $0.decode("n", as: Int.self) }
            #expect(steps == [1])
        }
    }

    @Test func cancellingATransactionRollsItBack() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE step (n int8)")
            let task = Task {
                try await connection.transaction { session in
                    try session.execute("INSERT INTO step VALUES (1)")
                    try session.execute("SELECT pg_sleep(30)")
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let error = await postgresError { try await task.value }
            #expect(error?.code == .cancelled)
            #expect(try await connection.withSession { $0.isInTransaction } == false)
            #expect(try await connection.value("SELECT count(*) FROM step", as: Int.self) == 0)
        }
    }

    @Test func alreadyCancelledTaskDoesNotStartTheQuery() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE step (n int8)")
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await connection.execute("INSERT INTO step VALUES (1)")
            }
            let error = await postgresError { try await task.value }
            #expect(error?.code == .cancelled)
            #expect(try await connection.value("SELECT count(*) FROM step", as: Int.self) == 0)
        }
    }

    @Test func cancelledPoolBorrowerLeavesThePoolWorking() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = ConnectionPool(conninfo: conninfo, maximumConnections: 1, logger: TestDatabase.logger)
            let task = Task { try await pool.withConnection { try await $0.execute("SELECT pg_sleep(30)") } }
            try await Task.sleep(for: .milliseconds(300))
            task.cancel()
            let error = await postgresError { try await task.value }
            #expect(error?.code == .cancelled)
            let one = try await pool.withConnection { try await $0.value("SELECT 1", as: Int.self) }
            #expect(one == 1)
            #expect(pool.openConnections == 1)
            await pool.close()
        }
    }

    /// A healthy connection is reusable whether or not the task asking is cancelled: otherwise a
    /// pool closes (and reopens) a good connection every time a borrower is cancelled.
    @Test func healthyConnectionIsReusableEvenFromACancelledTask() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let task = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return await connection.isReusable()
            }
            #expect(await task.value, "isReusable() answered false for a healthy, idle connection")
            #expect(await connection.isReusable())
        }
    }

    /// Polls `pg_stat_activity` from another connection until backend `pid` runs a statement.
    private func waitUntilActive(pid: Int32, running query: String? = nil) async throws {
        let observer = try await PostgresConnection.connect(
            conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
        var active = false
        for _ in 0..<200 where !active {
            active =
                try await observer.withSession { session in
                    try session.queryValue(
                        """
                        SELECT state = 'active' AND (\(query)::text IS NULL OR query = \(query)::text)
                        FROM pg_stat_activity WHERE pid = \(Int(pid))
                        """, as: Bool.self)
                } ?? false
            if !active { try await Task.sleep(for: .milliseconds(25)) }
        }
        await observer.close()
        #expect(active, "backend \(pid) never became active")
    }
}
