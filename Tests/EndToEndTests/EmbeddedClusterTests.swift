import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The private PostgreSQL cluster ocpizza starts under `.ocpizza/postgres` when no database is
/// configured. Each test owns its own working directory (and so its own cluster, socket and
/// lock), so they run in parallel; the cluster is always stopped and the folder removed.
@Suite("Embedded PostgreSQL")
struct EmbeddedClusterTests {
    @Test("demo, dev-db status/stop/start/reset, with the data kept across a restart")
    func lifecycle() async throws {
        try await Self.withCluster { scratch in
            // demo with nothing configured: initialises, starts, migrates, reports.
            // The README's main command: migrate, demo chain, history (a few days keep the test short), nightly.
            // A generous limit: this runs beside the whole parallel suite (seen taking over 120 s
            // on a loaded 2-core CI machine while making progress).
            let demo = try await scratch.run("demo", "--days", "3", timeout: .seconds(420))
            try #require(demo.status == 0, "\(demo)")
            let embeddedLines = demo.stderrLines.filter { $0.contains("embedded PostgreSQL") }
            #expect(embeddedLines.count == 1, "\(demo)")
            #expect(demo.stdout.contains("applied, 0 pending, 0 modified"), "\(demo)")
            #expect(demo.stdout.contains("[embedded]"), "\(demo)")
            #expect(demo.stdout.contains("Demo chain: loaded"), "\(demo)")
            #expect(demo.stdout.contains("demo-generate: ok (exit 0)"), "\(demo)")
            #expect(demo.stdout.contains("nightly: ok (exit 0)"), "\(demo)")
            let history = try await scratch.run("jobs", "history", "--json")
            let runs = try #require(history.jsonArray, "\(history)")
            #expect(
                runs.compactMap { $0["job"] as? String }.sorted() == [
                    "backup-copy-offsite", "backup-create", "backup-drill", "backup-prune", "backup-verify",
                    "demo-generate", "export-reports", "import-supplier", "nightly", "reconcile-stock",
                    "settle-payments",
                ],
                "\(history)")
            // The demo's night took a backup, verified it, proved it by a restore drill and pruned.
            let backups = try await scratch.run("backup", "status", "--json")
            #expect(backups.status == 0, "\(backups)")
            let listed = try await scratch.run("backup", "list", "--json")
            let only = try #require(listed.jsonArray?.first, "\(listed)")
            #expect(only["kind"] as? String == "scheduled", "\(listed)")
            #expect(only["verifyOK"] as? Bool == true, "\(listed)")
            #expect((only["drill"] as? [String: Any])?["ok"] as? Bool == true, "\(listed)")
            #expect(FileManager.default.fileExists(atPath: scratch.path + "/.ocpizza/postgres/data/PG_VERSION"))

            let running = try await scratch.run("dev-db", "status")
            #expect(running.status == 0, "\(running)")
            #expect(running.stdout.contains("running"), "\(running)")

            let status = try await scratch.run("db", "status", "--json")
            #expect(status.status == 0, "\(status)")
            #expect(status.json?["embedded"] as? Bool == true, "\(status)")
            #expect(E2E.statuses(status)["0001_foundation"] == "applied", "\(status)")

            // The server itself: checksums on, no TCP port.
            let info = try await scratch.run("dev-db", "status", "--json")
            let conninfo = try #require(info.json?["conninfo"] as? String, "\(info)")
            #expect(conninfo.contains("user='ocpizza'"), "\(info)")
            #expect(try await E2E.query("SHOW data_checksums", conninfo: conninfo) == ["on"])
            #expect(try await E2E.query("SHOW listen_addresses", conninfo: conninfo) == [""])
            // The night reviewed and posted every trading shop's closing count (written by the
            // demo into var/inbox/counts) and reconciled it: variance lines for every shop that
            // traded on the date, position and availability for every shop computed.
            func shops(_ sql: SQL) async throws -> Int {
                Int((try await E2E.query(sql, conninfo: conninfo).first ?? nil) ?? "") ?? -1
            }
            let traded = try await shops("SELECT count(*)::text FROM stock_usage_day WHERE orders_closed > 0")
            let computed = try await shops("SELECT count(*)::text FROM stock_usage_day")
            #expect(traded > 0)
            #expect(try await shops("SELECT count(DISTINCT pizzeria_id)::text FROM variance_line") == traded)
            #expect(try await shops("SELECT count(DISTINCT pizzeria_id)::text FROM stock_position") == computed)
            #expect(try await shops("SELECT count(DISTINCT pizzeria_id)::text FROM product_availability") == computed)
            #expect(try await shops("SELECT count(DISTINCT pizzeria_id)::text FROM reorder_suggestion") > 0)
            // The README's promise: after the main command, var/reports/index.html lists the
            // night's reports, and the chain's page is there with its charts.
            let index = try String(contentsOfFile: scratch.path + "/var/reports/index.html", encoding: .utf8)
            #expect(index.contains("/chain.html"), "\(index)")
            let dayFolders = try FileManager.default.contentsOfDirectory(atPath: scratch.path + "/var/reports/day")
            let chain = try String(
                contentsOfFile: scratch.path + "/var/reports/day/\(dayFolders.first ?? "-")/chain.html", encoding: .utf8
            )
            #expect(chain.contains("<svg class=\"chart\""))

            // Stop, then status says so (exit 3, like pg_ctl status).
            let stop = try await scratch.run("dev-db", "stop")
            #expect(stop.status == 0, "\(stop)")
            let stopped = try await scratch.run("dev-db", "status")
            #expect(stopped.status == 3, "\(stopped)")
            #expect(stopped.stdout.contains("stopped"), "\(stopped)")

            // Start again: the migrated data is still there.
            let start = try await scratch.run("dev-db", "start")
            #expect(start.status == 0, "\(start)")
            let restarted = try await scratch.run("db", "status", "--json")
            #expect(restarted.status == 0, "\(restarted)")
            #expect(E2E.statuses(restarted)["0001_foundation"] == "applied", "\(restarted)")
            let again = try await scratch.run("demo", "--days", "3", timeout: .seconds(420))
            #expect(again.status == 0, "\(again)")
            #expect(again.stdout.contains("Demo chain: already loaded."), "\(again)")
            #expect(again.stdout.contains("history already there"), "\(again)")

            // Reset: a fresh, empty, running cluster.
            let reset = try await scratch.run("dev-db", "reset", "--yes")
            #expect(reset.status == 0, "\(reset)")
            let afterReset = try await scratch.run("db", "status", "--json")
            #expect(afterReset.status == 0, "\(afterReset)")
            #expect(E2E.statuses(afterReset)["0001_foundation"] == "pending", "\(afterReset)")
            let text = try await scratch.run("db", "status")
            let row = text.stdout.split(separator: "\n").first { $0.contains("0001_foundation") }
            #expect(row?.contains("pending") == true, "\(text)")
        }
    }

    @Test("dev-db status on a folder without a cluster exits 3 and says not initialized")
    func statusWithoutCluster() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run("dev-db", "status")
            #expect(result.status == 3, "\(result)")
            #expect(result.stdout.contains("not initialized"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/.ocpizza/postgres/data"))
        }
    }

    @Test("dev-db stop when nothing runs succeeds and says so")
    func stopWhenNotRunning() async throws {
        try await ScratchDirectory.with { scratch in
            let result = try await scratch.run("dev-db", "stop")
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("was not running"), "\(result)")
        }
    }

    @Test("dev-db start with a database configured says the cluster is not the one in use")
    func startWhileConfigured() async throws {
        try await Self.withCluster { scratch in
            let result = try await scratch.run(
                "dev-db", "start", "--json", environment: ["DATABASE_URL": "host=/nonexistent-ocpizza dbname=x"])
            #expect(result.status == 0, "\(result)")
            #expect(result.json?["inUse"] as? Bool == false, "\(result)")
            #expect(result.json?["state"] as? String == "initialized and started", "\(result)")
        }
    }

    @Test("a working directory with a quote in its name works like any other")
    func quoteInWorkingDirectory() async throws {
        try await Self.withCluster(subfolder: "o'q") { scratch in
            let demo = try await scratch.run("demo", "--days", "1", timeout: .seconds(420))
            #expect(demo.status == 0, "\(demo)")
            #expect(demo.stdout.contains("[embedded]"), "\(demo)")
            let status = try await scratch.run("dev-db", "status")
            #expect(status.status == 0, "\(status)")
        }
    }

    /// Runs `body` in a fresh working directory, then stops its cluster (even when `body` failed)
    /// and removes the folder.
    static func withCluster(
        subfolder: String? = nil, _ body: (ScratchDirectory) async throws -> Void
    ) async throws {
        let scratch = try ScratchDirectory(subfolder: subfolder)
        let outcome: Result<Void, any Error>
        do {
            try await body(scratch)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await stopCluster(in: scratch)
        scratch.remove()
        try outcome.get()
    }

    private static func stopCluster(in scratch: ScratchDirectory) async {
        let stop = try? await scratch.run("dev-db", "stop", timeout: .seconds(300))
        let pidFile = scratch.path + "/.ocpizza/postgres/data/postmaster.pid"
        if stop?.status == 0 && !FileManager.default.fileExists(atPath: pidFile) { return }
        Issue.record("dev-db stop failed, killing the server: \(stop.map { "\($0)" } ?? "did not run")")
        // Last resort: immediate shutdown of the postmaster, then wait for it to go.
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = text.split(separator: "\n").first.flatMap({ pid_t($0.trimmingCharacters(in: .whitespaces)) })
        else { return }
        kill(pid, SIGQUIT)
        for _ in 0..<100 where kill(pid, 0) == 0 {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
