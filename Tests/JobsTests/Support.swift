import Foundation
import Glibc
import Jobs
import Migrations
import Postgres
import Synchronization
import TestSupport
import Testing

/// An error a test's work throws; the runners built here map it to exit code 70.
struct Boom: Error, CustomStringConvertible {
    var description: String { "boom: the supplier file is unreadable" }
}

/// A job-run row, read back with SQL (not through the store under test).
struct JobRunRow: Sendable {
    var id: Int64
    var job: String
    var businessDate: CalendarDate?
    var status: String
    var exitCode: Int?
    var host: String
    var pid: Int
    var summary: [String: Int]
    var error: String?
    var startedAt: Date
    var finishedAt: Date?
    var heartbeatAt: Date
}

/// Something the work sets, read by the test afterwards.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

enum Fixture {
    /// What the test runners map errors to: 70 for ``Boom``, 1 for anything else.
    static let exitCode: @Sendable (any Error) -> Int32 = { $0 is Boom ? 70 : 1 }

    /// A migrated database of its own, a temporary `var` folder of its own, and a runner on both.
    static func withRunner(
        _ body: (_ runner: JobRunner, _ conninfo: String, _ varDirectory: String) async throws -> Void
    ) async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
            try await withVarDirectory { varDirectory in
                let runner = JobRunner(
                    conninfo: conninfo, varDirectory: varDirectory, logger: TestDatabase.logger, exitCode: exitCode)
                try await body(runner, conninfo, varDirectory)
            }
        }
    }

    /// A fresh temporary folder for `body`, removed afterwards.
    static func withVarDirectory(_ body: (String) async throws -> Void) async throws {
        var template = Array((NSTemporaryDirectory() + "/ocpizza-jobs-var.XXXXXX").utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw TestSetupError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await body(directory)
    }

    /// Opens a connection for `body` and closes it afterwards, whatever happens.
    static func withConnection<T: Sendable>(
        _ conninfo: String, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    static let columns =
        "id, job, business_date, status, exit_code, host, pid, summary, error, started_at, finished_at, heartbeat_at"

    /// Every row of `job`, oldest first.
    static func rows(job: String, _ conninfo: String) async throws -> [JobRunRow] {
        try await withConnection(conninfo) { connection in
            try await connection.query(
                "SELECT \(unsafeRaw: columns) FROM job_run WHERE job = \(job) ORDER BY id", decode: decode)
        }
    }

    /// The row of run `id`.
    static func row(_ id: Int64?, _ conninfo: String) async throws -> JobRunRow {
        let id = try #require(id, "the run has no id")
        let rows = try await withConnection(conninfo) { connection in
            try await connection.query("SELECT \(unsafeRaw: columns) FROM job_run WHERE id = \(id)", decode: decode)
        }
        return try #require(rows.first, "no job_run row \(id)")
    }

    @Sendable static func decode(_ row: Row) throws -> JobRunRow {
        JobRunRow(
            id: try row.decode("id"), job: try row.decode("job"), businessDate: try row.decode("business_date"),
            status: try row.decode("status"), exitCode: try row.decode("exit_code"), host: try row.decode("host"),
            pid: try row.decode("pid"), summary: try row.decode("summary", as: JSONB.self).decode(),
            error: try row.decode("error"), startedAt: try row.decode("started_at"),
            finishedAt: try row.decode("finished_at"), heartbeatAt: try row.decode("heartbeat_at"))
    }

    /// Inserts a 'running' row as a process that is not there any more would have left it.
    static func insertRunning(
        job: String, host: String, pid: Int32, heartbeatAge: String, conninfo: String
    ) async throws -> Int64 {
        try await withConnection(conninfo) { connection in
            try await connection.withSession { session in
                try session.queryValue(
                    """
                    INSERT INTO job_run (job, host, pid, started_at, heartbeat_at)
                    VALUES (\(job), \(host), \(Int(pid)), now() - \(heartbeatAge)::interval,
                            now() - \(heartbeatAge)::interval)
                    RETURNING id
                    """, as: Int64.self) ?? -1
            }
        }
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A process id no process has now.
    static func deadPID() throws -> Int32 {
        for candidate in stride(from: Int32(4_194_000), to: 4_194_300, by: 7)
        where kill(candidate, 0) != 0 && errno == ESRCH {
            return candidate
        }
        throw TestSetupError("no free process id found")
    }

    /// Waits until `condition` holds (polled every 20 ms), at most `timeout` (generous: the suite
    /// shares two cores, and a test task can be resumed many seconds late).
    static func waitUntil(
        timeout: Duration = .seconds(180), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
