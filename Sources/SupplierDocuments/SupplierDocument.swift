import Domain
import Foundation

/// The syntax a supplier document arrived in (the `format` column of `supplier_document`).
public enum SupplierDocumentFormat: String, Sendable, Codable {
    /// OASIS UBL 2.1 (`Invoice`, `CreditNote`, `DespatchAdvice`).
    case ubl
    /// UN/CEFACT Cross Industry Invoice D16B, as an XML file.
    case cii
    /// CII extracted from a Factur-X / ZUGFeRD PDF.
    case facturx
}

/// What a document is, which decides the direction of its stock movements.
public enum SupplierDocumentKind: String, Sendable, Codable {
    case invoice
    /// UBL `CreditNote`, or CII with type code 381: amounts are positive, goods go back.
    case creditNote = "credit_note"
    /// UBL `DespatchAdvice`: quantities delivered, no money.
    case despatchAdvice = "despatch_advice"
}

/// A party as the document names it (seller, buyer, consignee), unresolved.
public struct DocumentParty: Sendable, Codable, Equatable {
    /// Legal name (BT-27/BT-44), else the party name.
    public var name: String?
    /// Trading name (BT-28/BT-45).
    public var tradingName: String?
    /// VAT number (BT-31/BT-48), e.g. `FR51412357683`.
    public var vatID: String?
    /// Legal registration id (BT-30/BT-47) and its ISO 6523 scheme (0002 SIREN, 0009 SIRET).
    public var legalID: String?
    public var legalIDScheme: String?
    /// Other party ids (BT-29/BT-46), e.g. a GLN with scheme 0088.
    public var identifiers: [SchemedID] = []
    /// Electronic address (BT-34/BT-49).
    public var endpoint: SchemedID?

    public init() {}

    /// The SIREN this party can be identified by: the legal id when it is a SIREN or SIRET, else
    /// the 9 digits inside a French VAT number (FRkk + SIREN).
    public var siren: String? {
        // Only a French registration (scheme 0002 SIRENE or 0009 SIRET) is a SIREN: other
        // countries' 9-digit company numbers are not.
        if let legalID, legalIDScheme == "0002" || legalIDScheme == "0009" {
            let digits = legalID.filter(\.isNumber)
            if digits.count == 9 || digits.count == 14, digits.count == legalID.filter({ !$0.isWhitespace }).count {
                return String(digits.prefix(9))
            }
        }
        if let vat = vatID?.uppercased(), vat.hasPrefix("FR"), vat.count == 13 {
            let siren = vat.suffix(9)
            if siren.allSatisfy(\.isNumber) { return String(siren) }
        }
        return nil
    }

    /// The party's GLN, if it gives one (scheme 0088).
    public var gln: String? {
        (identifiers + [endpoint].compactMap { $0 }).first { $0.scheme == "0088" }?.id
    }
}

/// An identifier with its ISO 6523 scheme (`@schemeID`), which may be absent.
public struct SchemedID: Sendable, Codable, Equatable {
    public var id: String
    public var scheme: String?

    public init(id: String, scheme: String? = nil) {
        self.id = id
        self.scheme = scheme
    }
}

/// Everything about a document except its lines.
public struct SupplierDocumentHeader: Sendable, Codable, Equatable {
    public var format: SupplierDocumentFormat
    public var kind: SupplierDocumentKind
    /// BT-1.
    public var number: String = ""
    /// BT-3 (UNTDID 1001: 380 invoice, 381 credit note, 384 corrected invoice...), if given.
    public var typeCode: String?
    /// BT-24, the specification identifier (profile).
    public var profile: String?
    public var issueDate: LocalDate?
    public var dueDate: LocalDate?
    /// BT-5; nil for a despatch advice.
    public var currency: String?
    /// BT-10: OC Pizza asks suppliers to put the shop code here.
    public var buyerReference: String?
    /// BT-13.
    public var orderReference: String?
    /// BT-16: the despatch advice this invoice bills.
    public var despatchReference: String?
    /// BT-25: the invoice a credit note or correction refers to.
    public var precedingInvoice: String?
    public var seller = DocumentParty()
    public var buyer = DocumentParty()
    /// Deliver-to location id (BT-71), e.g. the shop's GLN, with its scheme.
    public var deliveryLocation: SchemedID?
    /// Deliver-to party name (BT-70).
    public var deliveryPartyName: String?
    /// Actual delivery date (BT-72), or a despatch advice's despatch / expected delivery date.
    public var deliveryDate: LocalDate?

    public init(format: SupplierDocumentFormat, kind: SupplierDocumentKind) {
        self.format = format
        self.kind = kind
    }

    /// A Factur-X MINIMUM or BASIC WL profile: no lines, nothing to post.
    public var profileHasNoLines: Bool {
        guard let profile = profile?.lowercased() else { return false }
        return profile.hasSuffix(":minimum") || profile.hasSuffix(":basicwl")
    }
}

/// A document-level allowance (BG-20) or charge (BG-21), or one directly on a line (BG-27/28).
public struct AllowanceCharge: Sendable, Codable, Equatable {
    public var isCharge: Bool
    public var amount: Decimal
    public var reasonCode: String?
    public var reason: String?
    public var vatCategory: String?
    /// Percent as written (5.5 for 5.5 %).
    public var vatPercent: Decimal?
    /// Line in the file, for messages.
    public var fileLine: Int

    public init(
        isCharge: Bool, amount: Decimal, reasonCode: String? = nil, reason: String? = nil, vatCategory: String? = nil,
        vatPercent: Decimal? = nil, fileLine: Int = 0
    ) {
        self.isCharge = isCharge
        self.amount = amount
        self.reasonCode = reasonCode
        self.reason = reason
        self.vatCategory = vatCategory
        self.vatPercent = vatPercent
        self.fileLine = fileLine
    }
}

/// One line of an invoice, credit note or despatch advice, as read.
public struct SupplierDocumentLine: Sendable, Codable, Equatable {
    /// Position among the document's lines, from 1.
    public var position: Int
    /// Line in the file where the line element starts, for messages.
    public var fileLine: Int
    /// BT-126.
    public var lineID: String?
    /// BT-129 (signed as written); a despatch line's delivered quantity.
    public var quantity: Decimal
    /// BT-130 as written (may be a legacy code such as `KG`).
    public var unitCode: String
    /// BT-146 net price; nil on a despatch line.
    public var netPrice: Decimal?
    /// BT-149 price base quantity (default 1).
    public var priceBaseQuantity: Decimal?
    /// BT-150, the unit of the base quantity, when given.
    public var priceBaseUnitCode: String?
    /// BT-131 line net amount (signed as written); nil on a despatch line.
    public var netAmount: Decimal?
    /// Allowances and charges on the line itself.
    public var allowanceCharges: [AllowanceCharge] = []
    /// BT-153 / BT-154.
    public var itemName: String?
    public var itemDescription: String?
    /// BT-155 / BT-156 / BT-157 (a GTIN when the scheme is 0160).
    public var sellerItemID: String?
    public var buyerItemID: String?
    public var standardItemID: SchemedID?
    /// BT-151 / BT-152 (percent as written).
    public var vatCategory: String?
    public var vatPercent: Decimal?
    /// What the import noticed without refusing the line (`price_base_quantity_ignored`...).
    public var flags: [String] = []

    public init(position: Int, fileLine: Int, quantity: Decimal = 0, unitCode: String = "") {
        self.position = position
        self.fileLine = fileLine
        self.quantity = quantity
        self.unitCode = unitCode
    }

    /// The GTIN, when the standard id is one (scheme 0160, or no scheme and 8/12/13/14 digits).
    public var gtin: String? {
        guard let standardItemID else { return nil }
        let id = standardItemID.id.trimmedXMLWhitespace
        let isDigits = !id.isEmpty && id.allSatisfy(\.isNumber) && [8, 12, 13, 14].contains(id.count)
        guard isDigits, standardItemID.scheme == nil || standardItemID.scheme == "0160" else { return nil }
        return id
    }
}

/// One VAT breakdown entry (BG-23).
public struct VATSubtotal: Sendable, Codable, Equatable {
    public var category: String
    public var percent: Decimal?
    public var taxableAmount: Decimal
    public var taxAmount: Decimal
    public var fileLine: Int

    public init(category: String, percent: Decimal?, taxableAmount: Decimal, taxAmount: Decimal, fileLine: Int = 0) {
        self.category = category
        self.percent = percent
        self.taxableAmount = taxableAmount
        self.taxAmount = taxAmount
        self.fileLine = fileLine
    }
}

/// Document totals (BG-22), in the document currency.
public struct DocumentTotals: Sendable, Codable, Equatable {
    /// BT-106.
    public var lineTotal: Decimal?
    /// BT-107 / BT-108.
    public var allowanceTotal: Decimal?
    public var chargeTotal: Decimal?
    /// BT-109.
    public var taxExclusive: Decimal?
    /// BT-110, the VAT total in the document currency.
    public var taxTotal: Decimal?
    /// BT-112.
    public var taxInclusive: Decimal?
    /// BT-113 / BT-114.
    public var prepaid: Decimal?
    public var rounding: Decimal?
    /// BT-115.
    public var payable: Decimal?
    /// Line of the monetary summation in the file, for messages.
    public var fileLine: Int = 0

    public init() {}
}

/// The money part of a document, read after (or around) its lines: what the arithmetic checks
/// compare the lines with.
public struct DocumentSettlement: Sendable, Codable, Equatable {
    public var allowanceCharges: [AllowanceCharge] = []
    public var vatBreakdown: [VATSubtotal] = []
    public var totals = DocumentTotals()

    public init() {}
}
