import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `ocpizza import-supplier` end to end on the demo chain: UBL 2.1 documents written by hand for
/// the demo supplier Moulins et Pâtons de Brie (MPB) and the demo shops, dropped into
/// `var/inbox/supplier/`, imported by the built binary, and checked in the database to the cent
/// and to the gram. Every figure asserted here was computed by hand (see the comments).
@Suite("Supplier import flow (UBL documents through the binary)")
struct SupplierImportFlowTests {
    typealias Support = SupplierFlowSupport
    typealias Line = SupplierFlowSupport.Line

    // MARK: - 1. Happy path, then a second receipt moves the weighted average

    @Test("an invoice of 2 lines posts receipts, purchase prices and average cost; a second price moves the average")
    func happyPathAndWeightedAverage() async throws {
        try await Support.withFlow { flow in
            // INV-1001, delivered to Oberkampf (PAR11) on 2026-06-16 (summer: Paris is UTC+2):
            //   3 XCS pâtons × 21.60 = 64.80 → 3 × 10 000 g = 30 000 g at 64.80 / 30 000 = 0.00216 €/g
            //   2 XCS biscuits × 19.25 = 38.50 → 2 × 240 = 480 pieces at 38.50 / 480 = 0.0802083333 → 0.08020833
            //   HT 103.30, VAT 5.5 % = 5.6815 → 5.68, TTC 108.98
            try flow.drop(
                "INV-1001.xml",
                Support.invoice(
                    number: "INV-1001", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                    lines: [Line(Support.paton, 3, 21_60), Line(Support.biscuits, 2, 19_25)]))
            let first = try await flow.run("import-supplier")
            #expect(first.status == 0, "\(first)")

            let document = try await flow.rows(
                """
                SELECT d.status || ' ' || d.kind || ' ' || p.code || ' ' || s.siren || ' ' || d.total_ht_cents::text
                    || ' ' || d.total_vat_cents::text || ' ' || d.total_ttc_cents::text || ' '
                    || d.stock_lines_posted::text || ' ' || d.line_count::text
                FROM supplier_document d JOIN pizzeria p ON p.id = d.pizzeria_id
                JOIN supplier s ON s.id = d.supplier_id WHERE d.number = 'INV-1001'
                """)
            #expect(document == ["posted invoice PAR11 412357683 10330 568 10898 2 2"])

            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "BISCUITS-CUILLERE receipt 480.000 0.08020833 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "PATON-250 receipt 30000.000 0.00216000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                ])
            #expect(
                try await flow.rows(
                    """
                    SELECT count(*)::text FROM stock_movement m JOIN supplier_document_line l ON l.id = m.source_id
                    JOIN supplier_document d ON d.id = l.document_id
                    WHERE m.source_type = 'supplier_document_line' AND d.number = 'INV-1001'
                    """) == ["2"])
            #expect(
                try await flow.purchasePrices() == [
                    "BISCUITS-CUILLERE PAR11 480.000 0.08020833 2026-06-16",
                    "PATON-250 PAR11 30000.000 0.00216000 2026-06-16",
                ])
            // First receipt: the average is the unit cost itself.
            #expect(
                try await flow.costs() == [
                    "BISCUITS-CUILLERE PAR11 0.08020833 0.08020833 2026-06-16",
                    "PATON-250 PAR11 0.00216000 0.00216000 2026-06-16",
                ])
            // The biscuits were at 19.20 in the demo catalogue: now 19.25. The pâtons stay at 21.60.
            #expect(
                try await flow.lastPrices(["MPB-BISC-240", "MPB-PAT250-C40"]) == [
                    "MPB-BISC-240 19.2500", "MPB-PAT250-C40 21.6000",
                ])
            #expect(!FileManager.default.fileExists(atPath: flow.inbox + "/INV-1001.xml"))
            #expect(
                flow.archivePath("INV-1001.xml").map(flow.isThisMonthsArchive) == true,
                "\(flow.archivePath("INV-1001.xml") ?? "not archived")")

            // INV-1002 on 2026-06-18: 2 XCS pâtons × 23.10 = 46.20 → 20 000 g at 0.00231 €/g (+6.9 %: no hold).
            let onHandText = try #require(
                try await flow.rows(
                    """
                    SELECT coalesce(sum(m.quantity), 0)::text FROM stock_movement m
                    JOIN ingredient i ON i.id = m.ingredient_id JOIN pizzeria p ON p.id = m.pizzeria_id
                    WHERE p.code = 'PAR11' AND i.sku = 'PATON-250'
                    """
                ).first ?? nil)
            let onHand = try #require(Decimal(string: onHandText))
            #expect(onHand == 30_000)
            try flow.drop(
                "INV-1002.xml",
                Support.invoice(
                    number: "INV-1002", issueDate: "2026-06-18", deliveryDate: "2026-06-18",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11", lines: [Line(Support.paton, 2, 23_10)]))
            let second = try await flow.run("import-supplier")
            #expect(second.status == 0, "\(second)")
            // (on hand × old + received × new) / (on hand + received)
            //   = (30 000 × 0.00216 + 20 000 × 0.00231) / 50 000 = (64.80 + 46.20) / 50 000 = 0.00222
            let expected = Support.rounded(
                (onHand * Decimal(string: "0.00216")! + 20_000 * Decimal(string: "0.00231")!) / (onHand + 20_000), 8)
            let average = try await flow.rows(
                """
                SELECT c.average_unit_cost::text FROM ingredient_cost c JOIN ingredient i ON i.id = c.ingredient_id
                JOIN pizzeria p ON p.id = c.pizzeria_id WHERE p.code = 'PAR11' AND i.sku = 'PATON-250'
                """)
            #expect(average == ["0.00222000"])
            #expect(average.first.flatMap { $0 }.flatMap { Decimal(string: $0) } == expected)
            #expect(
                try await flow.costs() == [
                    "BISCUITS-CUILLERE PAR11 0.08020833 0.08020833 2026-06-16",
                    "PATON-250 PAR11 0.00222000 0.00231000 2026-06-18",
                ])
            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "BISCUITS-CUILLERE receipt 480.000 0.08020833 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "PATON-250 receipt 20000.000 0.00231000 2026-06-18 2026-06-18T08:00Z 2026-06-18T10:00",
                    "PATON-250 receipt 30000.000 0.00216000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                ])
            #expect(try await flow.purchasePrices().count == 3)
            #expect(try await flow.lastPrices(["MPB-PAT250-C40"]) == ["MPB-PAT250-C40 23.1000"])
            #expect(flow.archivePath("INV-1002.xml").map(flow.isThisMonthsArchive) == true)
        }
    }

    // MARK: - 2. Credit note

    @Test("a UBL credit note posts a return with a negative quantity and leaves the average cost alone")
    func creditNotePostsAReturn() async throws {
        try await Support.withFlow { flow in
            try flow.drop(
                "INV-1001.xml",
                Support.invoice(
                    number: "INV-1001", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                    lines: [Line(Support.paton, 3, 21_60), Line(Support.biscuits, 2, 19_25)]))
            let invoice = try await flow.run("import-supplier")
            #expect(invoice.status == 0, "\(invoice)")

            // CN-1001 credits 1 XCS of pâtons (21.60, VAT 1.188 → 1.19, TTC 22.79), goods back on 2026-06-20:
            // a return of 10 000 g at 21.60 / 10 000 = 0.00216 €/g.
            try flow.drop(
                "CN-1001.xml",
                Support.invoice(
                    .creditNote, number: "CN-1001", issueDate: "2026-06-20", deliveryDate: "2026-06-20",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11", billingReference: "INV-1001",
                    lines: [Line(Support.paton, 1, 21_60)]))
            let credit = try await flow.run("import-supplier", "--json")
            #expect(credit.status == 0, "\(credit)")
            let files = Support.files(credit)
            #expect(files.count == 1, "\(credit)")
            #expect(files.first?["outcome"] as? String == "imported", "\(credit)")
            #expect(files.first?["kind"] as? String == "credit_note", "\(credit)")

            #expect(
                try await flow.rows(
                    """
                    SELECT status || ' ' || kind || ' ' || total_ht_cents::text || ' ' || total_vat_cents::text
                        || ' ' || total_ttc_cents::text || ' ' || stock_lines_posted::text
                    FROM supplier_document WHERE number = 'CN-1001'
                    """) == ["posted credit_note 2160 119 2279 1"])
            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "BISCUITS-CUILLERE receipt 480.000 0.08020833 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "PATON-250 receipt 30000.000 0.00216000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "PATON-250 return -10000.000 0.00216000 2026-06-20 2026-06-20T08:00Z 2026-06-20T10:00",
                ])
            #expect(
                try await flow.rows(
                    """
                    SELECT sum(m.quantity)::text FROM stock_movement m JOIN ingredient i ON i.id = m.ingredient_id
                    WHERE i.sku = 'PATON-250'
                    """) == ["20000.000"])
            // Returns do not move the average, nor add a purchase price.
            #expect(
                try await flow.costs() == [
                    "BISCUITS-CUILLERE PAR11 0.08020833 0.08020833 2026-06-16",
                    "PATON-250 PAR11 0.00216000 0.00216000 2026-06-16",
                ])
            #expect(try await flow.purchasePrices().count == 2)
        }
    }

    @Test("a credit note's price does not become the item's last purchase price (the price-jump reference)")
    func creditNotePriceIsNotTheLastPurchasePrice() async throws {
        try await Support.withFlow { flow in
            // The demo's last price for the pâtons is 21.60. CN-1002 credits 1 XCS at 17.28 (−20 %: no hold);
            // 17.28, VAT 0.9504 → 0.95, TTC 18.23.
            try flow.drop(
                "CN-1002.xml",
                Support.invoice(
                    .creditNote, number: "CN-1002", issueDate: "2026-06-20", deliveryDate: "2026-06-20",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11", billingReference: "INV-0999",
                    lines: [Line(Support.paton, 1, 17_28)]))
            let credit = try await flow.run("import-supplier")
            #expect(credit.status == 0, "\(credit)")
            #expect(
                try await flow.rows("SELECT status FROM supplier_document WHERE number = 'CN-1002'") == ["posted"])
            let lastPrice = try await flow.lastPrices(["MPB-PAT250-C40"])
            #expect(lastPrice == ["MPB-PAT250-C40 21.6000"], "\(lastPrice)")

            // INV-1003 at 23.76 is +10 % over the last purchase price (21.60): it must post, not be held
            // as a +37.5 % jump over the credit note's 17.28. 2 × 23.76 = 47.52, VAT 2.6136 → 2.61.
            try flow.drop(
                "INV-1003.xml",
                Support.invoice(
                    number: "INV-1003", issueDate: "2026-06-22", deliveryDate: "2026-06-22",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11", lines: [Line(Support.paton, 2, 23_76)]))
            let invoice = try await flow.run("import-supplier")
            #expect(invoice.status == 0, "\(invoice)")
            let status = try await flow.rows(
                """
                SELECT d.status || ' ' || coalesce(l.hold_reason, '-') FROM supplier_document d
                JOIN supplier_document_line l ON l.document_id = d.id WHERE d.number = 'INV-1003'
                """)
            #expect(status == ["posted -"], "\(status)")
        }
    }

    // MARK: - 3. Held for an unmapped item, then mapped

    @Test("an unmapped article holds the whole document; supplier-items map and a re-run release and post it")
    func heldThenMappedOnTheCommandLine() async throws {
        try await Support.withFlow { flow in
            // INV-1101 for Oberkampf on 2026-06-16:
            //   5 KGM sucre × 2.10 = 10.50 → 5 000 g at 0.0021 €/g
            //   2 XBX of an article the demo does not know (MPB-SEM-5) × 12.00 = 24.00
            //   HT 34.50, VAT 5.5 % = 1.8975 → 1.90, TTC 36.40
            try flow.drop(
                "INV-1101.xml",
                Support.invoice(
                    number: "INV-1101", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                    lines: [Line(Support.sucre, 5, 2_10), Line(Support.newSemoule, 2, 12_00)]))
            let held = try await flow.run("import-supplier", "--json")
            #expect(held.status == 0, "\(held)")
            let heldFiles = Support.files(held)
            #expect(heldFiles.first?["outcome"] as? String == "held", "\(held)")
            #expect(heldFiles.first?["linesPosted"] as? Int == 0, "\(held)")
            #expect(heldFiles.first?["linesHeld"] as? Int == 1, "\(held)")

            let id = try await flow.documentID("INV-1101")
            #expect(
                try await flow.rows(
                    "SELECT status || ' ' || hold_reason FROM supplier_document WHERE id = \(id)::bigint")
                    == ["held held_lines"])
            #expect(try await flow.lineHolds(id) == ["1 MPB-SUC-1 -", "2 MPB-SEM-5 unmapped_item"])
            #expect(try await flow.count("stock_movement") == 0)
            #expect(try await flow.count("purchase_price") == 0)
            #expect(flow.archivePath("INV-1101.xml") != nil, "a held document's file is archived (it is committed)")

            let map = try await flow.run(
                "supplier-items", "map", "--supplier", "412357683", "--seller-item-id", "MPB-SEM-5",
                "--ingredient", "SEMOULE", "--pack-size", "5000", "--unit", "XBX")
            #expect(map.status == 0, "\(map)")

            // Nothing in the inbox: the held document is taken up again at the start of the run.
            let rerun = try await flow.run("import-supplier", "--json")
            #expect(rerun.status == 0, "\(rerun)")
            let released = Support.files(rerun)
            #expect(released.count == 1, "\(rerun)")
            #expect(released.first?["outcome"] as? String == "released", "\(rerun)")
            #expect(released.first?["status"] as? String == "posted", "\(rerun)")
            #expect(released.first?["number"] as? String == "INV-1101", "\(rerun)")
            #expect(released.first?["linesPosted"] as? Int == 2, "\(rerun)")

            #expect(
                try await flow.rows(
                    """
                    SELECT status || ' ' || coalesce(hold_reason, '-') FROM supplier_document WHERE id = \(id)::bigint
                    """) == ["posted -"])
            // 2 XBX × 5 000 g = 10 000 g at 24.00 / 10 000 = 0.0024 €/g.
            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "SEMOULE receipt 10000.000 0.00240000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "SUCRE receipt 5000.000 0.00210000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                ])
            #expect(try await flow.lineHolds(id) == ["1 MPB-SUC-1 -", "2 MPB-SEM-5 -"])
            #expect(
                try await flow.costs() == [
                    "SEMOULE PAR11 0.00240000 0.00240000 2026-06-16",
                    "SUCRE PAR11 0.00210000 0.00210000 2026-06-16",
                ])
        }
    }

    @Test("supplier-items map --csv maps an article and a deposit; the deposit line moves no stock")
    func heldThenMappedByCSV() async throws {
        try await Support.withFlow { flow in
            // INV-1102 for Oberkampf on 2026-06-16:
            //   5 KGM sucre × 2.10 = 10.50; 2 XBX MPB-SEM-5 × 12.00 = 24.00 (5.5 %: 34.50 → 1.8975 → 1.90)
            //   1 C62 pallet deposit × 15.00 = 15.00 (20 %: 3.00)
            //   HT 49.50, VAT 4.90, TTC 54.40
            try flow.drop(
                "INV-1102.xml",
                Support.invoice(
                    number: "INV-1102", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                    lines: [
                        Line(Support.sucre, 5, 2_10), Line(Support.newSemoule, 2, 12_00),
                        Line(Support.palletDeposit, 1, 15_00, vatTenths: 200),
                    ]))
            let held = try await flow.run("import-supplier")
            #expect(held.status == 0, "\(held)")
            let id = try await flow.documentID("INV-1102")
            #expect(
                try await flow.rows(
                    """
                    SELECT status || ' ' || hold_reason || ' ' || total_ht_cents::text || ' ' || total_vat_cents::text
                        || ' ' || total_ttc_cents::text
                    FROM supplier_document WHERE id = \(id)::bigint
                    """) == ["held held_lines 4950 490 5440"])
            #expect(
                try await flow.lineHolds(id) == [
                    "1 MPB-SUC-1 -", "2 MPB-SEM-5 unmapped_item", "3 MPB-CONS-PAL unmapped_item",
                ])
            #expect(try await flow.count("stock_movement") == 0)

            let csv = flow.directory + "/mappings.csv"
            try Data(
                """
                supplier,seller_item_id,gtin,ingredient,pack_size,unit,stock_effect,description
                412357683,MPB-SEM-5,,SEMOULE,5000,XBX,ingredient,Semoule fine carton de 5 kg
                412357683,MPB-CONS-PAL,,,,,deposit,Consigne palette Europe

                """.utf8
            ).write(to: URL(fileURLWithPath: csv))
            let map = try await flow.run("supplier-items", "map", "--csv", csv)
            #expect(map.status == 0, "\(map)")
            #expect(
                try await flow.rows(
                    """
                    SELECT si.seller_item_id || ' ' || si.stock_effect || ' ' || coalesce(i.sku, '-') || ' '
                        || si.pack_size::text || ' ' || si.purchase_unit_code
                    FROM supplier_item si LEFT JOIN ingredient i ON i.id = si.ingredient_id
                    WHERE si.seller_item_id IN ('MPB-SEM-5', 'MPB-CONS-PAL') AND si.active ORDER BY 1
                    """) == ["MPB-CONS-PAL deposit - 1.000 C62", "MPB-SEM-5 ingredient SEMOULE 5000.000 XBX"])

            let rerun = try await flow.run("import-supplier", "--json")
            #expect(rerun.status == 0, "\(rerun)")
            let released = Support.files(rerun)
            #expect(released.first?["outcome"] as? String == "released", "\(rerun)")
            #expect(released.first?["linesPosted"] as? Int == 2, "\(rerun)")
            #expect(
                try await flow.rows(
                    "SELECT status || ' ' || stock_lines_posted::text FROM supplier_document WHERE id = \(id)::bigint")
                    == ["posted 2"])
            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "SEMOULE receipt 10000.000 0.00240000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "SUCRE receipt 5000.000 0.00210000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                ])
            // The deposit line: resolved, never in stock.
            #expect(
                try await flow.rows(
                    """
                    SELECT l.movement_kind || ' ' || coalesce(l.hold_reason, '-') || ' '
                        || (SELECT count(*) FROM stock_movement m
                            WHERE m.source_type = 'supplier_document_line' AND m.source_id = l.id)::text
                    FROM supplier_document_line l WHERE l.document_id = \(id)::bigint AND l.line_no = 3
                    """) == ["none - 0"])
            #expect(try await flow.count("purchase_price") == 2)
        }
    }

    @Test("a document whose shop is known by its deliver-to name only is posted there once its item is mapped")
    func heldDocumentKnownByDeliverToNameIsReleasedToItsShop() async throws {
        try await Support.withFlow { flow in
            // INV-1103: no deliver-to location id, no buyer reference; the deliver-to party is named
            // "OC Pizza Oberkampf". 5 KGM sucre × 2.10 = 10.50; 2 XBX MPB-SEM-5 × 12.00 = 24.00 (unmapped).
            try flow.drop(
                "INV-1103.xml",
                Support.invoice(
                    number: "INV-1103", issueDate: "2026-06-16", deliveryDate: "2026-06-16", deliverTo: nil,
                    buyerReference: nil, deliverToName: Support.oberkampf.name,
                    lines: [Line(Support.sucre, 5, 2_10), Line(Support.newSemoule, 2, 12_00)]))
            let held = try await flow.run("import-supplier")
            #expect(held.status == 0, "\(held)")
            let id = try await flow.documentID("INV-1103")
            #expect(
                try await flow.rows(
                    """
                    SELECT d.status || ' ' || d.hold_reason || ' ' || coalesce(p.code, '-')
                    FROM supplier_document d LEFT JOIN pizzeria p ON p.id = d.pizzeria_id WHERE d.id = \(id)::bigint
                    """) == ["held held_lines PAR11"])

            let map = try await flow.run(
                "supplier-items", "map", "--supplier", "412357683", "--seller-item-id", "MPB-SEM-5",
                "--ingredient", "SEMOULE", "--pack-size", "5000", "--unit", "XBX")
            #expect(map.status == 0, "\(map)")
            let rerun = try await flow.run("import-supplier", "--json")
            #expect(rerun.status == 0, "\(rerun)")
            #expect(Support.files(rerun).first?["outcome"] as? String == "released", "\(rerun)")
            let after = try await flow.rows(
                """
                SELECT d.status || ' ' || coalesce(d.hold_reason, '-') || ' ' || coalesce(p.code, '-')
                FROM supplier_document d LEFT JOIN pizzeria p ON p.id = d.pizzeria_id WHERE d.id = \(id)::bigint
                """)
            #expect(after == ["posted - PAR11"], "\(after)")
            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "SEMOULE receipt 10000.000 0.00240000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "SUCRE receipt 5000.000 0.00210000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                ])
        }
    }

    // MARK: - 4. Price jump and pack size change

    @Test("a price 50 % above the last one holds the line (price_jump); release and re-run post it")
    func priceJumpHeldThenReleased() async throws {
        try await Support.withFlow { flow in
            // The demo's last price for the pâtons is 21.60 per XCS: 32.40 is +50 % (over the 30 % threshold,
            // and 1.5 is no whole factor). 2 XCS × 32.40 = 64.80; 5 KGM sucre × 2.10 = 10.50.
            // HT 75.30, VAT 5.5 % = 4.1415 → 4.14, TTC 79.44
            try flow.drop(
                "INV-1201.xml",
                Support.invoice(
                    number: "INV-1201", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                    lines: [Line(Support.paton, 2, 32_40), Line(Support.sucre, 5, 2_10)]))
            let held = try await flow.run("import-supplier")
            #expect(held.status == 0, "\(held)")
            let id = try await flow.documentID("INV-1201")
            #expect(
                try await flow.rows(
                    "SELECT status || ' ' || hold_reason FROM supplier_document WHERE id = \(id)::bigint")
                    == ["held held_lines"])
            #expect(try await flow.lineHolds(id) == ["1 MPB-PAT250-C40 price_jump", "2 MPB-SUC-1 -"])
            #expect(try await flow.count("stock_movement") == 0)
            #expect(try await flow.lastPrices(["MPB-PAT250-C40"]) == ["MPB-PAT250-C40 21.6000"])

            let release = try await flow.run("supplier-documents", "release", "\(id)")
            #expect(release.status == 0, "\(release)")
            #expect(release.stdout.contains("1 line(s) accepted"), "\(release)")

            let rerun = try await flow.run("import-supplier", "--json")
            #expect(rerun.status == 0, "\(rerun)")
            #expect(Support.files(rerun).first?["outcome"] as? String == "released", "\(rerun)")
            #expect(
                try await flow.rows(
                    "SELECT status || ' ' || stock_lines_posted::text FROM supplier_document WHERE id = \(id)::bigint")
                    == ["posted 2"])
            // 2 × 10 000 g at 64.80 / 20 000 = 0.00324 €/g; 5 000 g of sugar at 0.0021 €/g.
            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "PATON-250 receipt 20000.000 0.00324000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "SUCRE receipt 5000.000 0.00210000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                ])
            #expect(try await flow.lastPrices(["MPB-PAT250-C40"]) == ["MPB-PAT250-C40 32.4000"])
        }
    }

    @Test("a price six times the last one (a pack of 6 invoiced as one) holds the line as pack_size_changed")
    func sixfoldPriceIsAPackSizeChange() async throws {
        try await Support.withFlow { flow in
            // The demo's semolina is 29.50 per XSA (sack of 25 kg): 177.00 = 6 × 29.50.
            // 1 XSA × 177.00 = 177.00, VAT 5.5 % = 9.735 → 9.74, TTC 186.74
            try flow.drop(
                "INV-1202.xml",
                Support.invoice(
                    number: "INV-1202", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                    lines: [Line(Support.semoule, 1, 177_00)]))
            let held = try await flow.run("import-supplier")
            #expect(held.status == 0, "\(held)")
            let id = try await flow.documentID("INV-1202")
            #expect(
                try await flow.rows(
                    """
                    SELECT status || ' ' || hold_reason || ' ' || total_vat_cents::text
                    FROM supplier_document WHERE id = \(id)::bigint
                    """) == ["held held_lines 974"])
            #expect(try await flow.lineHolds(id) == ["1 MPB-SEM-25 pack_size_changed"])
            #expect(try await flow.count("stock_movement") == 0)
            #expect(try await flow.lastPrices(["MPB-SEM-25"]) == ["MPB-SEM-25 29.5000"])
        }
    }

    // MARK: - 5. Unknown shop

    @Test("a deliver-to location and buyer reference that match no shop hold the document (unknown_shop)")
    func unknownShopIsHeld() async throws {
        try await Support.withFlow { flow in
            // 1 XCS pâtons × 21.60 = 21.60, VAT 1.188 → 1.19, TTC 22.79
            try flow.drop(
                "INV-1301.xml",
                Support.invoice(
                    number: "INV-1301", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: "3760853009998", buyerReference: "NOWHERE", lines: [Line(Support.paton, 1, 21_60)]))
            let result = try await flow.run("import-supplier", "--json")
            #expect(result.status == 0, "\(result)")
            #expect(Support.files(result).first?["outcome"] as? String == "held", "\(result)")
            #expect(
                try await flow.rows(
                    """
                    SELECT status || ' ' || hold_reason || ' ' || coalesce(pizzeria_id::text, '-') || ' '
                        || delivery_location || ' ' || buyer_reference
                    FROM supplier_document WHERE number = 'INV-1301'
                    """) == ["held unknown_shop - 3760853009998 NOWHERE"])
            #expect(try await flow.lineHolds(try await flow.documentID("INV-1301")) == ["1 MPB-PAT250-C40 -"])
            #expect(try await flow.count("stock_movement") == 0)
            #expect(try await flow.count("purchase_price") == 0)
        }
    }

    // MARK: - 6. Despatch advice, then the invoice that bills it

    @Test("a despatch advice posts the receipts; the invoice billing it is recorded and moves no stock again")
    func despatchAdviceThenInvoice() async throws {
        try await Support.withFlow { flow in
            // DA-2001 to Convention (PAR15, GLN 3760853000028), delivered 2026-06-16:
            //   4 XCS pâtons → 40 000 g; 1 XSA semolina → 25 000 g (no prices on a despatch advice).
            try flow.drop(
                "DA-2001.xml",
                Support.despatchAdvice(
                    number: "DA-2001", issueDate: "2026-06-15", deliveryDate: "2026-06-16",
                    deliverTo: Support.convention, lines: [(Support.paton, 4), (Support.semoule, 1)]))
            let despatch = try await flow.run("import-supplier")
            #expect(despatch.status == 0, "\(despatch)")
            #expect(
                try await flow.rows(
                    """
                    SELECT d.status || ' ' || d.kind || ' ' || p.code || ' ' || d.stock_lines_posted::text
                    FROM supplier_document d JOIN pizzeria p ON p.id = d.pizzeria_id WHERE d.number = 'DA-2001'
                    """) == ["posted despatch_advice PAR15 2"])
            let receipts = [
                "PATON-250 receipt 40000.000 null 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                "SEMOULE receipt 25000.000 null 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
            ]
            #expect(try await flow.movements(shop: "PAR15") == receipts)

            // INV-2001 bills DA-2001: 4 XCS × 22.00 = 88.00, 1 XSA × 30.00 = 30.00;
            // HT 118.00, VAT 5.5 % = 6.49, TTC 124.49.
            try flow.drop(
                "INV-2001.xml",
                Support.invoice(
                    number: "INV-2001", issueDate: "2026-06-17", deliveryDate: "2026-06-16",
                    deliverTo: Support.convention.gln, buyerReference: "PAR15", despatchReference: "DA-2001",
                    lines: [Line(Support.paton, 4, 22_00), Line(Support.semoule, 1, 30_00)]))
            let invoice = try await flow.run("import-supplier", "--json")
            #expect(invoice.status == 0, "\(invoice)")
            #expect(Support.files(invoice).first?["status"] as? String == "recorded", "\(invoice)")
            #expect(Support.files(invoice).first?["linesPosted"] as? Int == 0, "\(invoice)")
            #expect(
                try await flow.rows(
                    """
                    SELECT status || ' ' || despatch_reference || ' ' || total_ttc_cents::text || ' '
                        || stock_lines_posted::text
                    FROM supplier_document WHERE number = 'INV-2001'
                    """) == ["recorded DA-2001 12449 0"])
            #expect(try await flow.movements(shop: "PAR15") == receipts)
            #expect(try await flow.count("stock_movement") == 2)
            #expect(
                try await flow.lastPrices(["MPB-PAT250-C40", "MPB-SEM-25"]) == [
                    "MPB-PAT250-C40 22.0000", "MPB-SEM-25 30.0000",
                ])
        }
    }

    // MARK: - 7. Killed during a 60 000-line despatch advice, then re-run

    @Test("SIGKILL during a 60 000-line despatch advice leaves nothing; the re-run imports it whole")
    func killedDuringALargeDespatchAdvice() async throws {
        try await Support.withFlow { flow in
            let lineCount = 60_000
            let name = "DA-9000.xml"
            let expected = try Support.writeLargeDespatchAdvice(
                to: flow.inbox + "/" + name, number: "DA-9000", lines: lineCount)

            let spawnedAt = ContinuousClock.now
            async let killedRun = flow.run("import-supplier", timeout: .seconds(900))
            // Wait until the import streams lines into the database (its COPY), then kill it.
            var killedPID: pid_t?
            let deadline = ContinuousClock.now + .seconds(300)
            while killedPID == nil, ContinuousClock.now < deadline {
                let rows = try await flow.rows(
                    """
                    SELECT r.pid::text FROM job_run r
                    WHERE r.job = 'import-supplier' AND r.status = 'running'
                      AND EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = current_database()
                                  AND a.query ILIKE 'COPY supplier_document_line%')
                    """)
                if let text = rows.first ?? nil, let pid = pid_t(text) {
                    #expect(kill(pid, SIGKILL) == 0)
                    killedPID = pid
                    print("SupplierImportFlowTests: import-supplier killed after \(ContinuousClock.now - spawnedAt)")
                    break
                }
                if try await flow.rows(
                    "SELECT count(*)::text FROM job_run WHERE job = 'import-supplier' AND status <> 'running'") != ["0"]
                {
                    break  // finished (or failed) before it could be caught working
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            let first = try await killedRun
            // The server rolls the dead session's transaction back once it sees the socket close.
            let quiet = ContinuousClock.now + .seconds(60)
            while try await flow.rows(
                """
                SELECT count(*)::text FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """) != ["0"], ContinuousClock.now < quiet
            {
                try await Task.sleep(for: .milliseconds(50))
            }

            if killedPID != nil {
                #expect(first.status == 128 + SIGKILL, "\(first)")
                #expect(try await flow.count("supplier_document") == 0, "a killed import left a document behind")
                #expect(try await flow.count("supplier_document_line") == 0)
                #expect(try await flow.count("stock_movement") == 0)
                #expect(FileManager.default.fileExists(atPath: flow.inbox + "/" + name), "the file left the inbox")
            } else {
                // It finished before the kill: exactly one complete document.
                print("SupplierImportFlowTests: the import finished before it could be killed: \(first)")
                #expect(
                    try await flow.rows("SELECT status || ' ' || line_count::text FROM supplier_document")
                        == ["posted \(lineCount)"])
            }

            let clock = ContinuousClock()
            let started = clock.now
            let rerun = try await flow.run("import-supplier", "--json", timeout: .seconds(900))
            let elapsed = clock.now - started
            print("SupplierImportFlowTests: re-run of the \(lineCount)-line despatch advice took \(elapsed)")
            #expect(rerun.status == 0, "\(rerun)")
            let files = Support.files(rerun)
            if killedPID != nil {
                #expect(files.count == 1, "\(rerun)")
                #expect(files.first?["outcome"] as? String == "imported", "\(rerun)")
                #expect(files.first?["linesPosted"] as? Int == lineCount, "\(rerun)")
            }
            #expect(
                try await flow.rows(
                    """
                    SELECT d.status || ' ' || d.kind || ' ' || p.code || ' ' || d.line_count::text || ' '
                        || d.stock_lines_posted::text
                    FROM supplier_document d JOIN pizzeria p ON p.id = d.pizzeria_id
                    """) == ["posted despatch_advice PAR11 \(lineCount) \(lineCount)"])
            #expect(try await flow.count("supplier_document_line") == lineCount)
            #expect(try await flow.count("stock_movement") == lineCount)
            #expect(
                try await flow.rows(
                    """
                    SELECT i.sku || ' ' || sum(m.quantity)::text FROM stock_movement m
                    JOIN ingredient i ON i.id = m.ingredient_id
                    WHERE m.kind = 'receipt' AND m.business_date = '2026-06-16'
                    GROUP BY i.sku ORDER BY i.sku
                    """) == expected.map { "\($0.key) \($0.value).000" }.sorted())
            #expect(!FileManager.default.fileExists(atPath: flow.inbox + "/" + name))
            #expect(flow.archivePath(name).map(flow.isThisMonthsArchive) == true)
        }
    }

    // MARK: - 8. --json

    @Test("--json lists each file with its outcome, number, supplier and lines posted")
    func jsonReport() async throws {
        try await Support.withFlow { flow in
            // a: INV-3001, 2 lines, the biscuits named by their GTIN only (scheme 0160):
            //   1 KGM cacao × 9.80 = 9.80 → 1 000 g; 1 XCS biscuits × 19.20 = 19.20 → 240 pieces
            //   HT 29.00, VAT 5.5 % = 1.595 → 1.60, TTC 30.60
            let imported = Support.invoice(
                number: "INV-3001", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                lines: [Line(Support.cacao, 1, 9_80), Line(Support.biscuits, 1, 19_20, bySellerID: false)])
            try flow.drop("a-INV-3001.xml", imported)
            // b: INV-3002, one unmapped article: held.
            try flow.drop(
                "b-INV-3002.xml",
                Support.invoice(
                    number: "INV-3002", issueDate: "2026-06-16", deliveryDate: "2026-06-16",
                    deliverTo: Support.oberkampf.gln, buyerReference: "PAR11",
                    lines: [Line(Support.newSemoule, 1, 12_00)]))
            // c: the bytes of a again under another name: a duplicate (refused, exit 65).
            try flow.drop("c-copy.xml", imported)

            let result = try await flow.run("import-supplier", "--json")
            #expect(result.status == 65, "\(result)")
            let files = Support.files(result)
            try #require(files.count == 3, "\(result)")
            func field(_ index: Int, _ key: String) -> String? {
                (files[index][key]).map { "\($0)" }
            }
            #expect(
                files.map { ($0["file"] as? String).map { ($0 as NSString).lastPathComponent } ?? "?" }
                    == ["a-INV-3001.xml", "b-INV-3002.xml", "c-copy.xml"], "\(result)")
            #expect(files.map { $0["outcome"] as? String ?? "?" } == ["imported", "held", "duplicate"], "\(result)")
            #expect(files.map { $0["number"] as? String ?? "?" } == ["INV-3001", "INV-3002", "INV-3001"], "\(result)")
            #expect(files.map { $0["linesPosted"] as? Int ?? -1 } == [2, 0, 0], "\(result)")
            #expect(files.map { $0["linesHeld"] as? Int ?? -1 } == [0, 1, 0], "\(result)")
            #expect(field(0, "supplier") == Support.mpb.name, "\(result)")
            #expect(field(1, "supplier") == Support.mpb.name, "\(result)")
            #expect(field(0, "status") == "posted" && field(1, "status") == "held", "\(result)")
            #expect(field(2, "reason")?.contains("duplicate") == true, "\(result)")
            #expect(field(0, "movedTo")?.contains("/archive/supplier/") == true, "\(result)")
            #expect(field(2, "movedTo")?.contains("/rejected/supplier/") == true, "\(result)")
            #expect((result.json?["run"] as? [String: Any]) != nil, "\(result)")

            #expect(
                try await flow.movements(shop: "PAR11") == [
                    "BISCUITS-CUILLERE receipt 240.000 0.08000000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                    "CACAO receipt 1000.000 0.00980000 2026-06-16 2026-06-16T08:00Z 2026-06-16T10:00",
                ])
            #expect(FileManager.default.fileExists(atPath: flow.directory + "/var/rejected/supplier/c-copy.xml"))
        }
    }
}

// MARK: - Support

/// The documents, the demo parties and the database checks of these tests.
enum SupplierFlowSupport {
    struct Supplier: Sendable {
        var name: String
        var vatID: String
        var siren: String
        var siret: String
    }

    struct Shop: Sendable {
        var code: String
        var name: String
        var gln: String
    }

    /// A demo supplier item (Fixtures/Data/suppliers.json).
    struct Item: Sendable {
        var sellerID: String
        var gtin: String?
        var name: String
        var unit: String
        /// Base units (g or pieces) per purchase unit.
        var packSize: Int
        var sku: String
    }

    /// One invoice or credit note line: quantity × price, both exact, so the amount is too.
    struct Line: Sendable {
        var item: Item
        var quantity: Int
        var priceCents: Int
        /// VAT rate in tenths of a percent: 55 = 5.5 %, 200 = 20 %.
        var vatTenths: Int
        var bySellerID: Bool

        init(_ item: Item, _ quantity: Int, _ priceCents: Int, vatTenths: Int = 55, bySellerID: Bool = true) {
            self.item = item
            self.quantity = quantity
            self.priceCents = priceCents
            self.vatTenths = vatTenths
            self.bySellerID = bySellerID
        }

        var amountCents: Int { quantity * priceCents }
    }

    enum Kind { case invoice, creditNote }

    static let mpb = Supplier(
        name: "Moulins et Pâtons de Brie SAS", vatID: "FR51412357683", siren: "412357683", siret: "41235768300017")
    static let oberkampf = Shop(code: "PAR11", name: "OC Pizza Oberkampf", gln: "3760853000011")
    static let convention = Shop(code: "PAR15", name: "OC Pizza Convention", gln: "3760853000028")

    static let paton = Item(
        sellerID: "MPB-PAT250-C40", gtin: "3760412000179", name: "Pâtons frais 250 g, carton de 40", unit: "XCS",
        packSize: 10_000, sku: "PATON-250")
    static let semoule = Item(
        sellerID: "MPB-SEM-25", gtin: "3760412000247", name: "Semoule de blé dur fine, sac de 25 kg", unit: "XSA",
        packSize: 25_000, sku: "SEMOULE")
    static let sucre = Item(
        sellerID: "MPB-SUC-1", gtin: "3760412000315", name: "Sucre de canne en poudre 1 kg", unit: "KGM",
        packSize: 1_000, sku: "SUCRE")
    static let biscuits = Item(
        sellerID: "MPB-BISC-240", gtin: "3760412000384", name: "Biscuits à la cuillère, carton de 4 x 60",
        unit: "XCS", packSize: 240, sku: "BISCUITS-CUILLERE")
    static let cacao = Item(
        sellerID: "MPB-CAC-1", gtin: "3760412000452", name: "Cacao en poudre non sucré 1 kg", unit: "KGM",
        packSize: 1_000, sku: "CACAO")
    /// Articles the demo does not know.
    static let newSemoule = Item(
        sellerID: "MPB-SEM-5", gtin: nil, name: "Semoule fine, carton de 5 kg", unit: "XBX", packSize: 5_000,
        sku: "SEMOULE")
    static let palletDeposit = Item(
        sellerID: "MPB-CONS-PAL", gtin: nil, name: "Consigne palette Europe", unit: "C62", packSize: 1, sku: "-")

    static let namespaces =
        #"xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" "#
        + #"xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2""#

    // MARK: Documents

    /// A UBL 2.1 Invoice (or CreditNote) in the element order of the XSD (as
    /// cen_ubl-tc434-example1.xml), with its VAT breakdown and totals computed from the lines.
    static func invoice(
        _ kind: Kind = .invoice, number: String, issueDate: String, deliveryDate: String?, deliverTo: String?,
        buyerReference: String?, deliverToName: String? = nil, despatchReference: String? = nil,
        billingReference: String? = nil, supplier: Supplier = mpb, lines: [Line]
    ) -> String {
        let root = kind == .invoice ? "Invoice" : "CreditNote"
        let lineElement = kind == .invoice ? "InvoiceLine" : "CreditNoteLine"
        let quantityElement = kind == .invoice ? "InvoicedQuantity" : "CreditedQuantity"
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <\(root) xmlns="urn:oasis:names:specification:ubl:schema:xsd:\(root)-2" \(namespaces)>
              <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
              <cbc:ID>\(number)</cbc:ID>
              <cbc:IssueDate>\(issueDate)</cbc:IssueDate>

            """
        if kind == .invoice {
            xml += "  <cbc:DueDate>\(issueDate)</cbc:DueDate>\n  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n"
        } else {
            xml += "  <cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>\n"
        }
        xml += "  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>\n"
        if let buyerReference { xml += "  <cbc:BuyerReference>\(buyerReference)</cbc:BuyerReference>\n" }
        if let billingReference {
            xml +=
                "  <cac:BillingReference><cac:InvoiceDocumentReference><cbc:ID>\(billingReference)</cbc:ID>"
                + "</cac:InvoiceDocumentReference></cac:BillingReference>\n"
        }
        if let despatchReference {
            xml +=
                "  <cac:DespatchDocumentReference><cbc:ID>\(despatchReference)</cbc:ID>"
                + "</cac:DespatchDocumentReference>\n"
        }
        xml += """
              <cac:AccountingSupplierParty>
                <cac:Party>
                  <cbc:EndpointID schemeID="0009">\(supplier.siret)</cbc:EndpointID>
                  <cac:PartyName><cbc:Name>\(escaped(supplier.name))</cbc:Name></cac:PartyName>
                  <cac:PostalAddress>
                    <cbc:StreetName>12 route de Melun</cbc:StreetName>
                    <cbc:CityName>Meaux</cbc:CityName>
                    <cbc:PostalZone>77100</cbc:PostalZone>
                    <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
                  </cac:PostalAddress>
                  <cac:PartyTaxScheme>
                    <cbc:CompanyID>\(supplier.vatID)</cbc:CompanyID>
                    <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
                  </cac:PartyTaxScheme>
                  <cac:PartyLegalEntity>
                    <cbc:RegistrationName>\(escaped(supplier.name))</cbc:RegistrationName>
                    <cbc:CompanyID schemeID="0002">\(supplier.siren)</cbc:CompanyID>
                  </cac:PartyLegalEntity>
                </cac:Party>
              </cac:AccountingSupplierParty>
              <cac:AccountingCustomerParty>
                <cac:Party>
                  <cac:PostalAddress>
                    <cbc:StreetName>8 rue du Faubourg Poissonnière</cbc:StreetName>
                    <cbc:CityName>Paris</cbc:CityName>
                    <cbc:PostalZone>75010</cbc:PostalZone>
                    <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
                  </cac:PostalAddress>
                  <cac:PartyLegalEntity><cbc:RegistrationName>OC Pizza SAS</cbc:RegistrationName></cac:PartyLegalEntity>
                </cac:Party>
              </cac:AccountingCustomerParty>

            """
        if deliveryDate != nil || deliverTo != nil || deliverToName != nil {
            xml += "  <cac:Delivery>\n"
            if let deliveryDate { xml += "    <cbc:ActualDeliveryDate>\(deliveryDate)</cbc:ActualDeliveryDate>\n" }
            if let deliverTo {
                xml +=
                    "    <cac:DeliveryLocation><cbc:ID schemeID=\"0088\">\(deliverTo)</cbc:ID>"
                    + "</cac:DeliveryLocation>\n"
            }
            if let deliverToName {
                xml +=
                    "    <cac:DeliveryParty><cac:PartyName><cbc:Name>\(escaped(deliverToName))</cbc:Name>"
                    + "</cac:PartyName></cac:DeliveryParty>\n"
            }
            xml += "  </cac:Delivery>\n"
        }
        // VAT breakdown: one entry per rate, in the order first met; VAT rounded half-up to the cent.
        var rates: [Int] = []
        for line in lines where !rates.contains(line.vatTenths) { rates.append(line.vatTenths) }
        let taxable = rates.map { rate in lines.filter { $0.vatTenths == rate }.reduce(0) { $0 + $1.amountCents } }
        let taxes = zip(rates, taxable).map { rate, base in (base * rate + 500) / 1000 }
        let lineTotal = taxable.reduce(0, +)
        let taxTotal = taxes.reduce(0, +)
        xml += "  <cac:TaxTotal>\n    <cbc:TaxAmount currencyID=\"EUR\">\(money(taxTotal))</cbc:TaxAmount>\n"
        for (index, rate) in rates.enumerated() {
            xml += """
                    <cac:TaxSubtotal>
                      <cbc:TaxableAmount currencyID="EUR">\(money(taxable[index]))</cbc:TaxableAmount>
                      <cbc:TaxAmount currencyID="EUR">\(money(taxes[index]))</cbc:TaxAmount>
                      \(taxCategory("TaxCategory", rate))
                    </cac:TaxSubtotal>

                """
        }
        xml += """
              </cac:TaxTotal>
              <cac:LegalMonetaryTotal>
                <cbc:LineExtensionAmount currencyID="EUR">\(money(lineTotal))</cbc:LineExtensionAmount>
                <cbc:TaxExclusiveAmount currencyID="EUR">\(money(lineTotal))</cbc:TaxExclusiveAmount>
                <cbc:TaxInclusiveAmount currencyID="EUR">\(money(lineTotal + taxTotal))</cbc:TaxInclusiveAmount>
                <cbc:PayableAmount currencyID="EUR">\(money(lineTotal + taxTotal))</cbc:PayableAmount>
              </cac:LegalMonetaryTotal>

            """
        for (index, line) in lines.enumerated() {
            var identification = ""
            if line.bySellerID {
                identification +=
                    "<cac:SellersItemIdentification><cbc:ID>\(line.item.sellerID)</cbc:ID>"
                    + "</cac:SellersItemIdentification>"
            }
            if let gtin = line.item.gtin {
                identification +=
                    "<cac:StandardItemIdentification><cbc:ID schemeID=\"0160\">\(gtin)</cbc:ID>"
                    + "</cac:StandardItemIdentification>"
            }
            xml += """
                  <cac:\(lineElement)>
                    <cbc:ID>\(index + 1)</cbc:ID>
                    <cbc:\(quantityElement) unitCode="\(line.item.unit)">\(line.quantity)</cbc:\(quantityElement)>
                    <cbc:LineExtensionAmount currencyID="EUR">\(money(line.amountCents))</cbc:LineExtensionAmount>
                    <cac:Item>
                      <cbc:Name>\(escaped(line.item.name))</cbc:Name>
                      \(identification)
                      \(taxCategory("ClassifiedTaxCategory", line.vatTenths))
                    </cac:Item>
                    <cac:Price><cbc:PriceAmount currencyID="EUR">\(money(line.priceCents))</cbc:PriceAmount></cac:Price>
                  </cac:\(lineElement)>

                """
        }
        return xml + "</\(root)>\n"
    }

    /// A UBL 2.1 DespatchAdvice in the element order of the XSD (as
    /// oasis_UBL-DespatchAdvice-2.0-Example.xml): the shop as delivery customer, by its GLN.
    static func despatchAdvice(
        number: String, issueDate: String, deliveryDate: String, deliverTo: Shop, supplier: Supplier = mpb,
        lines: [(Item, Int)]
    ) -> String {
        var xml = despatchHeader(
            number: number, issueDate: issueDate, deliveryDate: deliveryDate, deliverTo: deliverTo, supplier: supplier)
        for (index, line) in lines.enumerated() {
            xml += despatchLine(index + 1, line.0, line.1)
        }
        return xml + "</DespatchAdvice>\n"
    }

    static func despatchHeader(
        number: String, issueDate: String, deliveryDate: String, deliverTo: Shop, supplier: Supplier = mpb
    ) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <DespatchAdvice xmlns="urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2" \(namespaces)>
          <cbc:UBLVersionID>2.1</cbc:UBLVersionID>
          <cbc:ID>\(number)</cbc:ID>
          <cbc:IssueDate>\(issueDate)</cbc:IssueDate>
          <cbc:DespatchAdviceTypeCode>delivery</cbc:DespatchAdviceTypeCode>
          <cac:OrderReference><cbc:ID>PO-\(number)</cbc:ID></cac:OrderReference>
          <cac:DespatchSupplierParty>
            <cac:Party>
              <cac:PartyName><cbc:Name>\(escaped(supplier.name))</cbc:Name></cac:PartyName>
              <cac:PartyTaxScheme>
                <cbc:CompanyID>\(supplier.vatID)</cbc:CompanyID>
                <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
              </cac:PartyTaxScheme>
              <cac:PartyLegalEntity>
                <cbc:RegistrationName>\(escaped(supplier.name))</cbc:RegistrationName>
                <cbc:CompanyID schemeID="0002">\(supplier.siren)</cbc:CompanyID>
              </cac:PartyLegalEntity>
            </cac:Party>
          </cac:DespatchSupplierParty>
          <cac:DeliveryCustomerParty>
            <cac:Party>
              <cac:PartyIdentification><cbc:ID schemeID="0088">\(deliverTo.gln)</cbc:ID></cac:PartyIdentification>
              <cac:PartyName><cbc:Name>\(escaped(deliverTo.name))</cbc:Name></cac:PartyName>
            </cac:Party>
          </cac:DeliveryCustomerParty>
          <cac:Shipment>
            <cbc:ID>1</cbc:ID>
            <cac:Delivery><cbc:ActualDeliveryDate>\(deliveryDate)</cbc:ActualDeliveryDate></cac:Delivery>
          </cac:Shipment>

        """
    }

    static func despatchLine(_ number: Int, _ item: Item, _ quantity: Int) -> String {
        "  <cac:DespatchLine><cbc:ID>\(number)</cbc:ID>"
            + "<cbc:DeliveredQuantity unitCode=\"\(item.unit)\">\(quantity)</cbc:DeliveredQuantity>"
            + "<cac:OrderLineReference><cbc:LineID>\(number)</cbc:LineID></cac:OrderLineReference>"
            + "<cac:Item><cbc:Name>\(escaped(item.name))</cbc:Name><cac:SellersItemIdentification>"
            + "<cbc:ID>\(item.sellerID)</cbc:ID></cac:SellersItemIdentification></cac:Item></cac:DespatchLine>\n"
    }

    /// Writes a despatch advice of `lines` lines for Oberkampf, delivered 2026-06-16, cycling through
    /// MPB's five items with 1 to 4 purchase units each, in chunks. Returns the base quantity
    /// expected per ingredient SKU.
    static func writeLargeDespatchAdvice(to path: String, number: String, lines: Int) throws -> [String: Int] {
        let items = [paton, semoule, sucre, biscuits, cacao]
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw SpawnError("cannot create \(path)")
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.write(
            contentsOf: Data(
                despatchHeader(
                    number: number, issueDate: "2026-06-15", deliveryDate: "2026-06-16", deliverTo: oberkampf
                ).utf8))
        var expected: [String: Int] = [:]
        var chunk = ""
        chunk.reserveCapacity(2_000 * 400)
        for index in 0..<lines {
            let item = items[index % items.count]
            let quantity = 1 + (index / items.count) % 4
            expected[item.sku, default: 0] += quantity * item.packSize
            chunk += despatchLine(index + 1, item, quantity)
            if chunk.utf8.count > 512 * 1024 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk.removeAll(keepingCapacity: true)
            }
        }
        chunk += "</DespatchAdvice>\n"
        try handle.write(contentsOf: Data(chunk.utf8))
        return expected
    }

    static func taxCategory(_ element: String, _ tenths: Int) -> String {
        let percent = tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
        return "<cac:\(element)><cbc:ID>S</cbc:ID><cbc:Percent>\(percent)</cbc:Percent>"
            + "<cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:\(element)>"
    }

    /// Cents as an amount with 2 decimals (non-negative).
    static func money(_ cents: Int) -> String {
        let rest = cents % 100
        return "\(cents / 100)." + (rest < 10 ? "0" : "") + "\(rest)"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }

    static func rounded(_ value: Decimal, _ places: Int) -> Decimal {
        var input = value
        var output = Decimal()
        NSDecimalRound(&output, &input, places, .plain)
        return output
    }

    /// The `files` array of an `import-supplier --json` report.
    static func files(_ result: CommandResult) -> [[String: Any]] {
        result.json?["files"] as? [[String: Any]] ?? []
    }

    // MARK: Running

    /// A migrated database with the demo chain, a scratch working folder and its supplier inbox.
    struct Flow: Sendable {
        let conninfo: String
        let scratch: ScratchDirectory
        let startedAt = Date()

        var directory: String { scratch.path }
        var inbox: String { directory + "/var/inbox/supplier" }

        /// `ocpizza arguments` in the scratch folder (so `var/` is its own), on this database.
        func run(_ arguments: String..., timeout: Duration = .seconds(300)) async throws -> CommandResult {
            try await OCPizzaBinary.run(
                arguments, in: directory, environment: ["DATABASE_URL": conninfo], timeout: timeout)
        }

        /// The first column of every row, as text.
        func rows(_ sql: SQL) async throws -> [String?] { try await E2E.query(sql, conninfo: conninfo) }

        func count(_ table: String) async throws -> Int {
            let rows = try await rows("SELECT count(*)::text FROM \(identifier: table)")
            return (rows.first ?? nil).flatMap { Int($0) } ?? -1
        }

        func drop(_ name: String, _ contents: String) throws {
            try Data(contents.utf8).write(to: URL(fileURLWithPath: inbox + "/" + name))
        }

        func documentID(_ number: String) async throws -> Int64 {
            let rows = try await rows("SELECT id::text FROM supplier_document WHERE number = \(number)")
            return try #require((rows.first ?? nil).flatMap { Int64($0) }, "no supplier document \(number)")
        }

        /// `sku kind quantity unit_cost business_date occurred_at(UTC) occurred_at(Paris)` of a shop's movements.
        func movements(shop: String) async throws -> [String?] {
            try await rows(
                """
                SELECT i.sku || ' ' || m.kind || ' ' || m.quantity::text || ' ' || coalesce(m.unit_cost::text, 'null')
                    || ' ' || m.business_date::text || ' '
                    || to_char(m.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"') || ' '
                    || to_char(m.occurred_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD"T"HH24:MI')
                FROM stock_movement m JOIN ingredient i ON i.id = m.ingredient_id
                JOIN pizzeria p ON p.id = m.pizzeria_id
                WHERE p.code = \(shop) AND m.source_type = 'supplier_document_line'
                ORDER BY 1
                """)
        }

        func purchasePrices() async throws -> [String?] {
            try await rows(
                """
                SELECT i.sku || ' ' || p.code || ' ' || pp.quantity_base::text || ' ' || pp.unit_cost::text || ' '
                    || pp.business_date::text
                FROM purchase_price pp JOIN ingredient i ON i.id = pp.ingredient_id
                JOIN pizzeria p ON p.id = pp.pizzeria_id ORDER BY 1
                """)
        }

        /// `sku shop average last last_business_date` of every ingredient_cost row.
        func costs() async throws -> [String?] {
            try await rows(
                """
                SELECT i.sku || ' ' || p.code || ' ' || c.average_unit_cost::text || ' ' || c.last_unit_cost::text
                    || ' ' || c.last_business_date::text
                FROM ingredient_cost c JOIN ingredient i ON i.id = c.ingredient_id
                JOIN pizzeria p ON p.id = c.pizzeria_id ORDER BY 1
                """)
        }

        func lastPrices(_ sellerIDs: [String]) async throws -> [String?] {
            try await rows(
                """
                SELECT seller_item_id || ' ' || coalesce(last_unit_price::text, 'null') FROM supplier_item
                WHERE active AND seller_item_id = ANY(string_to_array(\(sellerIDs.joined(separator: ",")), ','))
                ORDER BY 1
                """)
        }

        /// `line_no seller_item_id hold_reason` of a document's lines.
        func lineHolds(_ id: Int64) async throws -> [String?] {
            try await rows(
                """
                SELECT line_no::text || ' ' || coalesce(seller_item_id, standard_item_id, '?') || ' '
                    || coalesce(hold_reason, '-')
                FROM supplier_document_line WHERE document_id = \(id) ORDER BY line_no
                """)
        }

        /// Where `name` went under var/archive/supplier/, relative to the scratch folder.
        func archivePath(_ name: String) -> String? {
            let root = directory + "/var/archive/supplier"
            guard let found = FileManager.default.enumerator(atPath: root) else { return nil }
            for case let relative as String in found where (relative as NSString).lastPathComponent == name {
                return "var/archive/supplier/" + relative
            }
            return nil
        }

        /// Whether `path` is `var/archive/supplier/YYYY/MM/<name>` for the month (UTC) the test ran in.
        func isThisMonthsArchive(_ path: String) -> Bool {
            let months = [startedAt, Date()].map { date -> String in
                let parts = Calendar(identifier: .gregorian).dateComponents(
                    in: TimeZone(identifier: "UTC") ?? .gmt, from: date)
                let month = parts.month ?? 0
                return "var/archive/supplier/\(parts.year ?? 0)/\(month < 10 ? "0" : "")\(month)/"
            }
            return months.contains { path.hasPrefix($0) && !path.dropFirst($0.count).contains("/") }
        }
    }

    /// `db migrate` and `db seed --demo` on a fresh database, then `body`.
    static func withFlow(_ body: (Flow) async throws -> Void) async throws {
        try await E2E.withDatabase { conninfo, _, scratch in
            let flow = Flow(conninfo: conninfo, scratch: scratch)
            let migrate = try await flow.run("db", "migrate")
            try #require(migrate.status == 0, "\(migrate)")
            let seed = try await flow.run("db", "seed", "--demo")
            try #require(seed.status == 0, "\(seed)")
            try FileManager.default.createDirectory(atPath: flow.inbox, withIntermediateDirectories: true)
            try await body(flow)
        }
    }
}
