import Foundation
import Postgres
import TestSupport
import Testing

/// Decoding of arrays, `jsonb` and `bytea` columns read from the real server.
@Suite struct ArrayAndBinaryDecodingTests {
    @Test func int8Arrays() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let values = try await connection.value(
                "SELECT ARRAY[1, -2, 9223372036854775807, '-9223372036854775808']::int8[]", as: [Int].self)
            #expect(values == [1, -2, .max, .min])
            #expect(try await connection.value("SELECT '{}'::int8[]", as: [Int].self) == [])
            #expect(try await connection.value("SELECT '[2:3]={7,8}'::int8[]", as: [Int].self) == [7, 8])
            #expect(try await connection.value("SELECT ARRAY[1, 2]::int4[]", as: [Int32].self) == [1, 2])
            #expect(try await connection.value("SELECT ARRAY[1, 2]::int2[]", as: [Int].self) == [1, 2])
        }
    }

    @Test func textArrayWithEveryAwkwardElement() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT ARRAY['plain', 'a"b', 'back\\slash', 'com,ma', '{brace}', ' spaced ', NULL, '', 'NULL',
                             'naïve 🍕', 'line' || chr(10) || 'break', '\\"', 'tab' || chr(9)]::text[] AS items
                """
            let values = try await connection.value(sql, as: [String?].self)
            #expect(
                values == [
                    "plain", "a\"b", "back\\slash", "com,ma", "{brace}", " spaced ", nil, "", "NULL",
                    "naïve 🍕", "line\nbreak", "\\\"", "tab\t",
                ])
        }
    }

    @Test func arrayWithNullElements() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let values = try await connection.value("SELECT ARRAY[1, NULL, 3]::int8[]", as: [Int?].self)
            #expect(values == [1, nil, 3])
            let failures = try await connection.query("SELECT ARRAY[1, NULL, 3]::int8[] AS numbers") { row in
                [decodingFailure(row, "numbers", as: [Int].self)]
            }
            let error = try #require(failures.first?.first ?? nil)
            #expect(error.code == .decoding)
            #expect(error.column == "numbers")
            #expect(error.message.contains("element 2"))
        }
    }

    @Test func numericAndOtherElementTypes() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let decimals = try await connection.value(
                "SELECT ARRAY[1.5, 12345678901234567890.123456789012345678, -0.001]::numeric[]", as: [Decimal].self)
            #expect(decimals.map(\.description) == ["1.5", "12345678901234567890.123456789012345678", "-0.001"])
            let nan = try await connection.value("SELECT ARRAY['NaN']::numeric[]", as: [Decimal].self)
            #expect(nan.count == 1 && nan[0].isNaN)

            #expect(try await connection.value("SELECT ARRAY[true, false]", as: [Bool].self) == [true, false])
            let doubles = try await connection.value("SELECT ARRAY[0.5, 'Infinity']::float8[]", as: [Double].self)
            #expect(doubles == [0.5, .infinity])
            let dates = try await connection.value(
                "SELECT ARRAY['2024-02-29', '1969-12-31']::date[]", as: [CalendarDate].self)
            #expect(dates.map(\.description) == ["2024-02-29", "1969-12-31"])
            let instants = try await connection.value(
                "SELECT ARRAY['2026-03-29 01:59:59+01', '1970-01-01 00:00:00.5+00']::timestamptz[]", as: [Date].self)
            #expect(instants.map(\.timeIntervalSince1970) == [1_774_745_999, 0.5])
            let id = UUID()
            #expect(try await connection.value("SELECT ARRAY[\(id)]::uuid[]", as: [UUID].self) == [id])
            let documents = try await connection.value(
                #"SELECT ARRAY['{"a": "x\"y"}', '[1, 2]']::jsonb[]"#, as: [JSONB].self)
            #expect(documents.map(\.text) == [#"{"a": "x\"y"}"#, "[1, 2]"])
            let varchars = try await connection.value("SELECT ARRAY['a b', 'c']::varchar[]", as: [String].self)
            #expect(varchars == ["a b", "c"])
        }
    }

    @Test func arrayMismatchesAreDecodingErrors() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT ARRAY[1, 2]::int8[] AS numbers, 5::int8 AS scalar, ARRAY[[1, 2], [3, 4]]::int8[] AS matrix
                """
            let failures = try await connection.query(sql) { row in
                [
                    decodingFailure(row, "numbers", as: [String].self),
                    decodingFailure(row, "scalar", as: [Int].self),
                    decodingFailure(row, "matrix", as: [Int].self),
                    decodingFailure(row, "numbers", as: Int.self),
                ]
            }
            for (error, column) in zip(try #require(failures.first), ["numbers", "scalar", "matrix", "numbers"]) {
                #expect(error?.code == .decoding)
                #expect(error?.column == column)
            }
        }
    }

    struct Pizza: Codable, Equatable {
        var name: String
        var price: Decimal
        var toppings: [String]
        var vegetarian: Bool
    }

    @Test func jsonbIntoACodableStruct() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT '{"name": "Margherita", "price": 9.5, "toppings": ["tomato", "mozzarella"],
                         "vegetarian": true, "ignored": null}'::jsonb AS doc,
                       '{"b": 1, "a": [1, 2]}'::json AS plain_json
                """
            let rows = try await connection.query(sql) { row in
                (try row.decode("doc", as: JSONB.self), try row.decode("plain_json", as: JSONB.self))
            }
            let (document, plain) = try #require(rows.first)
            let pizza = try document.decode(Pizza.self)
            let expected = Pizza(name: "Margherita", price: 9.5, toppings: ["tomato", "mozzarella"], vegetarian: true)
            #expect(pizza == expected)
            // json keeps its text as written; jsonb is normalised by the server.
            #expect(plain.text == #"{"b": 1, "a": [1, 2]}"#)
            #expect(document.text.contains(#""name": "Margherita""#))
        }
    }

    @Test func byteaWithAll256ByteValues() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let all = try await connection.value(
                """
                SELECT decode(string_agg(lpad(to_hex(b), 2, '0'), '' ORDER BY b), 'hex') FROM generate_series(0, 255) b
                """, as: Data.self)
            #expect(all == Data((0...255).map { UInt8($0) }))
            #expect(try await connection.value("SELECT ''::bytea", as: Data.self) == Data())
            #expect(try await connection.value(#"SELECT '\x00ff0a'::bytea"#, as: Data.self) == Data([0, 255, 10]))
        }
    }
}
