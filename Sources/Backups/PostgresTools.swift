import Foundation

/// The PostgreSQL client programs a backup uses, of a major version that can read the server.
///
/// pg_dump refuses (or worse, on old versions, silently mis-dumps) a server newer than itself:
/// the GitLab 2017 outage began with exactly that. So the tools are chosen for the server's
/// major version and refused before anything starts when they are older.
public struct PostgresTools: Sendable, Equatable {
    public var directory: String
    /// The tools' version, e.g. "15.18".
    public var version: String
    public var major: Int

    public var pgDump: String { directory + "/pg_dump" }
    public var pgDumpAll: String { directory + "/pg_dumpall" }
    public var pgRestore: String { directory + "/pg_restore" }
    public var pgAmcheck: String { directory + "/pg_amcheck" }

    /// Finds tools of at least `serverMajor`: `OCPIZZA_PG_BINDIR` if set, else Debian's
    /// `/usr/lib/postgresql/<major>/bin` for the server's major version then newer ones, else
    /// the `pg_dump` on PATH.
    public static func locate(
        serverMajor: Int, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> PostgresTools {
        var candidates: [String] = []
        // An operator who names the tools gets those or a refusal, never others found elsewhere.
        if let explicit = environment["OCPIZZA_PG_BINDIR"], !explicit.isEmpty {
            return try await only(explicit, serverMajor: serverMajor)
        }
        let debian = "/usr/lib/postgresql"
        let installed = ((try? FileManager.default.contentsOfDirectory(atPath: debian)) ?? [])
            .compactMap(Int.init).filter { $0 >= serverMajor }.sorted()
        candidates += installed.map { "\(debian)/\($0)/bin" }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            candidates.append(String(directory))
        }
        var tooOld: [String] = []
        for directory in candidates where FileManager.default.isExecutableFile(atPath: directory + "/pg_dump") {
            guard let (version, major) = try await Self.version(of: directory + "/pg_dump") else { continue }
            if major >= serverMajor {
                return PostgresTools(directory: directory, version: version, major: major)
            }
            tooOld.append("\(directory)/pg_dump \(version)")
        }
        if !tooOld.isEmpty {
            throw BackupError(
                .toolMissing,
                "pg_dump is older than the server (PostgreSQL \(serverMajor)): \(tooOld.joined(separator: ", ")); "
                    + "install postgresql-client-\(serverMajor) or set OCPIZZA_PG_BINDIR")
        }
        throw BackupError(
            .toolMissing,
            "no pg_dump found; install postgresql-client-\(serverMajor) (apt-get install postgresql-client-\(serverMajor)) "
                + "or set OCPIZZA_PG_BINDIR")
    }

    private static func only(_ directory: String, serverMajor: Int) async throws -> PostgresTools {
        guard FileManager.default.isExecutableFile(atPath: directory + "/pg_dump"),
            let (version, major) = try await Self.version(of: directory + "/pg_dump")
        else {
            throw BackupError(.toolMissing, "OCPIZZA_PG_BINDIR=\(directory) holds no working pg_dump")
        }
        guard major >= serverMajor else {
            throw BackupError(
                .toolMissing,
                "pg_dump is older than the server (PostgreSQL \(serverMajor)): \(directory)/pg_dump \(version) "
                    + "(OCPIZZA_PG_BINDIR); install postgresql-client-\(serverMajor) and point OCPIZZA_PG_BINDIR at it")
        }
        return PostgresTools(directory: directory, version: version, major: major)
    }

    /// "pg_dump (PostgreSQL) 15.18 (Debian 15.18-1.pgdg120+1)" → ("15.18", 15).
    static func version(of tool: String) async throws -> (String, Int)? {
        let output = try await ToolProcess.runCapturing(tool, ["--version"])
        return parseVersion(output)
    }

    static func parseVersion(_ output: String) -> (String, Int)? {
        guard let range = output.range(of: "(PostgreSQL) ") else { return nil }
        let version = output[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        guard let major = Int(version.prefix { $0.isNumber }) else { return nil }
        return (String(version), major)
    }
}

extension ToolProcess {
    /// Runs a tool that prints a little (`--version`, `pg_restore --list`) and returns its output.
    static func runCapturing(_ executable: String, _ arguments: [String]) async throws -> String {
        let path = "/tmp/ocpizza-tool-out-\(getpid())-\(UInt32.random(in: .min ... .max))"
        defer { unlink(path) }
        let outcome = try await run(executable, arguments, stdoutPath: path)
        guard outcome.succeeded else {
            throw BackupError(
                .toolFailed, "\(executable) \(arguments.joined(separator: " ")): \(outcome.ending): \(outcome.stderr)")
        }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
