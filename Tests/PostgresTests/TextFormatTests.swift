import Foundation
import Postgres
import Testing

/// Parsing of PostgreSQL's text output formats, fed directly to the decoders. No server needed.
@Suite struct TextFormatTests {
    @Test func arrayLiterals() throws {
        #expect(try decodeText("{}", type: .int8Array, as: [Int].self) == [])
        #expect(try decodeText("{1,-2,3}", type: .int8Array, as: [Int].self) == [1, -2, 3])
        #expect(try decodeText("[0:1]={5,6}", type: .int8Array, as: [Int].self) == [5, 6])
        #expect(try decodeText("{1,NULL,3}", type: .int8Array, as: [Int?].self) == [1, nil, 3])
        let strings = try decodeText(
            #"{plain,"a\"b","c\\d","",NULL,"NULL","x,y {z}"," s "}"#, type: .textArray,
            as: [String?].self)
        #expect(strings == ["plain", "a\"b", "c\\d", "", nil, "NULL", "x,y {z}", " s "])
        #expect(try decodeText(#"{"",""}"#, type: .textArray, as: [String].self) == ["", ""])
        #expect(try decodeText("{NULL}", type: .textArray, as: [String?].self) == [nil])
        #expect(try decodeText("{1.5,NaN}", type: .numericArray, as: [Decimal].self).count == 2)
    }

    @Test(arguments: ["{1,2", "1,2}", "{1,2}}", #"{"abc}"#, "{{1,2},{3,4}}", "[1:2]{1,2}", "", "{,}"])
    func malformedArrayLiteralsAreRejected(literal: String) {
        #expect(throws: PostgresDecodingFailure.self) { try decodeText(literal, type: .int8Array, as: [Int].self) }
    }

    @Test func nullElementNeedsAnOptionalElementType() {
        #expect(throws: PostgresDecodingFailure.self) {
            try decodeText("{1,NULL}", type: .int8Array, as: [Int].self)
        }
    }

    @Test func timestampsWithEveryOffsetShape() throws {
        let cases: [(String, Int64)] = [
            ("2026-03-29 00:59:59+00", 1_774_745_999_000_000),
            ("2026-03-29 01:59:59+01", 1_774_745_999_000_000),
            ("2026-03-29 06:29:59+05:30", 1_774_745_999_000_000),
            ("2026-03-28 21:29:59-03:30", 1_774_745_999_000_000),
            ("1900-01-01 00:09:21+00:09:21", -2_208_988_800_000_000),
            ("2026-03-29 00:59:59.5+00", 1_774_745_999_500_000),
            ("2026-03-29 00:59:59.123456+00", 1_774_745_999_123_456),
            ("1969-12-31 23:59:59.999999+00", -1),
            ("1970-01-01 00:00:00+00", 0),
        ]
        for (text, micros) in cases {
            let date = try decodeText(text, type: .timestamptz, as: Date.self)
            #expect(microseconds(date) == micros, "\(text)")
        }
    }

    @Test(arguments: [
        "infinity", "-infinity", "2026-03-29 00:59:59+00 BC", "2026-03-29T00:59:59Z", "2026-02-30 00:00:00+00",
        "2026-03-29 00:59:59", "12026-03-29 00:59:59+00",
    ])
    func unsupportedTimestampsAreRejected(text: String) {
        #expect(throws: PostgresDecodingFailure.self) { try decodeText(text, type: .timestamptz, as: Date.self) }
    }

    @Test func timestampWithoutTimeZoneIsRefusedWithAnExplanation() {
        do {
            _ = try decodeText("2026-03-29 00:59:59", type: .timestamp, as: Date.self)
            Issue.record("a timestamp without time zone was accepted")
        } catch let failure as PostgresDecodingFailure {
            #expect(failure.reason.contains("without time zone"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func decimalSignificantDigits() throws {
        let accepted = [
            "12345678901234567890.123456789012345678", "-0.000000000000000000000000000000000000001",
            "1.50000000000000000000000000000000000000000000000000", "0", "-0.5",
            "1" + String(repeating: "0", count: 40),  // 1 × 10^40: two digits would not do, one does
        ]
        for literal in accepted {
            let value = try decodeText(literal, type: .numeric, as: Decimal.self)
            #expect(value == Decimal(string: literal), "\(literal)")
        }
        let refused = [
            "123456789012345678901234567890123456789", "0.123456789012345678901234567890123456789",
            "12345678901234567890123456789012345678901234567890", "Infinity", "-Infinity", "1e5",
            "1" + String(repeating: "0", count: 130),  // exponent 130 is beyond Decimal's 127
        ]
        for literal in refused {
            #expect(throws: PostgresDecodingFailure.self, "\(literal)") {
                try decodeText(literal, type: .numeric, as: Decimal.self)
            }
        }
    }

    @Test func integersParseExactlyAndDetectOverflow() throws {
        #expect(try decodeText("-9223372036854775808", type: .int8, as: Int.self) == .min)
        #expect(try decodeText("+42", type: .int4, as: Int32.self) == 42)
        #expect(try decodeText("-32768", type: .int2, as: Int16.self) == .min)
        #expect(throws: PostgresDecodingFailure.self) {
            try decodeText("9223372036854775808", type: .int8, as: Int.self)
        }
        #expect(throws: PostgresDecodingFailure.self) { try decodeText("32768", type: .int8, as: Int16.self) }
        #expect(throws: PostgresDecodingFailure.self) { try decodeText("12a", type: .int8, as: Int.self) }
        #expect(throws: PostgresDecodingFailure.self) { try decodeText("-", type: .int8, as: Int.self) }
        #expect(throws: PostgresDecodingFailure.self) { try decodeText("1", type: .text, as: Int.self) }
    }

    @Test func byteaNeedsTheHexFormat() throws {
        #expect(try decodeText(#"\x00FFa0"#, type: .bytea, as: Data.self) == Data([0, 255, 160]))
        #expect(throws: PostgresDecodingFailure.self) { try decodeText(#"\000"#, type: .bytea, as: Data.self) }
        #expect(throws: PostgresDecodingFailure.self) { try decodeText(#"\x0"#, type: .bytea, as: Data.self) }
        #expect(throws: PostgresDecodingFailure.self) { try decodeText(#"\xzz"#, type: .bytea, as: Data.self) }
    }

    @Test func calendarDatesAreValidated() throws {
        #expect(CalendarDate(year: 2024, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2023, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 1900, month: 2, day: 29) == nil)
        #expect(CalendarDate(year: 2000, month: 2, day: 29) != nil)
        #expect(CalendarDate(year: 2026, month: 4, day: 31) == nil)
        #expect(CalendarDate(year: 2026, month: 13, day: 1) == nil)
        #expect(CalendarDate(iso8601: "2024-02-29")?.description == "2024-02-29")
        #expect(CalendarDate(iso8601: "2024-2-29") == nil)
        let leap = try #require(CalendarDate(year: 2024, month: 2, day: 28))
        #expect(leap.adding(days: 1).description == "2024-02-29")
        #expect(leap.adding(days: 2).description == "2024-03-01")
        #expect(CalendarDate(daysSinceEpoch: -1).description == "1969-12-31")
        #expect(CalendarDate(daysSinceEpoch: 0).daysSinceEpoch == 0)
        for days in stride(from: -800_000, through: 3_000_000, by: 9_973) {
            #expect(CalendarDate(daysSinceEpoch: days).daysSinceEpoch == days)
        }
        #expect(try decodeText("2024-02-29", type: .date, as: CalendarDate.self) == leap.adding(days: 1))
        #expect(throws: PostgresDecodingFailure.self) { try decodeText("infinity", type: .date, as: CalendarDate.self) }
    }

    @Test func errorClassification() {
        #expect(SQLState.uniqueViolation.errorClass == "23")
        #expect(SQLState("08006").isConnectionFailure)
        #expect(SQLState.adminShutdown.isConnectionFailure)
        #expect(!SQLState.queryCanceled.isConnectionFailure)
        #expect(PostgresError(code: .connectionFailed, message: "x").isUnreachable)
        #expect(PostgresError(code: .connectionLost, message: "x").isUnreachable)
        #expect(PostgresError(code: .server, message: "x", sqlState: .connectionFailure).isUnreachable)
        #expect(!PostgresError(code: .server, message: "x", sqlState: .uniqueViolation).isUnreachable)
        #expect(!PostgresError(code: .decoding, message: "x").isUnreachable)
        let error = PostgresError(code: .server, message: "boom", sqlState: .syntaxError, query: "SELEC $1")
        #expect(error.description == "server error (SQLSTATE 42601): boom")
        #expect(error.debugDescription.contains("query: SELEC $1"))
        #expect(error.file == #fileID)
        switch error {
        case SQLState.syntaxError: break
        default: Issue.record("SQLState pattern did not match")
        }
    }
}
