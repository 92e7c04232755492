import Domain
import Foundation

/// UN/CEFACT CII D16B (`rsm:CrossIndustryInvoice`): paths relative to the root (FIELDS.md §2-5).
/// In CII the lines come before the header trade agreement, so the header is complete only at
/// the end of the document; lines are handed over as they come all the same.
extension FieldExtractor {
    private static let transaction = "SupplyChainTradeTransaction/"
    private static let agreement = transaction + "ApplicableHeaderTradeAgreement/"
    private static let delivery = transaction + "ApplicableHeaderTradeDelivery/"
    private static let settlementPath = transaction + "ApplicableHeaderTradeSettlement/"

    mutating func ciiOpened(_ name: String, depth: Int, fileLine: Int) {
        if depth == 2, name == "IncludedSupplyChainTradeLineItem" {
            line = SupplierDocumentLine(position: lineCount + 1, fileLine: fileLine)
            lineDepth = depth
        } else if name == "SpecifiedTradeAllowanceCharge",
            depth == 3 || (line != nil && depth == lineDepth + 2)
        {
            allowance = AllowanceCharge(isCharge: false, amount: 0, fileLine: fileLine)
            allowanceDepth = depth
        } else if depth == 3, name == "ApplicableTradeTax", line == nil {
            subtotal = PendingSubtotal(fileLine: fileLine)
            subtotalDepth = depth
        }
    }

    mutating func ciiLeaf(_ value: String, depth: Int, attributes: LeafAttributes) throws {
        let at = attributes.line
        if line != nil {
            try ciiLineLeaf(value, path: path(below: lineDepth), attributes: attributes)
            return
        }
        let path = path(below: 0)
        if allowance != nil {
            let prefix = Self.settlementPath + "SpecifiedTradeAllowanceCharge/"
            try ciiAllowanceLeaf(value, path: String(path.dropFirst(prefix.count)), at: at)
            return
        }
        if subtotal != nil {
            let field = String(path.dropFirst(Self.settlementPath.count + "ApplicableTradeTax/".count))
            switch field {
            case "CalculatedAmount":
                let parsed = try decimal(value, "ApplicableTradeTax/CalculatedAmount", line: at)
                subtotal?.tax = parsed
            case "BasisAmount":
                let parsed = try decimal(value, "ApplicableTradeTax/BasisAmount", line: at)
                subtotal?.taxable = parsed
            case "CategoryCode": subtotal?.category = value
            case "RateApplicablePercent":
                let parsed = try decimal(value, "ApplicableTradeTax/RateApplicablePercent", line: at)
                subtotal?.percent = parsed
            default: break
            }
            return
        }
        switch path {
        case "ExchangedDocumentContext/GuidelineSpecifiedDocumentContextParameter/ID": header.profile = value
        case "ExchangedDocument/ID": header.number = value
        case "ExchangedDocument/TypeCode":
            header.typeCode = value
            header.kind = value == "381" ? .creditNote : .invoice
        case "ExchangedDocument/IssueDateTime/DateTimeString":
            header.issueDate = try date(value, "IssueDateTime (BT-2)", format: attributes.format, line: at)
        case Self.agreement + "BuyerReference": header.buyerReference = value
        case Self.agreement + "BuyerOrderReferencedDocument/IssuerAssignedID": header.orderReference = value
        case Self.delivery + "ShipToTradeParty/ID":
            header.deliveryLocation = header.deliveryLocation ?? SchemedID(id: value, scheme: nil)
        case Self.delivery + "ShipToTradeParty/GlobalID":
            header.deliveryLocation = SchemedID(id: value, scheme: attributes.schemeID)
        case Self.delivery + "ShipToTradeParty/Name": header.deliveryPartyName = value
        case Self.delivery + "ActualDeliverySupplyChainEvent/OccurrenceDateTime/DateTimeString":
            header.deliveryDate = try date(value, "ActualDelivery (BT-72)", format: attributes.format, line: at)
        case Self.delivery + "DespatchAdviceReferencedDocument/IssuerAssignedID": header.despatchReference = value
        case Self.settlementPath + "InvoiceCurrencyCode": header.currency = value.uppercased()
        case Self.settlementPath + "SpecifiedTradePaymentTerms/DueDateDateTime/DateTimeString":
            header.dueDate = try date(value, "DueDate (BT-9)", format: attributes.format, line: at)
        case Self.settlementPath + "InvoiceReferencedDocument/IssuerAssignedID": header.precedingInvoice = value
        default:
            let summation = Self.settlementPath + "SpecifiedTradeSettlementHeaderMonetarySummation/"
            if path.hasPrefix(summation) {
                try ciiTotal(value, String(path.dropFirst(summation.count)), attributes: attributes)
            } else if path.hasPrefix(Self.agreement + "SellerTradeParty/") {
                ciiParty(
                    &header.seller, value, String(path.dropFirst((Self.agreement + "SellerTradeParty/").count)),
                    attributes: attributes)
            } else if path.hasPrefix(Self.agreement + "BuyerTradeParty/") {
                ciiParty(
                    &header.buyer, value, String(path.dropFirst((Self.agreement + "BuyerTradeParty/").count)),
                    attributes: attributes)
            }
        }
    }

    private mutating func ciiTotal(_ value: String, _ field: String, attributes: LeafAttributes) throws {
        let at = attributes.line
        let amount = try decimal(value, "MonetarySummation/\(field)", line: at)
        if settlement.totals.fileLine == 0 { settlement.totals.fileLine = at }
        switch field {
        case "LineTotalAmount": settlement.totals.lineTotal = amount
        case "ChargeTotalAmount": settlement.totals.chargeTotal = amount
        case "AllowanceTotalAmount": settlement.totals.allowanceTotal = amount
        case "TaxBasisTotalAmount": settlement.totals.taxExclusive = amount
        case "TaxTotalAmount":
            // A second VAT total may be in the tax-accounting currency (§6 pitfall 5): keep the
            // one in the invoice currency, or the first when the currency is not written.
            let currency = attributes.currencyID?.uppercased()
            if currency == nil || header.currency == nil || currency == header.currency {
                if settlement.totals.taxTotal == nil || currency == header.currency {
                    settlement.totals.taxTotal = amount
                }
            }
        case "GrandTotalAmount": settlement.totals.taxInclusive = amount
        case "TotalPrepaidAmount": settlement.totals.prepaid = amount
        case "RoundingAmount": settlement.totals.rounding = amount
        case "DuePayableAmount": settlement.totals.payable = amount
        default: break
        }
    }

    private func ciiParty(_ party: inout DocumentParty, _ value: String, _ field: String, attributes: LeafAttributes) {
        switch field {
        case "Name": party.name = value
        case "ID": party.identifiers.append(SchemedID(id: value, scheme: nil))
        case "GlobalID": party.identifiers.append(SchemedID(id: value, scheme: attributes.schemeID))
        case "SpecifiedLegalOrganization/ID":
            party.legalID = value
            party.legalIDScheme = attributes.schemeID
        case "SpecifiedLegalOrganization/TradingBusinessName": party.tradingName = value
        case "SpecifiedTaxRegistration/ID":
            if (attributes.schemeID ?? "VA").uppercased() == "VA" {
                party.vatID = value.replacingOccurrences(of: " ", with: "")
            }
        case "URIUniversalCommunication/URIID": party.endpoint = SchemedID(id: value, scheme: attributes.schemeID)
        default: break
        }
    }

    private mutating func ciiLineLeaf(_ value: String, path: String, attributes: LeafAttributes) throws {
        let at = attributes.line
        if allowance != nil {
            let prefix = "SpecifiedLineTradeSettlement/SpecifiedTradeAllowanceCharge/"
            try ciiAllowanceLeaf(value, path: String(path.dropFirst(prefix.count)), at: at)
            return
        }
        switch path {
        case "AssociatedDocumentLineDocument/LineID": line?.lineID = value
        case "SpecifiedTradeProduct/GlobalID": line?.standardItemID = SchemedID(id: value, scheme: attributes.schemeID)
        case "SpecifiedTradeProduct/SellerAssignedID": line?.sellerItemID = value
        case "SpecifiedTradeProduct/BuyerAssignedID": line?.buyerItemID = value
        case "SpecifiedTradeProduct/Name": line?.itemName = value
        case "SpecifiedTradeProduct/Description": line?.itemDescription = value
        case "SpecifiedLineTradeAgreement/NetPriceProductTradePrice/ChargeAmount":
            let parsed = try decimal(value, "NetPriceProductTradePrice (BT-146)", line: at)
            line?.netPrice = parsed
        case "SpecifiedLineTradeAgreement/NetPriceProductTradePrice/BasisQuantity":
            let parsed = try decimal(value, "BasisQuantity (BT-149)", line: at)
            line?.priceBaseQuantity = parsed
            line?.priceBaseUnitCode = attributes.unitCode
        case "SpecifiedLineTradeDelivery/BilledQuantity":
            let parsed = try decimal(value, "BilledQuantity (BT-129)", line: at)
            line?.quantity = parsed
            line?.unitCode = attributes.unitCode ?? ""
        case "SpecifiedLineTradeSettlement/ApplicableTradeTax/CategoryCode": line?.vatCategory = value
        case "SpecifiedLineTradeSettlement/ApplicableTradeTax/RateApplicablePercent":
            let parsed = try decimal(value, "RateApplicablePercent (BT-152)", line: at)
            line?.vatPercent = parsed
        case "SpecifiedLineTradeSettlement/SpecifiedTradeSettlementLineMonetarySummation/LineTotalAmount":
            let parsed = try decimal(value, "LineTotalAmount (BT-131)", line: at)
            line?.netAmount = parsed
        default: break
        }
    }

    /// CII allowance/charge fields, relative to `ram:SpecifiedTradeAllowanceCharge`.
    private mutating func ciiAllowanceLeaf(_ value: String, path: String, at: Int) throws {
        switch path {
        case "ChargeIndicator/Indicator": allowance?.isCharge = value.lowercased() == "true" || value == "1"
        case "ActualAmount":
            let parsed = try decimal(value, "AllowanceCharge/ActualAmount", line: at)
            allowance?.amount = parsed
        case "ReasonCode": allowance?.reasonCode = value
        case "Reason": allowance?.reason = value
        case "CategoryTradeTax/CategoryCode": allowance?.vatCategory = value
        case "CategoryTradeTax/RateApplicablePercent":
            let parsed = try decimal(value, "AllowanceCharge VAT percent", line: at)
            allowance?.vatPercent = parsed
        default: break
        }
    }
}
