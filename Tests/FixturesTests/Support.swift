import DemoChain
import Domain
import Foundation
import Migrations
import Postgres
import TestSupport
import Testing

/// A fresh database with every migration applied, for the duration of `body`.
func withMigratedDatabase<T>(_ body: (_ conninfo: String) async throws -> T) async throws -> T {
    try await TestDatabase.withDatabase { conninfo, _ in
        _ = try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
        return try await body(conninfo)
    }
}

/// A fresh migrated database with the demo chain seeded.
func withDemoChain<T>(_ body: (_ conninfo: String) async throws -> T) async throws -> T {
    try await withMigratedDatabase { conninfo in
        _ = try await DemoChain.seed(conninfo: conninfo, demo: true, logger: TestDatabase.logger)
        return try await body(conninfo)
    }
}

/// Runs `body` on one session of the database at `conninfo`.
func withSession<T: Sendable>(
    _ conninfo: String, _ body: @escaping @Sendable (PostgresSession) throws -> T
) async throws -> T {
    let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
    do {
        let value = try await connection.withSession(body)
        await connection.close()
        return value
    } catch {
        await connection.close()
        throw error
    }
}

/// Generates history with the test logger.
@discardableResult
func generate(
    _ conninfo: String, shops: Int, days: Int, seed: UInt64 = 42, end: String = "2026-11-21"
) async throws -> GenerationReport {
    let options = HistoryGenerator.Options(shops: shops, days: days, seed: seed, endDate: try LocalDate(iso: end))
    return try await HistoryGenerator(conninfo: conninfo, logger: TestDatabase.logger).generate(options)
}

extension PostgresSession {
    /// The first column of the first row as an integer (0 when there is no row).
    func int(_ sql: SQL) throws -> Int {
        try queryValue(sql, as: Int?.self).flatMap { $0 } ?? 0
    }

    /// The first column of the first row as text.
    func text(_ sql: SQL) throws -> String {
        try queryValue(sql, as: String?.self).flatMap { $0 } ?? ""
    }
}

/// The tables a demo seed writes, in the seed report's order.
let seededTables = [
    "product_category", "address", "pizzeria", "employee", "customer", "ingredient", "product", "product_price",
    "pizzeria_menu", "recipe", "recipe_line", "modifier", "modifier_ingredient", "supplier", "supplier_item",
    "ingredient_stock_policy",
]

/// An md5 of every row of `tables` (whole rows as text, in a stable order).
func contentChecksum(_ session: PostgresSession, tables: [String]) throws -> [String: String] {
    var sums: [String: String] = [:]
    for table in tables {
        sums[table] = try session.text(
            "SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \(identifier: table) t")
    }
    return sums
}
