import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a command-line tool (qpdf) to completion and captures what it writes, within limits.
///
/// Built on `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose `waitUntilExit`
/// was seen to hang on Linux off the main thread (the same reason as EmbeddedPostgres's runner,
/// which this module does not depend on). The tool reads files sent by suppliers, so nothing it
/// does may stall the caller: standard output and standard error are drained together with
/// `poll` (a tool filling one pipe while we wait on the other cannot deadlock), standard output
/// is capped (a huge attachment cannot exhaust memory), and a deadline ends in SIGKILL.
///
/// Synchronous: the calling thread blocks for at most `timeout` (plus the time to reap a killed
/// child).
enum ChildProcess {
    /// What a finished (or killed) run produced.
    struct Outcome: Sendable {
        /// The exit status when the child exited, nil when a signal ended it.
        var exitStatus: Int32?
        /// The signal that ended the child (SIGKILL when we killed it for a limit).
        var signal: Int32?
        var stdout: [UInt8]
        /// Standard error, cut at the stderr limit (the rest is read and dropped).
        var stderr: [UInt8]
        /// The deadline passed and the child (with its process group) was killed.
        var timedOut: Bool
        /// Standard output grew past the limit and the child was killed; `stdout` holds the first bytes.
        var stdoutLimitExceeded: Bool

        var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    }

    /// The child could not be started at all (`code` is the errno from `posix_spawn` or `pipe2`).
    struct StartError: Error, Sendable, CustomStringConvertible {
        var executable: String
        var code: Int32
        var description: String { "cannot run \(executable): \(String(cString: strerror(code)))" }
    }

    /// Runs `executable` (a path, not searched on PATH) with `arguments` (no shell involved), stdin
    /// from /dev/null, and waits for it.
    ///
    /// - Parameters:
    ///   - stdoutLimit: bytes of standard output accepted; one more and the child is killed.
    ///   - stderrLimit: bytes of standard error kept; the rest is drained so the child never blocks.
    ///   - timeout: time allowed to the child, from the spawn to its exit; then SIGKILL.
    static func run(
        _ executable: String, _ arguments: [String], stdoutLimit: Int, stderrLimit: Int = 64 << 10,
        timeout: Duration
    ) throws(StartError) -> Outcome {
        let stdoutPipe = try makePipe(executable)
        let stderrPipe: (read: Int32, write: Int32)
        do {
            stderrPipe = try makePipe(executable)
        } catch {
            close(stdoutPipe.read)
            close(stdoutPipe.write)
            throw error
        }
        let pid: pid_t
        do {
            pid = try spawn(executable, arguments, stdout: stdoutPipe.write, stderr: stderrPipe.write)
        } catch {
            for fd in [stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write] { close(fd) }
            throw error
        }
        // Only the child may hold the write ends, or we would never see the end of file.
        close(stdoutPipe.write)
        close(stderrPipe.write)

        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var outcome = Outcome(
            exitStatus: nil, signal: nil, stdout: [], stderr: [], timedOut: false, stdoutLimitExceeded: false)
        let mustKill = drain(
            stdout: stdoutPipe.read, stderr: stderrPipe.read, into: &outcome, stdoutLimit: stdoutLimit,
            stderrLimit: stderrLimit, deadline: deadline, clock: clock)
        // Killed before our read ends close: otherwise a child still writing could die of SIGPIPE
        // first, and the outcome would depend on that race.
        if mustKill { killGroup(pid) }
        close(stdoutPipe.read)
        close(stderrPipe.read)

        let waitStatus = reap(pid, deadline: mustKill ? nil : deadline, clock: clock, timedOut: &outcome.timedOut)
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        if waitStatus & 0x7f == 0 {
            outcome.exitStatus = (waitStatus >> 8) & 0xff
        } else {
            outcome.signal = waitStatus & 0x7f
        }
        return outcome
    }

    /// The full path of the first executable `name` in the `:`-separated `searchPath` (PATH when nil).
    static func findExecutable(_ name: String, searchPath: String? = nil) -> String? {
        if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        let searchPath = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(name)"
            var info = stat()
            // A directory named like the tool is "executable" (searchable) but cannot be run.
            guard stat(candidate, &info) == 0, info.st_mode & S_IFMT != S_IFDIR else { continue }
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    // MARK: - Implementation

    /// A pipe whose both ends are close-on-exec from creation (`pipe2`), so a child spawned by
    /// another thread at the same moment cannot inherit them, and numbered above 2, so that the
    /// `dup2` onto 1 or 2 in the child always happens (and clears close-on-exec).
    private static func makePipe(_ executable: String) throws(StartError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC) == 0 else { throw StartError(executable: executable, code: errno) }
        for index in fds.indices where fds[index] <= 2 {
            let moved = fcntl(fds[index], F_DUPFD_CLOEXEC, 3)
            let code = errno
            close(fds[index])
            fds[index] = moved
            guard moved >= 0 else {
                fds.filter { $0 >= 0 }.forEach { close($0) }
                throw StartError(executable: executable, code: code)
            }
        }
        return (fds[0], fds[1])
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], stdout: Int32, stderr: Int32
    ) throws(StartError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Close-on-exec covers our pipes; closefrom(3) also covers descriptors other code in this
        // process opened without it (a library's socket), which qpdf has no business holding.
        if addCloseFrom(&actions, 3) != 0 {
            posix_spawn_file_actions_addclose(&actions, stdout)
            posix_spawn_file_actions_addclose(&actions, stderr)
        }

        // The child starts with no blocked signals and the default SIGPIPE action, whatever this
        // process (a test runner, a server) set for itself: both are inherited through exec.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        // Its own process group, so that a kill reaches whatever it started too (which would
        // otherwise keep our pipes open, and run on, after the child itself is gone).
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var pid = pid_t()
        let argv = [executable] + arguments
        let copies = argv.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        // ETXTBSY: another thread of this process forked while a file it had just written was
        // still open for writing (a script, in tests); the descriptor closes within moments.
        var status = posix_spawn(&pid, executable, &actions, &attributes, copies + [nil], environ)
        var attempts = 1
        while status == ETXTBSY, attempts < 50 {
            usleep(20_000)
            attempts += 1
            status = posix_spawn(&pid, executable, &actions, &attributes, copies + [nil], environ)
        }
        guard status == 0 else { throw StartError(executable: executable, code: status) }
        return pid
    }

    /// Reads both pipes until both are closed; returns true when the child must be killed (the
    /// deadline passed, standard output went over its limit, or `poll` failed).
    private static func drain(
        stdout: Int32, stderr: Int32, into outcome: inout Outcome, stdoutLimit: Int, stderrLimit: Int,
        deadline: ContinuousClock.Instant, clock: ContinuousClock
    ) -> Bool {
        var stdoutOpen = true
        var stderrOpen = true
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while stdoutOpen || stderrOpen {
            let remaining = deadline - clock.now
            if remaining <= .zero {
                outcome.timedOut = true
                return true
            }
            var fds: [pollfd] = []
            if stdoutOpen { fds.append(pollfd(fd: stdout, events: Int16(POLLIN), revents: 0)) }
            if stderrOpen { fds.append(pollfd(fd: stderr, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), milliseconds(remaining))
            if ready < 0 {
                if errno == EINTR { continue }
                return true
            }
            for entry in fds where entry.revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if count <= 0 {
                    if entry.fd == stdout { stdoutOpen = false } else { stderrOpen = false }
                    continue
                }
                if entry.fd == stdout {
                    let room = stdoutLimit - outcome.stdout.count
                    outcome.stdout.append(contentsOf: buffer[0..<min(count, max(room, 0))])
                    if count > room {
                        outcome.stdoutLimitExceeded = true
                        return true
                    }
                } else {
                    let room = max(stderrLimit - outcome.stderr.count, 0)
                    outcome.stderr.append(contentsOf: buffer[0..<min(count, room)])
                }
            }
        }
        return false
    }

    /// Waits for the child. With a deadline, polls until then and kills the child if it is still
    /// there (it closed its output but did not exit); without one (already killed), blocks.
    private static func reap(
        _ pid: pid_t, deadline: ContinuousClock.Instant?, clock: ContinuousClock, timedOut: inout Bool
    ) -> Int32 {
        var status: Int32 = 0
        if let deadline {
            while true {
                let reaped = waitpid(pid, &status, WNOHANG)
                if reaped == pid { return status }
                if reaped < 0, errno != EINTR { return status }
                if clock.now >= deadline {
                    timedOut = true
                    killGroup(pid)
                    break
                }
                usleep(2_000)
            }
        }
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { break }
        }
        return status
    }

    /// SIGKILL to the child's process group (the child and anything it started). Always called
    /// before the child is reaped, so the group id cannot have been reused by then.
    private static func killGroup(_ pid: pid_t) {
        if kill(-pid, SIGKILL) != 0 { kill(pid, SIGKILL) }
    }

    /// `remaining`, rounded up to whole milliseconds, as `poll` wants it.
    private static func milliseconds(_ remaining: Duration) -> Int32 {
        let (seconds, attoseconds) = remaining.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return Int32.max }
        let milliseconds = total.partialValue + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(milliseconds, 1))
    }

    /// glibc's `pipe2` (2.9+), which Swift does not import (declared only under _GNU_SOURCE): looked
    /// up at run time. Without it, `pipe` then `FD_CLOEXEC`, which leaves a short window in which a
    /// child spawned by another thread could inherit the pipe.
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    private static func pipe2(_ fds: inout [Int32], _ flags: Int32) -> Int32 {
        if let handle = dlopen(nil, RTLD_NOW) {
            defer { dlclose(handle) }
            if let symbol = dlsym(handle, "pipe2") {
                return fds.withUnsafeMutableBufferPointer {
                    unsafeBitCast(symbol, to: Pipe2.self)($0.baseAddress!, flags)
                }
            }
        }
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return 0
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift does not import
    /// (it is declared only under _GNU_SOURCE): looked up at run time; ENOSYS when absent.
    private typealias AddCloseFrom =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, _ lowest: Int32) -> Int32 {
        guard let handle = dlopen(nil, RTLD_NOW) else { return ENOSYS }
        defer { dlclose(handle) }
        guard let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return ENOSYS }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, lowest)
    }
}
