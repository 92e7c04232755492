import Foundation
import Synchronization
import XML

/// The root element of a supplier document: which syntax, which kind, which schema.
public enum DocumentRoot: String, Sendable, CaseIterable {
    case ublInvoice, ublCreditNote, ublDespatchAdvice, cii

    /// The namespace and local name that identify each root (FIELDS.md §1: never the prefix).
    static let byName: [String: DocumentRoot] = [
        "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2 Invoice": .ublInvoice,
        "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2 CreditNote": .ublCreditNote,
        "urn:oasis:names:specification:ubl:schema:xsd:DespatchAdvice-2 DespatchAdvice": .ublDespatchAdvice,
        "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100 CrossIndustryInvoice": .cii,
    ]

    /// The entry schema, relative to the schema folder.
    var schemaPath: String {
        switch self {
        case .ublInvoice: "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd"
        case .ublCreditNote: "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd"
        case .ublDespatchAdvice: "ubl-2.1/maindoc/UBL-DespatchAdvice-2.1.xsd"
        case .cii: "cii-d16b/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd"
        }
    }

    /// Identifies a root, or explains why it is not a supported document.
    static func identify(
        namespace: String?, name: String, file: String, line: Int
    ) throws(SupplierDocumentError)
        -> DocumentRoot
    {
        if let root = byName["\(namespace ?? "") \(name)"] { return root }
        if name == "CrossIndustryDocument" {
            throw SupplierDocumentError(
                .unsupportedFormat, file: file, line: line,
                "ZUGFeRD 1.0 (CrossIndustryDocument) is not an EN 16931 invoice: ask the supplier for Factur-X / "
                    + "ZUGFeRD 2 (CII D16B) or UBL 2.1")
        }
        throw SupplierDocumentError(
            .unsupportedFormat, file: file, line: line,
            "root element {\(namespace ?? "no namespace")}\(name) is not a supported supplier document "
                + "(UBL 2.1 Invoice, CreditNote, DespatchAdvice, or CII D16B CrossIndustryInvoice)")
    }
}

/// The vendored official schemas, each compiled at most once per process and then shared by
/// every validation (compiling the UBL set costs about as much as validating many invoices).
public final class SupplierSchemas: Sendable {
    /// The folder holding `ubl-2.1/` and `cii-d16b/`.
    public let directory: String
    private let compiled = Mutex<[DocumentRoot: XMLSchemaSetBox]>([:])

    /// Uses `directory`, else `$OCPIZZA_SCHEMA_DIR`, else the `Schemas` folder SwiftPM installs
    /// beside the executable (`ocpizza_SupplierDocuments.resources/Schemas`).
    ///
    /// - Throws: a ``SupplierDocumentError/Code/io`` error listing where it looked.
    public init(directory: String? = nil) throws(SupplierDocumentError) {
        let candidates = directory.map { [$0] } ?? Self.defaultCandidates()
        guard let found = candidates.first(where: { Self.looksLikeSchemaFolder($0) }) else {
            throw SupplierDocumentError(
                .io, file: candidates.first ?? "Schemas",
                "the XML schemas are missing (looked in \(candidates.joined(separator: ", "))): install "
                    + "ocpizza_SupplierDocuments.resources beside the ocpizza binary, or set OCPIZZA_SCHEMA_DIR")
        }
        self.directory = found
    }

    /// The compiled schema for a root, compiling it on first use.
    public func schema(for root: DocumentRoot) throws(SupplierDocumentError) -> XMLSchemaSet {
        if let known = compiled.withLock({ $0[root] }) { return known.schema }
        let path = directory + "/" + root.schemaPath
        do {
            let schema = try XMLSchemaSet(path: path)
            compiled.withLock { $0[root] = XMLSchemaSetBox(schema: schema) }
            return schema
        } catch {
            throw SupplierDocumentError(
                .io, file: path, line: error.line, "the schema does not compile: \(error.message)")
        }
    }

    /// Compiles every schema now, so that a broken installation fails before the first file.
    public func compileAll() throws(SupplierDocumentError) {
        for root in DocumentRoot.allCases { _ = try schema(for: root) }
    }

    private static func looksLikeSchemaFolder(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/" + DocumentRoot.ublInvoice.schemaPath)
    }

    private static func defaultCandidates() -> [String] {
        var candidates: [String] = []
        if let configured = ProcessInfo.processInfo.environment["OCPIZZA_SCHEMA_DIR"], !configured.isEmpty {
            candidates.append(configured)
        }
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments.first ?? "."
        let folder = URL(fileURLWithPath: executable).deletingLastPathComponent().path
        candidates.append(folder + "/ocpizza_SupplierDocuments.resources/Schemas")
        candidates.append(folder + "/ocpizza_SupplierDocuments.bundle/Contents/Resources/Schemas")
        candidates.append(folder + "/../share/ocpizza/Schemas")
        return candidates
    }
}

/// Carries a compiled schema across the lock (the schema itself is read-only once compiled).
private struct XMLSchemaSetBox: @unchecked Sendable {
    let schema: XMLSchemaSet
}
