import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What one run of the built `ocpizza` binary produced.
struct CommandResult: Sendable, CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    /// The non-empty lines of standard error.
    var stderrLines: [String] { stderr.split(separator: "\n").map(String.init).filter { !$0.isEmpty } }

    /// Standard output parsed as one JSON object (nil if it is not one).
    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
    }

    /// Standard output parsed as a JSON array of objects (nil if it is not one).
    var jsonArray: [[String: Any]]? {
        (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [[String: Any]]
    }

    var description: String {
        "ocpizza \(arguments.joined(separator: " ")) → exit \(status)\(timedOut ? " (TIMED OUT, killed)" : "")\n"
            + "--- stdout ---\n\(stdout)\n--- stderr ---\n\(stderr)"
    }
}

/// Runs the built binary as a user would: its own working directory, an explicit environment,
/// stdin from /dev/null, stdout and stderr captured separately (each into a temporary file, so
/// nothing can deadlock on a full pipe), killed after a timeout.
///
/// Built on `posix_spawn` + `waitpid` (polled with `WNOHANG`), not Foundation's `Process`,
/// whose `waitUntilExit` was seen to hang on Linux off the main thread.
enum OCPizzaBinary {
    /// `OCPIZZA_BIN` (set by scripts/test), else `<package root>/.build/debug/ocpizza`.
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["OCPIZZA_BIN"], !path.isEmpty { return path }
        return packageRoot + "/.build/debug/ocpizza"
    }

    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// Variables that select a database or an environment: removed unless a test sets them.
    static let databaseVariables = [
        "DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE", "PGUSER", "PGPORT", "OCPIZZA_ENV",
    ]

    /// The process environment without the database variables, plus `overrides`.
    static func environment(_ overrides: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in databaseVariables { environment.removeValue(forKey: name) }
        environment.merge(overrides) { $1 }
        return environment
    }

    /// Runs `ocpizza arguments` in `directory` and waits for it (at most `timeout`, then SIGKILL).
    /// The default is only a guard against a hang: beside the whole parallel suite on two cores, a
    /// command that takes a second alone can take minutes.
    static func run(
        _ arguments: [String], in directory: String, environment overrides: [String: String] = [:],
        timeout: Duration = .seconds(600)
    ) async throws -> CommandResult {
        try await start(arguments, in: directory, environment: overrides).wait(timeout: timeout)
    }

    /// Starts `ocpizza arguments` in `directory` without waiting: for servers, stopped by signal.
    static func start(
        _ arguments: [String], in directory: String, environment overrides: [String: String] = [:]
    ) throws -> RunningCommand {
        let child = try spawn(arguments, in: directory, environment: environment(overrides))
        return RunningCommand(
            arguments: arguments, pid: child.pid, stdoutPath: child.stdoutPath, stderrPath: child.stderrPath)
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    struct Child {
        var pid: pid_t
        var stdoutPath: String
        var stderrPath: String
    }

    /// Runs another program (`xmllint`, `chromium`) found in /usr/bin or /bin, in a temporary
    /// folder, and waits for it.
    static func runTool(_ tool: String, _ arguments: [String], timeout: Duration) async throws -> CommandResult {
        guard
            let binary = ["/usr/bin/", "/bin/", "/usr/local/bin/"].map({ $0 + tool }).first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { throw SpawnError("\(tool) is not installed (scripts/test installs it)") }
        let child = try spawn(arguments, in: NSTemporaryDirectory(), environment: environment([:]), binary: binary)
        return try await RunningCommand(
            arguments: [tool] + arguments, pid: child.pid, stdoutPath: child.stdoutPath, stderrPath: child.stderrPath
        ).wait(timeout: timeout)
    }

    private static func spawn(
        _ arguments: [String], in directory: String, environment: [String: String], binary: String = path
    ) throws
        -> Child
    {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SpawnError("no ocpizza binary at \(binary): build it first (scripts/test does)")
        }
        let stdoutPath = try temporaryFile("stdout")
        let stderrPath = try temporaryFile("stderr")
        // O_CLOEXEC: children spawned concurrently by other tests must not inherit these.
        let stdoutFD = open(stdoutPath, O_WRONLY | O_TRUNC | O_CLOEXEC)
        let stderrFD = open(stderrPath, O_WRONLY | O_TRUNC | O_CLOEXEC)
        defer {
            if stdoutFD >= 0 { close(stdoutFD) }
            if stderrFD >= 0 { close(stderrFD) }
        }
        guard stdoutFD >= 0, stderrFD >= 0 else {
            throw SpawnError("cannot open the capture files: \(String(cString: strerror(errno)))")
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutFD, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrFD, 2)
        guard addChdir(&actions, directory) == 0 else {
            throw SpawnError("posix_spawn_file_actions_addchdir_np failed for \(directory)")
        }

        var pid = pid_t()
        let argv = [binary] + arguments
        let envp = environment.map { "\($0.key)=\($0.value)" }
        let spawnStatus = withCStringArray(argv) { argv in
            withCStringArray(envp) { envp in
                posix_spawn(&pid, binary, &actions, nil, argv, envp)
            }
        }
        guard spawnStatus == 0 else {
            unlink(stdoutPath)
            unlink(stderrPath)
            throw SpawnError("cannot run \(binary): \(String(cString: strerror(spawnStatus)))")
        }
        return Child(pid: pid, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which Swift does not import
    /// (it is declared only under _GNU_SOURCE): looked up at run time.
    private typealias AddChdir =
        @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
        ) -> Int32

    private static func addChdir(_ actions: inout posix_spawn_file_actions_t, _ directory: String) -> Int32 {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addchdir_np")
        else { return ENOSYS }
        let function = unsafeBitCast(symbol, to: AddChdir.self)
        return function(&actions, directory)
    }

    private static func temporaryFile(_ kind: String) throws -> String {
        var template = Array("/tmp/ocpizza-e2e-\(kind).XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw SpawnError("mkstemp failed: \(String(cString: strerror(errno)))")
        }
        close(descriptor)
        return template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    private static func withCStringArray<R>(
        _ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R
    ) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies + [nil])
    }
}

struct SpawnError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A fresh, empty folder under /tmp (short path, mode 0755 so the embedded server's account
/// can traverse it), used as the working directory of the commands a test runs.
final class ScratchDirectory: Sendable {
    /// The working directory: the fresh folder, or `subfolder` inside it.
    let path: String
    /// The fresh folder itself (what `remove()` deletes).
    let root: String

    init(subfolder: String? = nil) throws {
        var template = Array("/tmp/oce2e.XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SpawnError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        let root = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        chmod(root, 0o755)
        let path = subfolder.map { root + "/" + $0 } ?? root
        self.root = root
        self.path = path
        if path != root {
            guard mkdir(path, 0o755) == 0 else { throw SpawnError("cannot create \(path)") }
            chmod(path, 0o755)
        }
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Runs `ocpizza arguments` with this folder as working directory.
    func run(
        _ arguments: String..., environment: [String: String] = [:], timeout: Duration = .seconds(600)
    ) async throws -> CommandResult {
        try await OCPizzaBinary.run(arguments, in: path, environment: environment, timeout: timeout)
    }

    /// Creates a scratch folder for `body` and removes it afterwards, whatever happens.
    static func with<T>(_ body: (ScratchDirectory) async throws -> T) async throws -> T {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        return try await body(scratch)
    }
}

/// An `ocpizza` process started by ``OCPizzaBinary/start(_:in:environment:)``.
struct RunningCommand: Sendable {
    var arguments: [String]
    var pid: pid_t
    var stdoutPath: String
    var stderrPath: String

    /// What it has written to standard output so far.
    var stdout: String { OCPizzaBinary.read(stdoutPath) }
    var stderr: String { OCPizzaBinary.read(stderrPath) }

    func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process to end (at most `timeout`, then SIGKILL) and collects its output.
    func wait(timeout: Duration = .seconds(600)) async throws -> CommandResult {
        defer {
            unlink(stdoutPath)
            unlink(stderrPath)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var timedOut = false
        var waitStatus: Int32 = 0
        while true {
            let reaped = waitpid(pid, &waitStatus, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 {
                if errno == EINTR { continue }
                throw SpawnError("waitpid failed: \(String(cString: strerror(errno)))")
            }
            if !timedOut && (clock.now >= deadline || Task.isCancelled) {
                timedOut = true
                kill(pid, SIGKILL)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        let exited = waitStatus & 0x7f == 0
        let status = exited ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        return CommandResult(
            arguments: arguments, status: status, stdout: OCPizzaBinary.read(stdoutPath),
            stderr: OCPizzaBinary.read(stderrPath), timedOut: timedOut)
    }
}
