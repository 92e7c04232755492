import Foundation
import Postgres
import Testing

/// Backups, API keys and the maintenance flag (0009).
@Suite struct OperationsTests {
    @Test func backupRowsAreConsistentWithTheirStatus() async throws {
        try await withMigratedDatabase { session, _ in
            func backup(kind: String = "scheduled", status: String, finished: Bool, sha: String?) -> SQL {
                """
                INSERT INTO backup (kind, status, file_path, finished_at, sha256, size_bytes)
                VALUES (\(kind), \(status), \("var/backups/\(UUID().uuidString).dump"),
                    CASE WHEN \(finished) THEN now() END, \(sha), 1048576)
                """
            }
            try session.execute(backup(status: "running", finished: false, sha: nil))
            try session.execute(backup(kind: "pre-release", status: "ok", finished: true, sha: fakeSHA256("9")))
            try session.execute(backup(kind: "manual", status: "failed", finished: true, sha: nil))
            expectRefused(
                .checkViolation, constraint: "backup_finished_unless_running", session,
                backup(status: "ok", finished: false, sha: fakeSHA256("9")))
            expectRefused(
                .checkViolation, constraint: "backup_ok_is_complete", session,
                backup(status: "ok", finished: true, sha: nil))
            expectRefused(
                .checkViolation, constraint: "backup_kind_known", session,
                backup(kind: "hourly", status: "running", finished: false, sha: nil))
            expectRefused(
                .checkViolation, constraint: "backup_drill_recorded", session,
                "UPDATE backup SET drill_at = now() WHERE status = 'ok'")
            try session.execute(
                """
                UPDATE backup SET drill_at = now(), drill_result = '{"ok": true, "sentinel": true}',
                    verified_at = now(), verify_ok = true
                WHERE status = 'ok'
                """)
        }
    }

    @Test func apiKeysStoreOnlyAHashAndAreUnique() async throws {
        try await withMigratedDatabase { session, _ in
            let hash = Data((0..<32).map { UInt8($0) })
            func key(_ prefix: String, _ hash: Data, scopes: [String] = ["orders:write", "orders:read"]) -> SQL {
                "INSERT INTO api_key (name, prefix, key_hash, scopes) VALUES ('website', \(prefix), \(hash), \(scopes))"
            }
            try session.execute(key("ocp_3kT9qZ", hash))
            expectRefused(.uniqueViolation, constraint: "api_key_hash_key", session, key("ocp_7hYw2x", hash))
            expectRefused(
                .uniqueViolation, constraint: "api_key_prefix_key", session,
                key("ocp_3kT9qZ", Data(repeating: 7, count: 32)))
            expectRefused(
                .checkViolation, constraint: "api_key_hash_sha256", session,
                key("ocp_short1", Data("the key itself".utf8)))
            expectRefused(
                .checkViolation, constraint: "api_key_scopes_present", session,
                key("ocp_noscope", Data(repeating: 8, count: 32), scopes: []))
            try session.execute("UPDATE api_key SET revoked_at = now() WHERE prefix = 'ocp_3kT9qZ'")
        }
    }

    @Test func theMaintenanceFlagIsOffUntilSet() async throws {
        try await withMigratedDatabase { session, _ in
            #expect(try session.queryValue(#"SELECT "on" FROM maintenance_mode"#, as: Bool.self) == false)
            try session.execute(
                """
                INSERT INTO app_setting (key, value)
                VALUES ('maintenance', '{"on": true, "reason": "release 1.4", "since": "2026-05-12T01:10:00Z"}')
                """)
            let row = try #require(try session.query(#"SELECT "on", reason FROM maintenance_mode"#).first)
            #expect(try row.decode(0, as: Bool.self) == true)
            #expect(try row.decode(1, as: String.self) == "release 1.4")
            #expect(try session.queryValue("SELECT count(*) FROM maintenance_mode", as: Int.self) == 1)
        }
    }
}
