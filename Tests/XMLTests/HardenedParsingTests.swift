// This target imports Foundation and the XML module (and through it libxml2) together on purpose:
// Debian's libxml2 headers pull in ICU, whose UErrorCode clashes with Foundation's own copy on a
// clean build. If the shim's `#undef LIBXML_ICU_ENABLED` ever goes, this target stops compiling.
import Foundation
import Testing
import XML

@Suite struct HardenedParsingTests {
    @Test func readsRootNameAndNamespace() throws {
        let xml =
            #"<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"><ID>1</ID></Invoice>"#
        let document = try ParsedXMLDocument.parse(bytes: Array(xml.utf8), name: "invoice.xml")
        #expect(document.rootName == "Invoice")
        #expect(document.rootNamespace == "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2")
    }

    @Test func malformedDocumentNamesFileAndLine() throws {
        let xml = "<a>\n<b>\n</a>\n"
        let error = try #require(throws: XMLError.self) {
            try ParsedXMLDocument.parse(bytes: Array(xml.utf8), name: "broken.xml")
        }
        #expect(error.file == "broken.xml")
        #expect(error.line == 3)
        #expect(error.column == 5)
        #expect(error.description.hasPrefix("broken.xml:3:5: "))
    }

    @Test func externalEntityIsNeverExpanded() throws {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
            <r>&xxe;</r>
            """
        let error = try #require(throws: XMLError.self) {
            try ParsedXMLDocument.parse(bytes: Array(xml.utf8), name: "xxe.xml")
        }
        #expect(error.message.contains("DTD"))
    }

    @Test func billionLaughsIsRefusedQuickly() throws {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 \"lol\">\n"
        for level in 1...9 {
            xml += "<!ENTITY lol\(level) \"" + String(repeating: "&lol\(level - 1);", count: 10) + "\">\n"
        }
        xml += "]>\n<lolz>&lol9;</lolz>\n"
        let started = ContinuousClock.now
        #expect(throws: XMLError.self) { try ParsedXMLDocument.parse(bytes: Array(xml.utf8), name: "lolz.xml") }
        // Not a timing assertion on speed: a generous bound that only an actual expansion would break.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func parsesFileFromDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ocpizza-\(UUID().uuidString).xml")
            .path
        try Data("<root xmlns=\"urn:x\"/>".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let document = try ParsedXMLDocument.parse(file: path)
        #expect(document.rootName == "root")
        #expect(document.name == path)
    }
}
