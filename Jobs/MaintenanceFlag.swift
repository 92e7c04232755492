import Foundation
import Postgres

/// The maintenance flag (`app_setting` key `maintenance`): while it is on, every job but the
/// backups is skipped (exit 75), as the operations manuals' update procedure requires; the
/// ordering endpoint answers 503.
public struct MaintenanceFlag: Sendable, Codable, Equatable {
    public var on: Bool
    public var reason: String?
    public var since: Date?
    public var by: String?

    public static let key = "maintenance"
    public static let off = MaintenanceFlag(on: false)

    public init(on: Bool, reason: String? = nil, since: Date? = nil, by: String? = nil) {
        self.on = on
        self.reason = reason
        self.since = since
        self.by = by
    }

    public static func read(in session: PostgresSession) throws -> MaintenanceFlag {
        guard let value = try session.queryValue("SELECT value FROM app_setting WHERE key = \(key)", as: JSONB.self)
        else {
            return .off
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        // A flag someone wrote by hand and that does not decode is taken as ON: wrongly skipping a
        // night is recoverable, running jobs in the middle of a deployment may not be.
        guard let flag = try? decoder.decode(MaintenanceFlag.self, from: Data(value.text.utf8)) else {
            return MaintenanceFlag(on: true, reason: "unreadable maintenance flag: \(value.text.prefix(80))")
        }
        return flag
    }

    public func write(in session: PostgresSession) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let value = JSONB(text: String(decoding: try encoder.encode(self), as: UTF8.self))
        try session.execute(
            """
            INSERT INTO app_setting (key, value) VALUES (\(Self.key), \(value))
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now(), updated_by = current_user
            """)
    }
}
