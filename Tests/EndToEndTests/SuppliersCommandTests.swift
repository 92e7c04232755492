import Foundation
import Postgres
import Testing

/// `ocpizza suppliers add`: what a document held as `unknown_supplier` waits for.
@Suite("suppliers add: a held document's seller becomes a supplier, and the re-run takes it up")
struct SuppliersCommandTests {
    static let corpusInvoice = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/corpus/einvoice/cii/fnfe_Facture_FR_EN16931.factur-x.xml")
        .standardized.path

    @Test func addFromAHeldDocument() async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let environment = ["DATABASE_URL": conninfo]
            let migrate = try await scratch.run("db", "migrate", environment: environment)
            try #require(migrate.status == 0, "\(migrate)")
            let inbox = scratch.path + "/var/inbox/supplier"
            try FileManager.default.createDirectory(atPath: inbox, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Self.corpusInvoice, toPath: inbox + "/invoice.xml")

            let first = try await scratch.run("import-supplier", environment: environment)
            #expect(first.status == 0, "\(first)")
            #expect(first.stdout.contains("suppliers add --from-document"), "\(first)")
            let id = try #require(
                try await E2E.query("SELECT id::text FROM supplier_document", conninfo: conninfo).first ?? nil)
            #expect(
                try await E2E.query("SELECT hold_reason FROM supplier_document", conninfo: conninfo)
                    == ["unknown_supplier"])

            let added = try await scratch.run(
                "suppliers", "add", "--from-document", id, "--json", environment: environment)
            #expect(added.status == 0, "\(added)")
            let supplier = added.json?["supplier"] as? [String: Any]
            #expect(supplier?["name"] as? String == "Au bon moulin", "\(added)")
            #expect(
                try await E2E.query("SELECT vat_id || ' ' || siren FROM supplier", conninfo: conninfo)
                    == ["FR11999999998 999999998"])

            // The same seller again is refused with a reason, and nothing changes.
            let again = try await scratch.run("suppliers", "add", "--from-document", id, environment: environment)
            #expect(again.status == 65, "\(again)")
            #expect(again.stderr.contains("exists already"), "\(again)")
            // A supplier with neither SIREN nor VAT id cannot be added.
            let anonymous = try await scratch.run("suppliers", "add", "--name", "Sans Nom", environment: environment)
            #expect(anonymous.status == 65, "\(anonymous)")
            #expect(anonymous.stderr.contains("SIREN or a VAT id"), "\(anonymous)")
            #expect(try await E2E.query("SELECT count(*)::text FROM supplier", conninfo: conninfo) == ["1"])

            // The re-run resolves the seller; the document now waits only for its items.
            let second = try await scratch.run("import-supplier", environment: environment)
            #expect(second.status == 0, "\(second)")
            #expect(
                try await E2E.query(
                    "SELECT hold_reason || ' ' || (supplier_id IS NOT NULL)::text FROM supplier_document",
                    conninfo: conninfo) == ["held_lines true"])
            #expect(
                try await E2E.query(
                    "SELECT DISTINCT hold_reason FROM supplier_document_line", conninfo: conninfo) == ["unmapped_item"])
        }
    }
}
