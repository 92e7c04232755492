import Domain
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One supplier delivery to one shop on one day, as the supplier would bill it: the input of
/// ``SupplierDocumentWriter``.
///
/// The history generator files the demo suppliers' deliveries as e-invoices instead of posting
/// them, so that `import-supplier` has real files to read; the benchmark writes thousands of them.
/// Both need the same conventions the importer relies on (seller identified by VAT id, SIREN and
/// SIRET; shop by buyer reference and GLN), so they live in this one value.
///
/// Line amounts are computed here, once, from the price text as written (never through `Double`):
/// line net = packs × price rounded half-up to the cent, and the VAT breakdown is Domain's
/// ``VATBreakdown`` on those nets, so the document's totals add up exactly as EN 16931 checks them.
public struct SupplierDelivery: Sendable, Equatable {
    /// A company as an e-invoice names it.
    public struct Party: Sendable, Equatable {
        /// Legal name (BT-27 / BT-44).
        public var name: String
        /// SIREN (BT-30 / BT-47, scheme 0002).
        public var siren: String
        /// Intra-EU VAT number (BT-31 / BT-48).
        public var vatID: String
        /// Electronic address (BT-34 / BT-49): a SIRET with scheme 0009 for the demo suppliers.
        public var endpoint: Endpoint?

        public init(name: String, siren: String, vatID: String, endpoint: Endpoint? = nil) {
            self.name = name
            self.siren = siren
            self.vatID = vatID
            self.endpoint = endpoint
        }

        /// A demo supplier, with its SIRET as electronic address when the data gives one.
        public init(supplier: DemoData.Supplier) {
            self.init(
                name: supplier.name, siren: supplier.siren, vatID: supplier.vatId,
                endpoint: supplier.einvoiceEndpoint.map { Endpoint(scheme: $0.scheme, id: $0.id) })
        }
    }

    /// An identifier with its ISO 6523 scheme (`@schemeID`).
    public struct Endpoint: Sendable, Equatable {
        public var scheme: String
        public var id: String

        public init(scheme: String, id: String) {
            self.scheme = scheme
            self.id = id
        }
    }

    /// The shop the goods went to.
    public struct Shop: Sendable, Equatable {
        /// The buyer reference (BT-10): the importer finds the shop by this code first.
        public var code: String
        /// Deliver-to name (BT-70).
        public var name: String
        /// Deliver-to location (BT-71, scheme 0088); omitted when the shop has none.
        public var gln: String?

        public init(code: String, name: String, gln: String?) {
            self.code = code
            self.name = name
            self.gln = gln
        }

        public init(shop: DemoData.Shop) {
            self.init(code: shop.code, name: shop.name, gln: shop.gln)
        }
    }

    /// One invoice line: a number of packs of a supplier item at its net price.
    public struct Line: Sendable, Equatable {
        /// Seller's item id (BT-155).
        public let sellerItemID: String
        /// GTIN (BT-157, scheme 0160).
        public let gtin: String?
        /// Item name (BT-153).
        public let name: String
        /// UN/ECE Rec 20/21 unit of the quantity (BT-130): the item's purchase unit.
        public let unitCode: String
        /// Invoiced quantity (BT-129), in `unitCode`.
        public let packs: Int64
        /// Net price per unit (BT-146), written exactly as given ("21.6000").
        public let unitPrice: String
        /// VAT rate (BT-152), category S.
        public let vatRate: VATRate
        /// Line net amount (BT-131): `packs × unitPrice`, rounded half-up to the cent.
        public let net: Money

        /// - Throws: ``SupplierDocumentWriterError`` when the price is not a plain non-negative
        ///   decimal ("12", "21.6000"), which is all a price in the data may be.
        public init(
            sellerItemID: String, gtin: String?, name: String, unitCode: String, packs: Int64, unitPrice: String,
            vatRate: VATRate
        ) throws {
            guard Self.isPlainDecimal(unitPrice), let price = Decimal(exactly: unitPrice) else {
                throw SupplierDocumentWriterError("the price \(unitPrice) of \(sellerItemID) is not a plain decimal")
            }
            self.sellerItemID = sellerItemID
            self.gtin = gtin
            self.name = name
            self.unitCode = unitCode
            self.packs = packs
            self.unitPrice = unitPrice
            self.vatRate = vatRate
            do {
                net = try Money(roundingHalfUp: Decimal(packs) * price)
            } catch {
                throw SupplierDocumentWriterError("the line of \(sellerItemID) overflows: \(error)")
            }
        }

        /// `packs` of a demo supplier item, at its price and VAT rate in the data.
        public init(item: DemoData.SupplierItem, packs: Int64) throws {
            guard let fraction = Decimal(exactly: item.vatRate), let rate = try? VATRate(fraction: fraction) else {
                throw SupplierDocumentWriterError("the VAT rate \(item.vatRate) of \(item.sellerItemId) is invalid")
            }
            try self.init(
                sellerItemID: item.sellerItemId, gtin: item.gtin, name: item.description, unitCode: item.purchaseUnit,
                packs: packs, unitPrice: item.unitPrice, vatRate: rate)
        }

        /// Digits, optionally a dot and more digits: no sign, no exponent, nothing an XSD decimal
        /// or the importer's strict parser could read differently.
        static func isPlainDecimal(_ text: String) -> Bool {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count) else { return false }
            return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0 >= "0" && $0 <= "9" } }
        }
    }

    /// How a supplier sends its documents (`documentFormat` in suppliers.json).
    public enum Format: String, Sendable, CaseIterable {
        /// UBL 2.1 `Invoice`, `<number>.xml`.
        case ubl
        /// CII D16B `CrossIndustryInvoice`, `<number>.xml`.
        case cii
        /// The CII XML a Factur-X PDF embeds, written on its own as `<number>.factur-x.xml` (no PDF).
        case facturx

        /// The file name the importer finds in its inbox.
        public func fileName(number: String) -> String {
            self == .facturx ? number + ".factur-x.xml" : number + ".xml"
        }
    }

    /// The buyer on every document: the chain's company. Made up, with a correct SIREN check
    /// digit and VAT key (`Identifiers` checks both in the tests).
    public static let buyer = Party(name: "OC Pizza SAS", siren: "853201747", vatID: "FR02853201747")
    /// BT-24: plain EN 16931, which the importer accepts in both syntaxes.
    public static let profile = "urn:cen.eu:en16931:2017"
    /// BT-3: a commercial invoice.
    public static let typeCode = "380"

    /// BT-1.
    public var number: String
    public var seller: Party
    public var shop: Shop
    /// The delivery day: issue date (BT-2) and actual delivery date (BT-72).
    public var day: LocalDate
    /// BT-126 is the position in this array, from 1.
    public var lines: [Line]

    public init(number: String, seller: Party, shop: Shop, day: LocalDate, lines: [Line]) {
        self.number = number
        self.seller = seller
        self.shop = shop
        self.day = day
        self.lines = lines
    }

    /// The generator's document number, `<supplier code>-<yyyymmdd>-<shop code>`: one delivery per
    /// supplier, shop and day, so the number is unique and a re-run names the same file.
    public static func number(supplierCode: String, day: LocalDate, shopCode: String) -> String {
        "\(supplierCode)-\(day.isoString.filter { $0 != "-" })-\(shopCode)"
    }

    /// BT-9: thirty days after issue.
    public var dueDate: LocalDate { day.adding(days: 30) }

    /// The VAT breakdown (BG-23) and totals: BT-106 = BT-109 = Σ line nets, BT-110 = Σ VAT per
    /// rate, BT-112 = BT-115 = BT-109 + BT-110 (no allowances, charges or prepayment).
    public func totals() throws -> VATBreakdown {
        do {
            return try VATBreakdown(
                lines: lines.map { VATLine(amount: $0.net, rate: $0.vatRate) }, basis: .excludingVAT)
        } catch {
            throw SupplierDocumentWriterError("the totals of \(number) overflow: \(error)")
        }
    }
}

/// A delivery that cannot be written (a malformed price, an amount out of range).
public struct SupplierDocumentWriterError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Renders a ``SupplierDelivery`` as an EN 16931 e-invoice: UBL 2.1 `Invoice` or CII D16B
/// `CrossIndustryInvoice`, UTF-8, indented, valid against the official XSDs.
///
/// Deterministic: no clock, no UUID, no dictionary order, so the same delivery always gives the
/// same bytes (a re-run of the generator rewrites identical files, and tests can compare them).
/// Amounts have two decimals and a dot, prices are copied as written, percentages are the shortest
/// decimal (5.5, 20).
public enum SupplierDocumentWriter {
    /// The document in `format` (Factur-X: its CII XML).
    public static func render(_ delivery: SupplierDelivery, as format: SupplierDelivery.Format) throws -> [UInt8] {
        format == .ubl ? try ubl(delivery) : try cii(delivery)
    }

    /// A UBL 2.1 Invoice.
    public static func ubl(_ delivery: SupplierDelivery) throws -> [UInt8] {
        let totals = try delivery.totals()
        var x = XMLText()
        x.declaration()
        x.open(
            "Invoice",
            [
                ("xmlns", "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"),
                ("xmlns:cac", "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"),
                ("xmlns:cbc", "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"),
            ])
        x.leaf("cbc:CustomizationID", SupplierDelivery.profile)
        x.leaf("cbc:ID", delivery.number)
        x.leaf("cbc:IssueDate", delivery.day.isoString)
        x.leaf("cbc:DueDate", delivery.dueDate.isoString)
        x.leaf("cbc:InvoiceTypeCode", SupplierDelivery.typeCode)
        x.leaf("cbc:DocumentCurrencyCode", Money.currencyCode)
        x.leaf("cbc:BuyerReference", delivery.shop.code)
        x.open("cac:AccountingSupplierParty")
        ublParty(&x, delivery.seller)
        x.close("cac:AccountingSupplierParty")
        x.open("cac:AccountingCustomerParty")
        ublParty(&x, SupplierDelivery.buyer)
        x.close("cac:AccountingCustomerParty")
        x.open("cac:Delivery")
        x.leaf("cbc:ActualDeliveryDate", delivery.day.isoString)
        if let gln = delivery.shop.gln {
            x.open("cac:DeliveryLocation")
            x.leaf("cbc:ID", gln, [("schemeID", "0088")])
            x.close("cac:DeliveryLocation")
        }
        x.open("cac:DeliveryParty")
        x.open("cac:PartyName")
        x.leaf("cbc:Name", delivery.shop.name)
        x.close("cac:PartyName")
        x.close("cac:DeliveryParty")
        x.close("cac:Delivery")
        x.open("cac:TaxTotal")
        x.leaf("cbc:TaxAmount", totals.vat.machineText, euro)
        for rate in totals.rates {
            x.open("cac:TaxSubtotal")
            x.leaf("cbc:TaxableAmount", rate.ht.machineText, euro)
            x.leaf("cbc:TaxAmount", rate.vat.machineText, euro)
            ublTaxCategory(&x, "cac:TaxCategory", rate.rate)
            x.close("cac:TaxSubtotal")
        }
        x.close("cac:TaxTotal")
        x.open("cac:LegalMonetaryTotal")
        x.leaf("cbc:LineExtensionAmount", totals.ht.machineText, euro)
        x.leaf("cbc:TaxExclusiveAmount", totals.ht.machineText, euro)
        x.leaf("cbc:TaxInclusiveAmount", totals.ttc.machineText, euro)
        x.leaf("cbc:PayableAmount", totals.ttc.machineText, euro)
        x.close("cac:LegalMonetaryTotal")
        for (index, line) in delivery.lines.enumerated() {
            x.open("cac:InvoiceLine")
            x.leaf("cbc:ID", String(index + 1))
            x.leaf("cbc:InvoicedQuantity", String(line.packs), [("unitCode", line.unitCode)])
            x.leaf("cbc:LineExtensionAmount", line.net.machineText, euro)
            x.open("cac:Item")
            x.leaf("cbc:Name", line.name)
            x.open("cac:SellersItemIdentification")
            x.leaf("cbc:ID", line.sellerItemID)
            x.close("cac:SellersItemIdentification")
            if let gtin = line.gtin {
                x.open("cac:StandardItemIdentification")
                x.leaf("cbc:ID", gtin, [("schemeID", "0160")])
                x.close("cac:StandardItemIdentification")
            }
            ublTaxCategory(&x, "cac:ClassifiedTaxCategory", line.vatRate)
            x.close("cac:Item")
            x.open("cac:Price")
            x.leaf("cbc:PriceAmount", line.unitPrice, euro)
            x.close("cac:Price")
            x.close("cac:InvoiceLine")
        }
        x.close("Invoice")
        return x.bytes
    }

    /// A CII D16B CrossIndustryInvoice (the XML of a Factur-X EN 16931 invoice).
    ///
    /// Only `TaxTotalAmount` carries a currency, as EN 16931's CII binding wants (CII-DT-031).
    public static func cii(_ delivery: SupplierDelivery) throws -> [UInt8] {
        let totals = try delivery.totals()
        var x = XMLText()
        x.declaration()
        x.open(
            "rsm:CrossIndustryInvoice",
            [
                ("xmlns:rsm", "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"),
                ("xmlns:ram", "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"),
                ("xmlns:udt", "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"),
            ])
        x.open("rsm:ExchangedDocumentContext")
        x.open("ram:GuidelineSpecifiedDocumentContextParameter")
        x.leaf("ram:ID", SupplierDelivery.profile)
        x.close("ram:GuidelineSpecifiedDocumentContextParameter")
        x.close("rsm:ExchangedDocumentContext")
        x.open("rsm:ExchangedDocument")
        x.leaf("ram:ID", delivery.number)
        x.leaf("ram:TypeCode", SupplierDelivery.typeCode)
        ciiDate(&x, "ram:IssueDateTime", delivery.day)
        x.close("rsm:ExchangedDocument")
        x.open("rsm:SupplyChainTradeTransaction")
        for (index, line) in delivery.lines.enumerated() {
            x.open("ram:IncludedSupplyChainTradeLineItem")
            x.open("ram:AssociatedDocumentLineDocument")
            x.leaf("ram:LineID", String(index + 1))
            x.close("ram:AssociatedDocumentLineDocument")
            x.open("ram:SpecifiedTradeProduct")
            if let gtin = line.gtin { x.leaf("ram:GlobalID", gtin, [("schemeID", "0160")]) }
            x.leaf("ram:SellerAssignedID", line.sellerItemID)
            x.leaf("ram:Name", line.name)
            x.close("ram:SpecifiedTradeProduct")
            x.open("ram:SpecifiedLineTradeAgreement")
            x.open("ram:NetPriceProductTradePrice")
            x.leaf("ram:ChargeAmount", line.unitPrice)
            x.close("ram:NetPriceProductTradePrice")
            x.close("ram:SpecifiedLineTradeAgreement")
            x.open("ram:SpecifiedLineTradeDelivery")
            x.leaf("ram:BilledQuantity", String(line.packs), [("unitCode", line.unitCode)])
            x.close("ram:SpecifiedLineTradeDelivery")
            x.open("ram:SpecifiedLineTradeSettlement")
            x.open("ram:ApplicableTradeTax")
            x.leaf("ram:TypeCode", "VAT")
            x.leaf("ram:CategoryCode", "S")
            x.leaf("ram:RateApplicablePercent", percentText(line.vatRate))
            x.close("ram:ApplicableTradeTax")
            x.open("ram:SpecifiedTradeSettlementLineMonetarySummation")
            x.leaf("ram:LineTotalAmount", line.net.machineText)
            x.close("ram:SpecifiedTradeSettlementLineMonetarySummation")
            x.close("ram:SpecifiedLineTradeSettlement")
            x.close("ram:IncludedSupplyChainTradeLineItem")
        }
        x.open("ram:ApplicableHeaderTradeAgreement")
        x.leaf("ram:BuyerReference", delivery.shop.code)
        x.open("ram:SellerTradeParty")
        ciiParty(&x, delivery.seller)
        x.close("ram:SellerTradeParty")
        x.open("ram:BuyerTradeParty")
        ciiParty(&x, SupplierDelivery.buyer)
        x.close("ram:BuyerTradeParty")
        x.close("ram:ApplicableHeaderTradeAgreement")
        x.open("ram:ApplicableHeaderTradeDelivery")
        x.open("ram:ShipToTradeParty")
        if let gln = delivery.shop.gln { x.leaf("ram:GlobalID", gln, [("schemeID", "0088")]) }
        x.leaf("ram:Name", delivery.shop.name)
        x.close("ram:ShipToTradeParty")
        x.open("ram:ActualDeliverySupplyChainEvent")
        ciiDate(&x, "ram:OccurrenceDateTime", delivery.day)
        x.close("ram:ActualDeliverySupplyChainEvent")
        x.close("ram:ApplicableHeaderTradeDelivery")
        x.open("ram:ApplicableHeaderTradeSettlement")
        x.leaf("ram:InvoiceCurrencyCode", Money.currencyCode)
        for rate in totals.rates {
            x.open("ram:ApplicableTradeTax")
            x.leaf("ram:CalculatedAmount", rate.vat.machineText)
            x.leaf("ram:TypeCode", "VAT")
            x.leaf("ram:BasisAmount", rate.ht.machineText)
            x.leaf("ram:CategoryCode", "S")
            x.leaf("ram:RateApplicablePercent", percentText(rate.rate))
            x.close("ram:ApplicableTradeTax")
        }
        x.open("ram:SpecifiedTradePaymentTerms")
        ciiDate(&x, "ram:DueDateDateTime", delivery.dueDate)
        x.close("ram:SpecifiedTradePaymentTerms")
        x.open("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        x.leaf("ram:LineTotalAmount", totals.ht.machineText)
        x.leaf("ram:TaxBasisTotalAmount", totals.ht.machineText)
        x.leaf("ram:TaxTotalAmount", totals.vat.machineText, euro)
        x.leaf("ram:GrandTotalAmount", totals.ttc.machineText)
        x.leaf("ram:DuePayableAmount", totals.ttc.machineText)
        x.close("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        x.close("ram:ApplicableHeaderTradeSettlement")
        x.close("rsm:SupplyChainTradeTransaction")
        x.close("rsm:CrossIndustryInvoice")
        return x.bytes
    }

    /// Writes `bytes` as `directory/fileName` so that a reader never sees half a file: into a
    /// hidden `.part` file of the same directory (same file system), then renamed over the name.
    /// A file already holding exactly these bytes is left alone, so a re-run changes nothing.
    /// Returns whether it wrote.
    @discardableResult
    public static func writeAtomically(_ bytes: [UInt8], directory: String, fileName: String) throws -> Bool {
        let path = directory + "/" + fileName
        if let existing = FileManager.default.contents(atPath: path), existing.elementsEqual(bytes) { return false }
        let temporary = directory + "/." + fileName + ".\(getpid()).part"
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        } catch {
            throw SupplierDocumentWriterError("cannot write \(temporary): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SupplierDocumentWriterError("cannot rename \(temporary) to \(path): \(reason)")
        }
        return true
    }

    // MARK: Parts

    static let euro = [("currencyID", Money.currencyCode)]

    /// A percentage the shortest way (550 basis points → "5.5", 2000 → "20").
    static func percentText(_ rate: VATRate) -> String {
        let whole = rate.basisPoints / 100
        let hundredths = rate.basisPoints % 100
        if hundredths == 0 { return String(whole) }
        let fraction = hundredths < 10 ? "0" + String(hundredths) : String(hundredths)
        return String(whole) + "." + (fraction.hasSuffix("0") ? String(fraction.dropLast()) : fraction)
    }

    private static func ublParty(_ x: inout XMLText, _ party: SupplierDelivery.Party) {
        x.open("cac:Party")
        if let endpoint = party.endpoint { x.leaf("cbc:EndpointID", endpoint.id, [("schemeID", endpoint.scheme)]) }
        x.open("cac:PostalAddress")
        x.open("cac:Country")
        x.leaf("cbc:IdentificationCode", "FR")
        x.close("cac:Country")
        x.close("cac:PostalAddress")
        x.open("cac:PartyTaxScheme")
        x.leaf("cbc:CompanyID", party.vatID)
        x.open("cac:TaxScheme")
        x.leaf("cbc:ID", "VAT")
        x.close("cac:TaxScheme")
        x.close("cac:PartyTaxScheme")
        x.open("cac:PartyLegalEntity")
        x.leaf("cbc:RegistrationName", party.name)
        x.leaf("cbc:CompanyID", party.siren, [("schemeID", "0002")])
        x.close("cac:PartyLegalEntity")
        x.close("cac:Party")
    }

    private static func ublTaxCategory(_ x: inout XMLText, _ element: String, _ rate: VATRate) {
        x.open(element)
        x.leaf("cbc:ID", "S")
        x.leaf("cbc:Percent", percentText(rate))
        x.open("cac:TaxScheme")
        x.leaf("cbc:ID", "VAT")
        x.close("cac:TaxScheme")
        x.close(element)
    }

    private static func ciiParty(_ x: inout XMLText, _ party: SupplierDelivery.Party) {
        x.leaf("ram:Name", party.name)
        x.open("ram:SpecifiedLegalOrganization")
        x.leaf("ram:ID", party.siren, [("schemeID", "0002")])
        x.close("ram:SpecifiedLegalOrganization")
        x.open("ram:PostalTradeAddress")
        x.leaf("ram:CountryID", "FR")
        x.close("ram:PostalTradeAddress")
        if let endpoint = party.endpoint {
            x.open("ram:URIUniversalCommunication")
            x.leaf("ram:URIID", endpoint.id, [("schemeID", endpoint.scheme)])
            x.close("ram:URIUniversalCommunication")
        }
        x.open("ram:SpecifiedTaxRegistration")
        x.leaf("ram:ID", party.vatID, [("schemeID", "VA")])
        x.close("ram:SpecifiedTaxRegistration")
    }

    private static func ciiDate(_ x: inout XMLText, _ element: String, _ date: LocalDate) {
        x.open(element)
        x.leaf("udt:DateTimeString", date.isoString.filter { $0 != "-" }, [("format", "102")])
        x.close(element)
    }
}

/// A UBL 2.1 `DespatchAdvice` of any size, written line by line to a file in chunks: memory stays
/// at one chunk whatever the number of lines (the benchmark writes hundreds of megabytes).
///
/// Each item's XML is rendered and escaped once, in ``Item``; a line then costs its id, its
/// quantity and a copy of the item's bytes. Call ``finish()`` to close the document: until then
/// the file is not well-formed.
public final class DespatchAdviceWriter {
    /// A despatched item, pre-rendered.
    public struct Item: Sendable {
        let unitCode: [UInt8]
        let body: [UInt8]

        public init(sellerItemID: String, gtin: String?, name: String, unitCode: String) {
            var x = XMLText(depth: 2)
            x.open("cac:Item")
            x.leaf("cbc:Name", name)
            x.open("cac:SellersItemIdentification")
            x.leaf("cbc:ID", sellerItemID)
            x.close("cac:SellersItemIdentification")
            if let gtin {
                x.open("cac:StandardItemIdentification")
                x.leaf("cbc:ID", gtin, [("schemeID", "0160")])
                x.close("cac:StandardItemIdentification")
            }
            x.close("cac:Item")
            body = x.bytes
            var unit: [UInt8] = []
            XMLText.escape(unitCode, into: &unit, attribute: true)
            self.unitCode = unit
        }

        /// A demo supplier item, despatched in its purchase unit.
        public init(item: DemoData.SupplierItem) {
            self.init(
                sellerItemID: item.sellerItemId, gtin: item.gtin, name: item.description, unitCode: item.purchaseUnit)
        }
    }

    private let descriptor: Int32
    private let chunkSize: Int
    private var buffer: [UInt8]
    private var finished = false
    /// Lines appended so far.
    public private(set) var lineCount = 0
    /// Bytes handed to the file so far plus those still in the buffer: the document's size.
    public private(set) var byteCount = 0

    /// Starts the document (header, parties, shipment) on `file`, which must stay open until
    /// ``finish()``; `orderReference` is the purchase order every line refers to (UBL requires an
    /// order line reference on each despatch line).
    public init(
        file: FileHandle, number: String, orderReference: String, seller: SupplierDelivery.Party,
        shop: SupplierDelivery.Shop, day: LocalDate, chunkSize: Int = 1 << 20
    ) throws {
        descriptor = file.fileDescriptor
        self.chunkSize = max(4_096, chunkSize)
        buffer = []
        buffer.reserveCapacity(self.chunkSize + 4_096)
        var x = XMLText()
        x.declaration()
        x.open(
            "DespatchAdvice",
            [
                ("xmlns", "urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2"),
                ("xmlns:cac", "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"),
                ("xmlns:cbc", "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"),
            ])
        x.leaf("cbc:UBLVersionID", "2.1")
        x.leaf("cbc:CustomizationID", "urn:fdc:peppol.eu:poacc:trns:despatch_advice:3")
        x.leaf("cbc:ProfileID", "urn:fdc:peppol.eu:poacc:bis:despatch_advice:3")
        x.leaf("cbc:ID", number)
        x.leaf("cbc:IssueDate", day.isoString)
        x.open("cac:OrderReference")
        x.leaf("cbc:ID", orderReference)
        x.close("cac:OrderReference")
        x.open("cac:DespatchSupplierParty")
        x.open("cac:Party")
        if let endpoint = seller.endpoint { x.leaf("cbc:EndpointID", endpoint.id, [("schemeID", endpoint.scheme)]) }
        x.open("cac:PartyTaxScheme")
        x.leaf("cbc:CompanyID", seller.vatID)
        x.open("cac:TaxScheme")
        x.leaf("cbc:ID", "VAT")
        x.close("cac:TaxScheme")
        x.close("cac:PartyTaxScheme")
        x.open("cac:PartyLegalEntity")
        x.leaf("cbc:RegistrationName", seller.name)
        x.leaf("cbc:CompanyID", seller.siren, [("schemeID", "0002")])
        x.close("cac:PartyLegalEntity")
        x.close("cac:Party")
        x.close("cac:DespatchSupplierParty")
        x.open("cac:DeliveryCustomerParty")
        x.open("cac:Party")
        if let gln = shop.gln {
            x.open("cac:PartyIdentification")
            x.leaf("cbc:ID", gln, [("schemeID", "0088")])
            x.close("cac:PartyIdentification")
        }
        x.open("cac:PartyName")
        x.leaf("cbc:Name", shop.name)
        x.close("cac:PartyName")
        x.close("cac:Party")
        x.close("cac:DeliveryCustomerParty")
        x.open("cac:Shipment")
        x.leaf("cbc:ID", "1")
        x.open("cac:Delivery")
        x.leaf("cbc:ActualDeliveryDate", day.isoString)
        if let gln = shop.gln {
            x.open("cac:DeliveryLocation")
            x.leaf("cbc:ID", gln, [("schemeID", "0088")])
            x.close("cac:DeliveryLocation")
        }
        x.open("cac:Despatch")
        x.leaf("cbc:ActualDespatchDate", day.isoString)
        x.close("cac:Despatch")
        x.close("cac:Delivery")
        x.close("cac:Shipment")
        buffer += x.bytes
        byteCount = buffer.count
        try flushIfFull()
    }

    /// Appends despatch line `lineCount + 1`: `quantity` of `item`, referring to the order line
    /// of the same number.
    public func append(_ item: Item, quantity: Int64) throws {
        precondition(!finished, "DespatchAdviceWriter: append after finish")
        lineCount += 1
        let id = String(lineCount)
        let start = buffer.count
        buffer += Self.lineOpen
        buffer += id.utf8
        buffer += Self.quantityOpen
        buffer += item.unitCode
        buffer += Self.quantityMiddle
        buffer += String(quantity).utf8
        buffer += Self.referenceOpen
        buffer += id.utf8
        buffer += Self.referenceClose
        buffer += item.body
        buffer += Self.lineClose
        byteCount += buffer.count - start
        try flushIfFull()
    }

    /// Closes the document and writes what is left. The file handle stays open (the caller's).
    public func finish() throws {
        guard !finished else { return }
        finished = true
        let closing = Array("</DespatchAdvice>\n".utf8)
        buffer += closing
        byteCount += closing.count
        try flush()
    }

    private static let lineOpen = Array("  <cac:DespatchLine>\n    <cbc:ID>".utf8)
    private static let quantityOpen = Array("</cbc:ID>\n    <cbc:DeliveredQuantity unitCode=\"".utf8)
    private static let quantityMiddle = Array("\">".utf8)
    private static let referenceOpen = Array(
        "</cbc:DeliveredQuantity>\n    <cac:OrderLineReference>\n      <cbc:LineID>".utf8)
    private static let referenceClose = Array("</cbc:LineID>\n    </cac:OrderLineReference>\n".utf8)
    private static let lineClose = Array("  </cac:DespatchLine>\n".utf8)

    private func flushIfFull() throws {
        if buffer.count >= chunkSize { try flush() }
    }

    /// `write(2)` until the buffer is out, retrying on EINTR and short writes.
    private func flush() throws {
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    throw SupplierDocumentWriterError("cannot write the despatch advice: \(reason)")
                }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A small XML serialiser: elements with attributes, escaped text, two-space indentation, into a
/// byte array. Enough for documents whose structure the code spells out (no namespaces to
/// resolve, no mixed content).
struct XMLText {
    private(set) var bytes: [UInt8] = []
    private var depth: Int

    init(depth: Int = 0) {
        self.depth = depth
        bytes.reserveCapacity(8_192)
    }

    mutating func declaration() {
        bytes += #"<?xml version="1.0" encoding="UTF-8"?>"#.utf8
        bytes.append(0x0A)
    }

    mutating func open(_ name: String, _ attributes: [(String, String)] = []) {
        indent()
        start(name, attributes)
        bytes += ">\n".utf8
        depth += 1
    }

    mutating func close(_ name: String) {
        depth -= 1
        indent()
        bytes += "</".utf8
        bytes += name.utf8
        bytes += ">\n".utf8
    }

    /// `<name attributes>text</name>` on one line.
    mutating func leaf(_ name: String, _ text: String, _ attributes: [(String, String)] = []) {
        indent()
        start(name, attributes)
        bytes.append(0x3E)
        Self.escape(text, into: &bytes, attribute: false)
        bytes += "</".utf8
        bytes += name.utf8
        bytes += ">\n".utf8
    }

    private mutating func start(_ name: String, _ attributes: [(String, String)]) {
        bytes.append(0x3C)
        bytes += name.utf8
        for (key, value) in attributes {
            bytes.append(0x20)
            bytes += key.utf8
            bytes += "=\"".utf8
            Self.escape(value, into: &bytes, attribute: true)
            bytes.append(0x22)
        }
    }

    private mutating func indent() {
        bytes += repeatElement(0x20, count: depth * 2)
    }

    /// Appends `text` escaped for XML 1.0 character data (`&`, `<`, `>`; in attributes also `"`
    /// and the whitespace a parser would normalise away). Control characters XML 1.0 cannot
    /// carry at all (U+0000–U+001F other than tab, LF, CR; U+FFFE, U+FFFF) become a space:
    /// a name from a supplier's catalogue must not make the whole file unreadable.
    static func escape(_ text: String, into bytes: inout [UInt8], attribute: Bool) {
        // Fast path: most text (item names, ids) has nothing to escape. 0xEF leads U+FFFE/U+FFFF.
        let special: (UInt8) -> Bool = {
            $0 < 0x20 || $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0xEF
        }
        if !text.utf8.contains(where: special) {
            bytes += text.utf8
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": bytes += "&amp;".utf8
            case "<": bytes += "&lt;".utf8
            case ">": bytes += "&gt;".utf8
            case "\"" where attribute: bytes += "&quot;".utf8
            case "\r": bytes += "&#13;".utf8
            case "\n" where attribute: bytes += "&#10;".utf8
            case "\t" where attribute: bytes += "&#9;".utf8
            case "\u{FFFE}", "\u{FFFF}": bytes.append(0x20)
            default:
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" {
                    bytes.append(0x20)
                } else {
                    UTF8.encode(scalar) { bytes.append($0) }
                }
            }
        }
    }
}
