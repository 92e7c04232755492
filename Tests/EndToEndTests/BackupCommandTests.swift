import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ocpizza backup ...` and `ocpizza release` through the built binary, against a real
/// PostgreSQL, with the real pg_dump, pg_restore and pg_amcheck.
@Suite("Backups through the binary", .serialized)
struct BackupCommandTests {
    /// A migrated, seeded database and helpers to run ocpizza on it.
    struct Setup {
        var conninfo: String
        var name: String
        var scratch: ScratchDirectory

        var backupDirectory: String { scratch.path + "/var/backups" }

        func run(
            _ arguments: String..., environment: [String: String] = [:], timeout: Duration = .seconds(420)
        ) async throws -> CommandResult {
            try await OCPizzaBinary.run(
                arguments + ["--database-url", conninfo], in: scratch.path, environment: environment, timeout: timeout)
        }

        func start(_ arguments: String...) throws -> RunningCommand {
            try OCPizzaBinary.start(arguments + ["--database-url", conninfo], in: scratch.path)
        }

        func query(_ sql: SQL) async throws -> [String?] { try await E2E.query(sql, conninfo: conninfo) }
        func execute(_ sql: SQL) async throws { try await E2E.execute(sql, conninfo: conninfo) }

        /// `backup create --json` → the new backup's id.
        func createBackup(_ extra: String...) async throws -> Int {
            let result = try await OCPizzaBinary.run(
                ["backup", "create", "--json"] + extra + ["--database-url", conninfo], in: scratch.path,
                timeout: .seconds(420))
            try #require(result.status == 0, "\(result)")
            let backup = result.json?["result"] as? [String: Any]
            return try #require(backup?["id"] as? Int, "\(result)")
        }

        func info(_ id: Int) async throws -> [String: Any] {
            let result = try await run("backup", "info", "\(id)", "--json")
            try #require(result.status == 0, "\(result)")
            return result.json ?? [:]
        }

        func files() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: backupDirectory)) ?? []).sorted()
        }
    }

    static func withSetup(seed: Bool = true, _ body: (Setup) async throws -> Void) async throws {
        try await E2E.withDatabase { conninfo, name, scratch in
            let setup = Setup(conninfo: conninfo, name: name, scratch: scratch)
            let migrate = try await setup.run("db", "migrate")
            try #require(migrate.status == 0, "\(migrate)")
            if seed {
                let seeded = try await setup.run("db", "seed", "--demo")
                try #require(seeded.status == 0, "\(seeded)")
            }
            try await body(setup)
        }
    }

    @Test("round trip: create, verify, drill; the restore has the sentinel and every table's counts and checksums")
    func roundTrip() async throws {
        try await Self.withSetup { setup in
            let id = try await setup.createBackup()
            let info = try await setup.info(id)
            #expect(info["status"] as? String == "ok")
            #expect((info["sha256"] as? String)?.count == 64)
            #expect((info["tocEntries"] as? Int ?? 0) > 100, "\(info)")
            #expect((info["pgDumpVersion"] as? String)?.isEmpty == false)
            #expect((info["serverVersion"] as? String)?.isEmpty == false)
            let path = try #require(info["filePath"] as? String)
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.size] as? NSNumber)?.intValue == info["sizeBytes"] as? Int)
            #expect(setup.files().allSatisfy { !$0.hasSuffix(".partial") }, "\(setup.files())")

            let verify = try await setup.run("backup", "verify", "\(id)")
            #expect(verify.status == 0, "\(verify)")
            // What a drill killed half-way would leave: the next drill drops it.
            let oid = try #require(
                try await setup.query("SELECT oid::text FROM pg_database WHERE datname = current_database()").first
                    ?? nil)
            try await setup.execute("CREATE DATABASE \(unsafeRaw: "ocpizza_drill_\(oid)_999_1")")
            let drill = try await setup.run("backup", "drill", "\(id)", "--json")
            #expect(drill.status == 0, "\(drill)")
            let result = try #require(drill.json?["result"] as? [String: Any], "\(drill)")
            #expect(result["ok"] as? Bool == true)
            #expect(result["sentinel"] as? Bool == true)
            #expect(result["amcheck"] as? String == "clean")
            #expect((result["differences"] as? [Any])?.isEmpty == true)
            let tables = try await setup.query(
                """
                SELECT count(*)::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind = 'r' AND n.nspname = 'public'
                """)
            #expect(result["tables"] as? Int == Int(tables.first.flatMap { $0 } ?? ""), "\(result)")
            // The scratch database is gone.
            let scratchDatabases = try await setup.query(
                """
                SELECT datname FROM pg_database
                WHERE datname LIKE 'ocpizza\\_drill\\_' || (SELECT oid FROM pg_database WHERE datname = current_database())
                                   || '\\_%'
                """)
            #expect(scratchDatabases.isEmpty, "\(scratchDatabases)")
            let recorded = try await setup.info(id)
            #expect((recorded["drill"] as? [String: Any])?["ok"] as? Bool == true)
            #expect(recorded["verifyOK"] as? Bool == true)

            // Independent check of the restore: into another database, same rows as production.
            let target = setup.name + "_copy"
            let restore = try await setup.run("backup", "restore", "\(id)", "--target-db", target)
            #expect(restore.status == 0, "\(restore)")
            let copy = try #require(ConnectionString.replacingDatabase(in: setup.conninfo, with: target))
            let sql: SQL =
                "SELECT (SELECT count(*) FROM recipe_line) || '/' || (SELECT sum(price_ttc_cents) FROM product_price)"
            #expect(try await E2E.query(sql, conninfo: copy) == (try await setup.query(sql)))
            let again = try await setup.run("backup", "restore", "\(id)", "--target-db", target)
            #expect(again.status == 64, "an existing database is not replaced without --confirm: \(again)")
            try await setup.execute("DROP DATABASE \(unsafeRaw: SQL.quoteIdentifier(target)) WITH (FORCE)")
        }
    }

    @Test("the directory format (parallel dump): hashed over its manifest, verified, drilled; a removed file is caught")
    func directoryFormat() async throws {
        try await Self.withSetup { setup in
            let id = try await setup.createBackup("--format", "directory", "--jobs", "2")
            let info = try await setup.info(id)
            #expect(info["format"] as? String == "directory")
            let folder = try #require(info["filePath"] as? String)
            #expect(folder.hasSuffix(".dir"))
            #expect(FileManager.default.fileExists(atPath: folder + "/toc.dat"))
            #expect(try await setup.run("backup", "verify", "\(id)").status == 0)
            let drill = try await setup.run("backup", "drill", "\(id)")
            #expect(drill.status == 0, "\(drill)")

            let data = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".dat.gz") }
            let victim = try #require(data.sorted().first, "\(data)")
            try FileManager.default.removeItem(atPath: folder + "/" + victim)
            let verify = try await setup.run("backup", "verify", "\(id)")
            #expect(verify.status == 65, "\(verify)")
        }
    }

    @Test("verify catches a truncated archive, flipped bytes, and one value edited inside an uncompressed dump")
    func corruption() async throws {
        try await Self.withSetup { setup in
            try await setup.execute(
                "INSERT INTO app_setting (key, value) VALUES ('backup_test', '{\"word\": \"pizza 42\"}')")
            func archive(_ id: Int) async throws -> String {
                try #require(try await setup.info(id)["filePath"] as? String)
            }

            let truncated = try await setup.createBackup()
            let truncatedPath = try await archive(truncated)
            let size = try #require(
                (try FileManager.default.attributesOfItem(atPath: truncatedPath)[.size] as? NSNumber))
            #expect(truncate(truncatedPath, off_t(size.intValue / 2)) == 0)

            let flipped = try await setup.createBackup()
            let flippedPath = try await archive(flipped)
            var bytes = try Data(contentsOf: URL(fileURLWithPath: flippedPath))
            for offset in bytes.count / 2..<(bytes.count / 2 + 4) { bytes[offset] ^= 0xFF }
            try bytes.write(to: URL(fileURLWithPath: flippedPath))

            let edited = try await setup.createBackup("--compress", "0")
            let editedPath = try await archive(edited)
            var plain = try Data(contentsOf: URL(fileURLWithPath: editedPath))
            let range = try #require(plain.range(of: Data("pizza 42".utf8)), "the uncompressed dump holds the value")
            plain.replaceSubrange(range, with: Data("pizzA 42".utf8))
            try plain.write(to: URL(fileURLWithPath: editedPath))

            for (id, what) in [(truncated, "truncated"), (flipped, "flipped"), (edited, "edited")] {
                let verify = try await setup.run("backup", "verify", "\(id)")
                #expect(verify.status == 65, "\(what): \(verify)")
                #expect(verify.stdout.contains("SHA-256"), "\(what): \(verify)")
                let info = try await setup.info(id)
                #expect(info["verifyOK"] as? Bool == false, "\(what)")
            }
            // pg_restore alone would not have noticed the edit: the drill refuses on the hash too.
            let drill = try await setup.run("backup", "drill", "\(edited)")
            #expect(drill.status == 65, "\(drill)")
        }
    }

    @Test("kill -9 during a dump leaves no file that looks good; a second run at once exits 75; the next run works")
    func killedAndConcurrent() async throws {
        try await Self.withSetup { setup in
            // Enough rows for pg_dump to take a few seconds.
            try await setup.execute(
                "CREATE TABLE bulk AS SELECT g AS id, md5(g::text) AS payload FROM generate_series(1, 3000000) g")
            let first = try setup.start("backup", "create")
            // Wait until pg_dump is writing.
            let deadline = ContinuousClock.now + .seconds(120)
            while !setup.files().contains(where: { $0.hasSuffix(".partial") }) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(setup.files().contains { $0.hasSuffix(".partial") }, "\(setup.files())")

            let second = try await setup.run("backup", "create")
            #expect(second.status == 75, "\(second)")
            #expect(second.stdout.contains("skipped: locked"), "\(second)")

            first.send(SIGKILL)
            let killed = try await first.wait()
            #expect(killed.status == 128 + SIGKILL, "\(killed)")
            #expect(
                setup.files().allSatisfy { !$0.hasSuffix(".dump") }, "no archive under a final name: \(setup.files())")
            let rows = try await setup.query("SELECT status FROM backup ORDER BY id")
            #expect(rows == ["running"], "\(rows)")

            let third = try await setup.run("backup", "create")
            #expect(third.status == 0, "\(third)")
            let after = try await setup.query(
                "SELECT id || ' ' || status || ' ' || coalesce(error, '') FROM backup ORDER BY id")
            #expect(after.count == 2)
            #expect(after.first??.contains("failed abandoned") == true, "\(after)")
            #expect(after.last == "2 ok ", "\(after)")
            #expect(setup.files().filter { $0.hasSuffix(".dump") }.count == 1, "\(setup.files())")
        }
    }

    @Test(
        "a full disk: the backup fails loudly (exit 74, row failed), no partial file stays", .enabled(if: getuid() == 0)
    )
    func fullDisk() async throws {
        try await Self.withSetup { setup in
            try FileManager.default.createDirectory(atPath: setup.backupDirectory, withIntermediateDirectories: true)
            let mount = try await OCPizzaShell.run("mount -t tmpfs -o size=3m tmpfs '\(setup.backupDirectory)'")
            try #require(mount.status == 0, "cannot mount a tmpfs: \(mount.output)")
            defer { _ = try? OCPizzaShell.runSync("umount '\(setup.backupDirectory)'") }

            // Free space is checked first: a first backup needs an eighth of the database's size.
            let small = setup.scratch.path + "/small"
            try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
            let smallMount = try await OCPizzaShell.run("mount -t tmpfs -o size=512k tmpfs '\(small)'")
            try #require(smallMount.status == 0, "cannot mount a tmpfs: \(smallMount.output)")
            defer { _ = try? OCPizzaShell.runSync("umount '\(small)'") }
            let refused = try await setup.run("backup", "create", "--backup-dir", small)
            #expect(refused.status == 74, "\(refused)")
            #expect(refused.stdout.contains("not enough free space"), "\(refused)")
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: small)) ?? []).isEmpty)
            try await setup.execute("DELETE FROM backup")

            let first = try await setup.createBackup()
            // Incompressible enough to need more than the 3 MB the disk has.
            try await setup.execute(
                """
                CREATE TABLE filler AS
                SELECT g, md5(random()::text) || md5(random()::text) AS noise FROM generate_series(1, 150000) g
                """)
            let full = try await setup.run("backup", "create")
            #expect(full.status == 74, "\(full)")
            #expect(full.stdout.contains("disk is full"), "\(full)")
            let rows = try await setup.query("SELECT status FROM backup ORDER BY id")
            #expect(rows == ["ok", "failed"], "\(rows)")
            #expect(setup.files().allSatisfy { !$0.hasSuffix(".partial") }, "\(setup.files())")
            #expect(setup.files().filter { $0.hasSuffix(".dump") }.count == 1, "\(setup.files())")
            let status = try await setup.run("backup", "status", "--json")
            #expect(status.json?["lastGoodBackupID"] as? Int == first, "\(status)")
            #expect((status.json?["lastFailure"] as? String)?.contains("failed") == true, "\(status)")
        }
    }

    @Test("a pg_dump older than the server is refused before anything starts (exit 78, the row says why)")
    func oldPgDump() async throws {
        try await Self.withSetup(seed: false) { setup in
            let tools = setup.scratch.path + "/old-postgres/bin"
            try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
            let fake = tools + "/pg_dump"
            try Data("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.2'\n".utf8).write(to: URL(fileURLWithPath: fake))
            chmod(fake, 0o755)
            let result = try await setup.run("backup", "create", environment: ["OCPIZZA_PG_BINDIR": tools])
            #expect(result.status == 78, "\(result)")
            #expect(result.stdout.contains("older than the server"), "\(result)")
            let rows = try await setup.query("SELECT status || ': ' || error FROM backup")
            #expect(rows.first??.hasPrefix("failed: pg_dump is older than the server") == true, "\(rows)")
            #expect(setup.files().isEmpty, "\(setup.files())")
        }
    }

    @Test("restore over production: refused without confirmation; a failure leaves production and maintenance off")
    func restoreSafety() async throws {
        try await Self.withSetup { setup in
            let id = try await setup.createBackup()
            try await setup.execute("INSERT INTO backup_sentinel (token) VALUES ('after the backup')")
            let unconfirmed = try await setup.run("backup", "restore", "\(id)")
            #expect(unconfirmed.status == 64, "\(unconfirmed)")
            #expect(unconfirmed.stderr.contains("--confirm \(setup.name)"), "\(unconfirmed)")
            let wrong = try await setup.run("backup", "restore", "\(id)", "--confirm", "not-\(setup.name)")
            #expect(wrong.status == 64, "\(wrong)")
            #expect(try await setup.query("SELECT count(*)::text FROM backup") == ["1"], "nothing was done")

            // A failed restore: the safety backup is taken, production stays as it was, maintenance off.
            let garbage = setup.scratch.path + "/garbage.dump"
            try Data("not an archive".utf8).write(to: URL(fileURLWithPath: garbage))
            let failed = try await setup.run("backup", "restore", "--file", garbage, "--confirm", setup.name)
            #expect(failed.status != 0, "\(failed)")
            #expect(
                try await setup.query("SELECT count(*)::text FROM backup_sentinel WHERE token = 'after the backup'")
                    == ["1"])
            #expect(try await setup.query("SELECT \"on\"::text FROM maintenance_mode") == ["false"])
            #expect(try await setup.query("SELECT kind FROM backup WHERE kind = 'pre-restore'") == ["pre-restore"])

            // The real thing: production becomes the backup, the catalogue is carried over.
            let restored = try await setup.run("backup", "restore", "\(id)", "--confirm", setup.name)
            #expect(restored.status == 0, "\(restored)")
            #expect(restored.stdout.contains("safety backup"), "\(restored)")
            #expect(
                try await setup.query("SELECT count(*)::text FROM backup_sentinel WHERE token = 'after the backup'")
                    == ["0"])
            #expect(try await setup.query("SELECT \"on\"::text FROM maintenance_mode") == ["false"])
            let kinds = try await setup.query("SELECT kind FROM backup ORDER BY id")
            #expect(kinds == ["manual", "pre-restore", "pre-restore"], "\(kinds)")
            let drill = try await setup.run("backup", "drill")
            #expect(drill.status == 0, "the restored production can be backed up and drilled: \(drill)")
        }
    }

    @Test("prune applies the retention plan to the catalogue and the files; --dry-run deletes nothing")
    func prune() async throws {
        try await Self.withSetup(seed: false) { setup in
            let current = try await setup.createBackup()
            let path = try #require(try await setup.info(current)["filePath"] as? String)
            var old: [Int: String] = [:]
            for days in [400, 200, 20] {
                let file = setup.backupDirectory + "/old-\(days).dump"
                try FileManager.default.copyItem(atPath: path, toPath: file)
                let id = try await setup.query(
                    """
                    INSERT INTO backup (kind, status, file_path, size_bytes, sha256, started_at, finished_at)
                    SELECT 'scheduled', 'ok', \(file), size_bytes, sha256, now() - \(days) * interval '1 day',
                           now() - \(days) * interval '1 day'
                    FROM backup WHERE id = \(current) RETURNING id::text
                    """)
                old[days] = id.first ?? nil
            }
            let dryRun = try await setup.run("backup", "prune", "--dry-run", "--keep-at-least", "1", "--json")
            #expect(dryRun.status == 0, "\(dryRun)")
            #expect(FileManager.default.fileExists(atPath: setup.backupDirectory + "/old-400.dump"))
            let lines = (dryRun.json?["result"] as? [[String: Any]]) ?? []
            let decisions = Dictionary(
                uniqueKeysWithValues: lines.map { ("\($0["backupID"] as? Int ?? 0)", $0["keep"] as? Bool ?? true) })
            #expect(decisions[old[400]! ?? ""] == false, "\(lines)")
            #expect(decisions[old[200]! ?? ""] == true, "\(lines)")
            #expect(decisions[old[20]! ?? ""] == true, "\(lines)")
            #expect(decisions["\(current)"] == true, "\(lines)")

            let prune = try await setup.run("backup", "prune", "--keep-at-least", "1")
            #expect(prune.status == 0, "\(prune)")
            #expect(!FileManager.default.fileExists(atPath: setup.backupDirectory + "/old-400.dump"))
            #expect(FileManager.default.fileExists(atPath: setup.backupDirectory + "/old-200.dump"))
            let deleted = try await setup.query("SELECT id::text FROM backup WHERE deleted_at IS NOT NULL")
            #expect(deleted == [old[400]!], "\(deleted)")
            let again = try await setup.run("backup", "prune", "--keep-at-least", "1", "--json")
            #expect(
                ((again.json?["result"] as? [[String: Any]]) ?? []).allSatisfy { $0["keep"] as? Bool == true },
                "a second prune deletes nothing more: \(again)")
        }
    }

    @Test("copy-offsite re-hashes its copies; status says stale when the newest copy is over 8 days old")
    func offsiteAndStatus() async throws {
        try await Self.withSetup(seed: false) { setup in
            let offsite = setup.scratch.path + "/offsite"
            let environment = ["OCPIZZA_OFFSITE_DIR": offsite]
            let id = try await setup.createBackup()
            let noDrill = try await setup.run("backup", "status", environment: environment)
            #expect(noDrill.status == 1, "\(noDrill)")
            #expect(noDrill.stdout.contains("no backup has passed a restore drill"), "\(noDrill)")

            let drill = try await setup.run("backup", "drill")
            try #require(drill.status == 0, "\(drill)")
            let copy = try await setup.run("backup", "copy-offsite", environment: environment)
            #expect(copy.status == 0, "\(copy)")
            let original = try #require(try await setup.info(id)["filePath"] as? String)
            let copied = offsite + "/" + (original as NSString).lastPathComponent
            #expect(FileManager.default.contentsEqual(atPath: original, andPath: copied))
            let fresh = try await setup.run("backup", "status", environment: environment)
            #expect(fresh.status == 0, "\(fresh)")
            let metrics = OCPizzaBinary.read(setup.scratch.path + "/var/metrics/ocpizza_backup.prom")
            #expect(metrics.contains("ocpizza_backup_last_drill_success_timestamp_seconds"), "\(metrics)")
            #expect(metrics.contains("ocpizza_backup_offsite_last_copy_timestamp_seconds"), "\(metrics)")

            try await setup.execute("UPDATE backup_copy SET copied_at = now() - interval '9 days'")
            let stale = try await setup.run("backup", "status", environment: environment)
            #expect(stale.status == 1, "\(stale)")
            #expect(stale.stdout.contains("off-site copy is"), "\(stale)")
        }
    }

    @Test("release: maintenance on, pinned pre-release backup tagged with the version, migrate, maintenance off")
    func release() async throws {
        try await Self.withSetup(seed: false) { setup in
            let result = try await setup.run("release", "--version", "2026.11.3", "--json")
            #expect(result.status == 0, "\(result)")
            let rows = try await setup.query(
                "SELECT kind || ' ' || pinned || ' ' || release_id || ' ' || status FROM backup")
            #expect(rows == ["pre-release true 2026.11.3 ok"], "\(rows)")
            #expect(try await setup.query("SELECT \"on\"::text FROM maintenance_mode") == ["false"])
            let outcome = result.json?["result"] as? [String: Any]
            #expect((outcome?["rollback"] as? String)?.contains("ocpizza backup restore") == true, "\(result)")
            let delete = try await setup.run("backup", "delete", "1")
            #expect(delete.status == 64, "no terminal and no --yes: \(delete)")
            let deleted = try await setup.run("backup", "delete", "1", "--yes")
            #expect(deleted.status == 0, "\(deleted)")
            #expect(setup.files().filter { $0.hasSuffix(".dump") }.isEmpty, "\(setup.files())")
        }
    }
}

/// Runs a shell command (mount, umount) and captures its output.
enum OCPizzaShell {
    struct Output {
        var status: Int32
        var output: String
    }

    static func run(_ command: String) async throws -> Output { try runSync(command) }

    static func runSync(_ command: String) throws -> Output {
        let path = "/tmp/ocpizza-shell-\(getpid())-\(UInt32.random(in: .min ... .max))"
        defer { unlink(path) }
        let status = system("(\(command)) > '\(path)' 2>&1")
        let exited = status & 0x7f == 0
        return Output(
            status: exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), output: OCPizzaBinary.read(path))
    }
}
