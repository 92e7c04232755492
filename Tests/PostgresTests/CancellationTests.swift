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

    // The statements cancelled below wait on an advisory lock another connection holds, not on a
    // timer: under a loaded run the test's own task can be resumed tens of seconds late, and a
    // `pg_sleep` would then end by itself before the cancel arrives. A lock waits as long as needed.

    @Test func cancellingASessionClosureStopsItsCurrentStatement() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE step (n int8)")
            let blocker = try await LockBlocker.hold()
            let pid = try await connection.withSession { $0.backendPID }
            let task = Task {
                try await connection.withSession { session in
                    try session.execute("INSERT INTO step VALUES (1)")
                    try session.execute(blocker.waitStatement)
                    try session.execute("INSERT INTO step VALUES (2)")
                }
            }
            let error = try await blocker.releasing {
                try await waitUntilWaitingForLock(pid: pid)
                task.cancel()
                return await postgresError { try await task.value }
            }
            #expect(error?.code == .cancelled)
            let steps = try await connection.query("SELECT n FROM step ORDER BY n") { try $0.decode("n", as: Int.self) }
            #expect(steps == [1])
        }
    }

    @Test func cancellingATransactionRollsItBack() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE step (n int8)")
            let blocker = try await LockBlocker.hold()
            let pid = try await connection.withSession { $0.backendPID }
            let task = Task {
                try await connection.transaction { session in
                    try session.execute("INSERT INTO step VALUES (1)")
                    try session.execute(blocker.waitStatement)
                }
            }
            let error = try await blocker.releasing {
                try await waitUntilWaitingForLock(pid: pid)
                task.cancel()
                return await postgresError { try await task.value }
            }
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
            let blocker = try await LockBlocker.hold(conninfo: conninfo)
            let pid = try await pool.withConnection { connection in try await connection.withSession { $0.backendPID } }
            let task = Task { try await pool.withConnection { try await $0.execute(blocker.waitStatement) } }
            let error = try await blocker.releasing {
                try await waitUntilWaitingForLock(pid: pid, conninfo: conninfo)
                task.cancel()
                return await postgresError { try await task.value }
            }
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
        for _ in 0..<24_000 where !active {
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

    /// Polls `pg_stat_activity` until backend `pid` waits for a lock (the blocker's).
    private func waitUntilWaitingForLock(pid: Int32, conninfo: String? = nil) async throws {
        let observer = try await PostgresConnection.connect(
            conninfo: try conninfo ?? TestDatabase.conninfo(), logger: TestDatabase.logger)
        var waiting = false
        // No deadline worth the name: the lock waits as long as it takes, so a slow start under
        // load only makes the test slower (10 minutes is the point where something is broken).
        for _ in 0..<24_000 where !waiting {
            waiting =
                try await observer.withSession { session in
                    try session.queryValue(
                        // coalesce: while a statement runs without waiting, wait_event_type is NULL.
                        """
                        SELECT coalesce(state = 'active' AND wait_event_type = 'Lock', false)
                        FROM pg_stat_activity WHERE pid = \(Int(pid))
                        """,
                        as: Bool.self)
                } ?? false
            if !waiting { try await Task.sleep(for: .milliseconds(25)) }
        }
        await observer.close()
        #expect(waiting, "backend \(pid) never waited for the lock")
    }
}

/// An advisory lock held by its own connection, so that another session's `waitStatement`
/// blocks until it is released.
private struct LockBlocker: Sendable {
    let holder: PostgresConnection
    let key: Int64

    var waitStatement: SQL { "SELECT pg_advisory_lock(\(key))" }

    static func hold(conninfo: String? = nil) async throws -> LockBlocker {
        let holder = try await PostgresConnection.connect(
            conninfo: try conninfo ?? TestDatabase.conninfo(), logger: TestDatabase.logger)
        let key = Int64.random(in: 1...Int64.max)
        try await holder.execute("SELECT pg_advisory_lock(\(key))")
        return LockBlocker(holder: holder, key: key)
    }

    /// Runs `body` (which cancels the blocked task and waits for it), then releases the lock,
    /// also when `body` throws (else the blocked statement, and the test's cleanup queued behind
    /// it on the same connection, would wait for ever). If `body` still waits after two minutes
    /// (a lost cancel), the lock is released then, so the test fails instead of hanging.
    func releasing<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        let holder = self.holder
        let fallback = Task {
            try? await Task.sleep(for: .seconds(120))
            await holder.close()
        }
        defer { fallback.cancel() }
        do {
            let value = try await body()
            await holder.close()
            return value
        } catch {
            await holder.close()
            throw error
        }
    }
}
