import Domain
import Foundation
import XML

/// What reading a document gives besides its lines (which go to the caller one by one).
public struct ReadDocument: Sendable {
    public var root: DocumentRoot
    public var header: SupplierDocumentHeader
    public var settlement: DocumentSettlement
    public var lineCount: Int
}

/// Reads a UBL 2.1 or CII D16B supplier document in one streaming pass: validates it against the
/// official XSD while extracting the fields the import needs (FIELDS.md), and hands each line to
/// the caller as soon as it is complete, so a 200 MB despatch advice is read in constant memory.
///
/// Everything is checked before anything is trusted: the caller must treat lines as provisional
/// until `read` returns (a schema error at the last line throws). Each line comes with the header
/// as read so far: in UBL the header is complete before the first line, in CII only at the end.
public enum SupplierDocumentReader {
    /// Reads a file. `format` is `.facturx` for XML extracted from a PDF; otherwise the syntax is
    /// detected from the root element.
    public static func read(
        file path: String, displayName: String? = nil, schemas: SupplierSchemas,
        onLine: (SupplierDocumentLine, SupplierDocumentHeader) throws -> Void
    ) throws -> ReadDocument {
        let name = displayName ?? path
        let root = try detectRoot { () throws(XMLError) in try XMLStreamReader(file: path, name: name) }
        let schema = try schemas.schema(for: root)
        let reader = try open(name: name) { () throws(XMLError) in
            try XMLStreamReader(file: path, name: name, schema: schema)
        }
        return try extract(reader, root: root, fromPDF: false, name: name, onLine: onLine)
    }

    /// Reads bytes (the XML attachment of a Factur-X PDF): the format is `.facturx`.
    public static func read(
        bytes: [UInt8], name: String, fromPDF: Bool, schemas: SupplierSchemas,
        onLine: (SupplierDocumentLine, SupplierDocumentHeader) throws -> Void
    ) throws -> ReadDocument {
        let root = try detectRoot { () throws(XMLError) in try XMLStreamReader(bytes: bytes, name: name) }
        let schema = try schemas.schema(for: root)
        let reader = try open(name: name) { () throws(XMLError) in
            try XMLStreamReader(bytes: bytes, name: name, schema: schema)
        }
        return try extract(reader, root: root, fromPDF: fromPDF, name: name, onLine: onLine)
    }

    /// Reads only up to the root element (a few bytes) to pick the schema.
    static func detectRoot(
        _ makeReader: () throws(XMLError) -> XMLStreamReader
    ) throws(SupplierDocumentError)
        -> DocumentRoot
    {
        do {
            let reader = try makeReader()
            while let node = try reader.next() {
                guard node == .startElement else { continue }
                return try DocumentRoot.identify(
                    namespace: reader.namespaceURI, name: reader.localName, file: reader.name, line: reader.line)
            }
            throw SupplierDocumentError(.malformed, file: reader.name, "the file has no root element")
        } catch let error as SupplierDocumentError {
            throw error
        } catch let error as XMLError {
            throw SupplierDocumentError(error)
        } catch {
            throw SupplierDocumentError(.malformed, file: "", "\(error)")
        }
    }

    private static func open(
        name: String, _ make: () throws(XMLError) -> XMLStreamReader
    )
        throws(SupplierDocumentError) -> XMLStreamReader
    {
        do { return try make() } catch { throw SupplierDocumentError(error) }
    }

    private static func extract(
        _ reader: XMLStreamReader, root: DocumentRoot, fromPDF: Bool, name: String,
        onLine: (SupplierDocumentLine, SupplierDocumentHeader) throws -> Void
    ) throws -> ReadDocument {
        var fields = FieldExtractor(root: root, fromPDF: fromPDF, file: name)
        do {
            while let node = try reader.next() {
                switch node {
                case .startElement:
                    fields.start(reader)
                    if reader.isEmptyElement { try fields.end(reader, onLine: onLine) }
                case .text:
                    fields.text(reader)
                case .endElement:
                    try fields.end(reader, onLine: onLine)
                }
            }
        } catch let error as XMLError {
            throw SupplierDocumentError(error)
        }
        return try fields.finish()
    }
}
