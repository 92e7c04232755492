import Postgres

/// Row count and content checksum of every table: recorded in the dump's own snapshot when a
/// backup is taken, and compared after a drill restores it.
///
/// The checksum is the sum of `hashtext(row::text)` over the table: independent of row order
/// (a restore loads rows in any order), cheap (one sequential scan, no sort), and any edited,
/// lost or added row changes it (with a 2⁻³² chance of a collision per changed row, which the
/// archive's SHA-256 backs up). Both sides run on the same server major version, so the text
/// form of every value is the same.
public struct DatabaseFingerprint: Sendable, Equatable, Codable {
    public struct Table: Sendable, Equatable, Codable {
        public var rows: Int64
        public var checksum: String
    }

    /// "schema.table" → figures.
    public var tables: [String: Table]

    public init(tables: [String: Table]) { self.tables = tables }

    /// Reads every ordinary table outside the system schemas, on `session` (inside the caller's
    /// transaction, so in its snapshot).
    public static func read(in session: PostgresSession) throws -> DatabaseFingerprint {
        let names = try session.query(
            """
            SELECT n.nspname AS schema, c.relname AS name
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_%'
            ORDER BY 1, 2
            """
        ).map { (try $0.decode("schema", as: String.self), try $0.decode("name", as: String.self)) }
        var tables: [String: Table] = [:]
        for (schema, name) in names {
            let qualified = SQL.quoteIdentifier(schema) + "." + SQL.quoteIdentifier(name)
            let row = try session.query(
                SQL(
                    unsafeSQL: """
                        SELECT count(*) AS rows, coalesce(sum(hashtext(t::text)::bigint), 0)::text AS checksum
                        FROM \(qualified) t
                        """)
            ).first
            tables["\(schema).\(name)"] = Table(
                rows: try row?.decode("rows", as: Int64.self) ?? 0,
                checksum: try row?.decode("checksum", as: String.self) ?? "0")
        }
        return DatabaseFingerprint(tables: tables)
    }

    /// One line per difference between what was recorded (`self`) and what a restore holds.
    public func differences(from restored: DatabaseFingerprint) -> [String] {
        var lines: [String] = []
        for (name, expected) in tables.sorted(by: { $0.key < $1.key }) {
            guard let actual = restored.tables[name] else {
                lines.append("\(name): missing from the restore")
                continue
            }
            if actual.rows != expected.rows {
                lines.append("\(name): \(actual.rows) rows restored, \(expected.rows) at dump time")
            } else if actual.checksum != expected.checksum {
                lines.append("\(name): content differs (same \(actual.rows) rows, other values)")
            }
        }
        for name in restored.tables.keys.sorted() where tables[name] == nil {
            lines.append("\(name): in the restore but not in the dump's snapshot")
        }
        return lines
    }
}
