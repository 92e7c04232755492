import Foundation
import Postgres
import Synchronization
import TestSupport
import Testing

/// A one-shot signal between tasks (one waiter).
final class Signal: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func fire() { continuation.finish() }
    func wait() async { for await _ in stream {} }
}

/// `ConnectionPool` against a database of its own, so `pg_stat_activity` shows only its connections.
@Suite struct ConnectionPoolTests {
    final class Tracker: Sendable {
        let state = Mutex((current: 0, peak: 0))
        func enter() {
            state.withLock {
                $0.current += 1; $0.peak = max($0.peak, $0.current)
            }
        }
        func leave() { state.withLock { $0.current -= 1 } }
        var peak: Int { state.withLock { $0.peak } }
    }

    private static func pool(_ conninfo: String, maximum: Int) -> ConnectionPool {
        ConnectionPool(conninfo: conninfo, maximumConnections: maximum, logger: TestDatabase.logger)
    }

    @Test func maximumIsHonouredUnderTwentyConcurrentBorrowers() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 3)
            let tracker = Tracker()
            let results = try await withThrowingTaskGroup(of: (pid: Int32, active: Int).self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await pool.withConnection { connection in
                            tracker.enter()
                            defer { tracker.leave() }
                            return try await connection.withSession { session in
                                try session.execute("SELECT pg_sleep(0.05)")
                                let active = try session.queryValue(
                                    """
                                    SELECT count(*) FROM pg_stat_activity
                                    WHERE datname = current_database() AND application_name = 'ocpizza'
                                    """, as: Int.self)
                                return (session.backendPID, active ?? -1)
                            }
                        }
                    }
                }
                var results: [(pid: Int32, active: Int)] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(results.count == 20)
            #expect((1...3).contains(Set(results.map(\.pid)).count))
            #expect(results.allSatisfy { (1...3).contains($0.active) }, "\(results.map(\.active))")
            #expect(tracker.peak <= 3)
            #expect(pool.openConnections <= 3)
            await pool.close()
            #expect(pool.openConnections == 0)
        }
    }

    @Test func idleConnectionsAreReusedAndErrorsPropagate() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 2)
            let first = try await pool.withConnection { try await $0.backendPID() }
            let boom = Boom()
            await #expect(throws: Boom.self) {
                try await pool.withConnection { _ -> Int in throw boom }
            }
            let serverError = await postgresError { try await pool.withConnection { try await $0.execute("SELEC 1") } }
            #expect(serverError?.sqlState == .syntaxError)
            let second = try await pool.withConnection { try await $0.backendPID() }
            #expect(second == first)
            #expect(pool.openConnections == 1)
            await pool.close()
        }
    }

    @Test func connectionReturnedInsideATransactionIsNotReused() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 1)
            try await pool.withConnection { _ = try await $0.execute("CREATE TABLE item (id int8)") }
            let leaked = try await pool.withConnection { connection in
                try await connection.execute("BEGIN")
                try await connection.execute("INSERT INTO item (id) VALUES (\(1))")
                return try await connection.backendPID()
            }
            let (pid, inTransaction, count) = try await pool.withConnection { connection in
                try await connection.withSession { session in
                    (
                        session.backendPID, session.isInTransaction,
                        try session.queryValue("SELECT count(*) FROM item", as: Int.self) ?? -1
                    )
                }
            }
            #expect(pid != leaked)
            #expect(!inTransaction)
            #expect(count == 0)
            #expect(pool.openConnections == 1)
            await pool.close()
        }
    }

    @Test func brokenConnectionIsReplaced() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 1)
            let first = try await pool.withConnection { try await $0.backendPID() }
            let error = await postgresError {
                try await pool.withConnection { connection in
                    try await terminateBackend(first)
                    return try await connection.execute("SELECT 1")
                }
            }
            #expect(error?.isUnreachable == true)
            let (second, one) = try await pool.withConnection { connection in
                (try await connection.backendPID(), try await connection.value("SELECT 1", as: Int.self))
            }
            #expect(second != first)
            #expect(one == 1)
            #expect(pool.openConnections == 1)
            await pool.close()
        }
    }

    @Test func poolRecoversFromABackendThatDiedWhileIdle() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 1)
            let first = try await pool.withConnection { try await $0.backendPID() }
            try await terminateBackend(first)
            // The pool does not probe idle connections: this borrower may see the failure...
            _ = try? await pool.withConnection { try await $0.execute("SELECT 1") }
            // ...but the broken connection is not lent again.
            let (second, one) = try await pool.withConnection { connection in
                (try await connection.backendPID(), try await connection.value("SELECT 1", as: Int.self))
            }
            #expect(second != first)
            #expect(one == 1)
            await pool.close()
        }
    }

    @Test func waitingBorrowerCanBeCancelled() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 1)
            let holding = Signal(), release = Signal()
            let holder = Task {
                try await pool.withConnection { connection in
                    holding.fire()
                    await release.wait()
                    return try await connection.backendPID()
                }
            }
            await holding.wait()
            let waiter = Task { try await pool.withConnection { try await $0.backendPID() } }
            try await Task.sleep(for: .milliseconds(200))  // let it queue behind the holder
            waiter.cancel()
            // Should the cancellation be ignored, the waiter gets the connection after this instead of hanging.
            let safety = Task {
                try await Task.sleep(for: .seconds(15))
                release.fire()
            }
            let outcome = await waiter.result
            #expect(throws: CancellationError.self) { try outcome.get() }
            release.fire()
            safety.cancel()
            let holderPID = try await holder.value
            // No slot leaked: the next borrower gets the holder's connection back.
            let next = try await pool.withConnection { try await $0.backendPID() }
            #expect(next == holderPID)
            #expect(pool.openConnections == 1)
            await pool.close()
        }
    }

    @Test func closingThePoolFailsWaitingBorrowers() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 1)
            let holding = Signal(), release = Signal()
            let holder = Task {
                try await pool.withConnection { connection in
                    holding.fire()
                    await release.wait()
                    return try await connection.value("SELECT 1", as: Int.self)
                }
            }
            await holding.wait()
            let waiter = Task { try await pool.withConnection { try await $0.backendPID() } }
            try await Task.sleep(for: .milliseconds(200))  // let it queue behind the holder
            await pool.close()
            let error = await postgresError { try await waiter.value }
            #expect(error?.code == .poolClosed)
            release.fire()
            #expect(try await holder.value == 1)  // a lent connection keeps working until returned
            #expect(pool.openConnections == 0)  // and is closed when it comes back
        }
    }

    // The limit only guards against a hang: on two cores with the whole suite running in
    // parallel, the connection attempts queue behind other tests' work for a minute or more.
    @Test(.timeLimit(.minutes(5)))
    func unreachableServerDoesNotLeakSlots() async throws {
        let pool = Self.pool("host=/nonexistent dbname=postgres connect_timeout=5", maximum: 1)
        let errors = await withTaskGroup(of: PostgresError?.self) { group in
            for _ in 0..<5 {
                group.addTask { await postgresError { try await pool.withConnection { try await $0.backendPID() } } }
            }
            var errors: [PostgresError?] = []
            for await error in group { errors.append(error) }
            return errors
        }
        #expect(errors.count == 5)
        #expect(errors.allSatisfy { $0?.code == .connectionFailed && $0?.isUnreachable == true })
        #expect(pool.openConnections == 0)
        let again = await postgresError { try await pool.withConnection { try await $0.backendPID() } }
        #expect(again?.code == .connectionFailed)
        await pool.close()
    }

    @Test func closedPoolRefusesBorrowers() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let pool = Self.pool(conninfo, maximum: 2)
            let one = try await pool.withConnection { try await $0.value("SELECT 1", as: Int.self) }
            #expect(one == 1)
            await pool.close()
            #expect(pool.openConnections == 0)
            let error = await postgresError { try await pool.withConnection { try await $0.backendPID() } }
            #expect(error?.code == .poolClosed)
        }
    }
}
