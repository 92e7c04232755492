import CLibXML2
import Foundation
import Reports
import Testing

@Suite struct ReportFormatTests {
    @Test func eurosAreWrittenTheFrenchWay() {
        #expect(ReportFormat.euros(123_456) == "1\u{202F}234,56\u{202F}€")
        #expect(ReportFormat.euros(-1_200) == "\u{2212}12,00\u{202F}€")
        #expect(ReportFormat.euros(5) == "0,05\u{202F}€")
        #expect(ReportFormat.integer(1_234_567) == "1\u{202F}234\u{202F}567")
        #expect(ReportFormat.percent(tenths: 125) == "12,5\u{202F}%")
        #expect(ReportFormat.percent(tenths: nil) == "–")
        #expect(ReportFormat.csvEuros(-123_456) == "-1234,56")
        #expect(ReportFormat.plain(1_500, decimals: 3) == "1,500")
    }

    @Test func csvHasABOMSemicolonsAndQuotesOnlyWhereNeeded() {
        let table = CSVTable(
            name: "t", header: ["produit", "CA"], rows: [["Reine; jambon", "12,50"], ["4 \"fromages\"", "9"]])
        let bytes = table.bytes
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(
            String(decoding: bytes.dropFirst(3), as: UTF8.self)
                == "produit;CA\r\n\"Reine; jambon\";12,50\r\n\"4 \"\"fromages\"\"\";9\r\n")
    }

    @Test func chartsAreScalableSVGWithTheirFiguresAndTitles() {
        let svg = SVGChart.columns(
            title: "Revenue <by> day",
            bars: [.init(label: "03-14", value: 100, text: "1 €"), .init(label: "03-15", value: 50, text: "0,50 €")])
        #expect(svg.hasPrefix(#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 240""#))
        #expect(svg.contains("<title>Revenue &lt;by&gt; day</title>"))
        #expect(svg.contains(#"height="184""#))  // the tallest bar fills the plot: 240 − 2 × 28
        #expect(svg.contains(#"height="92""#))
        let diverging = SVGChart.diverging(
            title: "Variance",
            bars: [
                .init(label: "Mozzarella", value: -200, text: "−2 €"), .init(label: "Farine", value: 100, text: "1 €"),
            ])
        #expect(diverging.contains(#"class="under""#) && diverging.contains(#"class="over""#))
        #expect(SVGChart.columns(title: "x", bars: []).contains("no data for this period"))
    }

    @Test func aRenderedPageIsWellFormedHTMLForLibxml2() throws {
        let table = ReportTable(
            name: "sales", title: "Sales & co", columns: ["shop", "revenue"],
            rows: [[.text("PAR11 <b>"), .cents(1_234)]])
        var tableContext = table.context
        tableContext["csvHref"] = "csv/chain-sales.csv"
        let page = try ReportRenderer().page([
            "title": "Chain", "periodLabel": "Day", "range": "2026-03-15", "comparedWith": "the day before",
            "to": "2026-03-15", "indexLink": "../../index.html",
            "kpis": [
                [
                    "label": "Revenue", "value": "12,34 €", "previous": "10,00 €", "previousChange": "+23 %",
                    "previousTrend": "up",
                ]
            ],
            "sections": [
                [
                    "id": "sales", "title": "Sales", "charts": [["svg": SVGChart.columns(title: "r", bars: [])]],
                    "tables": [tableContext],
                ]
            ],
        ])
        #expect(page.contains("PAR11 &lt;b&gt;"))
        #expect(page.contains("Sales &amp; co"))
        #expect(page.contains("<svg class=\"chart\""))
        let errors = try Self.htmlErrors(page)
        #expect(errors == [], "\(errors)")
    }

    /// Parses with libxml2's HTML parser (no network) and returns its errors, except "unknown
    /// tag" (801): the parser knows HTML 4, so header, main, section, figure and inline SVG are
    /// unknown to it, which says nothing about the page's structure.
    static func htmlErrors(_ html: String) throws -> [String] {
        final class Collected { var errors: [String] = [] }
        let collected = Collected()
        xmlSetStructuredErrorFunc(Unmanaged.passUnretained(collected).toOpaque()) { user, error in
            guard let user, let error, error.pointee.code != 801 else { return }
            let box = Unmanaged<Collected>.fromOpaque(user).takeUnretainedValue()
            let message = error.pointee.message.map { String(cString: $0) } ?? "?"
            box.errors.append("line \(error.pointee.line): code \(error.pointee.code): \(message)")
        }
        defer { xmlSetStructuredErrorFunc(nil, nil) }
        let bytes = Array(html.utf8)
        let options = Int32(HTML_PARSE_NONET.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                htmlReadMemory($0, Int32(bytes.count), "report.html", "UTF-8", options)
            }
        }
        guard let document else { return collected.errors + ["not parsed"] }
        xmlFreeDoc(document)
        return collected.errors
    }
}
