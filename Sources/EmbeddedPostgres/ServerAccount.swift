import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Who runs the embedded server's processes.
///
/// PostgreSQL refuses to run as root. When ocpizza runs as root, initdb, pg_ctl and the server
/// run as an unprivileged account through `runuser`: `OCPIZZA_DEV_DB_USER` if set, else the
/// `postgres` account Debian's package creates, else a system account `ocpizza-db` created here.
/// As any other user, they run as that user directly.
struct ServerAccount {
    /// The account name, or nil when the current (non-root) user runs the server itself.
    let name: String?
    let uid: uid_t
    let gid: gid_t

    static func resolve(environment: [String: String]) throws -> ServerAccount {
        guard geteuid() == 0 else { return ServerAccount(name: nil, uid: geteuid(), gid: getegid()) }
        let candidates = [environment["OCPIZZA_DEV_DB_USER"], "postgres"].compactMap { $0 }.filter { !$0.isEmpty }
        for name in candidates {
            if let account = lookup(name) { return account }
        }
        let name = "ocpizza-db"
        if let account = lookup(name) { return account }
        guard
            let useradd = ProcessRunner.which("useradd")
                ?? ["/usr/sbin/useradd", "/sbin/useradd"].first(where: {
                    FileManager.default.isExecutableFile(atPath: $0)
                })
        else {
            throw EmbeddedClusterError(
                .toolFailed, "running as root and no 'postgres' account exists; useradd not found")
        }
        let result = try ProcessRunner.run([
            useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name,
        ])
        guard result.status == 0, let account = lookup(name) else {
            throw EmbeddedClusterError(.toolFailed, "cannot create the system account \(name): \(result.output)")
        }
        return account
    }

    private static func lookup(_ name: String) -> ServerAccount? {
        guard let entry = getpwnam(name) else { return nil }
        return ServerAccount(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid)
    }

    /// `arguments` prefixed so that they run as this account.
    func command(_ arguments: [String]) -> [String] {
        guard let name else { return arguments }
        let runuser = ProcessRunner.which("runuser") ?? "/usr/sbin/runuser"
        return [runuser, "-u", name, "--"] + arguments
    }

    /// Whether this account can traverse `folder` (and so reach what is inside it).
    func canReach(_ folder: String) -> Bool {
        guard name != nil else { return true }
        return (try? ProcessRunner.run(command(["/usr/bin/test", "-x", folder])))?.status == 0
    }

    /// Whether this account can write into `folder`.
    func canWrite(_ folder: String) -> Bool {
        guard name != nil else { return true }
        return (try? ProcessRunner.run(command(["/usr/bin/test", "-w", folder, "-a", "-x", folder])))?.status == 0
    }

    /// Gives a folder to this account (only meaningful as root).
    func own(_ path: String) throws {
        guard name != nil else { return }
        guard chown(path, uid, gid) == 0 else {
            throw EmbeddedClusterError(
                .fileSystem, "cannot give \(path) to uid \(uid): \(String(cString: strerror(errno)))")
        }
    }
}
