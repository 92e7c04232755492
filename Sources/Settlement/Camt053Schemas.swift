import Foundation
import Synchronization
import XML

/// The vendored camt.053 XSDs (`Schemas/camt053/camt.053.001.NN.xsd`), each compiled at most once
/// per process and then shared by every file and every reader (a compiled schema is read-only).
struct Camt053Schemas: Sendable {
    /// The versions whose official XSD is vendored; any other version is read without a schema.
    static let validatedVersions: Set<String> = ["02", "04", "08"]

    /// The folder holding `camt053/`.
    let directory: String

    /// Compiled schemas by XSD path, for the whole process: `BankStatementReader`s come and go,
    /// compiling the XSD (100 KB) costs more than reading a day's statement.
    private static let compiled = Mutex<[String: XMLSchemaSet]>([:])

    /// Uses `directory`, else `$OCPIZZA_SCHEMA_DIR` (when it holds `camt053/`), else the resource
    /// folder SwiftPM installs beside the executable (`<package>_Settlement.resources/Schemas`).
    ///
    /// SwiftPM's generated `Bundle.module` is deliberately not used: on Linux it calls `fatalError`
    /// when the resource folder was not installed beside the binary, where this throws an error
    /// the command can report.
    init(directory: String?) throws(SettlementFileError) {
        let candidates = directory.map { [$0] } ?? Self.defaultCandidates()
        guard let found = candidates.first(where: Self.holdsSchemas) else {
            throw SettlementFileError(
                "schemas_missing", file: candidates.first ?? "Schemas",
                message: "the camt.053 XSDs are missing (looked in \(candidates.joined(separator: ", "))): "
                    + "install <package>_Settlement.resources beside the ocpizza binary, or set OCPIZZA_SCHEMA_DIR "
                    + "to a folder holding camt053/")
        }
        self.directory = found
    }

    /// The compiled schema of a camt.053 version (`02`, `04`, `08`), nil when none is vendored.
    func schema(version: String) throws(SettlementFileError) -> XMLSchemaSet? {
        guard Self.validatedVersions.contains(version) else { return nil }
        let path = "\(directory)/camt053/camt.053.001.\(version).xsd"
        if let known = Self.compiled.withLock({ $0[path] }) { return known }
        do {
            let schema = try XMLSchemaSet(path: path)
            // Two threads may compile the same XSD once each the first time; the first one stored wins.
            return Self.compiled.withLock { cache in
                if let earlier = cache[path] { return earlier }
                cache[path] = schema
                return schema
            }
        } catch {
            throw SettlementFileError(
                "schemas_missing", file: path, record: error.line, message: "the XSD does not compile: \(error.message)"
            )
        }
    }

    /// Compiles every vendored XSD now, so that a broken installation fails before the first file.
    func compileAll() throws(SettlementFileError) {
        for version in Self.validatedVersions.sorted() { _ = try schema(version: version) }
    }

    private static func holdsSchemas(_ folder: String) -> Bool {
        FileManager.default.fileExists(atPath: folder + "/camt053/camt.053.001.02.xsd")
    }

    private static func defaultCandidates() -> [String] {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["OCPIZZA_SCHEMA_DIR"], !configured.isEmpty {
            candidates.append(configured)
        }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? "."
        let folder = URL(fileURLWithPath: executable).deletingLastPathComponent().path
        // The bundle is named after the package (`ocpizza_Settlement.resources`); look it up by its
        // target suffix so that the same code finds it in a test or benchmark build.
        let bundles = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
            .filter { $0.hasSuffix("_Settlement.resources") || $0.hasSuffix("_Settlement.bundle") }
        for bundle in bundles {
            candidates.append("\(folder)/\(bundle)/Schemas")
            candidates.append("\(folder)/\(bundle)/Contents/Resources/Schemas")
        }
        candidates.append(folder + "/ocpizza_Settlement.resources/Schemas")
        candidates.append(folder + "/../share/ocpizza/Schemas")
        // Last: the source tree this binary was built from. Swift Testing runs the tests inside
        // SwiftPM's helper process (so the executable's folder is the toolchain's), and a debug
        // build run from the checkout finds its schemas here too.
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent().path + "/Schemas")
        return candidates
    }
}
