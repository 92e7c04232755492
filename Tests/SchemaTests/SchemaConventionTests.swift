import Foundation
import Postgres
import Testing

/// Conventions checked on the whole schema through the system catalogs, so that later
/// migrations keep them too.
@Suite struct SchemaConventionTests {
    static func names(_ session: PostgresSession, _ sql: SQL) throws -> [String] {
        try session.query(sql).map { try $0.decode(0, as: String.self) }
    }

    @Test func everyTableSaysWhatARowIs() async throws {
        try await withMigratedDatabase { session, _ in
            let undocumented = try Self.names(
                session,
                """
                SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v') AND c.relname <> 'schema_migration'
                  AND obj_description(c.oid, 'pg_class') IS NULL
                ORDER BY 1
                """)
            #expect(undocumented == [])
        }
    }

    @Test func everyForeignKeyHasAnIndex() async throws {
        try await withMigratedDatabase { session, _ in
            // The one exception: events reference the tiny, never-deleted transition table.
            let unindexed = try Self.names(
                session,
                """
                SELECT con.conname::text FROM pg_constraint con
                JOIN pg_namespace n ON n.oid = con.connamespace
                WHERE n.nspname = 'public' AND con.contype = 'f' AND con.conname <> 'order_event_transition_allowed'
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid
                        AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] @> con.conkey
                        AND (i.indkey::int2[])[0:cardinality(con.conkey) - 1] <@ con.conkey)
                ORDER BY 1
                """)
            #expect(unindexed == [])
        }
    }

    @Test func factTablesCarryTheShopAndSaleFactsTheBusinessDate() async throws {
        try await withMigratedDatabase { session, _ in
            let facts = [
                "customer_order", "order_line", "order_event", "payment", "refund", "stock_movement", "stock_count",
                "stock_count_line", "waste_log", "shift_remittance",
            ]
            let withShop = try Self.names(
                session,
                """
                SELECT table_name::text FROM information_schema.columns
                WHERE table_schema = 'public' AND column_name = 'pizzeria_id' AND is_nullable = 'NO'
                  AND table_name = ANY(\(facts))
                ORDER BY 1
                """)
            #expect(withShop == facts.sorted())
            let saleSide = ["customer_order", "order_event", "payment", "refund", "stock_movement", "waste_log"]
            let withDate = try Self.names(
                session,
                """
                SELECT table_name::text FROM information_schema.columns
                WHERE table_schema = 'public' AND column_name = 'business_date' AND is_nullable = 'NO'
                  AND data_type = 'date' AND table_name = ANY(\(saleSide))
                ORDER BY 1
                """)
            #expect(withDate == saleSide.sorted())
        }
    }

    @Test func moneyIsBigintCentsAndInstantsAreTimestamptz() async throws {
        try await withMigratedDatabase { session, _ in
            let badMoney = try Self.names(
                session,
                """
                SELECT table_name || '.' || column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND column_name LIKE '%\\_cents' AND data_type <> 'bigint'
                """)
            #expect(badMoney == [])
            let badInstants = try Self.names(
                session,
                """
                SELECT c.table_name || '.' || c.column_name FROM information_schema.columns c
                JOIN information_schema.tables t USING (table_schema, table_name)
                WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
                  AND c.column_name LIKE '%\\_at' AND c.data_type <> 'timestamp with time zone'
                """)
            #expect(badInstants == [])
            let floats = try Self.names(
                session,
                """
                SELECT table_name || '.' || column_name FROM information_schema.columns
                WHERE table_schema = 'public' AND data_type IN ('real', 'double precision', 'money')
                """)
            #expect(floats == [])
        }
    }

    @Test func ledgersHaveTheAppendOnlyTrigger() async throws {
        try await withMigratedDatabase { session, _ in
            let ledgers = try Self.names(
                session,
                """
                SELECT DISTINCT c.relname::text FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE p.proname = 'ocpizza_append_only' AND NOT t.tgisinternal
                ORDER BY 1
                """)
            #expect(
                ledgers == [
                    "bank_statement_entry", "bank_statement_transaction", "order_event", "order_line",
                    "order_line_modifier", "payment", "processor_transaction", "purchase_price", "refund",
                    "stock_movement",
                ])
        }
    }
}
