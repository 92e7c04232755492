import CLibXML2

/// Keeps the first error libxml2 reports for one parse, validation or schema compilation.
///
/// The first error is the cause; later ones are its consequences. Errors go to this per-use
/// collector, never to libxml2's thread-global handler, so concurrent parses do not mix them.
final class ErrorCollector {
    let file: String
    var first: XMLError?

    init(file: String) { self.file = file }

    func record(_ error: UnsafePointer<xmlError>) {
        guard first == nil, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = error.pointee.message.map { String(cString: $0) } ?? "not well-formed XML"
        while message.last?.isNewline == true { message.removeLast() }
        // Parser errors carry the column in int2; schema validity errors leave it 0 (unknown).
        let column = error.pointee.domain == Int32(XML_FROM_PARSER.rawValue) ? Int(error.pointee.int2) : 0
        let kind: XMLError.Kind =
            switch error.pointee.domain {
            case Int32(XML_FROM_SCHEMASV.rawValue), Int32(XML_FROM_VALID.rawValue): .invalid
            case Int32(XML_FROM_SCHEMASP.rawValue), Int32(XML_FROM_IO.rawValue): .unreadable
            default: .malformed
            }
        first = XMLError(kind, file: file, line: Int(error.pointee.line), column: column, message: message)
    }

    /// For a parser context whose `_private` points at the collector.
    /// Typed as `xmlStructuredErrorFunc` so it compiles against libxml2 2.9 and 2.12+ alike.
    static let parserContextHandler: xmlStructuredErrorFunc = { userData, error in
        guard let userData, let error else { return }
        let context = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let opaque = context.pointee._private else { return }
        Unmanaged<ErrorCollector>.fromOpaque(opaque).takeUnretainedValue().record(error)
    }

    /// For APIs that pass our own pointer back (readers, schema parsers and validators).
    static let schemaHandler: xmlStructuredErrorFunc = { userData, error in
        guard let userData, let error else { return }
        Unmanaged<ErrorCollector>.fromOpaque(userData).takeUnretainedValue().record(error)
    }
}
