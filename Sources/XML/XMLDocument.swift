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
        guard let context = xmlNewParserCtxt() else { throw XMLError(file: name, line: 0, message: "out of memory") }
        defer { xmlFreeParserCtxt(context) }
        // Collect the first error through this context's own structured handler (not the
        // thread-global one): the first error is the cause, later ones are its consequences.
        let collector = ErrorCollector(file: name)
        context.pointee._private = Unmanaged.passUnretained(collector).toOpaque()
        context.pointee.sax.pointee.serror = ErrorCollector.handler
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
            throw XMLError(file: name, line: 1, message: "document type declarations (DTD) are not accepted")
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

/// Receives libxml2's structured errors for one parser context.
private final class ErrorCollector {
    let file: String
    var first: XMLError?

    init(file: String) { self.file = file }

    /// Typed as `xmlStructuredErrorFunc` so it compiles against libxml2 2.9 and 2.12+ alike.
    static let handler: xmlStructuredErrorFunc = { userData, error in
        guard let userData, let error, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        let context = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let opaque = context.pointee._private else { return }
        let collector = Unmanaged<ErrorCollector>.fromOpaque(opaque).takeUnretainedValue()
        guard collector.first == nil else { return }
        var message = error.pointee.message.map { String(cString: $0) } ?? "not well-formed XML"
        while message.last?.isNewline == true { message.removeLast() }
        collector.first = XMLError(file: collector.file, line: Int(error.pointee.line), message: message)
    }
}

/// The one error type of the XML module: which document, which line, what is wrong.
public struct XMLError: Error, Sendable, CustomStringConvertible {
    public var file: String
    /// 1-based line of the problem (0 when unknown).
    public var line: Int
    public var message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file):\(line): \(message)" }

    static func last(of context: xmlParserCtxtPtr, file: String) -> XMLError {
        guard let error = xmlCtxtGetLastError(context), let message = error.pointee.message else {
            return XMLError(file: file, line: 0, message: "not well-formed XML")
        }
        var text = String(cString: message)
        while text.last?.isNewline == true { text.removeLast() }
        return XMLError(file: file, line: Int(error.pointee.line), message: text)
    }
}
