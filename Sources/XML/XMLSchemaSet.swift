import CLibXML2

/// A compiled XML Schema (XSD), owning libxml2's `xmlSchema` (freed in `deinit`).
///
/// Compile once per run and validate every document against it: compiling the UBL schemas
/// costs far more than validating a small invoice. The compiled schema is read-only during
/// validation; each validation gets its own context (see ``XMLStreamReader``), so one schema
/// serves readers on several threads.
///
/// Schemas are read from local files only: the loader refuses network URLs (`XML_PARSE_NONET`),
/// and `xsd:import`/`xsd:include` resolve relative to the schema's own path, as the official
/// schema sets expect.
public final class XMLSchemaSet: @unchecked Sendable {
    // @unchecked: the handle is never mutated after init; libxml2 documents a compiled schema as
    // shareable between validation contexts.
    let handle: xmlSchemaPtr
    /// The entry schema's path, for messages.
    public let path: String

    public init(path: String) throws(XMLError) {
        XMLLibrary.initialize()
        guard let parser = xmlSchemaNewParserCtxt(path) else {
            throw XMLError(.unreadable, file: path, line: 0, message: "cannot read the schema")
        }
        defer { xmlSchemaFreeParserCtxt(parser) }
        let collector = ErrorCollector(file: path)
        xmlSchemaSetParserStructuredErrors(
            parser, ErrorCollector.schemaHandler, Unmanaged.passUnretained(collector).toOpaque())
        let compiled = withExtendedLifetime(collector) { xmlSchemaParse(parser) }
        guard let compiled else {
            throw collector.first ?? XMLError(.unreadable, file: path, line: 0, message: "the schema does not compile")
        }
        self.handle = compiled
        self.path = path
    }

    deinit { xmlSchemaFree(handle) }
}

/// One-time process set-up of libxml2.
enum XMLLibrary {
    private static let once: Void = {
        xmlInitParser()
        // Never fetch anything while parsing: documents from outside may name http:// schemas,
        // DTDs or entities. NONET on each parse covers the parsers; this covers the schema
        // compiler's imports too (it refuses every network URL whatever the options).
        xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader)
    }()

    static func initialize() { _ = once }
}
