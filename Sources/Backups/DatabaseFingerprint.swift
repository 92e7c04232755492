import Postgres

/// Row count and content checksum of every table: recorded in the dump's own snapshot when a
/// backup is taken, and compared after a drill restores it.
///
/// The checksum is the sum of `hash_record(row)` over the table: independent of row order (a
/// restore loads rows in any order), cheap (one sequential scan, no sort, no text conversion:
/// measured 2.6 times cheaper than `hashtext(row::text)`, which matters because it runs beside
/// pg_dump), and any edited, lost or added row changes it (with a 2⁻³² chance of a collision per
/// changed row, which the archive's SHA-256 backs up). A table with a column type that has no
/// hash function falls back to `hashtext(row::text)`; the method is recorded per table so the
/// drill computes the same. Both sides run on the same server major version.
public struct DatabaseFingerprint: Sendable, Equatable, Codable {
    public struct Table: Sendable, Equatable, Codable {
        public var rows: Int64
        public var checksum: String
        /// "record" (`hash_record`) or "text" (`hashtext(row::text)`); nil in older backups: text.
        public var method: String?
    }

    /// "schema.table" → figures.
    public var tables: [String: Table]

    public init(tables: [String: Table]) { self.tables = tables }

    /// Reads every ordinary table outside the system schemas, on `session` (inside the caller's
    /// transaction, so in its snapshot). With `methods` (a drill), each table is hashed the way
    /// it was at dump time; otherwise `hash_record`, or text where a column cannot be hashed.
    public static func read(
        in session: PostgresSession, methods: [String: String]? = nil
    ) throws -> DatabaseFingerprint {
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
            let key = "\(schema).\(name)"
            let qualified = SQL.quoteIdentifier(schema) + "." + SQL.quoteIdentifier(name)
            if let methods {
                tables[key] = try figures(of: qualified, method: methods[key] ?? "text", in: session)
            } else {
                // A savepoint: the failed attempt must not abort the snapshot's transaction.
                let byRecord = try? session.savepoint { try figures(of: qualified, method: "record", in: $0) }
                tables[key] = try byRecord ?? figures(of: qualified, method: "text", in: session)
            }
        }
        return DatabaseFingerprint(tables: tables)
    }

    /// The methods used per table, for a drill to hash the restore the same way.
    public var methods: [String: String] { tables.mapValues { $0.method ?? "text" } }

    private static func figures(of qualified: String, method: String, in session: PostgresSession) throws -> Table {
        let hash = method == "record" ? "hash_record(t)" : "hashtext(t::text)"
        let row = try session.query(
            SQL(
                unsafeSQL: """
                    SELECT count(*) AS rows, coalesce(sum(\(hash)::bigint), 0)::text AS checksum FROM \(qualified) t
                    """)
        ).first
        return Table(
            rows: try row?.decode("rows", as: Int64.self) ?? 0,
            checksum: try row?.decode("checksum", as: String.self) ?? "0", method: method)
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
