import DemoChain
import Postgres
import TestSupport
import Testing

/// `demo generate`: the same arguments give the same rows, and days already there are skipped.
@Suite struct GeneratorTests {
    /// Everything that identifies the generated orders and their lines, ids included.
    static let ordersChecksum: SQL = """
        SELECT md5(string_agg(row, '|' ORDER BY row)) FROM (
            SELECT concat_ws(',', o.id, p.code, o.order_number, o.customer_id, o.channel, o.fulfilment_mode,
                o.delivery_address::text, o.fulfilment_status, o.payment_status, o.payment_method, o.placed_at,
                o.promised_at, o.business_date, o.idempotency_key, o.request_hash, o.total_ttc_cents, o.total_ht_cents,
                o.total_vat_cents, o.taken_by, o.note, o.updated_at) AS row
            FROM customer_order o JOIN pizzeria p ON p.id = o.pizzeria_id
            UNION ALL
            SELECT concat_ws(',', l.id, l.order_id, l.line_no, l.product_id, l.recipe_id, l.quantity,
                l.unit_price_ttc_cents, l.modifiers_ttc_cents, l.vat_rate, l.line_total_ttc_cents)
            FROM order_line l) rows
        """

    /// The rest of what a run writes, as one checksum per table.
    static let otherTables = [
        "order_line_modifier", "order_event", "payment", "stock_movement", "supplier_document",
        "supplier_document_line", "stock_count", "stock_count_line", "waste_log",
    ]

    static func fingerprint(_ conninfo: String) async throws -> (orders: String, tables: [String: String]) {
        try await withSession(conninfo) { session throws in
            // Server-side timestamps (posted_at, recorded_at, created_at) are set by the generator too.
            (try session.text(ordersChecksum), try contentChecksum(session, tables: otherTables))
        }
    }

    @Test func theSameArgumentsGiveIdenticalRows() async throws {
        let first = try await withDemoChain { conninfo in
            try await generate(conninfo, shops: 2, days: 6, seed: 2026)
            return try await Self.fingerprint(conninfo)
        }
        let second = try await withDemoChain { conninfo in
            try await generate(conninfo, shops: 2, days: 6, seed: 2026)
            return try await Self.fingerprint(conninfo)
        }
        #expect(!first.orders.isEmpty)
        #expect(first.orders == second.orders)
        #expect(first.tables == second.tables)
        let other = try await withDemoChain { conninfo in
            try await generate(conninfo, shops: 2, days: 6, seed: 2027)
            return try await Self.fingerprint(conninfo)
        }
        #expect(other.orders != first.orders, "another seed, other orders")
    }

    @Test func daysAlreadyGeneratedAreSkipped() async throws {
        try await withDemoChain { conninfo in
            let first = try await generate(conninfo, shops: 2, days: 4)
            #expect(first.shopDaysGenerated == 8)
            #expect(first.totalRows > 10_000)
            let before = try await Self.fingerprint(conninfo)
            let again = try await generate(conninfo, shops: 2, days: 4)
            #expect(again.shopDaysGenerated == 0)
            #expect(again.shopDaysSkipped == 8)
            #expect(again.totalRows == 0)
            #expect(again.customersCreated == 0)
            #expect(try await Self.fingerprint(conninfo) == before)
            // A longer range fills in the earlier days only, with the content a one-go run gives them.
            let longer = try await generate(conninfo, shops: 2, days: 6)
            #expect(longer.shopDaysGenerated == 4)
            #expect(longer.shopDaysSkipped == 8)
            try await withSession(conninfo) { session throws in
                #expect(
                    try session.int("SELECT count(DISTINCT (pizzeria_id, business_date)) FROM customer_order") == 12)
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM (SELECT pizzeria_id, order_number FROM customer_order
                                              GROUP BY 1, 2 HAVING count(*) > 1) d
                        """) == 0)
                // The counters are past every number given, so the ordering endpoint carries on from there.
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM pizzeria p JOIN order_number_counter c ON c.pizzeria_id = p.id
                        WHERE c.last_number < (SELECT max(order_number) FROM customer_order o WHERE o.pizzeria_id = p.id)
                        """) == 0)
            }
        }
    }

    @Test func syntheticShopsExtendTheChain() async throws {
        try await withDemoChain { conninfo in
            let report = try await generate(conninfo, shops: 8, days: 1)
            #expect(report.shopsCreated == 2)
            // PAR20 opens in December: no history yet.
            #expect(report.shopDaysGenerated + report.shopDaysClosed == 8)
            try await withSession(conninfo) { session throws in
                #expect(try session.int("SELECT count(*) FROM pizzeria WHERE code IN ('PAR-0007', 'PAR-0008')") == 2)
                #expect(
                    try session.int(
                        """
                        SELECT count(*) FROM customer_order o JOIN pizzeria p ON p.id = o.pizzeria_id
                        WHERE p.code = 'PAR20'
                        """) == 0)
            }
            let again = try await generate(conninfo, shops: 8, days: 1)
            #expect(again.shopsCreated == 0)
            #expect(again.totalRows == 0)
        }
    }

    @Test func argumentsOutOfRangeAreRefused() async throws {
        try await withDemoChain { conninfo in
            await #expect(throws: DemoChainError.self) { try await generate(conninfo, shops: 0, days: 3) }
            await #expect(throws: DemoChainError.self) {
                try await generate(conninfo, shops: 1, days: 3, end: "2999-01-01")
            }
        }
        try await withMigratedDatabase { conninfo in
            await #expect(throws: DemoChainError.self) { try await generate(conninfo, shops: 1, days: 1) }
            return ()
        }
    }
}
