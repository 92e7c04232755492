import Domain
import Foundation
import XML

/// Collects the fields of one document from the stream of nodes: keeps the element path, the
/// attributes that matter (`unitCode`, `schemeID`, `currencyID`, `format`) and the text of the
/// current leaf, and hands each completed leaf to the UBL or CII field map by its path.
///
/// Subtrees that never matter and can be large (UBL extensions and signatures, base64
/// attachments) are skipped without turning their text into strings.
struct FieldExtractor {
    let root: DocumentRoot
    let file: String
    var header: SupplierDocumentHeader
    var settlement = DocumentSettlement()
    private(set) var lineCount = 0

    /// Local names from the root (index 0) to the current element.
    private var stack: [String] = []
    /// The interesting attributes of each open element.
    private var attributes: [LeafAttributes] = []
    private var text = ""
    private var skipDepth: Int?

    // Structures being built.
    var line: SupplierDocumentLine?
    var lineDepth = -1
    var allowance: AllowanceCharge?
    var allowanceDepth = -1
    var subtotal: PendingSubtotal?
    var subtotalDepth = -1
    /// UBL: the currency of the `cac:TaxTotal` being read (only the document currency's counts).
    var taxTotalCurrency: String?
    /// UBL `cac:PartyTaxScheme`: the company id waits for its scheme (VAT or not).
    var pendingTaxCompanyID: String?
    var pendingTaxScheme: String?

    struct LeafAttributes {
        var unitCode: String?
        var schemeID: String?
        var currencyID: String?
        var format: String?
        var line: Int
    }

    struct PendingSubtotal {
        var category: String?
        var percent: Decimal?
        var taxable: Decimal?
        var tax: Decimal?
        var fileLine: Int
    }

    init(root: DocumentRoot, fromPDF: Bool, file: String) {
        self.root = root
        self.file = file
        let kind: SupplierDocumentKind =
            switch root {
            case .ublInvoice, .cii: .invoice
            case .ublCreditNote: .creditNote
            case .ublDespatchAdvice: .despatchAdvice
            }
        header = SupplierDocumentHeader(format: root == .cii ? (fromPDF ? .facturx : .cii) : .ubl, kind: kind)
    }

    private static let skipped: Set<String> = [
        "UBLExtensions", "Signature", "EmbeddedDocumentBinaryObject", "AttachmentBinaryObject",
    ]
    /// The attribute each element needs, if any (read only then: every read allocates).
    private static let neededAttribute: [String: Attribute] = [
        "ID": .schemeID, "CompanyID": .schemeID, "EndpointID": .schemeID, "GlobalID": .schemeID,
        "URIID": .schemeID, "InvoicedQuantity": .unitCode, "CreditedQuantity": .unitCode,
        "DeliveredQuantity": .unitCode, "BilledQuantity": .unitCode, "BaseQuantity": .unitCode,
        "BasisQuantity": .unitCode, "TaxAmount": .currencyID, "TaxTotalAmount": .currencyID,
        "DateTimeString": .format,
    ]

    enum Attribute { case schemeID, unitCode, currencyID, format }

    mutating func start(_ reader: XMLStreamReader) {
        let name = reader.localName
        stack.append(name)
        var leaf = LeafAttributes(line: reader.line)
        text = ""
        guard skipDepth == nil else {
            attributes.append(leaf)
            return
        }
        let depth = stack.count - 1
        if Self.skipped.contains(name) {
            skipDepth = depth
        } else if let needed = Self.neededAttribute[name] {
            switch needed {
            case .schemeID: leaf.schemeID = reader.attribute("schemeID")
            case .unitCode: leaf.unitCode = reader.attribute("unitCode")
            case .currencyID: leaf.currencyID = reader.attribute("currencyID")
            case .format: leaf.format = reader.attribute("format")
            }
        }
        attributes.append(leaf)
        if skipDepth == nil { opened(name, depth: depth, fileLine: leaf.line) }
    }

    mutating func text(_ reader: XMLStreamReader) {
        guard skipDepth == nil else { return }
        text += reader.text
    }

    mutating func end(
        _ reader: XMLStreamReader, onLine: (SupplierDocumentLine, SupplierDocumentHeader) throws -> Void
    ) throws {
        let depth = stack.count - 1
        defer {
            stack.removeLast()
            attributes.removeLast()
            text = ""
        }
        if let skip = skipDepth {
            if skip == depth { skipDepth = nil }
            return
        }
        let value = text.trimmedXMLWhitespace
        if !value.isEmpty { try leaf(value, depth: depth, attributes: attributes[depth]) }
        try closed(stack[depth], depth: depth, onLine: onLine)
    }

    func finish() throws(SupplierDocumentError) -> ReadDocument {
        guard !header.number.isEmpty else {
            throw SupplierDocumentError(.missingField, file: file, "the document has no number (BT-1)")
        }
        guard header.issueDate != nil else {
            throw SupplierDocumentError(.missingField, file: file, "the document has no issue date (BT-2)")
        }
        return ReadDocument(root: root, header: header, settlement: settlement, lineCount: lineCount)
    }

    // MARK: Structure

    /// The path of the current element from `depth` + 1 down, e.g. "Item/Name" inside a line.
    func path(below depth: Int) -> String {
        stack.count > depth + 1 ? stack[(depth + 1)...].joined(separator: "/") : ""
    }

    private mutating func opened(_ name: String, depth: Int, fileLine: Int) {
        switch root {
        case .cii: ciiOpened(name, depth: depth, fileLine: fileLine)
        default: ublOpened(name, depth: depth, fileLine: fileLine)
        }
    }

    private mutating func closed(
        _ name: String, depth: Int, onLine: (SupplierDocumentLine, SupplierDocumentHeader) throws -> Void
    ) throws {
        if depth == lineDepth, let done = line {
            line = nil
            lineDepth = -1
            lineCount += 1
            try onLine(done, header)
        } else if depth == allowanceDepth, let done = allowance {
            allowance = nil
            allowanceDepth = -1
            if line != nil { line?.allowanceCharges.append(done) } else { settlement.allowanceCharges.append(done) }
        } else if depth == subtotalDepth, let done = subtotal {
            subtotal = nil
            subtotalDepth = -1
            guard let category = done.category, let taxable = done.taxable, let tax = done.tax else {
                throw SupplierDocumentError(
                    .missingField, file: file, line: done.fileLine,
                    "a VAT breakdown entry (BG-23) lacks its category, taxable amount or VAT amount")
            }
            settlement.vatBreakdown.append(
                VATSubtotal(
                    category: category, percent: done.percent, taxableAmount: taxable, taxAmount: tax,
                    fileLine: done.fileLine))
        } else if root != .cii {
            try ublClosed(name, depth: depth)
        }
    }

    private mutating func leaf(_ value: String, depth: Int, attributes: LeafAttributes) throws {
        switch root {
        case .cii: try ciiLeaf(value, depth: depth, attributes: attributes)
        default: try ublLeaf(value, depth: depth, attributes: attributes)
        }
    }

    // MARK: Values

    func decimal(_ value: String, _ field: String, line: Int) throws(SupplierDocumentError) -> Decimal {
        guard let number = Decimal(exactly: value) else {
            throw SupplierDocumentError(.badValue, file: file, line: line, "\(field): '\(value)' is not a number")
        }
        return number
    }

    /// `YYYY-MM-DD` (UBL, optionally with a time zone suffix) or CII `YYYYMMDD` (format 102).
    func date(
        _ value: String, _ field: String, format: String? = nil, line: Int
    ) throws(SupplierDocumentError)
        -> LocalDate
    {
        var text = value
        if let format, format != "102" {
            throw SupplierDocumentError(
                .badValue, file: file, line: line, "\(field): date format \(format) is not a calendar day (102)")
        }
        if text.count == 8, text.allSatisfy(\.isNumber) {
            text = "\(text.prefix(4))-\(text.dropFirst(4).prefix(2))-\(text.suffix(2))"
        } else if text.count > 10 {
            text = String(text.prefix(10))
        }
        do { return try LocalDate(iso: text) } catch {
            throw SupplierDocumentError(.badValue, file: file, line: line, "\(field): '\(value)' is not a date")
        }
    }
}
