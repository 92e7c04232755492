import CLibXML2

#if canImport(Glibc)
import Glibc
#endif

/// A forward-only, constant-memory XML reader (libxml2's `xmlTextReader`), optionally validating
/// against an XSD while it reads. Owns the reader and its validation context (freed in `deinit`).
///
/// Hardened like ``ParsedXMLDocument``: no network, no DTD loading, no entity substitution, no
/// `XML_PARSE_HUGE` (so a single text node is bounded by libxml2's 10 MB limit), and a document
/// carrying a DTD is refused as soon as its `<!DOCTYPE` is read. Memory stays flat whatever the
/// file size: only the current node is held.
///
/// Pull nodes with ``next()``; element and namespace names are interned by libxml2, so this type
/// turns each distinct name into a `String` once per reader. Blocking: read on a worker thread or
/// a connection queue, never on an event loop.
public final class XMLStreamReader {
    public enum Node: Sendable, Equatable {
        case startElement
        case endElement
        case text
    }

    private let reader: xmlTextReaderPtr
    private let validation: xmlSchemaValidCtxtPtr?
    private let collector: ErrorCollector
    /// For readers over memory: the bytes libxml2 reads from, kept alive as long as the reader.
    private let buffer: UnsafeMutableBufferPointer<CChar>?
    private var names: [UnsafeRawPointer: String] = [:]
    /// The file read, if any (for the DTD line lookup).
    private let path: String?
    /// The name the document was read from, used in errors.
    public let name: String

    /// Reads a file, validating against `schema` when given.
    /// Reads a file, validating against `schema` when given; `name` (default: the path) appears
    /// in errors.
    public convenience init(file path: String, name: String? = nil, schema: XMLSchemaSet? = nil) throws(XMLError) {
        XMLLibrary.initialize()
        guard let reader = xmlReaderForFile(path, nil, ParsedXMLDocument.hardenedOptions) else {
            throw XMLError(.unreadable, file: name ?? path, line: 0, message: "cannot open the file")
        }
        try self.init(reader: reader, buffer: nil, path: path, name: name ?? path, schema: schema)
    }

    /// Reads bytes held in memory (e.g. an XML extracted from a PDF); `name` appears in errors.
    public convenience init(bytes: [UInt8], name: String, schema: XMLSchemaSet? = nil) throws(XMLError) {
        XMLLibrary.initialize()
        let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(bytes.count, 1))
        bytes.withUnsafeBytes { source in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
        }
        guard
            let reader = xmlReaderForMemory(
                buffer.baseAddress, Int32(bytes.count), name, nil, ParsedXMLDocument.hardenedOptions)
        else {
            buffer.deallocate()
            throw XMLError(.unreadable, file: name, line: 0, message: "out of memory")
        }
        try self.init(reader: reader, buffer: buffer, path: nil, name: name, schema: schema)
    }

    private init(
        reader: xmlTextReaderPtr, buffer: UnsafeMutableBufferPointer<CChar>?, path: String?, name: String,
        schema: XMLSchemaSet?
    ) throws(XMLError) {
        self.reader = reader
        self.path = path
        self.buffer = buffer
        self.name = name
        let collector = ErrorCollector(file: name)
        self.collector = collector
        let opaque = Unmanaged.passUnretained(collector).toOpaque()
        xmlTextReaderSetStructuredErrorHandler(reader, ErrorCollector.schemaHandler, opaque)
        guard let schema else {
            validation = nil
            return
        }
        guard let context = xmlSchemaNewValidCtxt(schema.handle) else {
            validation = nil
            throw XMLError(.unreadable, file: name, line: 0, message: "out of memory")
        }
        validation = context
        xmlSchemaSetValidStructuredErrors(context, ErrorCollector.schemaHandler, opaque)
        guard xmlTextReaderSchemaValidateCtxt(reader, context, 0) == 0 else {
            throw XMLError(.unreadable, file: name, line: 0, message: "cannot validate against \(schema.path)")
        }
        // The reader relays its validity errors through its own handler: point it back at us.
        xmlSchemaSetValidStructuredErrors(context, ErrorCollector.schemaHandler, opaque)
    }

    deinit {
        // The reader uses the validation context until it is freed: free the reader first.
        xmlFreeTextReader(reader)
        if let validation { xmlSchemaFreeValidCtxt(validation) }
        buffer?.deallocate()
    }

    /// The next element start, element end or text node; nil at the end of a well-formed (and,
    /// with a schema, valid) document. Comments, processing instructions and whitespace between
    /// elements are skipped. An empty element (`<a/>`) gives a start with ``isEmptyElement`` and
    /// no end.
    ///
    /// - Throws: the first well-formedness, encoding or validity error, with its line.
    public func next() throws(XMLError) -> Node? {
        while true {
            let status = xmlTextReaderRead(reader)
            if let error = collector.first { throw error }
            if status == 0 {
                if validation != nil, xmlTextReaderIsValid(reader) != 1 {
                    throw XMLError(
                        .invalid, file: name, line: line, message: "the document is not valid against the schema")
                }
                return nil
            }
            guard status == 1 else { throw lastError() }
            switch xmlTextReaderNodeType(reader) {
            case Int32(XML_READER_TYPE_ELEMENT.rawValue): return .startElement
            case Int32(XML_READER_TYPE_END_ELEMENT.rawValue): return .endElement
            case Int32(XML_READER_TYPE_TEXT.rawValue), Int32(XML_READER_TYPE_CDATA.rawValue): return .text
            case Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue):
                throw XMLError(
                    .hostile, file: name, line: doctypeLine() ?? line,
                    message: "document type declarations (DTD) are not accepted")
            case Int32(XML_READER_TYPE_ENTITY_REFERENCE.rawValue):
                throw XMLError(.hostile, file: name, line: line, message: "entity references are not accepted")
            default: continue
            }
        }
    }

    /// The current element's local name (no prefix).
    public var localName: String {
        interned(xmlTextReaderConstLocalName(reader))
    }

    /// The current element's namespace URI, or nil when it has none.
    public var namespaceURI: String? {
        guard let uri = xmlTextReaderConstNamespaceUri(reader) else { return nil }
        return interned(uri)
    }

    /// Nesting depth of the current node (the root element is 0, its text 1).
    public var depth: Int { Int(xmlTextReaderDepth(reader)) }

    /// Whether the current start element is empty (`<a/>`): no end element follows.
    public var isEmptyElement: Bool { xmlTextReaderIsEmptyElement(reader) == 1 }

    /// The current node's line in the file; where the node has none (a DTD), the line the parser
    /// has reached, which runs ahead of the node by up to a read buffer. For an element whose
    /// start tag spans several lines, libxml2 gives the line of its closing `>`.
    public var line: Int {
        if let node = xmlTextReaderCurrentNode(reader) {
            let line = xmlGetLineNo(node)
            if line > 0 { return Int(line) }
        }
        return Int(xmlTextReaderGetParserLineNumber(reader))
    }

    /// The column the parser has reached on ``line``.
    public var column: Int { Int(xmlTextReaderGetParserColumnNumber(reader)) }

    /// The value of an attribute of the current element, by its qualified name as written
    /// (attributes of EN 16931 documents have no prefix: `unitCode`, `currencyID`, `schemeID`).
    public func attribute(_ name: String) -> String? {
        guard let value = xmlTextReaderGetAttribute(reader, name) else { return nil }
        defer { ocxml_free(value) }
        return String(cString: UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))
    }

    /// The text of the current text node.
    public var text: String {
        guard let value = xmlTextReaderConstValue(reader) else { return "" }
        return String(cString: UnsafeRawPointer(value).assumingMemoryBound(to: CChar.self))
    }

    /// The error libxml2 recorded last on this thread, when the reader failed without calling
    /// the handler (it does so for some fatal errors, such as a truncated file).
    private func lastError() -> XMLError {
        if let error = xmlGetLastError(), error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue,
            let message = error.pointee.message
        {
            var text = String(cString: message)
            while text.last?.isNewline == true { text.removeLast() }
            let column = error.pointee.domain == Int32(XML_FROM_PARSER.rawValue) ? Int(error.pointee.int2) : 0
            return XMLError(file: name, line: Int(error.pointee.line), column: column, message: text)
        }
        return XMLError(file: name, line: line, message: "not well-formed XML")
    }

    /// The line of `<!DOCTYPE`, found in the first 64 KiB (a DTD node carries no line of its own).
    private func doctypeLine() -> Int? {
        var prefix = [UInt8](repeating: 0, count: 64 * 1024)
        let count: Int
        if let buffer {
            count = min(buffer.count, prefix.count)
            for index in 0..<count { prefix[index] = UInt8(bitPattern: buffer[index]) }
        } else {
            guard let path, let file = fopen(path, "rb") else { return nil }
            count = fread(&prefix, 1, prefix.count, file)
            fclose(file)
        }
        let marker = Array("<!DOCTYPE".utf8)
        guard count >= marker.count else { return nil }
        var line = 1
        for index in 0...(count - marker.count) {
            if prefix[index] == 0x0A { line += 1 }
            if prefix[index] == marker[0], Array(prefix[index..<index + marker.count]) == marker { return line }
        }
        return nil
    }

    private func interned(_ pointer: UnsafePointer<xmlChar>?) -> String {
        guard let pointer else { return "" }
        let key = UnsafeRawPointer(pointer)
        if let known = names[key] { return known }
        let value = String(cString: UnsafeRawPointer(pointer).assumingMemoryBound(to: CChar.self))
        names[key] = value
        return value
    }
}

@available(*, unavailable)
extension XMLStreamReader: Sendable {}
