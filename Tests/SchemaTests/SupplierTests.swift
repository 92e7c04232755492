import Foundation
import Postgres
import Testing

/// Suppliers, their items and imported documents (0005).
@Suite struct SupplierTests {
    static let suppliers = """
        INSERT INTO supplier (name, siren, vat_id) VALUES ('Laiterie Paris Est', '552100554', 'FR40552100554');
        INSERT INTO supplier (name, vat_id) VALUES ('Caseificio Campano', 'IT01234567890');
        """

    @Test func suppliersAreIdentifiedOnce() async throws {
        try await withMigratedDatabase { session, _ in
            try session.executeScript(Self.suppliers)
            expectRefused(
                .checkViolation, constraint: "supplier_identified", session,
                "INSERT INTO supplier (name) VALUES ('Anonymous wholesaler')")
            expectRefused(
                .uniqueViolation, constraint: "supplier_siren_key", session,
                "INSERT INTO supplier (name, siren) VALUES ('Same company', '552100554')")
            expectRefused(
                .checkViolation, constraint: "supplier_siren_format", session,
                "INSERT INTO supplier (name, siren) VALUES ('Typo', '55210055')")
        }
    }

    @Test func supplierItemsMapByIdOrGTINWithAPositivePackSize() async throws {
        try await withMigratedDatabase { session, base in
            try session.executeScript(Self.suppliers)
            let supplier = try #require(try session.queryValue("SELECT min(id) FROM supplier", as: Int.self))
            expectRefused(
                .checkViolation, constraint: "supplier_item_identified", session,
                """
                INSERT INTO supplier_item (supplier_id, ingredient_id, pack_size, purchase_unit_code)
                VALUES (\(supplier), \(base.mozzarella), 1000, 'KGM')
                """)
            expectRefused(
                .checkViolation, constraint: "supplier_item_pack_size_positive", session,
                """
                INSERT INTO supplier_item (supplier_id, gtin, ingredient_id, pack_size, purchase_unit_code)
                VALUES (\(supplier), '03011360012345', \(base.mozzarella), 0, 'KGM')
                """)
            try session.execute(
                """
                INSERT INTO supplier_item (supplier_id, seller_item_id, gtin, ingredient_id, pack_size, purchase_unit_code)
                VALUES (\(supplier), 'MOZ-FDL-1K', '03011360012345', \(base.mozzarella), 1000, 'KGM')
                """)
            expectRefused(
                .uniqueViolation, constraint: "supplier_item_gtin_key", session,
                """
                INSERT INTO supplier_item (supplier_id, gtin, ingredient_id, pack_size, purchase_unit_code)
                VALUES (\(supplier), '03011360012345', \(base.mozzarella), 2500, 'XBX')
                """)
            // A new pack size: deactivate the old item, then the same ids map to the new one.
            try session.execute("UPDATE supplier_item SET active = false WHERE seller_item_id = 'MOZ-FDL-1K'")
            try session.execute(
                """
                INSERT INTO supplier_item (supplier_id, seller_item_id, gtin, ingredient_id, pack_size, purchase_unit_code)
                VALUES (\(supplier), 'MOZ-FDL-1K', '03011360012345', \(base.mozzarella), 2500, 'XBX')
                """)
        }
    }

    @Test func aDocumentIsImportedOnceByFileAndByNumber() async throws {
        try await withMigratedDatabase { session, base in
            try session.executeScript(Self.suppliers)
            let supplier = try #require(try session.queryValue("SELECT min(id) FROM supplier", as: Int.self))
            func insert(_ number: String, _ sha: String, status: String = "received", ttc: Int = 12_000) -> SQL {
                """
                INSERT INTO supplier_document (supplier_id, pizzeria_id, kind, number, issue_date, format, file_name,
                    file_sha256, status, total_ht_cents, total_vat_cents, total_ttc_cents)
                VALUES (\(supplier), \(base.shop), 'invoice', \(number), '2026-05-11', 'ubl', 'f.xml', \(sha),
                    \(status), 11374, 626, \(ttc))
                """
            }
            try session.execute(insert("FA-2026-0042", fakeSHA256("a")))
            expectRefused(
                .uniqueViolation, constraint: "supplier_document_file_sha256_key", session,
                insert("FA-2026-0043", fakeSHA256("a")))
            expectRefused(
                .uniqueViolation, constraint: "supplier_document_number_key", session,
                insert("fa-2026-0042", fakeSHA256("b")))
            expectRefused(
                .checkViolation, constraint: "supplier_document_totals_add_up", session,
                insert("FA-2026-0044", fakeSHA256("c"), ttc: 12_001))
            expectRefused(
                .checkViolation, constraint: "supplier_document_status_known", session,
                insert("FA-2026-0045", fakeSHA256("d"), status: "done"))
            // A second file with the same number is kept for the audit trail, as a duplicate.
            try session.execute(insert("FA-2026-0042", fakeSHA256("e"), status: "duplicate"))
            let document = try #require(
                try session.queryValue("SELECT min(id) FROM supplier_document", as: Int.self))
            try session.execute(
                """
                INSERT INTO supplier_document_line (document_id, line_no, seller_item_id, quantity, unit_code,
                    unit_price, net_cents, vat_rate, hold_reason)
                VALUES (\(document), 1, 'UNKNOWN-1', 2, 'KGM', 8.4250, 1685, 0.055, 'unknown_item')
                """)
            expectRefused(
                .uniqueViolation, constraint: "supplier_document_line_document_id_line_no_key", session,
                """
                INSERT INTO supplier_document_line (document_id, line_no, quantity, unit_code, unit_price, net_cents)
                VALUES (\(document), 1, 1, 'KGM', 1, 100)
                """)
        }
    }
}
