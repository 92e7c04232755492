import Foundation
import Postgres
import TestSupport
import Testing

/// Advisory locks contended between real sessions. Every test uses its own lock name.
@Suite struct AdvisoryLockTests {
    private static func uniqueLockName() -> String { "test-lock-\(UUID().uuidString)" }

    private static func tryAcquire(_ name: String) async throws -> AdvisoryLock? {
        try await AdvisoryLock.tryAcquire(name, conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
    }

    private static func acquire(_ name: String, timeout: Duration) async throws -> AdvisoryLock? {
        try await AdvisoryLock.acquire(
            name, conninfo: TestDatabase.conninfo(), timeout: timeout, logger: TestDatabase.logger)
    }

    /// The backend holding the advisory lock `key` in the current database, as `pg_locks` shows it.
    private static func holderPID(_ key: Int64) async throws -> Int32? {
        let admin = try await PostgresConnection.connect(conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
        let unsigned = UInt64(bitPattern: key)
        let classID = Int(unsigned >> 32), objectID = Int(unsigned & 0xffff_ffff)
        let sql: SQL = """
            SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid = \(classID)::oid AND objid = \(objectID)::oid
              AND objsubid = 1
            """
        let pids: [Int32]
        do {
            pids = try await admin.query(sql) { try $0.decode("pid", as: Int32.self) }
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        return pids.first
    }

    @Test func secondTryAcquireFailsUntilRelease() async throws {
        let name = Self.uniqueLockName()
        let first = try #require(try await Self.tryAcquire(name))
        #expect(first.name == name)
        #expect(first.key == AdvisoryLock.lockKey(for: name))
        #expect(try await Self.holderPID(first.key) != nil)

        #expect(try await Self.tryAcquire(name) == nil)
        await first.release()
        #expect(try await Self.holderPID(first.key) == nil)

        let again = try #require(try await Self.tryAcquire(name))
        #expect(try await Self.tryAcquire(name) == nil)
        await again.release()
    }

    @Test func differentNamesDoNotContend() async throws {
        let first = try #require(try await Self.tryAcquire(Self.uniqueLockName()))
        let second = try #require(try await Self.tryAcquire(Self.uniqueLockName()))
        #expect(first.key != second.key)
        await first.release()
        await second.release()
    }

    @Test func droppingTheHolderFreesTheLock() async throws {
        let name = Self.uniqueLockName()
        var holder = try await Self.tryAcquire(name)
        #expect(holder != nil)
        #expect(try await Self.tryAcquire(name) == nil)
        holder = nil  // the last reference: its connection closes and the server releases the lock
        #expect(holder == nil)
        // The server notices the closed connection asynchronously: wait for it, generously.
        let next = try await Self.acquire(name, timeout: .seconds(120))
        #expect(next != nil, "the lock was still held 120 s after its holder was dropped")
        await next?.release()
    }

    @Test func holderWhoseBackendDiesFreesTheLock() async throws {
        let name = Self.uniqueLockName()
        let holder = try #require(try await Self.tryAcquire(name))
        let pid = try #require(try await Self.holderPID(holder.key))
        try await terminateBackend(pid)
        let next = try #require(try await Self.tryAcquire(name))
        await next.release()
        await holder.release()  // its connection is gone: releasing must not throw or hang
    }

    @Test func acquireGivesUpAfterTheTimeout() async throws {
        let name = Self.uniqueLockName()
        let holder = try #require(try await Self.tryAcquire(name))
        let clock = ContinuousClock()
        let start = clock.now
        let waiter = try await Self.acquire(name, timeout: .milliseconds(500))
        let elapsed = clock.now - start
        #expect(waiter == nil)
        #expect(elapsed >= .milliseconds(500))
        #expect(elapsed < .seconds(60), "it waited on long after its timeout")
        await holder.release()
    }

    @Test func acquireSucceedsWhenTheHolderReleasesDuringTheWait() async throws {
        let name = Self.uniqueLockName()
        let holder = try #require(try await Self.tryAcquire(name))
        let releaser = Task {
            try await Task.sleep(for: .milliseconds(300))
            await holder.release()
        }
        let waiter = try await Self.acquire(name, timeout: .seconds(300))  // the releaser may start late under load
        try await releaser.value
        let lock = try #require(waiter)
        #expect(lock.key == AdvisoryLock.lockKey(for: name))
        #expect(try await Self.tryAcquire(name) == nil)
        await lock.release()
    }

    @Test func acquireWithoutContentionIsImmediate() async throws {
        let name = Self.uniqueLockName()
        let lock = try #require(try await Self.acquire(name, timeout: .zero))
        await lock.release()
    }

    /// The key is part of the contract between program versions: it must never change.
    @Test func lockKeyIsStable() {
        #expect(AdvisoryLock.lockKey(for: "") == 82_182_746_496_686_523)
        #expect(AdvisoryLock.lockKey(for: "nightly-close") == 3_131_660_098_033_631_145)
        #expect(AdvisoryLock.lockKey(for: "db migrate") == -3_703_183_260_755_894_636)
        #expect(AdvisoryLock.lockKey(for: "é") == -2_381_590_214_462_660_493)
        #expect(AdvisoryLock.lockKey(for: "a") != AdvisoryLock.lockKey(for: "b"))
    }
}
