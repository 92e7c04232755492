import Domain
import Foundation
import Settlement
import Testing

/// The cash and card-on-delivery remittance CSV (design note §3.5): columns by name, `,` or `;`,
/// BOM and CRLF from French Excel, all rows or none.
@Suite struct RemittanceReaderTests {
    static let header =
        "shop,business_date,shift,employee,shift_start,shift_end,cash_counted,card_terminal_total,card_slips,received_by,note"

    /// Writes `bytes` to a fresh temporary file and reads it.
    static func read(_ bytes: [UInt8]) throws -> [RemittanceRow] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("remittance-\(UUID().uuidString).csv")
            .path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try RemittanceReader.read(path: path, name: "remittance.csv")
    }

    static func read(_ text: String) throws -> [RemittanceRow] { try read(Array(text.utf8)) }

    /// The refusal a read ends with (nil when it reads).
    static func refusal(_ text: String) throws -> SettlementFileError? {
        do {
            _ = try read(text)
            return nil
        } catch let error as SettlementFileError {
            return error
        }
    }

    static func instant(_ iso: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: iso))
    }

    @Test func designNoteExampleReads() throws {
        let rows = try Self.read(
            """
            \(Self.header)
            PAR11,2026-03-14,dinner,karim.ouali@ocpizza.fr,2026-03-14T18:00:00+01:00,2026-03-15T00:30:00+01:00,312.50,188.00,7,nadia.haddad@ocpizza.fr,
            PAR11,2026-03-14,till-dinner,ines.martin@ocpizza.fr,2026-03-14T18:00:00+01:00,2026-03-14T23:30:00+01:00,145.20,96.40,5,nadia.haddad@ocpizza.fr,

            """)
        #expect(
            rows == [
                RemittanceRow(
                    shopCode: "PAR11", businessDate: try LocalDate(iso: "2026-03-14"), shiftLabel: "dinner",
                    employee: "karim.ouali@ocpizza.fr",
                    shiftStart: .instant(try Self.instant("2026-03-14T17:00:00Z"), text: "2026-03-14T18:00:00+01:00"),
                    shiftEnd: .instant(try Self.instant("2026-03-14T23:30:00Z"), text: "2026-03-15T00:30:00+01:00"),
                    cashCountedCents: 31250, cardTerminalTotalCents: 18800, cardSlips: 7,
                    receivedBy: "nadia.haddad@ocpizza.fr", note: nil, record: 2),
                RemittanceRow(
                    shopCode: "PAR11", businessDate: try LocalDate(iso: "2026-03-14"), shiftLabel: "till-dinner",
                    employee: "ines.martin@ocpizza.fr",
                    shiftStart: .instant(try Self.instant("2026-03-14T17:00:00Z"), text: "2026-03-14T18:00:00+01:00"),
                    shiftEnd: .instant(try Self.instant("2026-03-14T22:30:00Z"), text: "2026-03-14T23:30:00+01:00"),
                    cashCountedCents: 14520, cardTerminalTotalCents: 9640, cardSlips: 5,
                    receivedBy: "nadia.haddad@ocpizza.fr", note: nil, record: 3),
            ])
    }

    @Test func frenchExcelFileReads() throws {
        // UTF-8 BOM, `;` separators, CRLF, decimal commas, a quoted note with a `;`, and the row
        // of bare separators Excel leaves at the end.
        let text =
            "Shop;Business_Date;Employee;Shift_Start;Shift_End;Cash_Counted;Card_Terminal_Total;Note\r\n"
            + "LYO02;2026-03-14;12;2026-03-14T11:00;2026-03-14T15:00;312,50;0,5;\"fond de caisse; 150 €\"\r\n"
            + ";;;;;;;\r\n"
        let rows = try Self.read([0xEF, 0xBB, 0xBF] + Array(text.utf8))
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        #expect(row.shopCode == "LYO02")
        #expect(row.employee == "12")
        #expect(row.cashCountedCents == 31250)
        #expect(row.cardTerminalTotalCents == 50)
        #expect(row.note == "fond de caisse; 150 €")
        #expect(row.shiftLabel == nil)
        #expect(row.cardSlips == nil)
        #expect(row.receivedBy == nil)
        #expect(row.record == 2)
    }

    @Test func localAndOffsetTimesStayApart() throws {
        let rows = try Self.read(
            """
            shop,business_date,employee,shift_start,shift_end,cash_counted,card_terminal_total
            PAR11,2026-10-24,karim.ouali@ocpizza.fr,2026-10-24T18:00,2026-10-25T02:30:15,10,0
            PAR11,2026-10-24,ines.martin@ocpizza.fr,2026-10-24T18:00:00Z,2026-10-25T00:30:00.250+02:00,10.5,0
            """)
        #expect(
            rows[0].shiftStart
                == .local(
                    date: try LocalDate(iso: "2026-10-24"), hour: 18, minute: 0, second: 0, text: "2026-10-24T18:00"))
        #expect(
            rows[0].shiftEnd
                == .local(
                    date: try LocalDate(iso: "2026-10-25"), hour: 2, minute: 30, second: 15,
                    text: "2026-10-25T02:30:15"))
        #expect(rows[1].shiftStart == .instant(try Self.instant("2026-10-24T18:00:00Z"), text: "2026-10-24T18:00:00Z"))
        #expect(
            rows[1].shiftEnd
                == .instant(Date(timeIntervalSince1970: 1_792_881_000.25), text: "2026-10-25T00:30:00.250+02:00"))
        #expect(rows[1].cashCountedCents == 1050)
    }

    @Test func missingRequiredColumnRefusesTheFile() throws {
        let error = try #require(
            try Self.refusal(
                """
                shop,business_date,employee,shift_start,shift_end,cash_counted
                PAR11,2026-03-14,karim.ouali@ocpizza.fr,2026-03-14T18:00:00+01:00,2026-03-15T00:30:00+01:00,312.50
                """))
        #expect(error.code == "missing_column")
        #expect(error.record == 1)
        #expect(error.message.contains("card_terminal_total"))
    }

    @Test(arguments: [("-12.50", "negative"), ("312.505", "at most 2 decimals"), ("312.500", "at most 2 decimals")])
    func badAmountRefusesTheWholeFileWithItsRecord(amount: String, reason: String) throws {
        let error = try #require(
            try Self.refusal(
                """
                \(Self.header)
                PAR11,2026-03-14,dinner,karim.ouali@ocpizza.fr,2026-03-14T18:00:00+01:00,2026-03-15T00:30:00+01:00,312.50,188.00,7,,

                PAR11,2026-03-14,till,ines.martin@ocpizza.fr,2026-03-14T18:00:00+01:00,2026-03-14T23:30:00+01:00,\(amount),96.40,5,,
                """))
        #expect(error.code == "bad_amount")
        #expect(error.record == 4)  // the header is record 1; the blank record 3 still counts
        #expect(error.message.contains(reason))
    }

    @Test func otherBadRowsAreRefusedWithTheirRecord() throws {
        let cases: [(row: String, code: String)] = [
            ("PAR11,2026-02-30,,karim,2026-03-14T18:00,2026-03-14T23:00,1,1,,,", "bad_date"),
            ("PAR11,2026-03-14,,karim,2026-03-14 18h00,2026-03-14T23:00,1,1,,,", "bad_time"),
            ("PAR11,2026-03-14,,karim,2026-03-14T23:00,2026-03-14T18:00,1,1,,,", "bad_shift"),
            ("PAR11,2026-03-14,,,2026-03-14T18:00,2026-03-14T23:00,1,1,,,", "missing_value"),
            ("PAR11,2026-03-14,,karim,2026-03-14T18:00,2026-03-14T23:00,1,1,-2,,", "bad_count"),
            ("PAR11,2026-03-14,,karim,2026-03-14T18:00,2026-03-14T23:00,1,1", "malformed_row"),
        ]
        for (row, code) in cases {
            let error = try #require(try Self.refusal(Self.header + "\n" + row + "\n"), "\(row)")
            #expect(error.code == code, "\(row)")
            #expect(error.record == 2, "\(row)")
        }
    }

    @Test func unknownColumnIsRefused() throws {
        let error = try #require(try Self.refusal(Self.header + ",tips\n"))
        #expect(error.code == "unknown_column")
        #expect(error.record == 1)
    }

    @Test func nonUTF8FileIsRefused() throws {
        // "Noël" in Windows-1252, as a French Excel "CSV (separator: semicolon)" would save it.
        let text =
            Array(
                "shop;business_date;employee;shift_start;shift_end;cash_counted;card_terminal_total;note\r\nPAR11;2026-03-14;karim;2026-03-14T18:00;2026-03-14T23:00;1;1;No"
                    .utf8) + [0xEB, 0x6C, 0x0D, 0x0A]
        let error = try #require(throws: SettlementFileError.self) { try Self.read(text) }
        #expect(error.code == "bad_encoding")
        #expect(error.record == 2)
    }

    @Test func missingFileIsUnreadable() throws {
        let error = try #require(throws: SettlementFileError.self) {
            try RemittanceReader.read(path: "/nonexistent/remittance.csv", name: "remittance.csv")
        }
        #expect(error.code == "unreadable_file")
    }

    @Test func headerOnlyFileHasNoRows() throws {
        #expect(try Self.read(Self.header + "\n") == [])
    }
}
