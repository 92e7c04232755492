import Foundation
import XML

/// Reads an ISO 20022 camt.053 bank statement file (`BkToCstmrStmt`, any version).
///
/// Versions 02, 04 and 08 are validated against their official XSD (vendored in
/// `Schemas/camt053/`) while being read. Real bank files often break the schema in ways that do
/// not matter (an element out of order, a bad country code), so a schema error only warns
/// (`schema_deviation`) and the file is read again without the schema. What is refused, with the
/// line, is what cannot be read safely: malformed XML, a DTD or entity (hostile), a sub-cent
/// amount, a missing amount or sign. Other versions (`.001.10`) are read without a schema
/// (`no_schema`). Blocking: call it from a worker thread, never from an event loop.
public final class BankStatementReader: Sendable {
    private let schemas: Camt053Schemas

    /// Finds the vendored XSDs (see ``Camt053Schemas``: `schemaDirectory`, `$OCPIZZA_SCHEMA_DIR`,
    /// then the resource folder beside the executable) and compiles them once for the process.
    ///
    /// - Throws: `schemas_missing` when the XSDs are not installed or do not compile.
    public init(schemaDirectory: String? = nil) throws(SettlementFileError) {
        schemas = try Camt053Schemas(directory: schemaDirectory)
        try schemas.compileAll()
    }

    /// Reads a whole file; `name` is how errors and warnings name it.
    ///
    /// - Throws: `malformed_xml`, `hostile_xml`, `unreadable_file`, `unknown_format` (not a
    ///   camt.053 `Document`), `sub_cent_amount`, `bad_amount`, `bad_indicator`, `bad_date`,
    ///   `missing_field`, each with the XML line in `record` when known.
    public func read(path: String, name: String) throws(SettlementFileError) -> BankStatementFile {
        let version = try Self.version(path: path, name: name)
        guard let schema = try schemas.schema(version: version) else {
            var file = try Self.tolerantPass(path: path, name: name, version: version)
            file.warnings.insert(
                FileWarning(
                    code: "no_schema", message: "camt.053.001.\(version) has no vendored XSD: read without validation"),
                at: 0)
            return file
        }
        let deviation: XMLError
        do {
            return try Self.validatingPass(path: path, name: name, version: version, schema: schema)
        } catch {
            switch error {
            case .xml(let error) where error.kind == .invalid: deviation = error
            case .xml(let error): throw Self.refusal(error, name: name)
            case .content(let error): throw error
            }
        }
        var file = try Self.tolerantPass(path: path, name: name, version: version)
        file.schemaValid = false
        file.warnings.insert(
            FileWarning(
                code: "schema_deviation", record: deviation.line,
                message: "line \(deviation.line): \(deviation.message)"),
            at: 0)
        return file
    }

    /// One pass, validating against `schema`: the XML error is kept for the caller to judge.
    private static func validatingPass(
        path: String, name: String, version: String, schema: XMLSchemaSet
    ) throws(Camt053PassFailure) -> BankStatementFile {
        let reader: XMLStreamReader
        do { reader = try XMLStreamReader(file: path, name: name, schema: schema) } catch { throw .xml(error) }
        var parser = Camt053Parser(file: name)
        try parser.read(reader)
        return BankStatementFile(
            version: version, schemaValid: true, statements: parser.statements, warnings: parser.warnings)
    }

    /// One pass without a schema: every XML error refuses the file.
    private static func tolerantPass(
        path: String, name: String, version: String
    ) throws(SettlementFileError) -> BankStatementFile {
        let reader: XMLStreamReader
        do { reader = try XMLStreamReader(file: path, name: name) } catch { throw refusal(error, name: name) }
        var parser = Camt053Parser(file: name)
        do {
            try parser.read(reader)
        } catch {
            switch error {
            case .xml(let error): throw refusal(error, name: name)
            case .content(let error): throw error
            }
        }
        return BankStatementFile(
            version: version, schemaValid: nil, statements: parser.statements, warnings: parser.warnings)
    }

    /// The camt.053 version (`02`, `08`, `10`...) from the root's namespace, read from the first
    /// element only (a DTD before it is refused here already).
    private static func version(path: String, name: String) throws(SettlementFileError) -> String {
        let prefix = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
        do {
            let reader = try XMLStreamReader(file: path, name: name)
            while let node = try reader.next() {
                guard node == .startElement else { continue }
                let namespace = reader.namespaceURI ?? ""
                let version = namespace.hasPrefix(prefix) ? String(namespace.dropFirst(prefix.count)) : ""
                guard reader.localName == "Document", !version.isEmpty,
                    version.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
                else {
                    throw SettlementFileError(
                        "unknown_format", file: name, record: reader.line,
                        message: "root {\(namespace)}\(reader.localName) is not a camt.053 Document")
                }
                return version
            }
            throw SettlementFileError("malformed_xml", file: name, record: 1, message: "no root element")
        } catch let error as XMLError {
            throw refusal(error, name: name)
        } catch let error as SettlementFileError {
            throw error
        } catch {
            throw SettlementFileError("unreadable_file", file: name, message: "\(error)")
        }
    }

    private static func refusal(_ error: XMLError, name: String) -> SettlementFileError {
        let code =
            switch error.kind {
            case .malformed, .invalid: "malformed_xml"
            case .hostile: "hostile_xml"
            case .unreadable: "unreadable_file"
            }
        return SettlementFileError(code, file: name, record: error.line > 0 ? error.line : nil, message: error.message)
    }
}
