import Domain
import Foundation
import SupplierDocuments
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// An exact decimal from its text.
private func amount(_ text: String) -> Decimal {
    Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))!
}

private func day(_ iso: String) throws -> LocalDate { try LocalDate(iso: iso) }

/// The fields of a VAT breakdown entry that come from the file (its file line aside).
private func entries(_ breakdown: [VATSubtotal]) -> [String] {
    breakdown.map { "\($0.category) \($0.percent.map { "\($0)" } ?? "-") \($0.taxableAmount) \($0.taxAmount)" }
}

/// Reading real corpus files, with every asserted value checked by hand against the XML, and
/// refusing hostile or broken input with the right code, quickly and in little memory.
@Suite struct ReaderTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/corpus/einvoice").standardized.path
    static let schemas = Result {
        try SupplierSchemas(
            directory: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../Sources/SupplierDocuments/Schemas").standardized.path)
    }

    static func read(_ relative: String) throws -> (ReadDocument, [SupplierDocumentLine]) {
        var lines: [SupplierDocumentLine] = []
        let document = try SupplierDocumentReader.read(
            file: corpus + "/" + relative, displayName: relative, schemas: try schemas.get()
        ) { line, _ in lines.append(line) }
        return (document, lines)
    }

    static func read(
        text: String, name: String = "memory.xml", fromPDF: Bool = false
    ) throws
        -> (ReadDocument, [SupplierDocumentLine])
    {
        try read(bytes: Array(text.utf8), name: name, fromPDF: fromPDF)
    }

    static func read(
        bytes: [UInt8], name: String = "memory.xml", fromPDF: Bool = false
    ) throws
        -> (ReadDocument, [SupplierDocumentLine])
    {
        var lines: [SupplierDocumentLine] = []
        let document = try SupplierDocumentReader.read(
            bytes: bytes, name: name, fromPDF: fromPDF, schemas: try schemas.get()
        ) { line, _ in lines.append(line) }
        return (document, lines)
    }

    /// Runs the arithmetic over what was read, as the import does (in the document's currency).
    static func checkArithmetic(
        _ document: ReadDocument, _ lines: [SupplierDocumentLine], file: String
    ) throws
        -> DocumentArithmetic
    {
        try checkArithmetic(document, lines, file: file, currency: document.header.currency)
    }

    /// Runs the arithmetic over what was read as if the document were in `currency`.
    static func checkArithmetic(
        _ document: ReadDocument, _ lines: [SupplierDocumentLine], file: String, currency: String?
    ) throws -> DocumentArithmetic {
        var arithmetic = DocumentArithmetic(file: file, kind: document.header.kind)
        for line in lines { try arithmetic.add(line) }
        try arithmetic.finish(document.settlement, currency: currency)
        return arithmetic
    }

    // MARK: - Corpus

    @Test func facturXEN16931Invoice() throws {
        let file = "cii/fnfe_Facture_FR_EN16931.factur-x.xml"
        let (document, lines) = try Self.read(file)
        let header = document.header
        #expect(document.root == .cii)
        #expect(header.format == .cii)
        #expect(header.kind == .invoice)
        #expect(header.number == "FA-2017-0010")
        #expect(header.typeCode == "380")
        #expect(header.profile == "urn:cen.eu:en16931:2017")
        #expect(!header.profileHasNoLines)
        #expect(header.issueDate == (try day("2017-11-13")))
        #expect(header.dueDate == (try day("2017-12-13")))
        #expect(header.currency == "EUR")
        #expect(header.orderReference == "PO445")
        #expect(header.seller.name == "Au bon moulin")
        #expect(header.seller.vatID == "FR11999999998")
        #expect(header.seller.legalID == "99999999800010")
        #expect(header.seller.legalIDScheme == "0002")
        #expect(header.seller.siren == "999999998")
        #expect(header.buyer.name == "Ma jolie boutique")
        #expect(header.buyer.vatID == "FR19787878784")
        #expect(header.buyer.siren == "787878784")

        #expect(document.lineCount == 3)
        try #require(lines.count == 3)
        let nougat = lines[0]
        #expect(nougat.position == 1)
        #expect(nougat.lineID == "1")
        #expect(nougat.quantity == 20)
        #expect(nougat.unitCode == "C62")
        #expect(nougat.netPrice == amount("4.10"))
        #expect(nougat.priceBaseQuantity == nil)
        #expect(nougat.netAmount == amount("81.90"))
        #expect(nougat.sellerItemID == "NOUG250")
        #expect(nougat.standardItemID == SchemedID(id: "3518370400049", scheme: "0160"))
        #expect(nougat.gtin == "3518370400049")
        #expect(nougat.itemName == "Nougat de l'Abbaye 250g")
        #expect(nougat.vatCategory == "S")
        #expect(nougat.vatPercent == 20)
        // The gross price discount (0.45) is in the net price already: not a line allowance.
        #expect(nougat.allowanceCharges.isEmpty)
        #expect(lines[1].lineID == "2")
        #expect(lines[1].quantity == 15)
        #expect(lines[1].netPrice == amount("3.20"))
        #expect(lines[1].netAmount == amount("48.00"))
        #expect(lines[1].gtin == "3518370200090")
        #expect(lines[1].vatPercent == amount("5.5"))
        #expect(lines[2].quantity == 25)
        #expect(lines[2].unitCode == "LTR")
        #expect(lines[2].netPrice == amount("19.80"))
        #expect(lines[2].netAmount == amount("495.00"))
        #expect(lines[2].sellerItemID == "HOLANCL")
        #expect(lines[2].gtin == nil)
        #expect(lines[2].itemName == "Huile d'olive à l'ancienne")

        let settlement = document.settlement
        #expect(entries(settlement.vatBreakdown) == ["S 20 81.9 16.38", "S 5.5 543 29.87"])
        #expect(settlement.allowanceCharges.isEmpty)
        #expect(settlement.totals.lineTotal == amount("624.90"))
        #expect(settlement.totals.allowanceTotal == nil)
        #expect(settlement.totals.chargeTotal == nil)
        #expect(settlement.totals.taxExclusive == amount("624.90"))
        #expect(settlement.totals.taxTotal == amount("46.25"))
        #expect(settlement.totals.taxInclusive == amount("671.15"))
        #expect(settlement.totals.prepaid == amount("201.00"))
        #expect(settlement.totals.payable == amount("470.15"))
        // 20 × 4.10 = 82.00 for 81.90 passes rule 1 (0.01 + 20 × 0.005 = 0.11).
        let arithmetic = try Self.checkArithmetic(document, lines, file: file)
        #expect(arithmetic.lineNetTotal == amount("624.90"))
    }

    @Test func facturXFromAPDFIsFormatFacturX() throws {
        let path = Self.corpus + "/cii/fnfe_Facture_FR_EN16931.factur-x.xml"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let (fromPDF, pdfLines) = try Self.read(bytes: bytes, name: "facture.pdf", fromPDF: true)
        #expect(fromPDF.header.format == .facturx)
        #expect(fromPDF.header.number == "FA-2017-0010")
        #expect(pdfLines.count == 3)
        let (plain, _) = try Self.read(bytes: bytes, name: "facture.xml", fromPDF: false)
        #expect(plain.header.format == .cii)
    }

    @Test func cenExample1WithTheFrituurReturn() throws {
        let file = "ubl-invoice/cen_ubl-tc434-example1.xml"
        let (document, lines) = try Self.read(file)
        #expect(document.root == .ublInvoice)
        #expect(document.header.format == .ubl)
        #expect(document.header.kind == .invoice)
        #expect(document.header.number == "12115118")
        #expect(document.header.seller.name == "De Koksmaat")
        #expect(document.header.currency == "EUR")
        #expect(document.lineCount == 20)
        try #require(lines.count == 20)
        #expect(lines.map(\.position) == Array(1...20))
        #expect(lines[0].quantity == 2)
        #expect(lines[0].unitCode == "EA")
        #expect(lines[0].netPrice == amount("9.95"))
        #expect(lines[0].netAmount == amount("19.90"))
        #expect(lines[0].sellerItemID == "166022")
        let frituur = lines[19]
        #expect(frituur.lineID == "20")
        #expect(frituur.quantity == 6)
        #expect(frituur.unitCode == "EA")
        #expect(frituur.netAmount == amount("-109.98"))
        #expect(frituur.netPrice == amount("18.33"))
        #expect(frituur.itemName == "FRITUUR VET 10 KG RETOUR")
        #expect(frituur.sellerItemID == "175137")
        #expect(frituur.vatCategory == "S")
        #expect(frituur.vatPercent == 6)
        let direction = try LineDirection.of(frituur, kind: .invoice, file: file)
        #expect(direction == LineDirection(movement: .return, quantity: 6, signDisagreement: true))
        #expect(document.settlement.totals.lineTotal == amount("229.60"))
        #expect(document.settlement.totals.taxTotal == amount("20.73"))
        #expect(document.settlement.totals.payable == amount("250.33"))
        // The whole document adds up, the return included (rule 2).
        let arithmetic = try Self.checkArithmetic(document, lines, file: file)
        #expect(arithmetic.lineCount == 20)
        #expect(arithmetic.lineNetTotal == amount("229.60"))
    }

    @Test func ublCreditNote() throws {
        let file = "ubl-invoice/cen_ubl-tc434-creditnote1.xml"
        let (document, lines) = try Self.read(file)
        #expect(document.root == .ublCreditNote)
        #expect(document.header.kind == .creditNote)
        #expect(document.header.typeCode == "381")
        #expect(document.header.number == "018304 / 28865")
        #expect(document.header.issueDate == (try day("2019-09-23")))
        #expect(document.header.seller.name == "My Supplier Company N.V.")
        try #require(lines.count == 1)
        // cbc:CreditedQuantity, not InvoicedQuantity.
        #expect(lines[0].quantity == 1)
        #expect(lines[0].unitCode == "C62")
        #expect(lines[0].netAmount == amount("100.11"))
        #expect(lines[0].netPrice == amount("100.11"))
        #expect(lines[0].sellerItemID == "V55")
        #expect(lines[0].vatCategory == "E")
        #expect(lines[0].vatPercent == 0)
        #expect(try LineDirection.of(lines[0], kind: .creditNote, file: file).movement == .return)
        #expect(entries(document.settlement.vatBreakdown) == ["E 0 100.11 0"])
        #expect(document.settlement.totals.payable == amount("100.11"))
        _ = try Self.checkArithmetic(document, lines, file: file)
    }

    @Test func ciiType381IsACreditNote() throws {
        let file = "cii/fnfe_Avoir_FR_type381_BASIC.factur-x.xml"
        let (document, lines) = try Self.read(file)
        #expect(document.root == .cii)
        #expect(document.header.kind == .creditNote)
        #expect(document.header.typeCode == "381")
        #expect(document.header.number == "AV-2017-0005")
        #expect(document.header.profile == "urn:cen.eu:en16931:2017:compliant:factur-x.eu:1p0:basic")
        #expect(!document.header.profileHasNoLines)
        #expect(document.header.precedingInvoice == "FA-2017-0010")
        try #require(lines.count == 2)
        #expect(lines[0].quantity == 5)
        #expect(lines[0].netPrice == amount("4.10"))
        #expect(lines[0].netAmount == amount("20.48"))
        #expect(lines[0].gtin == "3518370400049")
        #expect(lines[1].quantity == 10)
        #expect(lines[1].unitCode == "LTR")
        #expect(lines[1].netAmount == amount("198.00"))
        #expect(entries(document.settlement.vatBreakdown) == ["S 20 20.48 4.1", "S 5.5 198 10.89"])
        #expect(document.settlement.totals.taxTotal == amount("14.99"))
        #expect(document.settlement.totals.payable == amount("233.47"))
        // 5 × 4.10 = 20.50 for 20.48: within 0.01 + 5 × 0.005.
        _ = try Self.checkArithmetic(document, lines, file: file)
        #expect(try LineDirection.of(lines[0], kind: document.header.kind, file: file).movement == .return)

        let (mustang, _) = try Self.read("cii/mustang_testout-ZF2PushCreditNote.xml")
        #expect(mustang.header.kind == .creditNote)
        #expect(mustang.header.typeCode == "381")
        // Type 380 stays an invoice.
        #expect(try Self.read("cii/fnfe_Facture_FR_EN16931.factur-x.xml").0.header.kind == .invoice)
    }

    @Test func despatchAdvice() throws {
        let file = "ubl-despatch/oasis_UBL-DespatchAdvice-2.0-Example.xml"
        let (document, lines) = try Self.read(file)
        let header = document.header
        #expect(document.root == .ublDespatchAdvice)
        #expect(header.format == .ubl)
        #expect(header.kind == .despatchAdvice)
        #expect(header.number == "565899")
        #expect(header.typeCode == "delivery")
        #expect(header.issueDate == (try day("2005-06-20")))
        #expect(header.currency == nil)
        #expect(header.orderReference == "AEG012345")
        #expect(header.seller.name == "Consortial")
        #expect(header.seller.vatID == "1752692355")
        #expect(header.deliveryPartyName == "IYT Corporation")
        #expect(header.deliveryDate == (try day("2005-06-21")))
        try #require(lines.count == 1)
        let beeswax = lines[0]
        #expect(beeswax.lineID == "1")
        #expect(beeswax.quantity == 90)
        #expect(beeswax.unitCode == "KGM")
        #expect(beeswax.netPrice == nil)
        #expect(beeswax.netAmount == nil)
        #expect(beeswax.priceBaseQuantity == nil)
        #expect(beeswax.vatCategory == nil)
        #expect(beeswax.itemName == "beeswax")
        #expect(beeswax.itemDescription == "Acme beeswax")
        #expect(beeswax.sellerItemID == "17589683")
        #expect(beeswax.buyerItemID == "6578489")
        // No money at all.
        #expect(document.settlement == DocumentSettlement())
        let arithmetic = try Self.checkArithmetic(document, lines, file: file)
        #expect(arithmetic.lineCount == 0)
        #expect(try LineDirection.of(beeswax, kind: .despatchAdvice, file: file).movement == .receipt)
    }

    @Test func minimumAndBasicWLProfilesHaveNoLines() throws {
        let (minimum, minimumLines) = try Self.read("cii/fnfe_Facture_FR_MINIMUM.factur-x.xml")
        #expect(minimum.header.profile == "urn:factur-x.eu:1p0:minimum")
        #expect(minimum.header.profileHasNoLines)
        #expect(minimum.lineCount == 0)
        #expect(minimumLines.isEmpty)
        #expect(minimum.header.number == "FA-2017-0010")
        #expect(minimum.settlement.vatBreakdown.isEmpty)
        #expect(minimum.settlement.totals.lineTotal == nil)
        #expect(minimum.settlement.totals.taxExclusive == amount("624.90"))
        #expect(minimum.settlement.totals.taxTotal == amount("46.25"))
        #expect(minimum.settlement.totals.taxInclusive == amount("671.15"))
        #expect(minimum.settlement.totals.prepaid == nil)
        #expect(minimum.settlement.totals.payable == amount("470.15"))

        let (basicWL, basicWLLines) = try Self.read("cii/fnfe_Facture_FR_BASICWL.factur-x.xml")
        #expect(basicWL.header.profile == "urn:factur-x.eu:1p0:basicwl")
        #expect(basicWL.header.profileHasNoLines)
        #expect(basicWLLines.isEmpty)
        #expect(entries(basicWL.settlement.vatBreakdown) == ["S 20 81.9 16.38", "S 5.5 543 29.87"])
        #expect(basicWL.settlement.totals.lineTotal == amount("624.90"))

        let (en16931, _) = try Self.read("cii/fnfe_Facture_FR_EN16931.factur-x.xml")
        #expect(!en16931.header.profileHasNoLines)
    }

    @Test func vatTotalInTheTaxCurrencyIsNotTheDocumentTotal() throws {
        // Example 5 invoices in DKK and also gives the VAT in EUR (628.62): BT-110 is the DKK 675.00.
        let (cii, _) = try Self.read("cii/cen_CII_example5.xml")
        #expect(cii.header.currency == "DKK")
        #expect(cii.settlement.totals.taxTotal == amount("675.00"))
        #expect(cii.settlement.vatBreakdown.count == 2)
        let (ubl, _) = try Self.read("ubl-invoice/cen_ubl-tc434-example5.xml")
        #expect(ubl.header.currency == "DKK")
        #expect(ubl.settlement.totals.taxTotal == amount("675.00"))
        #expect(entries(ubl.settlement.vatBreakdown) == ["S 25 1500 375", "S 12 2500 300"])

        // The same files with the EUR total first: still the DKK one.
        let ciiText = try String(contentsOfFile: Self.corpus + "/cii/cen_CII_example5.xml", encoding: .utf8)
        let dkk = #"<ram:TaxTotalAmount currencyID="DKK">675.00</ram:TaxTotalAmount>"#
        let eur = #"<ram:TaxTotalAmount currencyID="EUR">628.62</ram:TaxTotalAmount>"#
        try #require(ciiText.contains(dkk) && ciiText.contains(eur))
        let swappedCII = ciiText.replacingOccurrences(of: dkk, with: "@@DKK@@")
            .replacingOccurrences(of: eur, with: dkk).replacingOccurrences(of: "@@DKK@@", with: eur)
        #expect(try Self.read(text: swappedCII).0.settlement.totals.taxTotal == amount("675.00"))

        let ublPath = Self.corpus + "/ubl-invoice/cen_ubl-tc434-example5.xml"
        let ublText = try String(contentsOfFile: ublPath, encoding: .utf8)
        let eurTotal = """
                <cac:TaxTotal>
                    <cbc:TaxAmount currencyID="EUR">628.62</cbc:TaxAmount>
                </cac:TaxTotal>

            """
        try #require(ublText.contains(eurTotal))
        let swappedUBL = ublText.replacingOccurrences(of: eurTotal, with: "")
            .replacingOccurrences(
                of: "    <cac:TaxTotal>\n        <cbc:TaxAmount currencyID=\"DKK\">",
                with: eurTotal
                    + "    <cac:TaxTotal>\n        <cbc:TaxAmount currencyID=\"DKK\">")
        try #require(swappedUBL != ublText)
        let (swapped, _) = try Self.read(text: swappedUBL)
        #expect(swapped.settlement.totals.taxTotal == amount("675.00"))
        #expect(swapped.settlement.vatBreakdown.count == 2)
    }

    @Test func documentAllowancesAndCharges() throws {
        let (document, lines) = try Self.read("ubl-invoice/cen_issue116.xml")
        let allowanceCharges = document.settlement.allowanceCharges
        #expect(document.header.currency == "SEK")
        #expect(allowanceCharges.count == 4)
        #expect(allowanceCharges.filter { !$0.isCharge }.count == 2)
        #expect(allowanceCharges.filter(\.isCharge).count == 2)
        #expect(allowanceCharges.map(\.reason) == ["Discount2", "Discount1", "Standard charge", "Extra charge"])
        #expect(allowanceCharges.map(\.amount) == [0, 1, 1, 0])
        #expect(allowanceCharges.map { $0.vatCategory ?? "-" } == ["S", "E", "E", "E"])
        #expect(allowanceCharges.map { $0.vatPercent ?? -1 } == [6, 0, 0, 0])
        #expect(document.settlement.totals.allowanceTotal == 1)
        #expect(document.settlement.totals.chargeTotal == 1)
        #expect(document.settlement.totals.prepaid == 0)
        #expect(document.settlement.totals.rounding == 0)
        #expect(document.settlement.totals.payable == 830)
        #expect(document.settlement.vatBreakdown.count == 4)
        // Document allowances are not line allowances.
        #expect(lines.count == 4)
        #expect(lines.allSatisfy { $0.allowanceCharges.isEmpty })
        #expect(
            lines.map(\.itemName) == ["Newspaper (VAT 6%)", "Food (VAT 12%)", "Food (VAT 12%)", "Petrol (VAT 25%)"])
    }

    @Test func forintInvoiceAddsUpWithWholeUnitRounding() throws {
        // Prices and VAT in whole forints, printed with ".00".
        let file = "cii/cen_huf_example_cii.xml"
        let (document, lines) = try Self.read(file)
        #expect(document.header.currency == "HUF")
        #expect(document.header.number == "21/001003559/996")
        try #require(lines.count == 3)
        let diesel = lines[0]
        #expect(diesel.fileLine == 25)
        #expect(diesel.itemName == "DIZEL")
        #expect(diesel.sellerItemID == "0009")
        #expect(diesel.quantity == 64)
        #expect(diesel.unitCode == "LTR")
        #expect(diesel.netPrice == 36109)
        #expect(diesel.priceBaseQuantity == 100)
        #expect(diesel.netAmount == 23440)
        #expect(diesel.allowanceCharges.map(\.isCharge) == [true])
        #expect(diesel.allowanceCharges.map(\.amount) == [330])
        #expect(diesel.allowanceCharges.map(\.reason) == ["Fee"])
        #expect(entries(document.settlement.vatBreakdown) == ["S 27 69180 18679"])
        // In forints (the document's currency), line 1: 64 × 36109 / 100 + 330 = 23439.76 for 23440,
        // within 0.01 + 0.64 × 0.5 (rule 1); VAT: 69180 × 27 % = 18678.60 for 18679, within half a
        // forint (rule 4).
        let arithmetic = try Self.checkArithmetic(document, lines, file: file)
        #expect(arithmetic.lineNetTotal == 69180)
        #expect(arithmetic.linesIgnoringBaseQuantity.isEmpty)
        _ = try Self.checkArithmetic(document, lines, file: file, currency: "huf")
        // The same figures in a currency with cents: the whole prices and VAT count as printed with
        // cents (0.01 + 0.64 × 0.005 for line 1), so line 1 is refused by finish().
        for currency: String? in ["EUR", nil] {
            let error = #expect(throws: SupplierDocumentError.self) {
                _ = try Self.checkArithmetic(document, lines, file: file, currency: currency)
            }
            #expect(error?.code == .arithmetic)
            #expect(error?.file == file)
            #expect(error?.line == 25)
            #expect(
                error?.message == "line 1 (id '1'): 64 × 36109.00 / 100 + 330.00 charges = 23439.76 "
                    + "but the line amount is 23440.00")
        }
    }

    @Test func cenCIIExample2RepeatsThePriceAsBasisQuantity() throws {
        let file = "cii/cen_CII_example2.xml"
        let (document, lines) = try Self.read(file)
        try #require(lines.count == 5)
        #expect(lines[0].netPrice == 1273)
        #expect(lines[0].priceBaseQuantity == 1273)
        #expect(lines[0].priceBaseUnitCode == "NAR")
        #expect(lines[0].netAmount == 1273)
        #expect(lines[4].quantity == 250)
        #expect(lines[4].unitCode == "MTR")
        #expect(lines[4].priceBaseQuantity == amount("0.75"))
        #expect(lines[4].netAmount == amount("187.5"))
        var arithmetic = DocumentArithmetic(file: file, kind: document.header.kind)
        for line in lines { try arithmetic.add(line) }
        #expect(arithmetic.linesIgnoringBaseQuantity == [1, 2, 3, 4, 5])
    }

    @Test func lineFileLinePointsAtTheLineElement() throws {
        // Where each line element starts in the file (grep -n).
        let expected: [(String, [Int])] = [
            ("cii/fnfe_Facture_FR_EN16931.factur-x.xml", [19, 58, 89]),
            ("ubl-invoice/cen_issue116.xml", [178, 196, 214, 232]),
            ("ubl-despatch/oasis_UBL-DespatchAdvice-2.0-Example.xml", [122]),
        ]
        for (file, fileLines) in expected {
            let lines = try Self.read(file).1
            #expect(lines.count == fileLines.count)
            #expect(lines.map(\.fileLine) == fileLines, "\(file)")
        }
    }

    // MARK: - Refused input

    /// A small valid UBL invoice (one line of flour): the base of the hand-written hostile inputs.
    static func invoice(
        issueDate: String = "2025-03-14", afterIssueDate: String = "", line: String = "2", prolog: String = ""
    ) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        \(prolog)<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
          xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
          xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
          <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
          <cbc:ID>HOSTILE-1</cbc:ID>
          <cbc:IssueDate>\(issueDate)</cbc:IssueDate>
          \(afterIssueDate)<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
          <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
          <cac:AccountingSupplierParty><cac:Party><cac:PartyName><cbc:Name>Minoterie</cbc:Name>
          </cac:PartyName></cac:Party></cac:AccountingSupplierParty>
          <cac:AccountingCustomerParty><cac:Party><cac:PartyName><cbc:Name>OC Pizza</cbc:Name>
          </cac:PartyName></cac:Party></cac:AccountingCustomerParty>
          <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">19.90</cbc:PayableAmount></cac:LegalMonetaryTotal>
          <cac:InvoiceLine>
            <cbc:ID>1</cbc:ID>
            <cbc:InvoicedQuantity unitCode="KGM">\(line)</cbc:InvoicedQuantity>
            <cbc:LineExtensionAmount currencyID="EUR">19.90</cbc:LineExtensionAmount>
            <cac:Item><cbc:Name>Farine T55</cbc:Name></cac:Item>
            <cac:Price><cbc:PriceAmount currencyID="EUR">9.95</cbc:PriceAmount></cac:Price>
          </cac:InvoiceLine>
        </Invoice>

        """
    }

    /// Peak resident memory of the process so far, in KiB.
    static func peakKiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss)
    }

    /// Reads `bytes`, expecting a refusal: returns it, having checked it took little time and memory.
    static func refusal(_ bytes: [UInt8], name: String = "hostile.xml") throws -> SupplierDocumentError? {
        try schemas.get().compileAll()
        let memoryBefore = peakKiB()
        let started = ContinuousClock.now
        var error: SupplierDocumentError?
        do {
            _ = try read(bytes: bytes, name: name)
        } catch let refused as SupplierDocumentError {
            error = refused
        }
        // Generous bounds that only an actual expansion or a network wait would break.
        #expect(ContinuousClock.now - started < .seconds(30), "\(name) took too long")
        #expect(peakKiB() - memoryBefore < 32 * 1024, "\(name) used too much memory")
        #expect(error != nil, "\(name) was not refused")
        #expect(error?.file == name)
        return error
    }

    @Test func validBaseDocumentReads() throws {
        let (document, lines) = try Self.read(text: Self.invoice())
        #expect(document.header.number == "HOSTILE-1")
        #expect(document.header.issueDate == (try day("2025-03-14")))
        #expect(lines.count == 1)
        #expect(lines.first?.quantity == 2)
    }

    @Test func billionLaughsIsHostile() throws {
        var entities = "<!DOCTYPE Invoice [\n<!ENTITY lol0 \"lol\">\n"
        for level in 1...9 {
            entities += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n"
        }
        entities += "]>\n"
        let text = Self.invoice(line: "&lol9;", prolog: entities)
        let error = try Self.refusal(Array(text.utf8), name: "lolz.xml")
        #expect(error?.code == .hostile)
        // The line of `<!DOCTYPE`, not where the parser got to after the internal subset (line 13).
        #expect(error?.line == 2)
    }

    @Test func externalEntityIsHostile() throws {
        let prolog = "<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n"
        let error = try Self.refusal(Array(Self.invoice(line: "&xxe;", prolog: prolog).utf8), name: "xxe.xml")
        #expect(error?.code == .hostile)
        #expect(error?.line == 2)
        #expect(error?.message.contains("root:") == false)
    }

    @Test func externalDTDIsHostileAndNeverFetched() throws {
        let prolog = "<!DOCTYPE Invoice SYSTEM \"http://192.0.2.1/ubl/invoice.dtd\">\n"
        let error = try Self.refusal(Array(Self.invoice(prolog: prolog).utf8), name: "dtd.xml")
        #expect(error?.code == .hostile)
        #expect(error?.line == 2)
        // After two comment lines, `<!DOCTYPE` is on line 4.
        let commented = "<!-- exported by ERP -->\n<!-- v2 -->\n" + prolog
        let later = try Self.refusal(Array(Self.invoice(prolog: commented).utf8), name: "dtd4.xml")
        #expect(later?.code == .hostile)
        #expect(later?.line == 4)
        // The same read from a file on disk.
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("dtd-\(UUID().uuidString).xml").path
        try Self.invoice(prolog: commented).write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFile = #expect(throws: SupplierDocumentError.self) {
            _ = try SupplierDocumentReader.read(
                file: path, displayName: "dtd4.xml", schemas: try Self.schemas.get(), onLine: { _, _ in })
        }
        #expect(fromFile?.code == .hostile)
        #expect(fromFile?.line == 4)
        #expect(fromFile?.file == "dtd4.xml")
    }

    @Test func truncatedDocumentIsMalformed() throws {
        let text = Self.invoice()
        let cut = text.range(of: "<cbc:LineExtensionAmount")!.lowerBound
        let error = try Self.refusal(Array(text[..<cut].utf8), name: "truncated.xml")
        #expect(error?.code == .malformed)
        // The file ends on line 18, inside the line.
        #expect(error?.line == 18)
        // Empty and non-XML input too, on line 1.
        let empty = try Self.refusal([], name: "empty.xml")
        #expect(empty?.code == .malformed)
        #expect(empty?.line == 1)
        let notXML = try Self.refusal(Array("%PDF-1.7\n".utf8), name: "notxml.xml")
        #expect(notXML?.code == .malformed)
        #expect(notXML?.line == 1)
    }

    @Test func wrongRootIsUnsupported() throws {
        let order = """
            <?xml version="1.0" encoding="UTF-8"?>
            <Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"
              xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
              <cbc:ID>PO-1</cbc:ID>
            </Order>
            """
        let error = try Self.refusal(Array(order.utf8), name: "order.xml")
        #expect(error?.code == .unsupportedFormat)
        // The root's start tag spans lines 2 and 3.
        #expect((2...3).contains(error?.line ?? 0))
        #expect(
            error?.message.hasPrefix("root element {urn:oasis:names:specification:ubl:schema:xsd:Order-2}Order")
                == true)
        // The right local name in no namespace, or in the wrong one, is not enough.
        let bare = "<?xml version=\"1.0\"?>\n<Invoice><ID>1</ID></Invoice>\n"
        let bareError = try Self.refusal(Array(bare.utf8), name: "bare.xml")
        #expect(bareError?.code == .unsupportedFormat)
        #expect(bareError?.line == 2)
        #expect(bareError?.message.hasPrefix("root element {no namespace}Invoice") == true)
        let crossed = "<Invoice xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\"/>"
        let crossedError = try Self.refusal(Array(crossed.utf8), name: "crossed.xml")
        #expect(crossedError?.code == .unsupportedFormat)
        #expect(crossedError?.line == 1)
    }

    @Test func zugferd1IsUnsupported() throws {
        let zugferd = """
            <?xml version="1.0" encoding="UTF-8"?>
            <rsm:CrossIndustryDocument xmlns:rsm="urn:ferd:CrossIndustryDocument:invoice:1p0"
              xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:12">
              <rsm:HeaderExchangedDocument><ram:ID>471102</ram:ID></rsm:HeaderExchangedDocument>
            </rsm:CrossIndustryDocument>
            """
        let error = try Self.refusal(Array(zugferd.utf8), name: "zugferd-invoice.xml")
        #expect(error?.code == .unsupportedFormat)
        // The root's start tag spans lines 2 and 3.
        #expect((2...3).contains(error?.line ?? 0))
        #expect(error?.message.contains("ZUGFeRD 1.0") == true)
    }

    @Test func nonUTF8BytesAreMalformed() throws {
        // "Farine blé" in Latin-1 (é = 0xE9) in a document that says it is UTF-8, on line 19.
        let text = Self.invoice()
        let parts = text.components(separatedBy: "Farine T55")
        try #require(parts.count == 2)
        let bytes = Array(parts[0].utf8) + Array("Farine bl".utf8) + [0xE9] + Array(parts[1].utf8)
        let error = try Self.refusal(bytes, name: "latin1.xml")
        #expect(error?.code == .malformed)
        #expect(error?.line == 19)
    }

    @Test func unknownElementIsSchemaInvalid() throws {
        // An element UBL does not have, on line 8.
        let text = Self.invoice(afterIssueDate: "<cbc:Colour>red</cbc:Colour>\n  ")
        let error = try Self.refusal(Array(text.utf8), name: "invalid.xml")
        #expect(error?.code == .schemaInvalid)
        #expect(error?.line == 8)
        #expect(error?.message.contains("Colour") == true)
        // A date that does not exist is the schema's business too (xs:date).
        let february30 = try Self.refusal(Array(Self.invoice(issueDate: "2025-02-30").utf8), name: "feb30.xml")
        #expect(february30?.code == .schemaInvalid)
        #expect(february30?.line == 7)
        // So is a quantity that is not a decimal.
        let quantity = try Self.refusal(Array(Self.invoice(line: "2,5").utf8), name: "comma.xml")
        #expect(quantity?.code == .schemaInvalid)
        #expect(quantity?.line == 17)
    }

    @Test func dateTheSchemaAcceptsButNoCalendarDayIsABadValue() throws {
        // xs:date allows a five-digit year; BT-2 cannot be 12025-03-14.
        let error = try Self.refusal(Array(Self.invoice(issueDate: "12025-03-14").utf8), name: "year.xml")
        #expect(error?.code == .badValue)
        #expect(error?.message == "IssueDate (BT-2): '12025-03-14' is not a date")
        #expect(error?.line == 7)
    }
}
