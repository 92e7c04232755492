import Foundation
import Glibc
import Jobs
import Postgres
import TestSupport
import Testing

/// The runner against a real PostgreSQL: every run leaves a job_run row that says how it ended.
@Suite("Job runner")
struct JobRunnerTests {
    static let date = CalendarDate(year: 2026, month: 11, day: 21)

    @Test("an ok run writes its row and returns the same report; history returns it")
    func okRun() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            let before = Date()
            let report = try await runner.run(
                JobRequest(name: "test-ok", businessDate: Self.date, options: ["shop": "PAR1"])
            ) { context in
                #expect(context.businessDate == Self.date)
                return JobOutcome(counts: ["files_imported": 3, "lines": 42], message: "all good")
            }
            #expect(report.status == .ok)
            #expect(report.exitCode == 0)
            #expect(report.counts == ["files_imported": 3, "lines": 42])
            #expect(report.message == "all good")
            #expect(report.host == Fixture.hostName())
            #expect(report.pid == getpid())
            #expect(report.businessDate == Self.date)
            let finishedAt = try #require(report.finishedAt)
            #expect(finishedAt >= report.startedAt)
            #expect(report.startedAt.timeIntervalSince(before) > -5)

            let row = try await Fixture.row(report.runID, conninfo)
            #expect(row.job == "test-ok")
            #expect(row.status == "ok")
            #expect(row.exitCode == 0)
            #expect(row.host == report.host)
            #expect(row.pid == Int(getpid()))
            #expect(row.businessDate == Self.date)
            #expect(row.summary == ["files_imported": 3, "lines": 42])
            #expect(row.error == "all good")
            let rowFinishedAt = try #require(row.finishedAt)
            #expect(abs(rowFinishedAt.timeIntervalSince(finishedAt)) < 0.001)
            #expect(abs(row.startedAt.timeIntervalSince(report.startedAt)) < 0.001)

            let history = try await Fixture.withConnection(conninfo) { connection in
                try await JobRunStore(connection: connection).history(job: "test-ok", limit: 10)
            }
            #expect(history.count == 1)
            let first = try #require(history.first)
            #expect(first.runID == report.runID)
            #expect(first.status == .ok)
            #expect(first.exitCode == 0)
            #expect(first.counts == report.counts)
            #expect(first.host == report.host)
            #expect(first.pid == report.pid)
            #expect(first.message == "all good")
            #expect(first.businessDate == Self.date)
            #expect(first.finishedAt.map { abs($0.timeIntervalSince(finishedAt)) < 0.001 } == true)
        }
    }

    @Test("work that throws: failed, exit code from the exitCode closure, error recorded")
    func failedRun() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            let report = try await runner.run(JobRequest(name: "test-failed")) { _ in throw Boom() }
            #expect(report.status == .failed)
            #expect(report.exitCode == 70)
            #expect(report.message?.contains("supplier file is unreadable") == true, "\(report)")
            let row = try await Fixture.row(report.runID, conninfo)
            #expect(row.status == "failed")
            #expect(row.exitCode == 70)
            #expect(row.error?.contains("supplier file is unreadable") == true, "\(row)")
            #expect(row.finishedAt != nil)
        }
    }

    @Test("work returning .partial: exit 65, status partial")
    func partialRun() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            let report = try await runner.run(JobRequest(name: "test-partial")) { _ in
                JobOutcome(status: .partial, counts: ["files_imported": 2, "files_rejected": 1], message: "1 rejected")
            }
            #expect(report.status == .partial)
            #expect(report.exitCode == 65)
            let row = try await Fixture.row(report.runID, conninfo)
            #expect(row.status == "partial")
            #expect(row.exitCode == 65)
            #expect(row.summary == ["files_imported": 2, "files_rejected": 1])
        }
    }

    @Test("lock held elsewhere: skipped, exit 75, 'locked', and the run has its own row")
    func locked() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            let lock = try #require(
                try await AdvisoryLock.tryAcquire("job:test-locked", conninfo: conninfo, logger: TestDatabase.logger))
            let worked = Flag()
            let report = try await runner.run(JobRequest(name: "test-locked")) { _ in
                worked.set()
                return JobOutcome()
            }
            await lock.release()
            #expect(report.status == .skipped)
            #expect(report.exitCode == 75)
            #expect(report.message?.contains("locked") == true, "\(report)")
            #expect(!worked.isSet, "the work ran without the lock")
            let row = try await Fixture.row(report.runID, conninfo)
            #expect(row.status == "skipped")
            #expect(row.exitCode == 75)
            #expect(row.error?.contains("locked") == true, "\(row)")

            let again = try await runner.run(JobRequest(name: "test-locked")) { _ in JobOutcome() }
            #expect(again.status == .ok, "the lock was released, the next run works: \(again)")
        }
    }

    @Test("maintenance on: skipped with the reason; a job that runs during maintenance still runs")
    func maintenance() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            try await Fixture.withConnection(conninfo) { connection in
                try await connection.withSession { try MaintenanceFlag(on: true, reason: "deploy").write(in: $0) }
            }
            let worked = Flag()
            let skipped = try await runner.run(JobRequest(name: "test-maintenance")) { _ in
                worked.set()
                return JobOutcome()
            }
            #expect(skipped.status == .skipped)
            #expect(skipped.exitCode == 75)
            #expect(skipped.message?.contains("maintenance") == true, "\(skipped)")
            #expect(skipped.message?.contains("deploy") == true, "\(skipped)")
            #expect(!worked.isSet)
            #expect(try await Fixture.row(skipped.runID, conninfo).status == "skipped")

            let backup = try await runner.run(JobRequest(name: "test-backup", runsDuringMaintenance: true)) { _ in
                JobOutcome(counts: ["dumps": 1])
            }
            #expect(backup.status == .ok, "\(backup)")
            #expect(backup.exitCode == 0)
        }
    }

    @Test("an unreadable maintenance flag counts as on: jobs are skipped, never run mid-deployment")
    func unreadableMaintenanceFlag() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            try await Fixture.withConnection(conninfo) { connection in
                _ = try await connection.execute(
                    "INSERT INTO app_setting (key, value) VALUES ('maintenance', '{\"on\": \"yes please\"}')")
            }
            let worked = Flag()
            let report = try await runner.run(JobRequest(name: "test-unreadable-flag")) { _ in
                worked.set()
                return JobOutcome()
            }
            #expect(report.status == .skipped, "\(report)")
            #expect(report.exitCode == 75)
            #expect(report.message?.contains("unreadable maintenance flag") == true, "\(report)")
            #expect(!worked.isSet)
        }
    }

    @Test("a 'running' row of the same job whose process died is marked failed by the next run")
    func deadRunOfSameJob() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            let dead = try await Fixture.insertRunning(
                job: "test-dead", host: Fixture.hostName(), pid: try Fixture.deadPID(), heartbeatAge: "5 seconds",
                conninfo: conninfo)
            let report = try await runner.run(JobRequest(name: "test-dead")) { _ in JobOutcome() }
            #expect(report.status == .ok, "\(report)")
            let row = try await Fixture.row(dead, conninfo)
            #expect(row.status == "failed")
            #expect(row.error?.contains("died") == true, "\(row)")
            #expect(row.finishedAt != nil)
        }
    }

    @Test("stale heartbeat of another job: marked failed; a fresh one is left alone")
    func staleRunsOfOtherJobs() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            var runner = runner
            // Far from both rows' heartbeats, so that a loaded test machine cannot blur the line.
            runner.staleAfter = .seconds(600)
            let stale = try await Fixture.insertRunning(
                job: "other-stale", host: "elsewhere", pid: 4242, heartbeatAge: "1 hour", conninfo: conninfo)
            let fresh = try await Fixture.insertRunning(
                job: "other-fresh", host: "elsewhere", pid: 4243, heartbeatAge: "0 seconds", conninfo: conninfo)
            let report = try await runner.run(JobRequest(name: "test-reaper")) { _ in JobOutcome() }
            #expect(report.status == .ok, "\(report)")

            let staleRow = try await Fixture.row(stale, conninfo)
            #expect(staleRow.status == "failed")
            #expect(staleRow.error?.contains("died") == true, "\(staleRow)")
            #expect(staleRow.finishedAt != nil)
            let freshRow = try await Fixture.row(fresh, conninfo)
            #expect(freshRow.status == "running", "a live run of another job was marked: \(freshRow)")
            #expect(freshRow.finishedAt == nil)
        }
    }

    @Test("heartbeat: refreshed while the work runs")
    func heartbeat() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            var runner = runner
            runner.heartbeatInterval = .milliseconds(100)
            let during = Flag()
            let report = try await runner.run(JobRequest(name: "test-heartbeat")) { _ in
                // Read while the run is still going (the final update also sets heartbeat_at).
                // Polled, not timed: on a loaded machine the first beats may come late.
                let deadline = ContinuousClock.now + .seconds(180)
                while !during.isSet, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(100))
                    let beating = try await Fixture.withConnection(conninfo) { connection in
                        try await connection.withSession { session in
                            try session.queryValue(
                                """
                                SELECT heartbeat_at > started_at + interval '300 milliseconds' FROM job_run
                                WHERE job = 'test-heartbeat' AND status = 'running'
                                """, as: Bool.self)
                        }
                    }
                    if beating == true { during.set() }
                }
                return JobOutcome()
            }
            #expect(report.status == .ok, "\(report)")
            #expect(during.isSet, "no heartbeat written while the work ran")
            let after = try await Fixture.withConnection(conninfo) { connection in
                try await connection.withSession { session in
                    try session.queryValue(
                        "SELECT heartbeat_at > started_at + interval '300 milliseconds' FROM job_run WHERE id = \(report.runID)",
                        as: Bool.self)
                }
            }
            #expect(after == true)
        }
    }

    @Test("cancellation while the work sleeps: the row ends failed, 'interrupted'")
    func cancellation() async throws {
        try await Fixture.withRunner { runner, conninfo, _ in
            let started = Flag()
            let sleptToTheEnd = Flag()
            let task = Task {
                try await runner.run(JobRequest(name: "test-cancel")) { _ in
                    started.set()
                    // Long enough that only cancellation can end it within the test's lifetime.
                    try await Task.sleep(for: .seconds(600))
                    sleptToTheEnd.set()
                    return JobOutcome()
                }
            }
            // A loaded CI machine can take a while to connect, record the run and take the lock.
            #expect(try await Fixture.waitUntil(timeout: .seconds(180)) { started.isSet }, "the work never started")
            task.cancel()
            let report = try await task.value
            #expect(!sleptToTheEnd.isSet, "cancellation did not stop the sleeping work")
            #expect(report.status == .failed)
            #expect(report.message?.contains("interrupted") == true, "\(report)")

            let rows = try await Fixture.rows(job: "test-cancel", conninfo)
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.status == "failed", "the interrupted run's row: \(row)")
            #expect(row.error?.contains("interrupted") == true, "\(row)")
            #expect(row.finishedAt != nil)
        }
    }
}
