import Domain
import Foundation
import StockFiles
import Testing

@Suite struct StockFileReaderTests {
    func read(_ text: String, _ kind: StockFileReader.Kind) throws(StockFileError) -> [StockFileRow] {
        try StockFileReader.read(bytes: Array(text.utf8), name: "sheet.csv", kind: kind)
    }

    @Test func aCountSheetWithABOMAndCRLF() throws {
        let rows = try StockFileReader.read(
            bytes: [0xEF, 0xBB, 0xBF]
                + Array(
                    "shop,counted_at,ingredient,quantity,unit\r\nPAR11,2026-03-14T23:40:00+01:00,MOZZA,12.5,KGM\r\n"
                        .utf8)
                + Array("par11,2026-03-14T23:40:00+01:00,cola-33,48,piece\r\n\r\n".utf8),
            name: "count.csv", kind: .count)
        #expect(rows.count == 2)
        #expect(rows[0].shop == "PAR11" && rows[0].item == "MOZZA" && rows[0].quantity == Decimal(string: "12.5"))
        #expect(rows[0].unit == .kilogram && rows[1].unit == .piece && rows[1].item == "COLA-33")
        #expect(rows[1].line == 3)
    }

    @Test func semicolonsAndDecimalCommas() throws {
        let rows = try read(
            "Shop;Counted_At;SKU;Quantity;Unit\nPAR11;2026-03-14 23:40;FLOUR;7,250;kg\n", .count)
        #expect(rows[0].quantity == Decimal(string: "7.25") && rows[0].at == "2026-03-14 23:40")
    }

    @Test func aWasteLogWithReasonsAndNotes() throws {
        let rows = try read(
            """
            shop,at,item,quantity,unit,reason,note
            PAR11,2026-03-14T22:10:00+01:00,MOZZA,500,g,expired,
            PAR11,2026-03-14T21:00:00+01:00,PIZ-MARG-M,2,piece,burnt,"oven too hot, two lost"
            """, .waste)
        #expect(rows.map(\.reason) == ["expired", "burnt"])
        #expect(rows[1].note == "oven too hot, two lost" && rows[0].note == nil)
    }

    @Test(
        arguments: [
            ("shop,counted_at,quantity,unit\nPAR11,2026-03-14T23:40:00Z,1,KGM\n", "missing_column", 1),
            ("shop,counted_at,ingredient,quantity,unit\nPAR11,2026-03-14T23:40:00Z,MOZZA,-1,KGM\n", "bad_quantity", 2),
            ("shop,counted_at,ingredient,quantity,unit\nPAR11,2026-03-14T23:40:00Z,MOZZA,1e3,KGM\n", "bad_quantity", 2),
            ("shop,counted_at,ingredient,quantity,unit\nPAR11,14/03/2026,MOZZA,1,KGM\n", "bad_time", 2),
            ("shop,counted_at,ingredient,quantity,unit\nPAR11,2026-03-14T23:40:00Z,MOZZA,1,XBX\n", "bad_unit", 2),
            (
                "shop,counted_at,ingredient,quantity,unit\nPAR11,2026-03-14T23:40:00Z,MOZZA,1,KGM\n"
                    + "PAR11,2026-03-14T23:40:00Z,MOZZA,2,KGM\n", "duplicate_item", 3
            ),
            (
                "shop,counted_at,ingredient,quantity,unit\nPAR11,2026-03-14T23:40:00Z,MOZZA,1,KGM\n"
                    + "PAR12,2026-03-14T23:40:00Z,FLOUR,2,KGM\n", "mixed_counts", 3
            ),
            ("shop,counted_at,ingredient,quantity,unit\n", "empty", nil),
            ("shop,counted_at,ingredient,quantity,unit\nPAR11,,MOZZA,1,KGM\n", "malformed_row", 2),
        ] as [(String, String, Int?)])
    func badCountSheetsAreRefusedWithTheLine(text: String, code: String, line: Int?) {
        #expect {
            _ = try read(text, .count)
        } throws: { error in
            guard let error = error as? StockFileError else { return false }
            return error.code == code && error.line == line && error.file == "sheet.csv"
        }
    }

    @Test func aWasteReasonOutsideTheListIsRefused() {
        #expect(throws: StockFileError.self) {
            _ = try read("shop,at,item,quantity,unit,reason\nPAR11,2026-03-14T22:10:00Z,MOZZA,1,kg,stolen\n", .waste)
        }
    }

    @Test func bytesThatAreNotUTF8AreRefused() {
        #expect {
            _ = try StockFileReader.read(
                bytes: Array("shop,counted_at,ingredient,quantity,unit\nPAR11,".utf8) + [0xFF, 0xFE], name: "x.csv",
                kind: .count)
        } throws: { ($0 as? StockFileError)?.code == "not_utf8" }
    }
}
