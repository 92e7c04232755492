import Foundation
import Postgres
import TestSupport
import Testing
import Yams

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `docs/OPERATIONS.md` and the files of `deploy/` cannot rot: every command of every
/// ```` ```sh tested ```` block runs, in order, against a fresh database named `ocpizza` with the
/// environment of `deploy/env.example`, and must end as the manual says (exit 0, or the `# exit N`
/// at the end of its line); every `ocpizza` command quoted anywhere exists with its options; the
/// crontab shown is the repository's; the systemd unit, the nginx site, the alert rules, the
/// Prometheus configuration, the logrotate file and the environment file are checked with the
/// real tools when they are installed, and against what the product really writes.
@Suite("Operations manual (docs/OPERATIONS.md and deploy/)")
struct OperationsManualTests {
    static var root: String { OCPizzaBinary.packageRoot }
    static var manualPath: String { root + "/docs/OPERATIONS.md" }
    static var deployPath: String { root + "/deploy" }

    /// The database the manual calls production. The test creates it on the test server (and
    /// the other names the manual uses), and drops them all afterwards.
    static let productionDatabase = "ocpizza"
    static let databasesTheManualCreates = ["ocpizza", "ocpizza_restored", "ocpizza_staging"]

    /// The paths of `deploy/env.example` that the test moves into its scratch folder.
    static let backupDirectory = "/var/backups/ocpizza"
    static let offsiteDirectory = "/mnt/offsite/ocpizza"

    // MARK: - The metrics the product writes

    /// Per-job textfiles (`Jobs/JobMetrics.swift`), labelled `job_name`.
    static let jobMetrics: Set<String> = [
        "ocpizza_job_last_run_timestamp_seconds", "ocpizza_job_last_success_timestamp_seconds",
        "ocpizza_job_duration_seconds", "ocpizza_job_last_exit_code", "ocpizza_job_records_total",
    ]
    /// The backups' textfile metrics.
    static let backupMetrics: Set<String> = [
        "ocpizza_backup_last_success_timestamp_seconds", "ocpizza_backup_last_drill_success_timestamp_seconds",
        "ocpizza_backup_offsite_last_copy_timestamp_seconds", "ocpizza_backup_size_bytes",
    ]
    /// What `ocpizza serve` answers on `/metrics` (`Sources/OrderingServer/ServerMetrics.swift`).
    static let serverMetrics: Set<String> = [
        "ocpizza_http_requests_total", "ocpizza_http_request_duration_seconds_bucket",
        "ocpizza_http_request_duration_seconds_sum", "ocpizza_http_request_duration_seconds_count",
        "ocpizza_db_pool_connections", "ocpizza_db_pool_max_connections", "ocpizza_db_pool_waiting_requests",
        "ocpizza_http_maintenance",
    ]
    /// Not ours, but always there: Prometheus' own `up`, node_exporter's textfile collector.
    static let externalMetrics: Set<String> = ["up", "node_textfile_scrape_error"]

    // MARK: - The manual, parsed

    struct Block: Sendable {
        /// The info string: `sh tested`, `sh`, `console`, `crontab`.
        var info: String
        var lines: [String]
        /// 1-based line of the opening fence.
        var line: Int
        /// The first non-empty line after the closing fence (trimmed), if any.
        var after: String?

        var isTested: Bool { info == "sh tested" }
        var text: String { lines.joined(separator: "\n") }
    }

    struct Manual: Sendable {
        var blocks: [Block]
        /// The contents of the inline code spans outside blocks.
        var inlineCode: [String]
        var headings: [String]
        /// `#anchor` links of the manual to itself.
        var internalLinks: [String]
        var text: String
    }

    static let allowedInfoStrings: Set<String> = ["sh tested", "sh", "console", "crontab"]

    static func parse(_ text: String) -> Manual {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var manual = Manual(blocks: [], inlineCode: [], headings: [], internalLinks: [], text: text)
        var fence: (info: String, indent: Int, line: Int, lines: [String])?
        var pendingAfter: [Int] = []  // blocks still waiting for their next non-empty line
        for (index, raw) in lines.enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if var block = fence {
                if trimmed.hasPrefix("```") && trimmed.allSatisfy({ $0 == "`" }) {
                    manual.blocks.append(Block(info: block.info, lines: block.lines, line: block.line, after: nil))
                    pendingAfter.append(manual.blocks.count - 1)
                    fence = nil
                } else {
                    // Drop the fence's own indentation (blocks inside numbered steps).
                    var line = Substring(raw)
                    var dropped = 0
                    while dropped < block.indent, line.first == " " {
                        line = line.dropFirst()
                        dropped += 1
                    }
                    block.lines.append(String(line))
                    fence = block
                }
                continue
            }
            if !trimmed.isEmpty {
                for blockIndex in pendingAfter { manual.blocks[blockIndex].after = trimmed }
                pendingAfter = []
            }
            if trimmed.hasPrefix("```") {
                let indent = raw.prefix { $0 == " " }.count
                let info = trimmed.drop { $0 == "`" }.trimmingCharacters(in: .whitespaces)
                fence = (info, indent, index + 1, [])
                continue
            }
            if raw.range(of: "^#{1,6} ", options: .regularExpression) != nil {
                manual.headings.append(String(raw.drop { $0 == "#" }).trimmingCharacters(in: .whitespaces))
            }
            manual.inlineCode += matches(of: "`([^`]+)`", in: raw)
            manual.internalLinks += matches(of: #"\]\(#([^)]+)\)"#, in: raw)
        }
        return manual
    }

    /// The first capture group of every match of `pattern` in `text`.
    static func matches(of pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens.
    static func slug(_ heading: String) -> String {
        var slug = ""
        for scalar in heading.lowercased().unicodeScalars {
            if scalar == " " {
                slug.append("-")
            } else if CharacterSet.alphanumerics.contains(scalar) || scalar == "-" || scalar == "_" {
                slug.unicodeScalars.append(scalar)
            }
        }
        return slug
    }

    static func manual() throws -> Manual {
        parse(try String(contentsOfFile: manualPath, encoding: .utf8))
    }

    // MARK: - Commands of a tested block

    struct ShellCommand: Sendable, Equatable {
        var text: String
        var expectedStatus: Int32
        /// 1-based line in the manual.
        var line: Int
    }

    /// One command per line; `\` continuations joined; `#` comment lines dropped; a trailing
    /// `# exit N` is the status the manual expects (else 0).
    static func commands(in block: Block) -> [ShellCommand] {
        var commands: [ShellCommand] = []
        var pending: (text: String, line: Int)?
        for (offset, raw) in block.lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if pending == nil && (line.isEmpty || line.hasPrefix("#")) { continue }
            var text = pending.map { $0.text + " " + line } ?? line
            let first = pending?.line ?? block.line + 1 + offset
            if text.hasSuffix("\\") {
                text.removeLast()
                pending = (text.trimmingCharacters(in: .whitespaces), first)
                continue
            }
            pending = nil
            var expected: Int32 = 0
            if let range = text.range(of: #"\s#\s*exit\s+[0-9]+\s*$"#, options: .regularExpression) {
                expected = Int32(text[range].filter(\.isNumber)) ?? 0
                text = String(text[..<range.lowerBound])
            }
            commands.append(ShellCommand(text: text, expectedStatus: expected, line: first))
        }
        if let pending { commands.append(ShellCommand(text: pending.text, expectedStatus: 0, line: pending.line)) }
        return commands
    }

    /// One bash script for a block, so that variables set by one command reach the next. Each
    /// command runs in the shell itself (a `{ }` group, not a subshell) with its output in
    /// `<outputs>/<n>.out` and its status in `<n>.rc`; the script stops at the first command
    /// whose status is not the expected one.
    static func script(_ commands: [ShellCommand], folder: String, outputs: String) -> String {
        var script = "cd \(shellQuoted(folder))\n. ./env\n"
        for (index, command) in commands.enumerated() {
            let out = shellQuoted("\(outputs)/\(index).out")
            let rc = shellQuoted("\(outputs)/\(index).rc")
            script += """
                if {
                \(command.text)
                } </dev/null >\(out) 2>&1; then __ocpizza_rc=0; else __ocpizza_rc=$?; fi
                printf '%s\\n' "$__ocpizza_rc" >\(rc)
                if [ "$__ocpizza_rc" -ne \(command.expectedStatus) ]; then exit 0; fi

                """
        }
        return script
    }

    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    // MARK: - ocpizza invocations quoted anywhere

    struct Invocation: Hashable, Sendable {
        var words: [String]
        var options: [String]
    }

    /// Every `ocpizza <words> [--options]` of a line of shell (or crontab, or an inline span).
    static func invocations(in line: String) -> [Invocation] {
        var result: [Invocation] = []
        for segment in line.components(separatedBy: CharacterSet(charactersIn: "&|;()`")) {
            var tokens = segment.split(whereSeparator: { $0 == " " || $0 == "\t" })
                .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "'\"[]")) }
                .filter { !$0.isEmpty }
            while let first = tokens.first,
                first == "exec" || first == "$"
                    || first.range(of: #"^[A-Za-z_][A-Za-z0-9_]*=\S*$"#, options: .regularExpression) != nil
            {
                tokens.removeFirst()
            }
            guard let first = tokens.first, first == "ocpizza" || first.hasSuffix("/ocpizza") else { continue }
            let arguments = tokens.dropFirst().prefix {
                !$0.hasPrefix(">") && !$0.hasPrefix("<") && !$0.hasPrefix("2>") && !$0.hasPrefix("#")
            }
            let words = arguments.prefix { $0.range(of: "^[a-z][a-z0-9-]*$", options: .regularExpression) != nil }
            let options = arguments.filter { $0.hasPrefix("--") && $0.count > 2 }.map {
                String($0.split(separator: "=")[0])
            }
            if !words.isEmpty { result.append(Invocation(words: Array(words), options: options)) }
        }
        return result
    }

    // MARK: - Processes

    struct ShellResult: Sendable, CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        var description: String {
            "exit \(status)\(timedOut ? " (TIMED OUT, killed)" : "")\n--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
        }
    }

    /// Runs a program in its own process group (killed whole after `timeout`), stdin from
    /// /dev/null, stdout and stderr into files. `posix_spawn` + polled `waitpid`, as
    /// `OCPizzaBinary` does, for the same reasons.
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String],
        timeout: Duration = .seconds(300)
    ) async throws -> ShellResult {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let stdoutPath = directory + "/stdout"
        let stderrPath = directory + "/stderr"
        let stdoutFD = open(stdoutPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let stderrFD = open(stderrPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer {
            if stdoutFD >= 0 { close(stdoutFD) }
            if stderrFD >= 0 { close(stderrFD) }
        }
        guard stdoutFD >= 0, stderrFD >= 0 else {
            throw SpawnError("cannot create the capture files: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrFD, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)

        var pid = pid_t()
        let argv = [executable] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let spawned = withCStrings(argv) { argv in
            withCStrings(envp) { envp in posix_spawn(&pid, executable, &actions, &attributes, argv, envp) }
        }
        guard spawned == 0 else {
            throw SpawnError("cannot run \(executable): \(String(cString: strerror(spawned)))")
        }
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        var waitStatus: Int32 = 0
        while true {
            let reaped = waitpid(pid, &waitStatus, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 {
                if errno == EINTR { continue }
                throw SpawnError("waitpid failed: \(String(cString: strerror(errno)))")
            }
            if !timedOut && (ContinuousClock.now >= deadline || Task.isCancelled) {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        kill(-pid, SIGKILL)  // anything the commands left running in the background
        let exited = waitStatus & 0x7f == 0
        let status = exited ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        return ShellResult(
            status: status, stdout: OCPizzaBinary.read(stdoutPath), stderr: OCPizzaBinary.read(stderrPath),
            timedOut: timedOut)
    }

    static func bash(
        _ script: String, environment: [String: String], timeout: Duration = .seconds(300)
    )
        async throws -> ShellResult
    {
        try await run("/bin/bash", ["-euo", "pipefail", "-c", script], environment: environment, timeout: timeout)
    }

    private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies + [nil])
    }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/ocpizza-manual.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SpawnError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// The first of `candidates` that is an executable file.
    static func tool(_ candidates: String...) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The process environment without database variables, `ocpizza` first on PATH, and libpq
    /// pointed at the test server, as the local socket and peer authentication are in production
    /// (so `psql -d NAME`, `createdb` and `postgresql:///NAME` reach it).
    static func shellEnvironment() throws -> [String: String] {
        let server = try TestDatabase.server()
        var environment = OCPizzaBinary.environment([:])
        let binaries = (OCPizzaBinary.path as NSString).deletingLastPathComponent
        environment["PATH"] = binaries + ":" + (environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin")
        environment["PGHOST"] = server.host
        environment["PGPORT"] = server.port
        environment["PGUSER"] = server.user
        return environment
    }

    /// Creates the manual's production database (empty) for `body`, and drops every database
    /// the manual names afterwards, whatever happens.
    static func withProductionDatabase(_ body: () async throws -> Void) async throws {
        let admin = try await PostgresConnection.connect(conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
        func dropAll() async {
            for name in databasesTheManualCreates {
                _ = try? await admin.execute("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            }
        }
        await dropAll()
        do {
            try await admin.execute("CREATE DATABASE \(identifier: productionDatabase)")
            try await body()
        } catch {
            await dropAll()
            await admin.close()
            throw error
        }
        await dropAll()
        await admin.close()
    }

    /// Metric names in a Prometheus text exposition (or textfile).
    static func exposedMetricNames(_ text: String) -> Set<String> {
        Set(
            text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { line in
                String(line.prefix { $0 != "{" && $0 != " " })
            })
    }

    // MARK: - Tests: the manual's structure

    @Test("the parser: blocks, continuations, comments, `# exit N`, script, invocations, slugs")
    func parser() throws {
        let manual = Self.parse(
            """
            # Title
            Run `ocpizza check` first.

            1. Step:

               ```sh tested
               # a comment
               ocpizza backup create --kind manual
               id=$(ocpizza backup list --ids-only | head -n 1)
               ocpizza jobs canary # exit 75
               ocpizza backup restore "$id" \\
                 --target-db x
               ```

               Checked by hand.

            ```sh
            systemctl restart ocpizza-serve
            ```
            See [the title](#title).
            """)
        #expect(manual.blocks.count == 2)
        #expect(manual.headings == ["Title"])
        #expect(manual.inlineCode == ["ocpizza check"])
        #expect(manual.internalLinks == ["title"])
        #expect(manual.blocks.map(\.info) == ["sh tested", "sh"])
        #expect(manual.blocks.map(\.after) == ["Checked by hand.", "See [the title](#title)."])
        let commands = Self.commands(in: manual.blocks[0])
        #expect(
            commands == [
                ShellCommand(text: "ocpizza backup create --kind manual", expectedStatus: 0, line: 8),
                ShellCommand(text: "id=$(ocpizza backup list --ids-only | head -n 1)", expectedStatus: 0, line: 9),
                ShellCommand(text: "ocpizza jobs canary", expectedStatus: 75, line: 10),
                ShellCommand(text: #"ocpizza backup restore "$id" --target-db x"#, expectedStatus: 0, line: 11),
            ])
        let script = Self.script(commands, folder: "/tmp/f", outputs: "/tmp/o")
        #expect(script.hasPrefix("cd '/tmp/f'\n. ./env\n"))
        #expect(script.contains("if [ \"$__ocpizza_rc\" -ne 75 ]; then exit 0; fi"))

        #expect(
            Self.invocations(in: "id=$(ocpizza backup list --ids-only --kind manual | tail -n 1)") == [
                Invocation(words: ["backup", "list"], options: ["--ids-only", "--kind"])
            ])
        #expect(
            Self.invocations(in: "*/10 * * * * cd /srv/ocpizza && . ./env && ocpizza check >> /var/log/x.log 2>&1")
                == [Invocation(words: ["check"], options: [])])
        #expect(
            Self.invocations(
                in: "ExecStart=/bin/sh -c '. /srv/ocpizza/env && exec /usr/local/bin/ocpizza serve --port 8080'")
                == [Invocation(words: ["serve"], options: ["--port"])])
        #expect(Self.invocations(in: "ocpizza <command> --help").isEmpty)
        #expect(Self.invocations(in: "sudo -iu ocpizza").isEmpty)
        #expect(Self.slug("Off-site copies") == "off-site-copies")
        #expect(Self.slug("At 3 a.m.") == "at-3-am")
        #expect(
            try Self.metricNames(
                inExpression:
                    #"histogram_quantile(0.99, sum by (instance, le) (rate(x_bucket{route=~"/v1.*"}[5m]))) > 1 unless on (instance) y == 1 and z offset 1d"#
            ) == ["x_bucket", "y", "z"])
    }

    @Test("every code block says what it is; every untested shell block is followed by how it is checked")
    func blocksAreTestedOrSayHowTheyAreChecked() throws {
        let manual = try Self.manual()
        #expect(manual.blocks.contains { $0.isTested }, "no `sh tested` block at all")
        for block in manual.blocks {
            #expect(
                Self.allowedInfoStrings.contains(block.info),
                "OPERATIONS.md line \(block.line): info string '\(block.info)' is not one of \(Self.allowedInfoStrings.sorted())"
            )
            if block.info == "sh" || block.info == "console" {
                let after = block.after?.trimmingCharacters(in: CharacterSet(charactersIn: "*_ ")) ?? ""
                #expect(
                    after.hasPrefix("Checked by"),
                    "OPERATIONS.md line \(block.line): an untested block must be followed by a 'Checked by ...' line, not: \(after)"
                )
            }
            if block.isTested {
                let commands = Self.commands(in: block)
                #expect(!commands.isEmpty, "OPERATIONS.md line \(block.line): a tested block without a command")
                for command in commands {
                    let first = command.text.split(separator: " ").first.map(String.init) ?? ""
                    #expect(
                        !["sudo", "systemctl", "apt-get", "crontab", "nginx", "journalctl", "su"].contains(first),
                        "OPERATIONS.md line \(command.line): `\(command.text)` cannot run in a test: use a `sh` block")
                    #expect(
                        command.text.range(of: "<[A-Za-z][A-Za-z -]*>", options: .regularExpression) == nil,
                        "OPERATIONS.md line \(command.line): a placeholder in a tested command: \(command.text)")
                }
            }
        }
        let anchors = Set(manual.headings.map(Self.slug))
        for link in manual.internalLinks {
            #expect(anchors.contains(link), "OPERATIONS.md links to #\(link), which no heading makes")
        }
    }

    @Test("every `sh tested` command of the manual runs, in order, on a fresh database, and ends as the manual says")
    func testedCommandsRun() async throws {
        let blocks = try Self.manual().blocks.filter(\.isTested)
        try #require(!blocks.isEmpty)
        let environment = try Self.shellEnvironment()
        let envExample = try String(contentsOfFile: Self.deployPath + "/env.example", encoding: .utf8)
        try #require(
            envExample.contains(Self.backupDirectory) && envExample.contains(Self.offsiteDirectory),
            "deploy/env.example no longer names \(Self.backupDirectory) and \(Self.offsiteDirectory)")

        try await Self.withProductionDatabase {
            try await ScratchDirectory.with { scratch in
                // The scratch folder stands for /srv/ocpizza: its env is deploy/env.example with
                // the backup folders moved inside it.
                let folder = scratch.path
                let env = envExample.replacingOccurrences(of: Self.backupDirectory, with: folder + "/backups")
                    .replacingOccurrences(of: Self.offsiteDirectory, with: folder + "/offsite")
                try env.write(toFile: folder + "/env", atomically: true, encoding: .utf8)
                try FileManager.default.createDirectory(atPath: folder + "/backups", withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: folder + "/offsite", withIntermediateDirectories: true)

                for block in blocks {
                    let commands = Self.commands(in: block)
                    let outputs = try Self.temporaryDirectory()
                    defer { try? FileManager.default.removeItem(atPath: outputs) }
                    let script = Self.script(commands, folder: folder, outputs: outputs)
                    let timeout = Duration.seconds(max(300, 120 * commands.count))
                    let shell = try await Self.bash(script, environment: environment, timeout: timeout)
                    for (index, command) in commands.enumerated() {
                        let output = OCPizzaBinary.read("\(outputs)/\(index).out")
                        let rcText = OCPizzaBinary.read("\(outputs)/\(index).rc")
                        guard let status = Int32(rcText.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                            Issue.record(
                                """
                                OPERATIONS.md line \(command.line): `\(command.text)` did not finish: the shell \
                                stopped (\(shell.timedOut ? "timed out after \(timeout)" : "exit \(shell.status)"))
                                --- its output ---
                                \(output)
                                --- the shell's standard error ---
                                \(shell.stderr)
                                """)
                            return
                        }
                        if status != command.expectedStatus {
                            Issue.record(
                                """
                                OPERATIONS.md line \(command.line): `\(command.text)` exited \(status), the manual \
                                expects \(command.expectedStatus)
                                --- its output ---
                                \(output)
                                """)
                            return
                        }
                    }
                }

                // The alert rules watch textfile metrics the run above really wrote.
                let metricsFolder = folder + "/var/metrics"
                let files = (try? FileManager.default.contentsOfDirectory(atPath: metricsFolder)) ?? []
                var written = Set<String>()
                for file in files where file.hasSuffix(".prom") {
                    written.formUnion(Self.exposedMetricNames(OCPizzaBinary.read(metricsFolder + "/" + file)))
                }
                let watched = try Self.ruleMetricNames().filter {
                    $0.hasPrefix("ocpizza_job_") || $0.hasPrefix("ocpizza_backup_")
                }
                #expect(
                    watched.subtracting(written).isEmpty,
                    "the alert rules watch \(watched.subtracting(written).sorted()), which no file of var/metrics has after the manual ran (files: \(files.sorted()))"
                )
            }
        }
    }

    @Test("every ocpizza command quoted in the manual, the crontab and the unit exists, with its options")
    func quotedCommandsExist() async throws {
        let manual = try Self.manual()
        var lines: [String] = manual.inlineCode
        for block in manual.blocks where Self.allowedInfoStrings.contains(block.info) {
            lines += Self.commands(in: block).map(\.text)
            lines += block.lines.filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        }
        let unit = try String(contentsOfFile: Self.deployPath + "/ocpizza-serve.service", encoding: .utf8)
        lines += unit.split(separator: "\n").map(String.init).filter { $0.hasPrefix("ExecStart=") }

        var optionsByCommand: [[String]: Set<String>] = [:]
        for line in lines {
            for invocation in Self.invocations(in: line) {
                optionsByCommand[invocation.words, default: []].formUnion(invocation.options)
            }
        }
        #expect(optionsByCommand.keys.contains(["serve"]), "the unit's `ocpizza serve` was not found")
        #expect(optionsByCommand.count > 20, "only \(optionsByCommand.count) ocpizza commands found in the manual")
        try await ScratchDirectory.with { scratch in
            for (words, options) in optionsByCommand.sorted(by: { $0.key.joined() < $1.key.joined() }) {
                let result = try await OCPizzaBinary.run(words + ["--help"], in: scratch.path)
                #expect(result.status == 0, "\(result)")
                // An unknown word would print the parent's help: the usage line must name the whole command.
                let usage = "ocpizza " + words.joined(separator: " ")
                #expect(
                    result.stdout.contains("USAGE: \(usage)"),
                    "the manual uses `\(usage)`, which does not exist: \(result)")
                for option in options.sorted() {
                    #expect(
                        result.stdout.contains(option),
                        "the manual uses `\(usage) \(option)`, but \(usage) has no option \(option): \(result)")
                }
            }
        }
    }

    @Test("the crontab the manual shows is the repository's, byte for byte")
    func crontabIsTheRepositorys() throws {
        let blocks = try Self.manual().blocks.filter { $0.info == "crontab" }
        try #require(blocks.count == 1, "the manual must show the crontab once, in a ```crontab block")
        let file = try String(contentsOfFile: Self.root + "/crontab", encoding: .utf8)
        let shown = blocks[0].text
        let trimmedFile = file.trimmingCharacters(in: .newlines)
        #expect(
            shown == trimmedFile,
            """
            the crontab in OPERATIONS.md (line \(blocks[0].line)) differs from the repository's crontab; \
            first different line: \(Self.firstDifference(shown, trimmedFile))
            """)
    }

    static func firstDifference(_ left: String, _ right: String) -> String {
        let leftLines = left.split(separator: "\n", omittingEmptySubsequences: false)
        let rightLines = right.split(separator: "\n", omittingEmptySubsequences: false)
        for index in 0..<max(leftLines.count, rightLines.count) {
            let a = index < leftLines.count ? String(leftLines[index]) : "<none>"
            let b = index < rightLines.count ? String(rightLines[index]) : "<none>"
            if a != b { return "line \(index + 1): manual '\(a)' vs crontab '\(b)'" }
        }
        return "none"
    }

    // MARK: - Tests: deploy/

    @Test("the systemd unit: serve on 127.0.0.1:8080 as ocpizza with /srv/ocpizza/env; systemd-analyze verify")
    func systemdUnit() async throws {
        let path = Self.deployPath + "/ocpizza-serve.service"
        let unit = try String(contentsOfFile: path, encoding: .utf8)
        for line in [
            "User=ocpizza", "WorkingDirectory=/srv/ocpizza", "Restart=on-failure", "KillSignal=SIGTERM",
            "WantedBy=multi-user.target", "After=network-online.target postgresql.service",
        ] {
            #expect(unit.contains("\n" + line + "\n"), "the unit has no line \(line)")
        }
        let execStart = unit.split(separator: "\n").filter { $0.hasPrefix("ExecStart=") }
        #expect(execStart.count == 1, "\(execStart)")
        let command = String(execStart.first ?? "")
        #expect(command.contains(". /srv/ocpizza/env"), "the unit must read the env file as cron does: \(command)")
        #expect(command.contains("ocpizza serve --host 127.0.0.1 --port 8080"), "\(command)")
        let preventing = unit.split(separator: "\n").first { $0.hasPrefix("RestartPreventExitStatus=") } ?? ""
        #expect(preventing.split(separator: "=").last?.split(separator: " ").contains("78") == true, "\(preventing)")

        if let analyze = Self.tool("/usr/bin/systemd-analyze", "/bin/systemd-analyze") {
            let result = try await Self.run(
                analyze, ["verify", path], environment: ProcessInfo.processInfo.environment, timeout: .seconds(300))
            let complaints = (result.stdout + "\n" + result.stderr).split(separator: "\n").filter {
                $0.contains("ocpizza-serve")
            }
            #expect(result.status == 0 && complaints.isEmpty, "systemd-analyze verify \(path): \(result)")
        }
    }

    @Test("the nginx site: TLS, HSTS, redirect, 64k bodies, the proxy to 127.0.0.1:8080, /metrics hidden; nginx -t")
    func nginxSite() async throws {
        let path = Self.deployPath + "/nginx/ocpizza.conf"
        let site = try String(contentsOfFile: path, encoding: .utf8)
        for fragment in [
            "ssl_certificate ", "ssl_certificate_key ", "ssl_protocols TLSv1.2 TLSv1.3;", "listen 443 ssl",
            "add_header Strict-Transport-Security", "return 301 https://$host$request_uri;",
            "client_max_body_size 64k;", "proxy_pass http://127.0.0.1:8080;", "proxy_set_header Host $host;",
            "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
            "proxy_set_header X-Forwarded-Proto $scheme;", "proxy_read_timeout ", "proxy_connect_timeout ",
            "location = /metrics", "return 404;",
        ] {
            #expect(site.contains(fragment), "the nginx site has no '\(fragment)'")
        }
        let code = site.split(separator: "\n").map { $0.split(separator: "#", maxSplits: 1).first ?? "" }.joined()
        #expect(
            code.filter { $0 == "{" }.count == code.filter { $0 == "}" }.count, "unbalanced braces in the nginx site")

        guard let nginx = Self.tool("/usr/sbin/nginx", "/usr/bin/nginx"),
            let openssl = Self.tool("/usr/bin/openssl", "/bin/openssl")
        else { return }
        // nginx -t on the real file, with a throwaway certificate and logs in a scratch folder.
        let script = """
            d=$(mktemp -d /tmp/ocpizza-nginx.XXXXXX)
            trap 'rm -rf "$d"' EXIT
            \(openssl) req -x509 -newkey rsa:2048 -nodes -keyout "$d/key.pem" -out "$d/cert.pem" -days 1 \
              -subj /CN=api.ocpizza.fr 2>/dev/null
            sed -e "s#/etc/letsencrypt/live/[^;]*/fullchain.pem#$d/cert.pem#" \
                -e "s#/etc/letsencrypt/live/[^;]*/privkey.pem#$d/key.pem#" \
                -e "s#/var/log/nginx/#$d/#" \(Self.shellQuoted(path)) > "$d/site.conf"
            printf 'pid %s/nginx.pid;\\nerror_log %s/error.log;\\nevents {}\\nhttp {\\n  access_log off;\\n  client_body_temp_path %s/body;\\n  include %s/site.conf;\\n}\\n' \
              "$d" "$d" "$d" "$d" > "$d/nginx.conf"
            \(nginx) -t -c "$d/nginx.conf" -p "$d"
            """
        let result = try await Self.bash(script, environment: ProcessInfo.processInfo.environment)
        #expect(result.status == 0 && result.stderr.contains("test is successful"), "nginx -t: \(result)")
    }

    /// The alert rules file, parsed.
    static func rules() throws -> [[String: Any]] {
        let text = try String(contentsOfFile: deployPath + "/prometheus/ocpizza-alerts.yml", encoding: .utf8)
        let loaded = try Yams.load(yaml: text)
        let document = try #require(stringKeyed(loaded), "the alert rules are not a YAML mapping")
        let groups = try #require(document["groups"] as? [Any], "no `groups` list in the alert rules")
        return groups.compactMap { stringKeyed($0) }.flatMap { group in
            ((group["rules"] as? [Any]) ?? []).compactMap { stringKeyed($0) }
        }
    }

    static func stringKeyed(_ value: Any?) -> [String: Any]? {
        guard let mapping = value as? [AnyHashable: Any] else { return nil }
        var result: [String: Any] = [:]
        for (key, member) in mapping {
            if let key = key.base as? String { result[key] = member }
        }
        return result
    }

    /// Every metric name the rules' expressions use.
    static func ruleMetricNames() throws -> Set<String> {
        try rules().reduce(into: Set<String>()) { names, rule in
            names.formUnion(try metricNames(inExpression: "\(rule["expr"] ?? "")"))
        }
    }

    /// The metric names of a PromQL expression: identifiers that are not functions, keywords,
    /// labels (inside `{}`, `by ()`, `on ()`...), strings, durations or numbers.
    static func metricNames(inExpression expression: String) throws -> Set<String> {
        var text = expression
        for pattern in [
            #""(?:[^"\\]|\\.)*""#, #"'(?:[^'\\]|\\.)*'"#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#,
            #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#,
        ] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: .regularExpression)
        }
        let identifier = try NSRegularExpression(
            pattern: #"(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*(?![A-Za-z0-9_:])(?!\s*\()"#)
        let keywords: Set<String> = [
            "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right",
            "inf", "nan", "atan2",
        ]
        let range = NSRange(text.startIndex..., in: text)
        return Set(
            identifier.matches(in: text, range: range).compactMap { match in
                Range(match.range, in: text).map { String(text[$0]) }
            }
        ).subtracting(keywords)
    }

    @Test("the alert rules: parse, every metric is one the product writes, severities, runbooks, the watchdog")
    func alertRules() async throws {
        let rules = try Self.rules()
        #expect(rules.count >= 10, "only \(rules.count) rules")
        let manual = try Self.manual()
        let anchors = Set(manual.headings.map(Self.slug))
        let known = Self.jobMetrics.union(Self.backupMetrics).union(Self.serverMetrics).union(Self.externalMetrics)
        var names = Set<String>()
        for rule in rules {
            let name = rule["alert"] as? String ?? "?"
            #expect(rule["record"] == nil, "\(name): only alerting rules belong in this file")
            #expect(!names.contains(name), "alert \(name) is defined twice")
            names.insert(name)
            let expression = "\(rule["expr"] ?? "")"
            #expect(!expression.isEmpty, "\(name) has no expr")
            let used = try Self.metricNames(inExpression: expression)
            #expect(
                used.subtracting(known).isEmpty,
                "\(name) uses \(used.subtracting(known).sorted()), which the product does not write")
            let labels = Self.stringKeyed(rule["labels"]) ?? [:]
            #expect(["page", "ticket", "none"].contains(labels["severity"] as? String ?? ""), "\(name): severity")
            let annotations = Self.stringKeyed(rule["annotations"]) ?? [:]
            #expect((annotations["summary"] as? String)?.isEmpty == false, "\(name) has no summary")
            if let runbook = annotations["runbook"] as? String {
                let anchor = runbook.split(separator: "#").last.map(String.init) ?? ""
                #expect(
                    runbook.hasPrefix("docs/OPERATIONS.md#") && anchors.contains(anchor),
                    "\(name): runbook \(runbook) names no heading of OPERATIONS.md")
            } else {
                #expect(name == "OCPizzaWatchdog", "\(name) has no runbook")
            }
            #expect(manual.text.contains("`\(name)`"), "OPERATIONS.md does not explain the alert \(name)")
        }
        #expect(
            rules.contains { $0["alert"] as? String == "OCPizzaWatchdog" && "\($0["expr"] ?? "")" == "vector(1)" },
            "no always-firing watchdog alert")
        let used = try Self.ruleMetricNames()
        for metric in ["ocpizza_job_last_success_timestamp_seconds"] + Self.backupMetrics.sorted() {
            #expect(used.contains(metric), "no alert watches \(metric)")
        }

        // The scrape jobs the rules name are the ones the Prometheus configuration defines.
        let configText = try String(contentsOfFile: Self.deployPath + "/prometheus/prometheus.yml", encoding: .utf8)
        let loadedConfig = try Yams.load(yaml: configText)
        let config = try #require(Self.stringKeyed(loadedConfig), "prometheus.yml is not a YAML mapping")
        let ruleFiles = (config["rule_files"] as? [Any] ?? []).map { "\($0)" }
        #expect(ruleFiles.contains { $0.hasSuffix("/ocpizza-alerts.yml") }, "prometheus.yml does not load the rules")
        var targets: [String: [String]] = [:]
        for scrape in (config["scrape_configs"] as? [Any] ?? []).compactMap({ Self.stringKeyed($0) }) {
            let job = scrape["job_name"] as? String ?? "?"
            for staticConfig in (scrape["static_configs"] as? [Any] ?? []).compactMap({ Self.stringKeyed($0) }) {
                targets[job, default: []] += (staticConfig["targets"] as? [Any] ?? []).map { "\($0)" }
            }
        }
        #expect(targets["ocpizza-serve"] == ["127.0.0.1:8080"], "\(targets)")
        for rule in rules {
            for job in Self.matches(of: #"\bjob="([^"]+)""#, in: "\(rule["expr"] ?? "")") {
                #expect(
                    targets[job] != nil,
                    "\(rule["alert"] ?? "?") names the scrape job \(job), which prometheus.yml lacks")
            }
        }

        if let promtool = Self.tool("/usr/bin/promtool", "/usr/local/bin/promtool") {
            let rulesPath = Self.deployPath + "/prometheus/ocpizza-alerts.yml"
            let checked = try await Self.run(
                promtool, ["check", "rules", rulesPath], environment: ProcessInfo.processInfo.environment)
            #expect(checked.status == 0, "promtool check rules: \(checked)")
            let directory = try Self.temporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let configCopy = configText.replacingOccurrences(
                of: #"(?m)^(\s*- ).*/ocpizza-alerts\.yml$"#, with: "$1" + rulesPath, options: .regularExpression)
            try configCopy.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
            let configChecked = try await Self.run(
                promtool, ["check", "config", directory + "/prometheus.yml"],
                environment: ProcessInfo.processInfo.environment)
            #expect(configChecked.status == 0, "promtool check config: \(configChecked)")
        }
    }

    @Test("the server metrics the alert rules use are on /metrics of a running `ocpizza serve`")
    func serverMetricsAreExposed() async throws {
        let watched = try Self.ruleMetricNames().filter {
            $0.hasPrefix("ocpizza_http_") || $0.hasPrefix("ocpizza_db_pool_")
        }
        #expect(!watched.isEmpty)
        try await E2E.withDatabase { conninfo, _, scratch in
            let environment = ["DATABASE_URL": conninfo, "OCPIZZA_ENV": "production"]
            let migrate = try await scratch.run("db", "migrate", environment: environment)
            try #require(migrate.status == 0, "\(migrate)")
            // The unit's options, on a free port.
            let server = try OCPizzaBinary.start(
                ["serve", "--host", "127.0.0.1", "--port", "0", "--log-format", "json"], in: scratch.path,
                environment: environment)
            do {
                let base = try await ServeCommandTests.waitForAddress(server)
                let health = try await HTTP.send("GET", base + "/health")
                #expect(health.status == 200, "\(health.text)")
                let ready = try await HTTP.send("GET", base + "/ready")
                #expect(ready.status == 200, "\(ready.text)")
                let metrics = try await HTTP.send("GET", base + "/metrics")
                #expect(metrics.status == 200)
                let exposed = Self.exposedMetricNames(metrics.text)
                #expect(
                    watched.subtracting(exposed).isEmpty,
                    "the alert rules watch \(watched.subtracting(exposed).sorted()), which /metrics does not have:\n\(metrics.text)"
                )
            } catch {
                server.send(SIGKILL)
                _ = try? await server.wait()
                throw error
            }
            server.send(SIGTERM)
            let stopped = try await server.wait(timeout: .seconds(300))
            #expect(stopped.status == 0, "\(stopped)")
        }
    }

    @Test(
        "env.example is valid sh and exports the production variables; every OCPIZZA_ variable is read by the program")
    func environmentFile() async throws {
        let path = Self.deployPath + "/env.example"
        let syntax = try await Self.run("/bin/sh", ["-n", path], environment: [:])
        #expect(syntax.status == 0, "sh -n env.example: \(syntax)")
        let sourced = try await Self.run(
            "/bin/sh", ["-c", "set -eu; . \(Self.shellQuoted(path)); env"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(sourced.status == 0, "\(sourced)")
        var exported: [String: String] = [:]
        for line in sourced.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { exported[String(parts[0])] = String(parts[1]) }
        }
        #expect(exported["OCPIZZA_ENV"] == "production", "\(exported)")
        #expect(exported["DATABASE_URL"] == "postgresql:///\(Self.productionDatabase)", "\(exported)")
        #expect(exported["OCPIZZA_BACKUP_DIR"] == Self.backupDirectory, "\(exported)")
        #expect(exported["OCPIZZA_OFFSITE_DIR"] == Self.offsiteDirectory, "\(exported)")

        let manual = try Self.manual()
        for name in exported.keys where name != "PWD" && name != "PATH" && name != "SHLVL" && name != "_" {
            #expect(manual.text.contains("`\(name)`"), "OPERATIONS.md does not describe \(name)")
        }
        // Every OCPIZZA_ variable the manual or the env file names is one the program reads.
        let envText = try String(contentsOfFile: path, encoding: .utf8)
        let named = Set(Self.matches(of: #"\b(OCPIZZA_[A-Z0-9_]+)\b"#, in: manual.text + "\n" + envText))
        var sources = ""
        for folder in ["Sources", "Jobs"] {
            let base = Self.root + "/" + folder
            let enumerator = FileManager.default.enumerator(atPath: base)
            while let file = enumerator?.nextObject() as? String {
                if file.hasSuffix(".swift") { sources += OCPizzaBinary.read(base + "/" + file) }
            }
        }
        for name in named.sorted() {
            #expect(sources.contains("\"\(name)\""), "\(name) is documented, but nothing in Sources/ or Jobs/ reads it")
        }
        // The program as the manual installs it: the schemas' folder beside the binary.
        let beside = (OCPizzaBinary.path as NSString).deletingLastPathComponent + "/ocpizza_SupplierDocuments.resources"
        #expect(FileManager.default.fileExists(atPath: beside), "no \(beside): the manual ships that folder")
    }

    @Test("deploy/: every file is in deploy/README.md and OPERATIONS.md; logrotate --debug accepts the rotation")
    func deployFiles() async throws {
        let readme = try String(contentsOfFile: Self.deployPath + "/README.md", encoding: .utf8)
        let manual = try Self.manual()
        let enumerator = FileManager.default.enumerator(atPath: Self.deployPath)
        var files: [String] = []
        while let file = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: Self.deployPath + "/" + file, isDirectory: &isDirectory)
            if !isDirectory.boolValue && file != "README.md" { files.append(file) }
        }
        #expect(files.count >= 6, "\(files)")
        for file in files {
            #expect(readme.contains("`\(file)`"), "deploy/README.md does not list \(file)")
            #expect(manual.text.contains("deploy/\(file)"), "OPERATIONS.md never installs deploy/\(file)")
        }

        let rotation = try String(contentsOfFile: Self.deployPath + "/logrotate/ocpizza", encoding: .utf8)
        #expect(rotation.contains("/var/log/ocpizza/*.log {"), "the rotation is not for the crontab's logs")
        let crontab = try String(contentsOfFile: Self.root + "/crontab", encoding: .utf8)
        for log in Self.matches(of: #">> (/\S+\.log)"#, in: crontab) {
            #expect(log.hasPrefix("/var/log/ocpizza/"), "the crontab logs to \(log), which logrotate does not rotate")
        }
        guard let logrotate = Self.tool("/usr/sbin/logrotate", "/usr/bin/logrotate") else { return }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The service account does not exist here: the current user and group stand in for it.
        let user = String(cString: getpwuid(getuid()).pointee.pw_name)
        let group = String(cString: getgrgid(getgid()).pointee.gr_name)
        let copy = rotation.replacingOccurrences(of: "/var/log/ocpizza", with: directory)
            .replacingOccurrences(of: "ocpizza adm", with: "\(user) \(group)")
        try copy.write(toFile: directory + "/ocpizza", atomically: true, encoding: .utf8)
        try "{}\n".write(toFile: directory + "/nightly.log", atomically: true, encoding: .utf8)
        let result = try await Self.run(
            logrotate, ["--debug", "--state", directory + "/state", directory + "/ocpizza"],
            environment: ProcessInfo.processInfo.environment)
        #expect(
            result.status == 0 && !(result.stdout + result.stderr).contains("error:"), "logrotate --debug: \(result)")
    }
}
