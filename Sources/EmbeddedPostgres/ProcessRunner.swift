import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Runs a helper program (initdb, pg_ctl, runuser) to completion and captures its output.
///
/// Built on `posix_spawn` and `waitpid` rather than Foundation's `Process`, whose
/// `waitUntilExit` was seen to hang on Linux when called off the main thread (the child stayed
/// a zombie, never reaped).
enum ProcessRunner {
    struct Output {
        var status: Int32
        var output: String
    }

    /// Runs `arguments[0]` (a full path) with the rest as arguments, stdin from /dev/null,
    /// stdout and stderr merged into the returned output.
    static func run(_ arguments: [String]) throws -> Output {
        // The output goes to an unlinked temporary file rather than a pipe: opened with
        // O_CLOEXEC atomically (no other thread's child can inherit it), and a grandchild that
        // keeps it open (a server started by pg_ctl) cannot make us wait for an end of file.
        let path = "/tmp/ocpizza-run-\(getpid())-\(UInt32.random(in: .min ... .max))"
        let output = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw EmbeddedClusterError(.toolFailed, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        unlink(path)
        defer { close(output) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        var pid = pid_t()
        let spawnStatus = withCStringArray(arguments) { argv in
            posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        }
        guard spawnStatus == 0 else {
            throw EmbeddedClusterError(
                .toolFailed, "cannot run \(arguments[0]): \(String(cString: strerror(spawnStatus)))")
        }
        var waitStatus: Int32 = 0
        while waitpid(pid, &waitStatus, 0) < 0 {
            guard errno == EINTR else {
                throw EmbeddedClusterError(
                    .toolFailed, "cannot wait for \(arguments[0]): \(String(cString: strerror(errno)))")
            }
        }
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        let exited = waitStatus & 0x7f == 0
        let status = exited ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        lseek(output, 0, SEEK_SET)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count > 0 {
                bytes.append(contentsOf: chunk[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        return Output(status: status, output: String(decoding: bytes, as: UTF8.self))
    }

    /// The full path of a program found on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies + [nil])
    }
}
