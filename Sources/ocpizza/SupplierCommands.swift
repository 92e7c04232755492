import ArgumentParser
import Foundation
import Jobs
import Postgres
import Runtime
import SupplierDocuments

/// `ocpizza supplier-items map|list`: tell the import what a supplier's article is.
struct SupplierItems: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supplier-items",
        abstract: "Map supplier articles to ingredients (what held supplier lines wait for).",
        subcommands: [Map.self, List.self])

    struct Map: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Map one article, or every row of a CSV file (--csv), then re-run import-supplier.",
            discussion: """
                CSV columns (header row, comma or semicolon): supplier, seller_item_id, gtin, ingredient, \
                pack_size, unit, stock_effect, description. stock_effect is ingredient (default), deposit, \
                transport or non_food. A changed mapping deactivates the old item and creates a new one.
                """)
        @OptionGroup var options: GlobalOptions
        @Option(help: "CSV file of mappings (all applied in one transaction, or none).") var csv: String?
        @Option(help: "Supplier id, SIREN, VAT number or exact name.") var supplier: String?
        @Option(help: "The supplier's article id (BT-155).") var sellerItemId: String?
        @Option(help: "The article's GTIN (BT-157).") var gtin: String?
        @Option(help: "Ingredient SKU it stocks as.") var ingredient: String?
        @Option(help: "Base units (g, ml or pieces) of the ingredient in one purchase unit.") var packSize: String?
        @Option(help: "The unit the supplier invoices it in (KGM, XCS, C62...).") var unit: String?
        @Option(help: "Never enters stock: deposit, transport or non_food.") var nonStock: String?
        @Option(help: "A description for people.") var description: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            if csv == nil {
                guard supplier != nil else { throw ValidationError("give --supplier (or --csv FILE)") }
                guard sellerItemId != nil || gtin != nil else {
                    throw ValidationError("give --seller-item-id or --gtin")
                }
                guard (ingredient != nil) != (nonStock != nil) else {
                    throw ValidationError("give either --ingredient or --non-stock")
                }
                if let packSize, Decimal(exactly: packSize) == nil {
                    throw ValidationError("--pack-size '\(packSize)' is not a number")
                }
                if let nonStock, SupplierItemRecord.StockEffect(rawValue: nonStock) == nil || nonStock == "ingredient" {
                    throw ValidationError("--non-stock is deposit, transport or non_food")
                }
            }
        }

        func run() async throws {
            let mappings: [SupplierItemMapping]
            if let csv {
                do { mappings = try SupplierItemMapper.readCSV(path: csv) } catch {
                    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                    throw ExitCode(ExitStatus.inputsRejected.rawValue)
                }
            } else {
                mappings = [
                    SupplierItemMapping(
                        supplier: supplier ?? "", sellerItemID: sellerItemId, gtin: gtin, ingredient: ingredient,
                        packSize: packSize.flatMap { Decimal(exactly: $0) }, unitCode: unit,
                        stockEffect: nonStock.flatMap(SupplierItemRecord.StockEffect.init) ?? .ingredient,
                        description: description)
                ]
            }
            let json = self.json
            try await CommandRunner.run(options, command: "supplier-items map") { environment in
                let results: [SupplierItemMappingResult]
                do {
                    results = try await environment.withSession { try SupplierItemMapper.apply(mappings, in: $0) }
                } catch let error as SupplierItemMappingError {
                    environment.logger.error("\(error)")
                    return .inputsRejected
                }
                if json {
                    try printJSON(results)
                } else {
                    print(
                        Table.render(
                            header: ["supplier", "article", "item", "change"],
                            rows: results.map {
                                [$0.supplier, $0.article, "#\($0.supplierItemID)", $0.change.rawValue]
                            }
                        ))
                    print("\nRun `ocpizza import-supplier` to take up the documents held for these articles.")
                }
                return .success
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a supplier's active items.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Supplier id, SIREN, VAT number or exact name.") var supplier: String

        func run() async throws {
            let supplier = self.supplier
            try await CommandRunner.run(options, command: "supplier-items list") { environment in
                let rows = try await environment.withSession { session -> [[String]] in
                    let id = try SupplierItemMapper.supplier(supplier, session: session)
                    return try session.query(
                        """
                        SELECT si.id, coalesce(si.seller_item_id, '-') AS seller, coalesce(si.gtin, '-') AS gtin,
                               coalesce(i.sku, si.stock_effect) AS target, si.pack_size::text AS pack,
                               si.purchase_unit_code AS unit, coalesce(si.last_unit_price::text, '-') AS price
                        FROM supplier_item si LEFT JOIN ingredient i ON i.id = si.ingredient_id
                        WHERE si.supplier_id = \(id) AND si.active ORDER BY si.seller_item_id, si.id
                        """
                    ).map { row in
                        try ["id", "seller", "gtin", "target", "pack", "unit", "price"].map {
                            $0 == "id" ? "#\(try row.decode($0, as: Int64.self))" : try row.decode($0, as: String.self)
                        }
                    }
                }
                print(
                    Table.render(
                        header: ["item", "seller id", "GTIN", "stocks as", "pack", "unit", "last price"], rows: rows))
                return .success
            }
        }
    }
}

/// `ocpizza supplier-documents list|show|release`: what import-supplier recorded and holds.
struct SupplierDocumentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "supplier-documents",
        abstract: "List, show and release imported supplier documents.",
        subcommands: [List.self, Show.self, Release.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The latest documents (or only the held ones).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Only documents waiting for an operator.") var held = false
        @Option(help: "How many.") var limit = 50

        func run() async throws {
            let held = self.held, limit = self.limit
            try await CommandRunner.run(options, command: "supplier-documents list") { environment in
                let rows = try await environment.withSession { session in
                    try session.query(
                        """
                        SELECT d.id, d.kind, d.number, coalesce(s.name, d.seller->>'name', '-') AS supplier,
                               coalesce(p.code, '-') AS shop, d.issue_date::text AS issued, d.status,
                               coalesce(d.hold_reason, '') AS hold, d.file_name
                        FROM supplier_document d LEFT JOIN supplier s ON s.id = d.supplier_id
                        LEFT JOIN pizzeria p ON p.id = d.pizzeria_id
                        WHERE NOT \(held) OR d.status = 'held'
                        ORDER BY d.id DESC LIMIT \(limit)
                        """
                    ).map { row in
                        [
                            "#\(try row.decode("id", as: Int64.self))", try row.decode("kind"),
                            try row.decode("number"),
                            String(try row.decode("supplier", as: String.self).prefix(28)), try row.decode("shop"),
                            try row.decode("issued"), try row.decode("status"), try row.decode("hold"),
                            try row.decode("file_name"),
                        ]
                    }
                }
                print(
                    Table.render(
                        header: ["id", "kind", "number", "supplier", "shop", "issued", "status", "hold", "file"],
                        rows: rows))
                return .success
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One document and its lines, with hold reasons.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Document id.") var id: Int64

        func run() async throws {
            let id = self.id
            try await CommandRunner.run(options, command: "supplier-documents show") { environment in
                let (header, rows) = try await environment.withSession { session -> (String, [[String]]) in
                    guard
                        let document = try session.query(
                            """
                            SELECT kind, number, status, coalesce(status_reason, '') AS note, file_name,
                                   coalesce(seller->>'name', '-') AS seller
                            FROM supplier_document WHERE id = \(id)
                            """
                        ).first
                    else { return ("no supplier document #\(id)", []) }
                    let header =
                        try "#\(id) \(document.decode("kind", as: String.self)) "
                        + document.decode("number", as: String.self) + " from "
                        + document.decode("seller", as: String.self) + " ("
                        + document.decode("file_name", as: String.self)
                        + "): " + document.decode("status", as: String.self) + "\n"
                        + document.decode("note", as: String.self)
                    let lines = try session.query(
                        """
                        SELECT line_no::text AS n, coalesce(seller_item_id, standard_item_id, '-') AS article,
                               left(coalesce(description, ''), 32) AS name, quantity::text || ' ' || unit_code AS qty,
                               coalesce(movement_kind, '-') AS movement, coalesce(quantity_base::text, '-') AS base,
                               coalesce(hold_reason, '') || coalesce(': ' || hold_detail, '') AS hold
                        FROM supplier_document_line WHERE document_id = \(id) ORDER BY line_no
                        """
                    ).map { row in
                        try ["n", "article", "name", "qty", "movement", "base", "hold"].map {
                            try row.decode($0, as: String.self)
                        }
                    }
                    return (header, lines)
                }
                print(header)
                if !rows.isEmpty {
                    print("")
                    print(
                        Table.render(
                            header: ["line", "article", "name", "quantity", "movement", "base", "hold"], rows: rows))
                }
                return .success
            }
        }
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept the price jumps or pack size changes of a held document's lines, then re-run the import.",
            discussion: "Unmapped items and unknown units are not released: map them with supplier-items map.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Document id.") var id: Int64
        @Option(help: "Only this line number.") var line: Int?

        func run() async throws {
            let id = self.id, line = self.line
            let who = ProcessInfo.processInfo.environment["USER"] ?? "unknown"
            try await CommandRunner.run(options, command: "supplier-documents release") { environment in
                let released = try await environment.withSession { session in
                    try session.execute(
                        """
                        UPDATE supplier_document_line SET accepted_hold = hold_reason, accepted_by = \(who)
                        WHERE document_id = \(id) AND hold_reason IN ('price_jump', 'pack_size_changed')
                          AND (\(line)::int IS NULL OR line_no = \(line))
                        """)
                }
                print("\(released) line(s) accepted; run `ocpizza import-supplier` to post the document.")
                return released > 0 ? .success : .inputsRejected
            }
        }
    }
}

/// `ocpizza suppliers add|list`: what a document held as `unknown_supplier` waits for.
struct Suppliers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add and list suppliers (documents of an unknown seller are held until it is added).",
        subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a supplier, typed in or taken from a held document's seller (--from-document).",
            discussion: "Then run `ocpizza import-supplier`: the documents held for it are taken up again.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Take name, VAT id, SIREN and GLN from this supplier document's seller.") var fromDocument: Int64?
        @Option(help: "Legal name.") var name: String?
        @Option(help: "Intra-EU VAT number, e.g. FR51412357683.") var vatId: String?
        @Option(help: "SIREN (9 digits).") var siren: String?
        @Option(help: "GLN (13 digits).") var gln: String?
        @Option(help: "E-mail address.") var email: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            guard fromDocument != nil || name != nil else {
                throw ValidationError("give --name (or --from-document ID)")
            }
        }

        func run() async throws {
            let command = self
            try await CommandRunner.run(options, command: "suppliers add") { environment in
                do {
                    let (id, supplier) = try await environment.withSession { session -> (Int64, NewSupplier) in
                        var supplier =
                            try command.fromDocument.map { try SupplierRegistry.seller(ofDocument: $0, in: session) }
                            ?? NewSupplier(name: command.name ?? "")
                        if let name = command.name { supplier.name = name }
                        if let vat = command.vatId { supplier.vatID = PartyDirectory.compact(vat) }
                        if let siren = command.siren { supplier.siren = siren }
                        if let gln = command.gln { supplier.gln = gln }
                        supplier.email = command.email ?? supplier.email
                        return (try SupplierRegistry.add(supplier, in: session), supplier)
                    }
                    if command.json {
                        struct Added: Encodable {
                            var id: Int64
                            var supplier: NewSupplier
                        }
                        try printJSON(Added(id: id, supplier: supplier))
                    } else {
                        print(
                            "supplier #\(id) added: \(supplier.name), VAT \(supplier.vatID ?? "-"), SIREN "
                                + "\(supplier.siren ?? "-"), GLN \(supplier.gln ?? "-")")
                        print("Run `ocpizza import-supplier` to take up the documents held for it.")
                    }
                    return .success
                } catch let error as SupplierItemMappingError {
                    environment.logger.error("\(error)")
                    return .inputsRejected
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the suppliers.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            try await CommandRunner.run(options, command: "suppliers list") { environment in
                let rows = try await environment.withSession { session in
                    try session.query(
                        """
                        SELECT s.id, s.name, coalesce(s.vat_id, '-') AS vat, coalesce(s.siren, '-') AS siren,
                               coalesce(s.gln, '-') AS gln,
                               (SELECT count(*) FROM supplier_item i WHERE i.supplier_id = s.id AND i.active)::text AS items
                        FROM supplier s ORDER BY s.name
                        """
                    ).map { row in
                        [
                            "#\(try row.decode("id", as: Int64.self))", try row.decode("name"), try row.decode("vat"),
                            try row.decode("siren"), try row.decode("gln"), try row.decode("items"),
                        ]
                    }
                }
                print(Table.render(header: ["id", "name", "VAT", "SIREN", "GLN", "items"], rows: rows))
                return .success
            }
        }
    }
}
