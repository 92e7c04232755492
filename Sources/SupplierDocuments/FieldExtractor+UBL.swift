import Domain
import Foundation

/// UBL 2.1 Invoice, CreditNote and DespatchAdvice: paths relative to the root (FIELDS.md §2-5).
extension FieldExtractor {
    /// Which party a path prefix fills.
    private enum PartyRole { case seller, buyer, consignee }

    private static let partyPrefixes: [(String, PartyRole)] = [
        ("AccountingSupplierParty/Party/", .seller),
        ("DespatchSupplierParty/Party/", .seller),
        ("SellerSupplierParty/Party/", .seller),
        ("AccountingCustomerParty/Party/", .buyer),
        ("BuyerCustomerParty/Party/", .buyer),
        ("DeliveryCustomerParty/Party/", .consignee),
    ]

    mutating func ublOpened(_ name: String, depth: Int, fileLine: Int) {
        if depth == 1, name == "InvoiceLine" || name == "CreditNoteLine" || name == "DespatchLine" {
            line = SupplierDocumentLine(position: lineCount + 1, fileLine: fileLine)
            lineDepth = depth
        } else if name == "AllowanceCharge", depth == 1 || (line != nil && depth == lineDepth + 1) {
            // Not Price/AllowanceCharge: the net price already includes that discount (§3).
            allowance = AllowanceCharge(isCharge: false, amount: 0, fileLine: fileLine)
            allowanceDepth = depth
        } else if depth == 1, name == "TaxTotal" {
            taxTotalCurrency = nil
        } else if depth == 2, name == "TaxSubtotal", taxTotalIsDocumentCurrency {
            subtotal = PendingSubtotal(fileLine: fileLine)
            subtotalDepth = depth
        } else if name == "PartyTaxScheme" {
            pendingTaxCompanyID = nil
            pendingTaxScheme = nil
        }
    }

    /// A `cac:TaxTotal` in another currency (the tax-accounting currency) is not the breakdown.
    private var taxTotalIsDocumentCurrency: Bool {
        taxTotalCurrency == nil || header.currency == nil || taxTotalCurrency == header.currency
    }

    mutating func ublClosed(_ name: String, depth: Int) throws {
        guard name == "PartyTaxScheme", let companyID = pendingTaxCompanyID else { return }
        defer { pendingTaxCompanyID = nil }
        guard (pendingTaxScheme ?? "VAT").uppercased() == "VAT" else { return }
        let path = path(below: 0)
        for (prefix, role) in Self.partyPrefixes where path.hasPrefix(prefix) {
            updateParty(role) { $0.vatID = $0.vatID ?? companyID.replacingOccurrences(of: " ", with: "") }
        }
    }

    mutating func ublLeaf(_ value: String, depth: Int, attributes: LeafAttributes) throws {
        let at = attributes.line
        if line != nil {
            try ublLineLeaf(value, path: path(below: lineDepth), attributes: attributes)
            return
        }
        let path = path(below: 0)
        if allowance != nil {
            try allowanceLeaf(value, path: String(path.dropFirst("AllowanceCharge/".count)), at: at)
            return
        }
        if subtotal != nil {
            try subtotalLeaf(value, path: String(path.dropFirst("TaxTotal/TaxSubtotal/".count)), at: at)
            return
        }
        switch path {
        case "ID": header.number = value
        case "IssueDate": header.issueDate = try date(value, "IssueDate (BT-2)", line: at)
        case "DueDate", "PaymentMeans/PaymentDueDate":
            header.dueDate = try date(value, "DueDate (BT-9)", line: at)
        case "InvoiceTypeCode", "CreditNoteTypeCode", "DespatchAdviceTypeCode": header.typeCode = value
        case "CustomizationID": header.profile = value
        case "DocumentCurrencyCode": header.currency = value.uppercased()
        case "BuyerReference": header.buyerReference = value
        case "OrderReference/ID": header.orderReference = value
        case "DespatchDocumentReference/ID": header.despatchReference = value
        case "BillingReference/InvoiceDocumentReference/ID": header.precedingInvoice = value
        case "Delivery/DeliveryLocation/ID", "Shipment/Delivery/DeliveryLocation/ID":
            header.deliveryLocation = header.deliveryLocation ?? SchemedID(id: value, scheme: attributes.schemeID)
        case "Delivery/DeliveryParty/PartyName/Name": header.deliveryPartyName = value
        case "Delivery/ActualDeliveryDate", "Shipment/Delivery/ActualDeliveryDate":
            header.deliveryDate = try date(value, "ActualDeliveryDate (BT-72)", line: at)
        case "Shipment/Delivery/EstimatedDeliveryPeriod/EndDate", "Shipment/Delivery/RequestedDeliveryPeriod/EndDate",
            "Shipment/Delivery/Despatch/ActualDespatchDate":
            if header.deliveryDate == nil { header.deliveryDate = try date(value, path, line: at) }
        case "TaxTotal/TaxAmount":
            taxTotalCurrency = attributes.currencyID?.uppercased()
            if taxTotalIsDocumentCurrency, settlement.totals.taxTotal == nil {
                settlement.totals.taxTotal = try decimal(value, "TaxTotal/TaxAmount (BT-110)", line: at)
            }
        default:
            if path.hasPrefix("LegalMonetaryTotal/") {
                try monetaryTotal(value, String(path.dropFirst("LegalMonetaryTotal/".count)), at: at)
            } else if let (prefix, role) = Self.partyPrefixes.first(where: { path.hasPrefix($0.0) }) {
                try ublPartyLeaf(value, String(path.dropFirst(prefix.count)), role: role, attributes: attributes)
            }
        }
    }

    private mutating func monetaryTotal(_ value: String, _ field: String, at: Int) throws {
        let amount = try decimal(value, "LegalMonetaryTotal/\(field)", line: at)
        settlement.totals.fileLine = settlement.totals.fileLine == 0 ? at : settlement.totals.fileLine
        switch field {
        case "LineExtensionAmount": settlement.totals.lineTotal = amount
        case "AllowanceTotalAmount": settlement.totals.allowanceTotal = amount
        case "ChargeTotalAmount": settlement.totals.chargeTotal = amount
        case "TaxExclusiveAmount": settlement.totals.taxExclusive = amount
        case "TaxInclusiveAmount": settlement.totals.taxInclusive = amount
        case "PrepaidAmount": settlement.totals.prepaid = amount
        case "PayableRoundingAmount": settlement.totals.rounding = amount
        case "PayableAmount": settlement.totals.payable = amount
        default: break
        }
    }

    private mutating func ublPartyLeaf(
        _ value: String, _ field: String, role: PartyRole, attributes: LeafAttributes
    )
        throws
    {
        if field == "PartyTaxScheme/CompanyID" {
            pendingTaxCompanyID = value
            return
        }
        if field == "PartyTaxScheme/TaxScheme/ID" {
            pendingTaxScheme = value
            return
        }
        if role == .consignee {
            if field == "PartyIdentification/ID", header.deliveryLocation == nil {
                header.deliveryLocation = SchemedID(id: value, scheme: attributes.schemeID)
            } else if field == "PartyName/Name", header.deliveryPartyName == nil {
                header.deliveryPartyName = value
            }
        }
        updateParty(role) { party in
            switch field {
            case "PartyLegalEntity/RegistrationName": party.name = value
            case "PartyName/Name":
                party.tradingName = party.tradingName ?? value
                party.name = party.name ?? value
            case "PartyLegalEntity/CompanyID":
                party.legalID = value
                party.legalIDScheme = attributes.schemeID
            case "PartyIdentification/ID": party.identifiers.append(SchemedID(id: value, scheme: attributes.schemeID))
            case "EndpointID": party.endpoint = SchemedID(id: value, scheme: attributes.schemeID)
            default: break
            }
        }
    }

    /// The seller is the accounting supplier, else the despatch supplier, else the seller
    /// supplier party: fields already set by an earlier one are kept.
    private mutating func updateParty(_ role: PartyRole, _ change: (inout DocumentParty) -> Void) {
        switch role {
        case .seller:
            var copy = header.seller
            change(&copy)
            header.seller = merged(header.seller, copy)
        case .buyer, .consignee:
            var copy = header.buyer
            change(&copy)
            header.buyer = merged(header.buyer, copy)
        }
    }

    private func merged(_ old: DocumentParty, _ new: DocumentParty) -> DocumentParty {
        var result = new
        if let name = old.name { result.name = name }
        return result
    }

    private mutating func ublLineLeaf(_ value: String, path: String, attributes: LeafAttributes) throws {
        let at = attributes.line
        if allowance != nil {
            try allowanceLeaf(value, path: String(path.dropFirst("AllowanceCharge/".count)), at: at)
            return
        }
        switch path {
        case "ID": line?.lineID = value
        case "InvoicedQuantity", "CreditedQuantity", "DeliveredQuantity":
            let parsed = try decimal(value, path + " (BT-129)", line: at)
            line?.quantity = parsed
            line?.unitCode = attributes.unitCode ?? ""
        case "LineExtensionAmount":
            let parsed = try decimal(value, "LineExtensionAmount (BT-131)", line: at)
            line?.netAmount = parsed
        case "Price/PriceAmount":
            let parsed = try decimal(value, "Price/PriceAmount (BT-146)", line: at)
            line?.netPrice = parsed
        case "Price/BaseQuantity":
            let parsed = try decimal(value, "Price/BaseQuantity (BT-149)", line: at)
            line?.priceBaseQuantity = parsed
            line?.priceBaseUnitCode = attributes.unitCode
        case "Item/Name": line?.itemName = value
        case "Item/Description": line?.itemDescription = value
        case "Item/SellersItemIdentification/ID": line?.sellerItemID = value
        case "Item/BuyersItemIdentification/ID": line?.buyerItemID = value
        case "Item/StandardItemIdentification/ID":
            line?.standardItemID = SchemedID(id: value, scheme: attributes.schemeID)
        case "Item/ClassifiedTaxCategory/ID": line?.vatCategory = value
        case "Item/ClassifiedTaxCategory/Percent":
            let parsed = try decimal(value, "ClassifiedTaxCategory/Percent (BT-152)", line: at)
            line?.vatPercent = parsed
        default: break
        }
    }

    /// UBL allowance/charge fields (document or line level).
    mutating func allowanceLeaf(_ value: String, path: String, at: Int) throws {
        switch path {
        case "ChargeIndicator": allowance?.isCharge = value.lowercased() == "true" || value == "1"
        case "Amount":
            let parsed = try decimal(value, "AllowanceCharge/Amount", line: at)
            allowance?.amount = parsed
        case "AllowanceChargeReasonCode": allowance?.reasonCode = value
        case "AllowanceChargeReason": allowance?.reason = value
        case "TaxCategory/ID": allowance?.vatCategory = value
        case "TaxCategory/Percent":
            let parsed = try decimal(value, "AllowanceCharge VAT percent", line: at)
            allowance?.vatPercent = parsed
        default: break
        }
    }

    private mutating func subtotalLeaf(_ value: String, path: String, at: Int) throws {
        switch path {
        case "TaxableAmount":
            let parsed = try decimal(value, "TaxSubtotal/TaxableAmount (BT-116)", line: at)
            subtotal?.taxable = parsed
        case "TaxAmount":
            let parsed = try decimal(value, "TaxSubtotal/TaxAmount (BT-117)", line: at)
            subtotal?.tax = parsed
        case "TaxCategory/ID": subtotal?.category = value
        case "TaxCategory/Percent":
            let parsed = try decimal(value, "TaxCategory/Percent (BT-119)", line: at)
            subtotal?.percent = parsed
        default: break
        }
    }
}
