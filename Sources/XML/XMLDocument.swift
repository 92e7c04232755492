import CLibXML2

/// A parsed XML document, owning libxml2's `xmlDoc` (freed in `deinit`).
///
/// Parsing is hardened for documents from outside: no network access, no DTD loading, no
/// entity substitution, and any document carrying a DTD (`<!DOCTYPE`) is refused outright,
/// because EN 16931 documents never have one and every XXE or billion-laughs attack needs one.
/// libxml2 is blocking: parse on a worker thread, never on an event loop.
public final class ParsedXMLDocument {
    private let handle: xmlDocPtr
    /// The name the document was read from, used in errors (a file path or a label).
    public let name: String

    private init(handle: xmlDocPtr, name: String) {
        self.handle = handle
        self.name = name
    }

    deinit { xmlFreeDoc(handle) }

    /// Options for untrusted input: no network, huge-line numbers kept, errors collected not printed.
    /// Deliberately absent: NOENT, DTDLOAD, DTDATTR, DTDVALID, XINCLUDE, HUGE.
    static let hardenedOptions: Int32 =
        Int32(
            bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_NOERROR.rawValue
                | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue)

    /// Parses a file.
    public static func parse(file path: String) throws(XMLError) -> ParsedXMLDocument {
        try parse(name: path) { context in xmlCtxtReadFile(context, path, nil, hardenedOptions) }
    }

    /// Parses bytes held in memory; `name` appears in errors.
    public static func parse(bytes: [UInt8], name: String) throws(XMLError) -> ParsedXMLDocument {
        try parse(name: name) { context in
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    xmlCtxtReadMemory(context, chars.baseAddress, Int32(chars.count), name, nil, hardenedOptions)
                }
            }
        }
    }

    private static func parse(
        name: String, _ read: (xmlParserCtxtPtr) -> xmlDocPtr?
    ) throws(XMLError)
        -> ParsedXMLDocument
    {
        guard let context = xmlNewParserCtxt() else {
            throw XMLError(.unreadable, file: name, line: 0, message: "out of memory")
        }
        defer { xmlFreeParserCtxt(context) }
        // Collect the first error through this context's own structured handler (not the
        // thread-global one): the first error is the cause, later ones are its consequences.
        let collector = ErrorCollector(file: name)
        context.pointee._private = Unmanaged.passUnretained(collector).toOpaque()
        context.pointee.sax.pointee.serror = ErrorCollector.parserContextHandler
        let parsed = withExtendedLifetime(collector) { read(context) }
        guard let document = parsed else {
            throw collector.first ?? XMLError.last(of: context, file: name)
        }
        if let error = collector.first {
            xmlFreeDoc(document)
            throw error
        }
        if document.pointee.intSubset != nil || document.pointee.extSubset != nil {
            xmlFreeDoc(document)
            throw XMLError(.hostile, file: name, line: 1, message: "document type declarations (DTD) are not accepted")
        }
        return ParsedXMLDocument(handle: document, name: name)
    }

    /// The root element's local name, e.g. `Invoice`.
    public var rootName: String? {
        guard let root = xmlDocGetRootElement(handle) else { return nil }
        return String(cString: UnsafeRawPointer(root.pointee.name).assumingMemoryBound(to: CChar.self))
    }

    /// The root element's namespace URI, which (with the name) tells UBL from CII.
    public var rootNamespace: String? {
        guard let root = xmlDocGetRootElement(handle), let namespace = root.pointee.ns,
            let href = namespace.pointee.href
        else { return nil }
        return String(cString: UnsafeRawPointer(href).assumingMemoryBound(to: CChar.self))
    }
}

@available(*, unavailable)
extension ParsedXMLDocument: Sendable {}

/// The one error type of the XML module: which document, which line, what is wrong.
public struct XMLError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Not well-formed: syntax, encoding, truncation.
        case malformed
        /// A construct refused on purpose: a DTD, an entity reference.
        case hostile
        /// Well-formed but not valid against the schema.
        case invalid
        /// The file or schema could not be read or compiled.
        case unreadable
    }

    public var kind: Kind
    public var file: String
    /// 1-based line of the problem (0 when unknown).
    public var line: Int
    /// 1-based column of the problem (0 when libxml2 does not say, as for schema errors).
    public var column: Int
    public var message: String

    public init(_ kind: Kind = .malformed, file: String, line: Int, column: Int = 0, message: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        column > 0 ? "\(file):\(line):\(column): \(message)" : "\(file):\(line): \(message)"
    }

    static func last(of context: xmlParserCtxtPtr, file: String) -> XMLError {
        guard let error = xmlCtxtGetLastError(context), let message = error.pointee.message else {
            return XMLError(file: file, line: 0, message: "not well-formed XML")
        }
        var text = String(cString: message)
        while text.last?.isNewline == true { text.removeLast() }
        return XMLError(file: file, line: Int(error.pointee.line), message: text)
    }
}
