import Foundation
import TestSupport
import Testing

/// `--log-format json` is for log shippers: every line of standard error is one JSON object.
@Suite("Log format")
struct LogFormatTests {
    static func jsonObject(_ line: String) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
    }

    @Test("--log-format json: every stderr line is a JSON object with level and msg")
    func jsonLines() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let migrate = try await scratch.run("db", "migrate", "--log-format", "json", "--database-url", conninfo)
            #expect(migrate.status == 0, "\(migrate)")
            let failure = try await scratch.run(
                "db", "status", "--log-format", "json", "--database-url", "host=/nonexistent-ocpizza dbname=x")
            #expect(failure.status == 69, "\(failure)")

            let lines = migrate.stderrLines + failure.stderrLines
            #expect(!migrate.stderrLines.isEmpty, "db migrate logged nothing: \(migrate)")
            #expect(!failure.stderrLines.isEmpty, "the failure logged nothing: \(failure)")
            for line in lines {
                let object = Self.jsonObject(line)
                #expect(object != nil, "not a JSON object: \(line)")
                #expect(object?["level"] is String, "no level: \(line)")
                #expect(object?["msg"] is String, "no msg: \(line)")
            }
            let error = failure.stderrLines.compactMap(Self.jsonObject).first { $0["level"] as? String == "error" }
            #expect((error?["msg"] as? String)?.contains("database unreachable") == true, "\(failure)")
            #expect(error?["exit_code"] as? String == "69", "\(failure)")
        }
    }

    @Test("--log-format text: lines are plain text, not JSON")
    func textLines() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let migrate = try await scratch.run("db", "migrate", "--log-format", "text", "--database-url", conninfo)
            #expect(migrate.status == 0, "\(migrate)")
            #expect(!migrate.stderrLines.isEmpty, "db migrate logged nothing: \(migrate)")
            for line in migrate.stderrLines {
                #expect(Self.jsonObject(line) == nil, "a JSON line in text format: \(line)")
                #expect(!line.hasPrefix("{"), "\(line)")
            }
            #expect(migrate.stderrLines.contains { $0.contains("applied migration") && $0.contains("info") })
        }
    }

    @Test("--log-level error hides the info lines")
    func logLevel() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let migrate = try await scratch.run(
                "db", "migrate", "--log-level", "error", "--log-format", "json", "--database-url", conninfo)
            #expect(migrate.status == 0, "\(migrate)")
            #expect(migrate.stderrLines.isEmpty, "\(migrate)")
        }
    }
}
