import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs the PostgreSQL client tools (pg_dump, pg_restore, pg_amcheck, pg_dumpall) to completion.
///
/// posix_spawn and waitpid, not Foundation's `Process` (whose `waitUntilExit` was seen to hang
/// off the main thread on Linux). The wait blocks a dispatch thread, never a Swift concurrency
/// thread; cancelling the task (SIGTERM to the job) sends SIGTERM to the tool, so a dump
/// interrupted by an operator stops at once and its partial file is removed by the caller.
///
/// Standard output goes to a file or /dev/null (the tools write their archives with `-f`);
/// standard error goes to an unlinked temporary file, so a tool that writes much cannot block
/// on a full pipe, and the caller gets its last lines for the error message.
enum ToolProcess {
    struct Outcome: Sendable {
        var exitStatus: Int32?
        var signal: Int32?
        var stderr: String
        var succeeded: Bool { exitStatus == 0 }

        /// "exit 1", "killed by signal 9": for error messages.
        var ending: String { exitStatus.map { "exit \($0)" } ?? "killed by signal \(signal ?? 0)" }
    }

    /// Runs `executable` with `arguments`; `environment` entries are added to (or replace) the
    /// process's own. Returns once the tool has exited. Throws only when it cannot be started.
    static func run(
        _ executable: String, _ arguments: [String], stdoutPath: String = "/dev/null",
        environment: [String: String] = [:]
    ) async throws -> Outcome {
        let child = try spawn(executable, arguments, stdoutPath: stdoutPath, environment: environment)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async { continuation.resume(returning: child.wait()) }
            }
        } onCancel: {
            kill(child.pid, SIGTERM)
        }
    }

    private struct Child: Sendable {
        let pid: pid_t
        let stderrDescriptor: Int32

        func wait() -> Outcome {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            defer { close(stderrDescriptor) }
            // WIFEXITED / WEXITSTATUS are macros Swift does not import.
            let signal = status & 0x7f
            let stderr = Self.tail(of: stderrDescriptor, limit: 16 << 10)
            return signal == 0
                ? Outcome(exitStatus: (status >> 8) & 0xff, signal: nil, stderr: stderr)
                : Outcome(exitStatus: nil, signal: signal, stderr: stderr)
        }

        private static func tail(of descriptor: Int32, limit: Int) -> String {
            let size = lseek(descriptor, 0, SEEK_END)
            lseek(descriptor, max(0, size - off_t(limit)), SEEK_SET)
            var bytes = [UInt8](repeating: 0, count: limit)
            var total = 0
            while total < limit {
                let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + total, limit - total) }
                if count > 0 { total += count } else if count == 0 || errno != EINTR { break }
            }
            return String(decoding: bytes.prefix(total), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    private static func spawn(
        _ executable: String, _ arguments: [String], stdoutPath: String, environment: [String: String]
    ) throws -> Child {
        let path = "/tmp/ocpizza-tool-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let stderrDescriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard stderrDescriptor >= 0 else {
            throw BackupError(.toolFailed, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        unlink(path)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, stderrDescriptor, 2)

        var variables = ProcessInfo.processInfo.environment
        for (key, value) in environment { variables[key] = value }
        let environmentStrings = variables.map { "\($0.key)=\($0.value)" }

        var pid = pid_t()
        let status = withCStringArray([executable] + arguments) { argv in
            withCStringArray(environmentStrings) { envp in
                posix_spawn(&pid, executable, &actions, nil, argv, envp)
            }
        }
        guard status == 0 else {
            close(stderrDescriptor)
            throw BackupError(.toolFailed, "cannot run \(executable): \(String(cString: strerror(status)))")
        }
        return Child(pid: pid, stderrDescriptor: stderrDescriptor)
    }

    private static func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies + [nil])
    }
}
