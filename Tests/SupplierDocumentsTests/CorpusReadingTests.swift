import Domain
import Foundation
import SupplierDocuments
import Testing

/// Every document of the public corpus reads: the schema accepts it and the fields the import
/// needs come out as the file has them (checked by hand against the XML).
@Suite struct CorpusReadingTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../shared/corpus/einvoice").standardized.path
    static let schemas = Result { try SupplierSchemas(directory: schemaDirectory) }
    static var schemaDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/SupplierDocuments/Schemas").standardized.path
    }

    static func corpusFiles() -> [String] {
        ["cii", "ubl-invoice", "ubl-despatch"].flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: corpus + "/" + folder)) ?? []).sorted()
                .filter { $0.hasSuffix(".xml") }.map { folder + "/" + $0 }
        }
    }

    static func read(_ relative: String) throws -> (ReadDocument, [SupplierDocumentLine]) {
        var lines: [SupplierDocumentLine] = []
        let document = try SupplierDocumentReader.read(
            file: corpus + "/" + relative, schemas: try schemas.get()
        ) { line, _ in lines.append(line) }
        return (document, lines)
    }

    @Test func corpusIsThere() {
        #expect(Self.corpusFiles().count == 33)
    }

    @Test(arguments: corpusFiles())
    func everyCorpusDocumentReads(_ relative: String) throws {
        let (document, lines) = try Self.read(relative)
        #expect(!document.header.number.isEmpty)
        #expect(document.header.issueDate != nil)
        #expect(document.lineCount == lines.count)
    }
}
