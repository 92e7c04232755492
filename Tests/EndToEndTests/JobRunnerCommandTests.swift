import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The job runner through the built binary: locks across processes, killed and stopped runs,
/// maintenance mode, `nightly`, `jobs status` and `jobs history`.
@Suite("Job runner commands")
struct JobRunnerCommandTests {
    /// The nightly steps of `JobCatalog.nightlySteps`, in order.
    static let nightlySteps = [
        "import-supplier", "reconcile-stock", "settle-payments", "export-reports", "backup-create", "backup-verify",
        "backup-drill", "backup-prune", "backup-copy-offsite",
    ]
    /// The steps this build has.
    static let builtSteps: Set = [
        "import-supplier", "reconcile-stock", "settle-payments", "export-reports", "backup-create", "backup-verify",
        "backup-drill", "backup-prune", "backup-copy-offsite",
    ]

    /// A migrated database, a scratch folder and its `var/`.
    struct Setup: Sendable {
        var conninfo: String
        var directory: String
        var varDirectory: String { directory + "/var" }

        /// Runs `ocpizza arguments --database-url <db> --var <scratch>/var`.
        func run(_ arguments: String..., timeout: Duration = .seconds(600)) async throws -> CommandResult {
            try await OCPizzaBinary.run(
                arguments + ["--database-url", conninfo, "--var", varDirectory], in: directory, timeout: timeout)
        }

        /// The first column of `sql`'s rows, as text.
        func query(_ sql: SQL) async throws -> [String?] { try await E2E.query(sql, conninfo: conninfo) }

        /// Waits (up to two minutes) until some job of this database holds its advisory lock.
        func waitForAdvisoryLock() async throws {
            let deadline = ContinuousClock.now + .seconds(120)
            while try await query(
                """
                SELECT count(*)::text FROM pg_locks
                WHERE locktype = 'advisory' AND granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """) == ["0"], ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(50))
            }
        }

        /// Waits until the newest canary run is 'running' and returns its id and pid.
        func runningCanary() async throws -> (id: String, pid: pid_t) {
            let deadline = ContinuousClock.now + .seconds(180)
            while ContinuousClock.now < deadline {
                let rows = try await query(
                    "SELECT id || ' ' || pid FROM job_run WHERE job = 'canary' AND status = 'running' ORDER BY id")
                let parts = (rows.last ?? nil)?.split(separator: " ") ?? []
                if parts.count == 2, let pid = pid_t(parts[1]) { return (String(parts[0]), pid) }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw SpawnError("no canary run became 'running' within 180 s")
        }
    }

    static func withSetup(_ body: (Setup) async throws -> Void) async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let migrate = try await scratch.run("db", "migrate", "--database-url", conninfo)
            try #require(migrate.status == 0, "\(migrate)")
            try await body(Setup(conninfo: conninfo, directory: scratch.path))
        }
    }

    /// Standard output parsed as a JSON array of objects.
    static func jsonArray(_ result: CommandResult) -> [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [[String: Any]]
    }

    @Test("the same job twice at once: one runs (exit 0), one is skipped (exit 75, 'skipped: locked')")
    func twiceAtOnce() async throws {
        try await Self.withSetup { setup in
            // The first holds the lock for a while; the second starts once the lock is held (two
            // processes merely started together need not overlap on a loaded machine). Two minutes:
            // on a CI machine busy with the whole suite, 30 s once passed before the second
            // process reached its lock.
            async let first = setup.run("jobs", "canary", "--seconds", "120", timeout: .seconds(400))
            _ = try await setup.runningCanary()
            try await setup.waitForAdvisoryLock()
            let second = try await setup.run("jobs", "canary", "--seconds", "0")
            let results = try await [first, second]
            #expect(results.map(\.status) == [0, 75], "\(results[0])\n\(results[1])")
            let skipped = results.first { $0.status == 75 }
            #expect(skipped?.stdout.contains("skipped: locked") == true, "\(skipped.map { "\($0)" } ?? "")")

            let history = try await setup.run("jobs", "history", "--json")
            #expect(history.status == 0, "\(history)")
            let runs = try #require(Self.jsonArray(history), "\(history)")
            #expect(runs.allSatisfy { $0["job"] as? String == "canary" }, "\(history)")
            #expect(runs.compactMap { $0["status"] as? String }.sorted() == ["ok", "skipped"], "\(history)")
            #expect(runs.compactMap { $0["exitCode"] as? Int }.sorted() == [0, 75], "\(history)")
        }
    }

    @Test("SIGKILL: the killed run stays 'running' until the next invocation marks it failed")
    func killedRunIsMarkedFailed() async throws {
        try await Self.withSetup { setup in
            async let killed = setup.run("jobs", "canary", "--seconds", "600", timeout: .seconds(700))
            let (id, pid) = try await setup.runningCanary()
            #expect(kill(pid, SIGKILL) == 0)
            let result = try await killed
            #expect(result.status == 128 + SIGKILL, "\(result)")
            #expect(try await setup.query("SELECT status FROM job_run WHERE id = \(id)::bigint") == ["running"])

            let next = try await setup.run("jobs", "canary", "--seconds", "1")
            #expect(next.status == 0, "\(next)")
            let row = try await setup.query(
                "SELECT status || ': ' || coalesce(error, '') FROM job_run WHERE id = \(id)::bigint")
            let text = try #require(row.first ?? nil)
            #expect(text.hasPrefix("failed: "), "\(text)")
            #expect(text.contains("died"), "\(text)")

            let history = try await setup.run("jobs", "history")
            #expect(history.status == 0, "\(history)")
            let line = history.stdout.split(separator: "\n").first { $0.hasPrefix("#\(id) ") }
            #expect(line?.contains("failed") == true, "\(history)")
            #expect(line?.contains("died") == true, "\(history)")
        }
    }

    @Test("SIGTERM: the job stops long before its work would end, exits non-zero, its row is failed 'interrupted'")
    func terminatedRunIsRecorded() async throws {
        try await Self.withSetup { setup in
            async let stopped = setup.run("jobs", "canary", "--seconds", "600", timeout: .seconds(700))
            let (id, pid) = try await setup.runningCanary()
            // The signal handler is installed once the lock is taken: wait for the lock, then a little.
            try await setup.waitForAdvisoryLock()
            try await Task.sleep(for: .milliseconds(500))
            let signalled = ContinuousClock.now
            #expect(kill(pid, SIGTERM) == 0)
            let result = try await stopped
            // Not a speed check: far below the 600 s the canary would run if the signal were ignored.
            #expect(ContinuousClock.now - signalled < .seconds(120), "took too long to stop")
            #expect(result.status != 0, "\(result)")
            #expect(result.status < 128, "died of the signal instead of recording the run: \(result)")
            let row = try await setup.query(
                "SELECT status || ': ' || coalesce(error, '') FROM job_run WHERE id = \(id)::bigint")
            let text = try #require(row.first ?? nil)
            #expect(text.hasPrefix("failed: "), "\(text)\n\(result)")
            #expect(text.contains("interrupted"), "\(text)")
        }
    }

    @Test("maintenance on: jobs exit 75 'maintenance'; status says on; off: jobs run again")
    func maintenanceMode() async throws {
        try await Self.withSetup { setup in
            let on = try await setup.run("maintenance", "on", "--reason", "deploy")
            #expect(on.status == 0, "\(on)")
            let skipped = try await setup.run("jobs", "canary", "--seconds", "0")
            #expect(skipped.status == 75, "\(skipped)")
            #expect(skipped.stdout.contains("maintenance"), "\(skipped)")
            #expect(skipped.stdout.contains("deploy"), "\(skipped)")

            let status = try await setup.run("maintenance", "status", "--json")
            #expect(status.status == 0, "\(status)")
            #expect(status.json?["on"] as? Bool == true, "\(status)")
            #expect(status.json?["reason"] as? String == "deploy", "\(status)")

            let off = try await setup.run("maintenance", "off")
            #expect(off.status == 0, "\(off)")
            let offStatus = try await setup.run("maintenance", "status", "--json")
            #expect(offStatus.json?["on"] as? Bool == false, "\(offStatus)")
            let ran = try await setup.run("jobs", "canary", "--seconds", "0")
            #expect(ran.status == 0, "\(ran)")
        }
    }

    @Test(
        "nightly --date: import-supplier and the backup steps run, the steps not built are 'not available'; a bad date is 64"
    )
    func nightly() async throws {
        try await Self.withSetup { setup in
            let result = try await setup.run("nightly", "--date", "2026-11-21", "--json")
            #expect(result.status == 0, "\(result)")
            let steps = result.json?["steps"] as? [[String: Any]] ?? []
            #expect(steps.compactMap { $0["job"] as? String } == Self.nightlySteps, "\(result)")
            for step in steps {
                let built = Self.builtSteps.contains(step["job"] as? String ?? "")
                #expect(step["outcome"] as? String == (built ? "ok" : "not available"), "\(step)")
            }
            // The night took a backup, verified it and proved it by a restore drill.
            let backups = try await setup.query(
                "SELECT kind || ' ' || status || ' ' || verify_ok || ' ' || (drill_result ->> 'ok') FROM backup")
            #expect(backups == ["scheduled ok true true"], "\(result)")
            let nightly = result.json?["nightly"] as? [String: Any]
            #expect(nightly?["status"] as? String == "ok", "\(result)")
            #expect(nightly?["businessDate"] as? String == "2026-11-21", "\(result)")
            let dates = try await setup.query("SELECT business_date::text FROM job_run WHERE job = 'nightly'")
            #expect(dates == ["2026-11-21"])

            let invalid = try await setup.run("nightly", "--date", "2026-02-30")
            #expect(invalid.status == 64, "\(invalid)")
            let runs = try await setup.query("SELECT count(*)::text FROM job_run WHERE job = 'nightly'")
            #expect(runs == ["1"], "a bad date ran something")
        }
    }

    @Test("jobs status lists every catalog job; jobs history --job --limit")
    func statusAndHistory() async throws {
        try await Self.withSetup { setup in
            for _ in 0..<2 {
                let canary = try await setup.run("jobs", "canary", "--seconds", "0")
                #expect(canary.status == 0, "\(canary)")
            }
            let status = try await setup.run("jobs", "status", "--json")
            #expect(status.status == 0, "\(status)")
            let lines = try #require(Self.jsonArray(status), "\(status)")
            let jobs = Set(lines.compactMap { $0["job"] as? String })
            #expect(jobs.isSuperset(of: Self.nightlySteps + ["nightly", "canary"]), "\(status)")
            let canary = lines.first { $0["job"] as? String == "canary" }
            #expect(canary?["lastSuccessAt"] is String, "\(status)")
            #expect(canary?["overdue"] as? Bool == false, "\(status)")
            let nightly = lines.first { $0["job"] as? String == "nightly" }
            #expect(nightly?["lastSuccessAt"] == nil, "\(status)")

            let history = try await setup.run("jobs", "history", "--job", "canary", "--limit", "1", "--json")
            #expect(history.status == 0, "\(history)")
            let runs = try #require(Self.jsonArray(history), "\(history)")
            #expect(runs.count == 1, "\(history)")
            let newest = try await setup.query("SELECT max(id)::text FROM job_run WHERE job = 'canary'")
            #expect((runs.first?["runID"] as? Int).map(String.init) == newest.first ?? nil, "\(history)")
            #expect(runs.first?["job"] as? String == "canary")
        }
    }

    @Test("--log-format json: every stderr line is JSON; 'job started' carries job.name and job.run_id")
    func jsonLogs() async throws {
        try await Self.withSetup { setup in
            let result = try await setup.run("jobs", "canary", "--seconds", "0", "--log-format", "json")
            #expect(result.status == 0, "\(result)")
            let objects = result.stderrLines.map {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
            }
            #expect(!objects.isEmpty && objects.allSatisfy { $0 != nil }, "\(result)")
            let started = objects.compactMap { $0 }.first { $0["msg"] as? String == "job started" }
            #expect(started?["job.name"] as? String == "canary", "\(result)")
            let id = try await setup.query("SELECT id::text FROM job_run WHERE job = 'canary'")
            #expect(started?["job.run_id"] as? String == id.first ?? nil, "\(result)")
        }
    }
}
