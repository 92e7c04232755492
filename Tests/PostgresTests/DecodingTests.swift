import Foundation
import Postgres
import TestSupport
import Testing

/// Decoding of scalar columns read from the real server, their NULLs and their failures.
@Suite struct DecodingTests {
    @Test func integersAtTheirLimits() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT '9223372036854775807'::int8 AS max8, '-9223372036854775808'::int8 AS min8,
                       '2147483647'::int4 AS max4, '-2147483648'::int4 AS min4,
                       '32767'::int2 AS max2, '-32768'::int2 AS min2, 0::int8 AS zero
                """
            let rows = try await connection.query(sql) { row in
                [
                    try row.decode("max8", as: Int.self) == .max,
                    try row.decode("min8", as: Int.self) == .min,
                    try row.decode("max8", as: Int64.self) == .max,
                    try row.decode("min8", as: Int64.self) == .min,
                    try row.decode("max4", as: Int32.self) == .max,
                    try row.decode("min4", as: Int32.self) == .min,
                    try row.decode("max2", as: Int16.self) == .max,
                    try row.decode("min2", as: Int16.self) == .min,
                    try row.decode("min4", as: Int.self) == Int(Int32.min),
                    try row.decode("max2", as: Int64.self) == Int64(Int16.max),
                    try row.decode("zero", as: Int16.self) == 0,
                ]
            }
            #expect(rows == [Array(repeating: true, count: 11)])
        }
    }

    @Test func integerOverflowIsADecodingError() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let failures = try await connection.query(
                "SELECT 40000::int8 AS big, 2147483648::int8 AS bigger, '-32769'::int4 AS small"
            ) { row in
                [
                    decodingFailure(row, "big", as: Int16.self),
                    decodingFailure(row, "bigger", as: Int32.self),
                    decodingFailure(row, "small", as: Int16.self),
                ]
            }
            let errors = try #require(failures.first)
            for (error, column) in zip(errors, ["big", "bigger", "small"]) {
                #expect(error?.code == .decoding)
                #expect(error?.column == column)
                #expect(error?.message.contains("\"\(column)\"") == true)
            }
        }
    }

    @Test func nullDecodesAsNilForOptionalsAndFailsOtherwise() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT NULL::int8 AS i8, NULL::int4 AS i4, NULL::int2 AS i2, NULL::text AS t, NULL::bool AS b,
                       NULL::float8 AS f, NULL::numeric AS n, NULL::timestamptz AS ts, NULL::date AS d,
                       NULL::uuid AS u, NULL::jsonb AS j, NULL::bytea AS by, NULL::int8[] AS a
                """
            let nils = try await connection.query(sql) { row in
                [
                    try row.decode("i8", as: Int?.self) == nil, try row.decode("i8", as: Int64?.self) == nil,
                    try row.decode("i4", as: Int32?.self) == nil, try row.decode("i2", as: Int16?.self) == nil,
                    try row.decode("t", as: String?.self) == nil, try row.decode("b", as: Bool?.self) == nil,
                    try row.decode("f", as: Double?.self) == nil, try row.decode("n", as: Decimal?.self) == nil,
                    try row.decode("ts", as: Date?.self) == nil, try row.decode("d", as: CalendarDate?.self) == nil,
                    try row.decode("u", as: UUID?.self) == nil, try row.decode("j", as: JSONB?.self) == nil,
                    try row.decode("by", as: Data?.self) == nil, try row.decode("a", as: [Int]?.self) == nil,
                    try row.isNull("i8"), try row.isNull("a"),
                ]
            }
            #expect(nils == [Array(repeating: true, count: 16)])

            let failures = try await connection.query(sql) { row in
                [
                    decodingFailure(row, "i8", as: Int.self), decodingFailure(row, "i8", as: Int64.self),
                    decodingFailure(row, "i4", as: Int32.self), decodingFailure(row, "i2", as: Int16.self),
                    decodingFailure(row, "t", as: String.self), decodingFailure(row, "b", as: Bool.self),
                    decodingFailure(row, "f", as: Double.self), decodingFailure(row, "n", as: Decimal.self),
                    decodingFailure(row, "ts", as: Date.self), decodingFailure(row, "d", as: CalendarDate.self),
                    decodingFailure(row, "u", as: UUID.self), decodingFailure(row, "j", as: JSONB.self),
                    decodingFailure(row, "by", as: Data.self), decodingFailure(row, "a", as: [Int].self),
                ]
            }
            let columns = ["i8", "i8", "i4", "i2", "t", "b", "f", "n", "ts", "d", "u", "j", "by", "a"]
            let errors = try #require(failures.first)
            #expect(errors.count == columns.count)
            for (error, column) in zip(errors, columns) {
                #expect(error?.code == .decoding, "\(column)")
                #expect(error?.column == column)
                #expect(error?.message.contains("NULL") == true, "\(column)")
            }
        }
    }

    @Test func textKeepsUnicodeNewlinesAndQuotes() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT 'café 🍕 👩‍👩‍👧 e' || chr(769) || chr(10) || 'l''apostrophe "double" \\ back\\slash' || chr(9)
                           AS tricky,
                       '' AS empty, 'ab'::char(5) AS padded, 'v'::varchar(3) AS short, 'pg_class'::name AS object
                """
            let rows = try await connection.query(sql) { row in
                [
                    try row.decode("tricky", as: String.self), try row.decode("empty", as: String.self),
                    try row.decode("padded", as: String.self), try row.decode("short", as: String.self),
                    try row.decode("object", as: String.self),
                ]
            }
            let expected = "café 🍕 👩‍👩‍👧 e\u{301}\nl'apostrophe \"double\" \\ back\\slash\t"
            #expect(rows == [[expected, "", "ab   ", "v", "pg_class"]])
        }
    }

    @Test func booleans() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let rows = try await connection.query("SELECT true AS yes, false AS no, 1 = 1 AS computed") { row in
                [
                    try row.decode("yes", as: Bool.self), try row.decode("no", as: Bool.self),
                    try row.decode("computed", as: Bool.self),
                ]
            }
            #expect(rows == [[true, false, true]])
        }
    }

    @Test func doublesIncludingNaNAndInfinities() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT 'NaN'::float8 AS nan, 'Infinity'::float8 AS inf, '-Infinity'::float8 AS neg_inf,
                       0.1::float8 AS tenth, '1.7976931348623157e308'::float8 AS max, '5e-324'::float8 AS tiny,
                       1.5::float4 AS single, 42::int4 AS integer
                """
            let rows = try await connection.query(sql) { row in
                try ["nan", "inf", "neg_inf", "tenth", "max", "tiny", "single", "integer"].map {
                    try row.decode($0, as: Double.self)
                }
            }
            let values = try #require(rows.first)
            #expect(values[0].isNaN)
            #expect(values[1] == .infinity)
            #expect(values[2] == -.infinity)
            #expect(Array(values[3...]) == [0.1, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 1.5, 42])
        }
    }

    @Test func numericIsExactUpTo38Digits() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT 12345678901234567890.123456789012345678::numeric AS wide,
                       '-0.000001'::numeric AS small, 9.50::numeric(6, 2) AS price,
                       1.5000000000000000000000000000000000000000000000::numeric AS trailing_zeros,
                       'NaN'::numeric AS nan, 9223372036854775807::int8 AS integer
                """
            let rows = try await connection.query(sql) { row in
                try ["wide", "small", "price", "trailing_zeros", "nan", "integer"].map {
                    try row.decode($0, as: Decimal.self)
                }
            }
            let values = try #require(rows.first)
            #expect(values[0].description == "12345678901234567890.123456789012345678")
            #expect(values[0] == Decimal(string: "12345678901234567890.123456789012345678"))
            #expect(values[1] == Decimal(string: "-0.000001"))
            #expect(values[2] == Decimal(string: "9.5"))
            #expect(values[3] == Decimal(string: "1.5"))
            #expect(values[4].isNaN)
            #expect(values[5].description == "9223372036854775807")

            // Sent back, the wide value is still exactly the same numeric.
            let wide = values[0]
            let same = try await connection.value(
                "SELECT \(wide) = 12345678901234567890.123456789012345678::numeric", as: Bool.self)
            #expect(same)
        }
    }

    @Test func numericBeyondDecimalPrecisionThrowsInsteadOfRounding() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT 12345678901234567890123456789012345678901234567890::numeric AS fifty,
                       0.123456789012345678901234567890123456789::numeric AS thirty_nine,
                       'Infinity'::numeric AS infinite
                """
            let failures = try await connection.query(sql) { row in
                ["fifty", "thirty_nine", "infinite"].map { decodingFailure(row, $0, as: Decimal.self) }
            }
            for (error, column) in zip(try #require(failures.first), ["fifty", "thirty_nine", "infinite"]) {
                #expect(error?.code == .decoding)
                #expect(error?.column == column)
            }
        }
    }

    @Test func uuidFromUUIDAndTextColumns() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let expected = try #require(UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
            let sql: SQL = """
                SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' AS t
                """
            let rows = try await connection.query(sql) { row in
                [try row.decode("id", as: UUID.self), try row.decode("t", as: UUID.self)]
            }
            #expect(rows == [[expected, expected]])
        }
    }

    @Test func typeMismatchNamesTheColumn() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = "SELECT 'abc'::text AS label, 1::int4 AS number, true AS flag, 1.5::numeric AS amount"
            let failures = try await connection.query(sql) { row in
                [
                    decodingFailure(row, "label", as: Int.self), decodingFailure(row, "number", as: Bool.self),
                    decodingFailure(row, "flag", as: Int.self), decodingFailure(row, "amount", as: Int.self),
                    decodingFailure(row, "number", as: String.self), decodingFailure(row, "label", as: Date.self),
                    decodingFailure(row, "label", as: Data.self), decodingFailure(row, "label", as: JSONB.self),
                ]
            }
            let columns = ["label", "number", "flag", "amount", "number", "label", "label", "label"]
            for (error, column) in zip(try #require(failures.first), columns) {
                #expect(error?.code == .decoding)
                #expect(error?.column == column)
                #expect(error?.message.contains("\"\(column)\"") == true)
                #expect(error?.query == sql.text)
            }
        }
    }

    @Test func enumsAndDomainsDecodeAsTheirBaseRepresentation() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TYPE crust AS ENUM ('thin', 'thick')")
            try await connection.execute("CREATE DOMAIN price AS numeric(8, 2) CHECK (VALUE >= 0)")
            try await connection.execute("CREATE TABLE pizza (crust crust, price price)")
            try await connection.execute("INSERT INTO pizza VALUES (\("thick"), \(Decimal(string: "9.5")!))")
            let rows = try await connection.query("SELECT crust, price FROM pizza") { row in
                (try row.decode("crust", as: String.self), try row.decode("price", as: Decimal.self))
            }
            let (crust, price) = try #require(rows.first)
            #expect(crust == "thick")
            #expect(price == Decimal(string: "9.5"))
        }
    }

    @Test func unknownColumnIsNamedInTheError() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let failures = try await connection.query("SELECT 1 AS one") { row in
                [decodingFailure(row, "no_such_column", as: Int.self)]
            }
            let error = try #require(failures.first?.first ?? nil)
            #expect(error.code == .decoding)
            #expect(error.column == "no_such_column")
            #expect(error.message.contains("no_such_column"))

            let byIndex = await postgresError {
                try await connection.query("SELECT 1 AS one") { try $0.decode(3, as: Int.self) }
            }
            #expect(byIndex?.code == .decoding)
        }
    }

    @Test func isNullOfAMisspeltColumnIsAnError() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let outcome = try await connection.query("SELECT NULL::int AS amount") { row in
                (try row.isNull("amount"), (try? row.isNull("amuont")) == nil)
            }
            #expect(outcome.first?.0 == true)
            #expect(outcome.first?.1 == true, "a column the result does not have must throw, not read as NULL")
        }
    }
}
