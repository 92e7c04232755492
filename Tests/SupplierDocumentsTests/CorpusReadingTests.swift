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
        print("DUMP \(relative): \(document.header.kind) \(document.header.number) profile=\(document.header.profile ?? "-") seller=\(document.header.seller.name ?? "-") vat=\(document.header.seller.vatID ?? "-") siren=\(document.header.seller.siren ?? "-") buyerRef=\(document.header.buyerReference ?? "-") loc=\(document.header.deliveryLocation?.id ?? "-") deliv=\(document.header.deliveryDate?.isoString ?? "-") cur=\(document.header.currency ?? "-") lines=\(lines.count) totals=\(document.settlement.totals.lineTotal.map { "\($0)" } ?? "-")/\(document.settlement.totals.taxTotal.map { "\($0)" } ?? "-")/\(document.settlement.totals.payable.map { "\($0)" } ?? "-") vat=\(document.settlement.vatBreakdown.count) ac=\(document.settlement.allowanceCharges.count) first=\(lines.first.map { "\($0.quantity) \($0.unitCode) \($0.netPrice.map { "\($0)" } ?? "-") \($0.netAmount.map { "\($0)" } ?? "-") \($0.sellerItemID ?? "-") \($0.gtin ?? "-") \($0.vatCategory ?? "-")/\($0.vatPercent.map { "\($0)" } ?? "-") @\($0.fileLine)" } ?? "-")")
    }
}
