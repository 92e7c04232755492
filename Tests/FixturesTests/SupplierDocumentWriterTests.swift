import DemoChain
import Domain
import Foundation
import Postgres
import TestSupport
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The supplier documents the generator files and the benchmark writes: valid against the
/// official XSDs, totals that add up to the cent, the same bytes every time, text escaped.
@Suite struct SupplierDocumentWriterTests {
    /// Two rates, a price with four decimals whose product needs rounding (3 × 2.1235 = 6.3705 →
    /// 6.37; 7 × 0.0650 = 0.455 → 0.46 half-up), a line without GTIN, a name and a shop with
    /// characters XML must escape.
    static func sample(shopName: String = "OC Pizza Oberkampf") throws -> SupplierDelivery {
        let data = DemoData.embedded
        let supplier = try #require(data.suppliers.first { $0.einvoiceEndpoint != nil })
        let shop = data.shops[0]
        return SupplierDelivery(
            number: SupplierDelivery.number(
                supplierCode: supplier.code, day: try LocalDate(iso: "2026-11-19"),
                shopCode: shop.code),
            seller: SupplierDelivery.Party(supplier: supplier),
            shop: SupplierDelivery.Shop(code: shop.code, name: shopName, gln: shop.gln),
            day: try LocalDate(iso: "2026-11-19"),
            lines: [
                try SupplierDelivery.Line(item: supplier.items[0], packs: 4),
                try SupplierDelivery.Line(
                    sellerItemID: "X-1", gtin: nil, name: "Sel fin \"cuisine\" 1 kg <promo> & co", unitCode: "KGM",
                    packs: 3, unitPrice: "2.1235", vatRate: .reduced),
                try SupplierDelivery.Line(
                    sellerItemID: "X-2", gtin: "3760412000179", name: "Boîtes pizza 33 cm", unitCode: "XCS",
                    packs: 7, unitPrice: "0.0650", vatRate: .standard),
            ])
    }

    // MARK: Schemas

    @Test func aUBLInvoiceIsValidAgainstTheXSD() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = try scratch.write(try SupplierDocumentWriter.ubl(try Self.sample()), name: "invoice.xml")
        let result = try XMLLint.validate([path], schema: XMLLint.ublInvoice)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func aCIIInvoiceIsValidAgainstTheXSD() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = try scratch.write(try SupplierDocumentWriter.cii(try Self.sample()), name: "invoice-cii.xml")
        let result = try XMLLint.validate([path], schema: XMLLint.cii)
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func aStreamedDespatchAdviceIsValidAgainstTheXSD() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let path = scratch.path + "/despatch.xml"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let data = DemoData.embedded
        let supplier = data.suppliers[0]
        let items =
            supplier.items.map { DespatchAdviceWriter.Item(item: $0) } + [
                DespatchAdviceWriter.Item(
                    sellerItemID: "A&B", gtin: nil, name: "Tomates <San Marzano> & \"co\"", unitCode: "XCA")
            ]
        // A small chunk size, so the test crosses many chunk boundaries.
        let writer = try DespatchAdviceWriter(
            file: handle, number: "DESADV-1", orderReference: "PO-1",
            seller: SupplierDelivery.Party(supplier: supplier),
            shop: SupplierDelivery.Shop(shop: data.shops[1]), day: try LocalDate(iso: "2026-11-19"), chunkSize: 4_096)
        for index in 0..<2_000 { try writer.append(items[index % items.count], quantity: Int64(1 + index % 9)) }
        try writer.finish()
        try handle.close()
        #expect(writer.lineCount == 2_000)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int
        #expect(size == writer.byteCount)
        let result = try XMLLint.validate([path], schema: XMLLint.ublDespatchAdvice)
        #expect(result.status == 0, "\(result.output)")
        let fields = try XMLFields(contentsOf: path)
        #expect(fields.values("DespatchAdvice/DespatchLine/ID").count == 2_000)
        #expect(fields.values("DespatchAdvice/DespatchLine/ID").last == "2000")
        #expect(
            fields.values("DespatchAdvice/DeliveryCustomerParty/Party/PartyIdentification/ID") == [data.shops[1].gln])
        #expect(fields.values("DespatchAdvice/DespatchLine/Item/Name").contains("Tomates <San Marzano> & \"co\""))
    }

    // MARK: Arithmetic

    @Test func theUBLTotalsAddUp() throws {
        let fields = try XMLFields(bytes: try SupplierDocumentWriter.ubl(try Self.sample()))
        let quantities = fields.decimals("Invoice/InvoiceLine/InvoicedQuantity")
        let prices = fields.decimals("Invoice/InvoiceLine/Price/PriceAmount")
        let nets = fields.decimals("Invoice/InvoiceLine/LineExtensionAmount")
        #expect(nets == [86.40, 6.37, 0.46].map { Decimal(string: "\($0)")! })
        for (index, net) in nets.enumerated() { #expect(net == cents(quantities[index] * prices[index])) }
        let lineTotal = try #require(fields.decimal("Invoice/LegalMonetaryTotal/LineExtensionAmount"))
        #expect(lineTotal == nets.reduce(0, +))
        #expect(fields.decimal("Invoice/LegalMonetaryTotal/TaxExclusiveAmount") == lineTotal)
        let taxable = fields.decimals("Invoice/TaxTotal/TaxSubtotal/TaxableAmount")
        let taxes = fields.decimals("Invoice/TaxTotal/TaxSubtotal/TaxAmount")
        let percents = fields.decimals("Invoice/TaxTotal/TaxSubtotal/TaxCategory/Percent")
        #expect(percents == [Decimal(string: "5.5")!, 20])
        #expect(taxable.reduce(0, +) == lineTotal)
        for (index, base) in taxable.enumerated() { #expect(taxes[index] == cents(base * percents[index] / 100)) }
        let vat = try #require(fields.decimal("Invoice/TaxTotal/TaxAmount"))
        #expect(vat == taxes.reduce(0, +))
        #expect(fields.decimal("Invoice/LegalMonetaryTotal/TaxInclusiveAmount") == lineTotal + vat)
        #expect(fields.decimal("Invoice/LegalMonetaryTotal/PayableAmount") == lineTotal + vat)
        #expect(fields.values("Invoice/LegalMonetaryTotal/PayableAmount") == ["98.42"])
        #expect(fields.values("Invoice/DueDate") == ["2026-12-19"])
        #expect(fields.values("Invoice/BuyerReference") == ["PAR11"])
        #expect(fields.values("Invoice/CustomizationID") == ["urn:cen.eu:en16931:2017"])
        #expect(fields.values("Invoice/Delivery/DeliveryLocation/ID") == [DemoData.embedded.shops[0].gln])
        #expect(fields.values("Invoice/AccountingSupplierParty/Party/EndpointID").count == 1)
        #expect(fields.values("Invoice/InvoiceLine/Price/PriceAmount") == ["21.6000", "2.1235", "0.0650"])
    }

    @Test func theCIITotalsAddUp() throws {
        let fields = try XMLFields(bytes: try SupplierDocumentWriter.cii(try Self.sample()))
        let line = "CrossIndustryInvoice/SupplyChainTradeTransaction/IncludedSupplyChainTradeLineItem/"
        let settlement = "CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/"
        let sums = settlement + "SpecifiedTradeSettlementHeaderMonetarySummation/"
        let quantities = fields.decimals(line + "SpecifiedLineTradeDelivery/BilledQuantity")
        let prices = fields.decimals(line + "SpecifiedLineTradeAgreement/NetPriceProductTradePrice/ChargeAmount")
        let nets = fields.decimals(
            line + "SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount")
        #expect(nets.count == 3)
        for (index, net) in nets.enumerated() { #expect(net == cents(quantities[index] * prices[index])) }
        let lineTotal = try #require(fields.decimal(sums + "LineTotalAmount"))
        #expect(lineTotal == nets.reduce(0, +))
        #expect(fields.decimal(sums + "TaxBasisTotalAmount") == lineTotal)
        let bases = fields.decimals(settlement + "ApplicableTradeTax/BasisAmount")
        let taxes = fields.decimals(settlement + "ApplicableTradeTax/CalculatedAmount")
        let percents = fields.decimals(settlement + "ApplicableTradeTax/RateApplicablePercent")
        #expect(bases.reduce(0, +) == lineTotal)
        for (index, base) in bases.enumerated() { #expect(taxes[index] == cents(base * percents[index] / 100)) }
        let vat = try #require(fields.decimal(sums + "TaxTotalAmount"))
        #expect(vat == taxes.reduce(0, +))
        #expect(fields.decimal(sums + "GrandTotalAmount") == lineTotal + vat)
        #expect(fields.decimal(sums + "DuePayableAmount") == lineTotal + vat)
        #expect(fields.values(sums + "DuePayableAmount") == ["98.42"])
        let agreement = "CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeAgreement/"
        #expect(fields.values(agreement + "BuyerReference") == ["PAR11"])
        #expect(
            fields.values(agreement + "SellerTradeParty/SpecifiedTaxRegistration/ID").first?.hasPrefix("FR") == true)
        let delivery = "CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeDelivery/"
        #expect(fields.values(delivery + "ShipToTradeParty/GlobalID") == [DemoData.embedded.shops[0].gln])
        #expect(
            fields.values(delivery + "ActualDeliverySupplyChainEvent/OccurrenceDateTime/DateTimeString") == ["20261119"]
        )
    }

    @Test func linesRoundHalfUpToTheCent() throws {
        let line = try SupplierDelivery.Line(
            sellerItemID: "A", gtin: nil, name: "A", unitCode: "KGM", packs: 1, unitPrice: "0.0050", vatRate: .reduced)
        #expect(line.net == Money(cents: 1))
        #expect(throws: SupplierDocumentWriterError.self) {
            try SupplierDelivery.Line(
                sellerItemID: "A", gtin: nil, name: "A", unitCode: "KGM", packs: 1, unitPrice: "1e3", vatRate: .reduced)
        }
        #expect(throws: SupplierDocumentWriterError.self) {
            try SupplierDelivery.Line(
                sellerItemID: "A", gtin: nil, name: "A", unitCode: "KGM", packs: 1, unitPrice: "-1", vatRate: .reduced)
        }
    }

    // MARK: Determinism and escaping

    @Test func theSameDeliveryGivesTheSameBytes() throws {
        let first = try Self.sample()
        let second = try Self.sample()
        #expect(try SupplierDocumentWriter.ubl(first) == SupplierDocumentWriter.ubl(second))
        #expect(try SupplierDocumentWriter.cii(first) == SupplierDocumentWriter.cii(second))
        var other = second
        other.lines.removeLast()
        #expect(try SupplierDocumentWriter.ubl(first) != SupplierDocumentWriter.ubl(other))
        // Written twice: the second write finds the same bytes and leaves the file alone.
        let scratch = Scratch()
        defer { scratch.remove() }
        let directory = scratch.path
        let bytes = try SupplierDocumentWriter.ubl(first)
        #expect(try SupplierDocumentWriter.writeAtomically(bytes, directory: directory, fileName: "a.xml"))
        #expect(try !SupplierDocumentWriter.writeAtomically(bytes, directory: directory, fileName: "a.xml"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["a.xml"], "no temporary left")
        #expect(FileManager.default.contents(atPath: directory + "/a.xml") == Data(bytes))
    }

    @Test func textIsEscaped() throws {
        let scratch = Scratch()
        defer { scratch.remove() }
        let name = "Pizza & Co <Test> \"chez Lola\""
        let delivery = try Self.sample(shopName: name)
        for (bytes, schema, path) in [
            (
                try SupplierDocumentWriter.ubl(delivery), XMLLint.ublInvoice,
                "Invoice/Delivery/DeliveryParty/PartyName/Name"
            ),
            (
                try SupplierDocumentWriter.cii(delivery), XMLLint.cii,
                "CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeDelivery/ShipToTradeParty/Name"
            ),
        ] {
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("Pizza &amp; Co &lt;Test&gt; \"chez Lola\""))
            #expect(text.contains("Sel fin \"cuisine\" 1 kg &lt;promo&gt; &amp; co"))
            #expect(!text.contains("<Test>"))
            let fields = try XMLFields(bytes: bytes)
            #expect(fields.values(path) == [name], "parses back to the original text")
            let file = try scratch.write(bytes, name: "escaped.xml")
            let result = try XMLLint.validate([file], schema: schema)
            #expect(result.status == 0, "\(result.output)")
        }
        // Characters XML 1.0 cannot carry become spaces rather than breaking the file.
        var odd = try Self.sample(shopName: "Bell\u{7}a\r\nNapoli")
        odd.number = "X-1"
        let fields = try XMLFields(bytes: try SupplierDocumentWriter.ubl(odd))
        #expect(fields.values("Invoice/Delivery/DeliveryParty/PartyName/Name") == ["Bell a\r\nNapoli"])
    }

    // MARK: Identifiers

    @Test func shopGLNsHaveValidCheckDigitsAndAreUnique() {
        let glns = DemoData.embedded.shops.map(\.gln)
        #expect(glns.count == 6)
        #expect(glns.allSatisfy(Identifiers.isValidGLN), "\(glns)")
        #expect(Set(glns).count == glns.count)
        #expect(Identifiers.isValidGLN("4000001000005"))
        #expect(!Identifiers.isValidGLN("4000001000006"))
        #expect(!Identifiers.isValidGLN("96385074"), "a GTIN-8 is not a GLN")
        #expect(Identifiers.withGS1CheckDigit("400000100000") == "4000001000005")
        let buyer = SupplierDelivery.buyer
        #expect(Identifiers.passesLuhn(buyer.siren) && Identifiers.frenchVATNumber(siren: buyer.siren) == buyer.vatID)
        #expect(!DemoData.embedded.suppliers.contains { $0.siren == buyer.siren })
    }

    // MARK: The generator

    /// Deliveries filed from a date on: files instead of rows, the same stock and orders as
    /// posting them, the documents a posting run would have written, identical bytes again.
    @Test func theGeneratorFilesDeliveriesIntoTheInbox() async throws {
        let from = try #require(CalendarDate(iso8601: "2026-11-19"))
        let posted = try await withDemoChain { conninfo in
            try await generate(conninfo, shops: 2, days: 6)
            return try await withSession(conninfo) { session throws in
                (
                    try Self.stockWithoutReceipts(session, from: from), try session.text(GeneratorTests.ordersChecksum),
                    try session.query(
                        """
                        SELECT number, total_ttc_cents FROM supplier_document
                        WHERE issue_date >= \(from) ORDER BY number
                        """
                    ).map {
                        (try $0.decode("number", as: String.self), try $0.decode("total_ttc_cents", as: Int64.self))
                    }
                )
            }
        }
        #expect(!posted.2.isEmpty, "the last days have deliveries")
        let scratch = Scratch()
        defer { scratch.remove() }
        let inbox = scratch.path + "/first/inbox/supplier"
        let secondInbox = scratch.path + "/second/inbox/supplier"
        for (index, directory) in [inbox, secondInbox].enumerated() {
            try await withDemoChain { conninfo in
                let options = HistoryGenerator.Options(
                    shops: 2, days: 6, seed: 42, endDate: try LocalDate(iso: "2026-11-21"), supplierInbox: directory,
                    filedDeliveriesFrom: from)
                let report = try await HistoryGenerator(conninfo: conninfo, logger: TestDatabase.logger).generate(
                    options)
                #expect(report.supplierDocumentsFiled == posted.2.count)
                try await withSession(conninfo) { session throws in
                    #expect(try session.int("SELECT count(*) FROM supplier_document WHERE issue_date >= \(from)") == 0)
                    #expect(try session.int("SELECT count(*) FROM supplier_document WHERE issue_date < \(from)") > 0)
                    #expect(try Self.stockWithoutReceipts(session, from: from) == posted.0)
                    #expect(try session.text(GeneratorTests.ordersChecksum) == posted.1)
                }
                guard index == 0 else { return }
                // A second run skips the days: it files nothing and leaves the files as they are.
                let before = try Self.files(directory)
                let again = try await HistoryGenerator(conninfo: conninfo, logger: TestDatabase.logger).generate(
                    options)
                #expect(again.shopDaysGenerated == 0 && again.supplierDocumentsFiled == 0)
                #expect(try Self.files(directory) == before)
            }
        }
        let files = try Self.files(inbox)
        #expect(try Self.files(secondInbox) == files, "a fresh database gives the same bytes")
        #expect(files.keys.sorted().map { String($0.prefix { $0 != "." }) } == posted.2.map(\.0))
        var payable: [(String, Int64)] = []
        var ubl: [String] = []
        var cii: [String] = []
        for (name, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let fields = try XMLFields(bytes: Array(bytes))
            let number = String(name.prefix { $0 != "." })
            if let amount = fields.values("Invoice/LegalMonetaryTotal/PayableAmount").first {
                ubl.append(inbox + "/" + name)
                payable.append((number, try Money(parsing: amount).cents))
            } else {
                let sums =
                    "CrossIndustryInvoice/SupplyChainTradeTransaction/ApplicableHeaderTradeSettlement/"
                    + "SpecifiedTradeSettlementHeaderMonetarySummation/DuePayableAmount"
                cii.append(inbox + "/" + name)
                payable.append((number, try Money(parsing: try #require(fields.values(sums).first)).cents))
            }
        }
        #expect(payable.map(\.0) == posted.2.map(\.0))
        #expect(payable.map(\.1) == posted.2.map(\.1), "the same totals as the posted invoices")
        if !ubl.isEmpty {
            let result = try XMLLint.validate(ubl, schema: XMLLint.ublInvoice)
            #expect(result.status == 0, "\(result.output)")
        }
        if !cii.isEmpty {
            let result = try XMLLint.validate(cii, schema: XMLLint.cii)
            #expect(result.status == 0, "\(result.output)")
        }
    }

    @Test func syntheticShopsGetAGLN() async throws {
        try await withDemoChain { conninfo in
            try await generate(conninfo, shops: 7, days: 1)
            try await withSession(conninfo) { session throws in
                let glns = try session.query("SELECT code, gln FROM pizzeria ORDER BY code").map {
                    (try $0.decode("code", as: String.self), try $0.decode("gln", as: String?.self))
                }
                #expect(glns.count == 7)
                #expect(glns.allSatisfy { $0.1.map(Identifiers.isValidGLN) == true }, "\(glns)")
                #expect(Set(glns.compactMap(\.1)).count == 7)
                #expect(glns.first { $0.0 == "PAR-0007" }?.1 == "3760853100070")
            }
        }
    }

    @Test func filingNeedsAnInboxAndADate() async throws {
        try await withDemoChain { conninfo in
            let options = HistoryGenerator.Options(
                shops: 1, days: 1, seed: 1, endDate: try LocalDate(iso: "2026-11-21"), supplierInbox: "/tmp/x")
            await #expect(throws: DemoChainError.self) {
                try await HistoryGenerator(conninfo: conninfo, logger: TestDatabase.logger).generate(options)
            }
        }
    }

    /// Stock movements per kind and day, without the receipts of filed days (which the importer
    /// posts), plus the count lines: what the rest of the generation did with the stock.
    static func stockWithoutReceipts(_ session: PostgresSession, from: CalendarDate) throws -> String {
        try session.text(
            """
            SELECT md5(string_agg(row, '|' ORDER BY row)) FROM (
                SELECT concat_ws(',', pizzeria_id, ingredient_id, kind, business_date, sum(quantity)) AS row
                FROM stock_movement WHERE NOT (kind = 'receipt' AND business_date >= \(from))
                GROUP BY pizzeria_id, ingredient_id, kind, business_date
                UNION ALL
                SELECT concat_ws(',', pizzeria_id, ingredient_id, quantity) FROM stock_count_line) rows
            """)
    }

    /// The non-hidden files of a directory and their bytes.
    static func files(_ directory: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            #expect(!name.hasPrefix("."), "no temporary file left: \(name)")
            files[name] = FileManager.default.contents(atPath: directory + "/" + name)
        }
        return files
    }
}

/// `value` rounded half-up to the cent, as EN 16931 rounds line and VAT amounts.
private func cents(_ value: Decimal) -> Decimal {
    var input = value
    var output = Decimal()
    NSDecimalRound(&output, &input, 2, .plain)
    return output
}

/// A fresh folder under /tmp for the files a test writes; `remove()` (deferred by each test)
/// deletes it with everything in it.
struct Scratch {
    let path: String

    init() {
        var template = Array("/tmp/ocpizza-supplier-docs.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    func write(_ bytes: [UInt8], name: String) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// Runs `/usr/bin/xmllint --noout --nonet --schema` as a child process (posix_spawn and waitpid:
/// Foundation's `Process.waitUntilExit` hangs here), output captured in a file.
enum XMLLint {
    static let schemas =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path + "/Sources/SupplierDocuments/Schemas"
    static let ublInvoice = schemas + "/ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"
    static let ublDespatchAdvice = schemas + "/ubl-2.1/maindoc/UBL-DespatchAdvice-2.1.xsd"
    static let cii = schemas + "/cii-d16b/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"

    static func validate(_ files: [String], schema: String) throws -> (status: Int32, output: String) {
        let scratch = Scratch()
        defer { scratch.remove() }
        let output = scratch.path + "/xmllint.out"
        let descriptor = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SupplierDocumentWriterError("cannot open \(output)") }
        defer { close(descriptor) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, descriptor, 1)
        posix_spawn_file_actions_adddup2(&actions, descriptor, 2)
        let arguments = ["/usr/bin/xmllint", "--noout", "--nonet", "--schema", schema] + files
        let copies = arguments.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, copies + [nil], environ)
        guard spawned == 0 else { throw SupplierDocumentWriterError("cannot run xmllint: \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7f == 0
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), text)
    }
}

/// The text of every element of a document by its path of local names ("Invoice/InvoiceLine/ID"),
/// in document order: enough to check what a writer wrote without a schema-aware reader.
final class XMLFields: NSObject, XMLParserDelegate {
    private var path: [String] = []
    private var text = ""
    private var fields: [String: [String]] = [:]
    private var failure: (any Error)?

    convenience init(contentsOf path: String) throws {
        try self.init(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    init(bytes: [UInt8]) throws {
        super.init()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.delegate = self
        guard parser.parse() else {
            throw failure ?? parser.parserError ?? SupplierDocumentWriterError("the document does not parse")
        }
    }

    func values(_ path: String) -> [String] { fields[path] ?? [] }

    func decimals(_ path: String) -> [Decimal] { values(path).compactMap { Decimal(exactly: $0) } }

    func decimal(_ path: String) -> Decimal? { decimals(path).first }

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        path.append(elementName)
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(
        _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
    ) {
        fields[path.joined(separator: "/"), default: []].append(text.trimmingCharacters(in: .whitespacesAndNewlines))
        path.removeLast()
        text = ""
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { failure = parseError }
}
