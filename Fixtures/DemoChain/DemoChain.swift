import Foundation
import Logging
import Postgres

/// Loads the reference data and the demo chain (`ocpizza db seed [--demo]`).
///
/// **Reference data** (always): the menu sections (`product_category`). VAT rates and unit codes
/// are the Domain module's, and the order state machines come with the migrations, so nothing
/// else is needed before a chain enters its own shops and menu.
///
/// **The demo chain** (`demo: true`): 6 shops (one opening on 2026-12-15) with their addresses,
/// opening hours, staff and anonymous counter customers, the head office, 66 ingredients,
/// 35 products with their prices, menus and versioned recipes, modifiers, 7 suppliers and their
/// items, and a par level and safety stock per shop and ingredient.
///
/// Idempotent: every row is upserted on its natural key (codes, SKUs, e-mail addresses, SIREN,
/// seller item ids, product and version...) and written only when it differs, so a second run
/// changes nothing. Operational values that people change after loading are set on insert only
/// and never overwritten: a menu item's availability, a supplier item's last price (import-supplier
/// keeps it current) and par levels. Everything runs in one transaction.
public enum DemoChain {
    /// Seeds the database at `conninfo`.
    public static func seed(conninfo: String, demo: Bool, logger: Logger) async throws -> SeedReport {
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
        do {
            let report = try await connection.withSession { session in try seed(session: session, demo: demo) }
            await connection.close()
            return report
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Seeds through an open session, in a transaction of its own.
    public static func seed(session: PostgresSession, demo: Bool) throws -> SeedReport {
        let data = DemoData.embedded
        let problems = data.problems()
        guard problems.isEmpty else { throw DemoChainError.invalidData(problems) }
        return try session.transaction { session in
            // Two seeds at once would both insert the same natural keys: the second waits.
            try session.execute("SELECT pg_advisory_xact_lock(hashtext('ocpizza:db-seed'))")
            var seeder = Seeder(session: session, data: data)
            try seeder.loadReference()
            if demo {
                try seeder.loadShops()
                try seeder.loadCatalogue()
                try seeder.loadSuppliers()
                try seeder.loadStockPolicies()
                // The chain's bank account: settle-payments only reads statements of known accounts.
                try session.execute(
                    """
                    INSERT INTO bank_account (iban, label) VALUES ('FR7699999000010008532017489', 'OC Pizza — compte courant')
                    ON CONFLICT (iban) DO NOTHING
                    """)
            }
            return try seeder.report(demo: demo)
        }
    }
}

/// What a seed did, per table: rows now in the table, and rows inserted, updated or deleted.
public struct SeedReport: Sendable, Codable {
    public struct Table: Sendable, Codable {
        public var table: String
        public var rows: Int
        public var inserted: Int
        public var updated: Int
        public var deleted: Int
    }

    public var demo: Bool
    public var tables: [Table]
    /// Rows inserted, updated or deleted in all tables: 0 when the database was already seeded.
    public var changes: Int

    public init(demo: Bool, tables: [Table]) {
        self.demo = demo
        self.tables = tables
        self.changes = tables.reduce(0) { $0 + $1.inserted + $1.updated + $1.deleted }
    }

    /// A one-screen summary.
    public var text: String {
        var lines = [
            demo ? "Seeded the reference data and the demo chain." : "Seeded the reference data (menu sections).",
            changes == 0 ? "Nothing changed: the database already had it all." : "\(changes) row(s) written.",
            "",
            "  table                       rows  inserted  updated  deleted",
        ]
        for table in tables {
            lines.append(
                "  " + table.table.padding(toLength: 24, withPad: " ", startingAt: 0)
                    + [table.rows, table.inserted, table.updated, table.deleted].enumerated().map { index, value in
                        let text = String(value)
                        let width = index == 0 ? 7 : (index == 1 ? 10 : 9)
                        return String(repeating: " ", count: max(0, width - text.count)) + text
                    }.joined())
        }
        return lines.joined(separator: "\n")
    }
}

/// Why the demo chain could not be loaded or used.
public enum DemoChainError: Error, CustomStringConvertible, Sendable {
    /// The embedded data fails its own checks (a build problem, never a user's).
    case invalidData([String])
    /// `demo generate` needs the demo chain: run `ocpizza db seed --demo` first.
    case notSeeded(String)
    /// Another `demo generate` is running on this database.
    case busy
    /// Arguments out of range.
    case invalidArguments(String)

    public var description: String {
        switch self {
        case .invalidData(let problems):
            "the embedded demo data is invalid: " + problems.prefix(5).joined(separator: "; ")
        case .notSeeded(let what):
            "the demo chain is not loaded (\(what)): run `ocpizza db seed --demo` first"
        case .busy:
            "another `ocpizza demo generate` is running on this database"
        case .invalidArguments(let message):
            message
        }
    }
}
