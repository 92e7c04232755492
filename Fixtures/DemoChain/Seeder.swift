import Foundation
import Postgres

/// Writes the embedded data with upserts on natural keys, counting what changed per table.
///
/// Each table is loaded by one or two statements that read their rows from a JSON parameter
/// (`jsonb_to_recordset`), so the whole demo chain goes in with a few dozen round trips. An
/// upsert's `DO UPDATE` has a `WHERE ... IS DISTINCT FROM` guard: identical rows are not
/// rewritten, and `RETURNING (xmax = 0)` tells an insert from an update.
struct Seeder {
    let session: PostgresSession
    let data: DemoData
    private var counts: [(table: String, inserted: Int, updated: Int, deleted: Int)] = []

    init(session: PostgresSession, data: DemoData) {
        self.session = session
        self.data = data
    }

    // MARK: Reference data

    mutating func loadReference() throws {
        struct Row: Encodable {
            var code, name: String
            var parent: String?
            var sortOrder: Int
        }
        let rows = try json(
            data.categories.map { Row(code: $0.code, name: $0.name, parent: $0.parent, sortOrder: $0.sortOrder) })
        // Roots first, then their children (two levels).
        for roots in [true, false] {
            try upsert(
                "product_category",
                """
                INSERT INTO product_category AS t (code, name, parent_id, sort_order)
                SELECT x.code, x.name, p.id, x.sort_order
                FROM jsonb_to_recordset(\(rows)) AS x (code text, name text, parent text, sort_order integer)
                LEFT JOIN product_category p ON p.code = x.parent
                WHERE (x.parent IS NULL) = \(roots)
                ON CONFLICT (code) DO UPDATE
                    SET name = excluded.name, parent_id = excluded.parent_id, sort_order = excluded.sort_order
                    WHERE (t.name, t.parent_id, t.sort_order)
                        IS DISTINCT FROM (excluded.name, excluded.parent_id, excluded.sort_order)
                RETURNING (xmax = 0) AS inserted
                """)
        }
    }

    // MARK: Shops and people

    mutating func loadShops() throws {
        for shop in data.shops {
            let address = shop.address
            let hours = try JSONB(encoding: shop.openingHours)
            let existing = try session.query("SELECT id, address_id FROM pizzeria WHERE code = \(shop.code)").first
            if let existing {
                let addressID = try existing.decode("address_id", as: Int64.self)
                let id = try existing.decode("id", as: Int64.self)
                count(
                    "address",
                    updated: try session.execute(
                        """
                        UPDATE address SET line1 = \(address.line1), line2 = \(address.line2)::text,
                            postcode = \(address.postcode), city = \(address.city),
                            latitude = \(address.latitude)::numeric, longitude = \(address.longitude)::numeric
                        WHERE id = \(addressID) AND (line1, line2, postcode, city, latitude, longitude)
                            IS DISTINCT FROM (\(address.line1)::text, \(address.line2)::text, \(address.postcode)::text,
                                \(address.city)::text, \(address.latitude)::numeric, \(address.longitude)::numeric)
                        """))
                count(
                    "pizzeria",
                    updated: try session.execute(
                        """
                        UPDATE pizzeria SET name = \(shop.name), phone = \(shop.phone)::text, email = \(shop.email)::text,
                            gln = \(shop.gln)::text, timezone = \(shop.timezone), day_cutoff = \(shop.dayCutoff)::time,
                            opening_hours = \(hours), opened_on = \(shop.openedOn)::date
                        WHERE id = \(id) AND (name, phone, email, gln, timezone, day_cutoff, opening_hours, opened_on)
                            IS DISTINCT FROM (\(shop.name)::text, \(shop.phone)::text, \(shop.email)::text,
                                \(shop.gln)::text, \(shop.timezone)::text, \(shop.dayCutoff)::time, \(hours),
                                \(shop.openedOn)::date)
                        """))
            } else {
                let addressID = try session.queryValue(
                    """
                    INSERT INTO address (line1, line2, postcode, city, latitude, longitude)
                    VALUES (\(address.line1), \(address.line2)::text, \(address.postcode), \(address.city),
                        \(address.latitude)::numeric, \(address.longitude)::numeric)
                    RETURNING id
                    """, as: Int64.self)
                count("address", inserted: 1)
                count(
                    "pizzeria",
                    inserted: try session.execute(
                        """
                        INSERT INTO pizzeria (code, name, address_id, phone, email, gln, timezone, day_cutoff,
                            opening_hours, opened_on)
                        VALUES (\(shop.code), \(shop.name), \(addressID), \(shop.phone)::text, \(shop.email)::text,
                            \(shop.gln)::text, \(shop.timezone), \(shop.dayCutoff)::time, \(hours),
                            \(shop.openedOn)::date)
                        """))
            }
        }
        try loadEmployees()
        try upsert(
            "customer",
            """
            INSERT INTO customer (full_name, anonymous_for_pizzeria_id)
            SELECT 'Client au comptoir (' || p.name || ')', p.id FROM pizzeria p WHERE p.code = ANY(\(data.shops.map(\.code)))
            ON CONFLICT (anonymous_for_pizzeria_id) DO NOTHING
            RETURNING true AS inserted
            """)
    }

    private mutating func loadEmployees() throws {
        struct Row: Encodable {
            var shop: String?
            var role, fullName, email, hiredOn: String
            var phone: String?
        }
        var rows: [Row] = []
        for shop in data.shops {
            rows += shop.staff.map {
                Row(
                    shop: shop.code, role: $0.role, fullName: $0.fullName, email: $0.email, hiredOn: $0.hiredOn,
                    phone: $0.phone)
            }
        }
        rows += data.headOffice.map {
            Row(shop: nil, role: $0.role, fullName: $0.fullName, email: $0.email, hiredOn: $0.hiredOn, phone: $0.phone)
        }
        try upsert(
            "employee",
            """
            INSERT INTO employee AS t (pizzeria_id, role, full_name, phone, email, hired_on)
            SELECT p.id, x.role, x.full_name, x.phone, x.email, x.hired_on
            FROM jsonb_to_recordset(\(try json(rows)))
                AS x (shop text, role text, full_name text, phone text, email text, hired_on date)
            LEFT JOIN pizzeria p ON p.code = x.shop
            ON CONFLICT ((lower(email))) WHERE email IS NOT NULL DO UPDATE
                SET pizzeria_id = excluded.pizzeria_id, role = excluded.role, full_name = excluded.full_name,
                    phone = excluded.phone, hired_on = excluded.hired_on
                WHERE (t.pizzeria_id, t.role, t.full_name, t.phone, t.hired_on)
                    IS DISTINCT FROM (excluded.pizzeria_id, excluded.role, excluded.full_name, excluded.phone,
                        excluded.hired_on)
            RETURNING (xmax = 0) AS inserted
            """)
    }

    // MARK: Helpers

    /// The rows as a JSON array with snake_case keys, for `jsonb_to_recordset`.
    func json(_ rows: some Encodable) throws -> JSONB {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return JSONB(text: String(decoding: try encoder.encode(rows), as: UTF8.self))
    }

    /// Runs an upsert whose rows return `inserted` (true for an insert, false for an update).
    mutating func upsert(_ table: String, _ sql: SQL) throws {
        var inserted = 0
        var updated = 0
        for row in try session.query(sql) {
            if try row.decode("inserted", as: Bool.self) { inserted += 1 } else { updated += 1 }
        }
        count(table, inserted: inserted, updated: updated)
    }

    mutating func count(_ table: String, inserted: Int = 0, updated: Int = 0, deleted: Int = 0) {
        if let index = counts.firstIndex(where: { $0.table == table }) {
            counts[index].inserted += inserted
            counts[index].updated += updated
            counts[index].deleted += deleted
        } else {
            counts.append((table, inserted, updated, deleted))
        }
    }

    /// The counts, with the number of rows now in each table.
    func report(demo: Bool) throws -> SeedReport {
        var tables: [SeedReport.Table] = []
        for entry in counts {
            let rows = try session.queryValue("SELECT count(*) FROM \(identifier: entry.table)", as: Int.self) ?? 0
            tables.append(
                SeedReport.Table(
                    table: entry.table, rows: rows, inserted: entry.inserted, updated: entry.updated,
                    deleted: entry.deleted))
        }
        return SeedReport(demo: demo, tables: tables)
    }
}
