import Foundation
import Postgres
import TestSupport
import Testing

/// Values sent as bind parameters come back unchanged.
@Suite struct EncodingTests {
    /// `SELECT $1` with the value bound, decoded as the same type.
    private func roundTrip<T: PostgresCodable & Sendable>(
        _ value: T, on connection: PostgresConnection
    ) async throws -> T {
        try await connection.value("SELECT \(value)", as: T.self)
    }

    @Test func integers() async throws {
        try await TestDatabase.withSchema { connection, _ in
            for value in [Int.min, -1, 0, 1, Int.max] {
                #expect(try await roundTrip(value, on: connection) == value)
            }
            for value in [Int64.min, Int64.max] { #expect(try await roundTrip(value, on: connection) == value) }
            for value in [Int32.min, Int32.max] { #expect(try await roundTrip(value, on: connection) == value) }
            for value in [Int16.min, Int16.max] { #expect(try await roundTrip(value, on: connection) == value) }
            // The declared parameter types reach the server.
            let types = try await connection.value(
                "SELECT pg_typeof(\(1))::text || pg_typeof(\(Int32(1)))::text || pg_typeof(\(Int16(1)))::text",
                as: String.self)
            #expect(types == "bigintintegersmallint")
        }
    }

    @Test func strings() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let values = [
                "", "plain", "café 🍕 👩‍👩‍👧 e\u{301}", "line\nbreak\r\n\ttab", "l'apostrophe \"double\" \\ back",
                "NULL", "$1", "'); DROP TABLE x; --", String(repeating: "long ", count: 20_000),
            ]
            for value in values {
                let back = try await roundTrip(value, on: connection)
                #expect(back == value)
            }
        }
    }

    @Test func booleansAndDoubles() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let (yes, no) = (try await roundTrip(true, on: connection), try await roundTrip(false, on: connection))
            #expect(yes == true && no == false)
            let doubles: [Double] = [
                0, 0.1, -1.5, .pi, 1e-300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity,
            ]
            for value in doubles {
                #expect(try await roundTrip(value, on: connection) == value)
            }
            #expect(try await roundTrip(Double.nan, on: connection).isNaN)
            #expect(try await connection.value("SELECT \(Double.nan) = 'NaN'::float8", as: Bool.self))
        }
    }

    @Test func decimals() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let literals = ["0", "9.5", "-0.000001", "12345678901234567890.123456789012345678", "1000000000"]
            for literal in literals {
                let value = try #require(Decimal(string: literal))
                #expect(try await roundTrip(value, on: connection) == value)
                let same = try await connection.value("SELECT \(value) = \(literal)::numeric", as: Bool.self)
                #expect(same, "\(literal)")
            }
            #expect(try await roundTrip(Decimal.nan, on: connection).isNaN)
        }
    }

    @Test func datesUUIDsBytesAndJSON() async throws {
        try await TestDatabase.withSchema { connection, _ in
            for seconds in [0, 1_774_745_999.123456, -14_182_940.5, -0.000001, 4_102_444_799.999999] {
                let date = Date(timeIntervalSince1970: seconds)
                #expect(microseconds(try await roundTrip(date, on: connection)) == microseconds(date), "\(seconds)")
            }
            for (year, month, day) in [(2024, 2, 29), (1969, 12, 31), (1, 1, 1), (9999, 12, 31)] {
                let date = try #require(CalendarDate(year: year, month: month, day: day))
                #expect(try await roundTrip(date, on: connection) == date)
            }
            let id = UUID()
            #expect(try await roundTrip(id, on: connection) == id)
            #expect(try await connection.value("SELECT \(id)::text", as: String.self) == id.uuidString.lowercased())

            let bytes = Data((0...255).map { UInt8($0) })
            #expect(try await roundTrip(bytes, on: connection) == bytes)
            #expect(try await connection.value("SELECT length(\(bytes))", as: Int.self) == 256)
            #expect(try await roundTrip(Data(), on: connection) == Data())

            let pizza = ArrayAndBinaryDecodingTests.Pizza(
                name: "Reine \"royale\"", price: 11.9, toppings: ["ham", "mushroom"], vegetarian: false)
            let json = try JSONB(encoding: pizza)
            #expect(try await roundTrip(json, on: connection).decode(ArrayAndBinaryDecodingTests.Pizza.self) == pizza)
            #expect(try await connection.value("SELECT \(json)->>'name'", as: String.self) == "Reine \"royale\"")
        }
    }

    @Test func nilBindsNull() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute(
                """
                CREATE TABLE nullable (i int8, s text, b bool, f float8, n numeric, t timestamptz, d date, u uuid,
                                       j jsonb, by bytea, a int8[])
                """)
            try await connection.execute(
                """
                INSERT INTO nullable VALUES (\(nil as Int?), \(nil as String?), \(nil as Bool?), \(nil as Double?),
                    \(nil as Decimal?), \(nil as Date?), \(nil as CalendarDate?), \(nil as UUID?), \(nil as JSONB?),
                    \(nil as Data?), \(nil as [Int]?))
                """)
            let nulls = try await connection.value(
                "SELECT num_nulls(i, s, b, f, n, t, d, u, j, by, a) FROM nullable", as: Int.self)
            #expect(nulls == 11)
            let some: Int? = 7
            #expect(try await connection.value("SELECT \(some as Int?) + 1", as: Int.self) == 8)
            #expect(try await connection.value("SELECT \(nil as Int?) IS NULL", as: Bool.self))
        }
    }

    @Test func arrays() async throws {
        try await TestDatabase.withSchema { connection, _ in
            #expect(try await roundTrip([1, -2, Int.max, Int.min], on: connection) == [1, -2, .max, .min])
            #expect(try await roundTrip([Int](), on: connection) == [])
            #expect(try await roundTrip([1, nil, 3] as [Int?], on: connection) == [1, nil, 3])
            let awkward: [String?] = [
                "plain", "a\"b", "back\\slash", "com,ma", "{brace}", " spaced ", nil, "", "NULL", "naïve 🍕",
                "line\nbreak", "\\\"",
            ]
            #expect(try await roundTrip(awkward, on: connection) == awkward)
            // The server sees a real NULL element and a real 'NULL' string, not text that looks like them.
            let checks = try await connection.query(
                """
                SELECT \(awkward)[7] IS NULL AS is_null, \(awkward)[9] = 'NULL' AS is_text,
                       cardinality(\(awkward)) AS n
                """
            ) { row in
                [
                    try row.decode("is_null", as: Bool.self), try row.decode("is_text", as: Bool.self),
                    try row.decode("n", as: Int.self) == 12,
                ]
            }
            #expect(checks == [[true, true, true]])

            let decimals = try ["1.5", "12345678901234567890.123456789012345678"].map {
                try #require(Decimal(string: $0))
            }
            #expect(try await roundTrip(decimals, on: connection) == decimals)
            #expect(try await roundTrip([true, false], on: connection) == [true, false])
            #expect(try await roundTrip([0.5, -.infinity], on: connection) == [0.5, -.infinity])
            let days = [CalendarDate(year: 2024, month: 2, day: 29)!, CalendarDate(year: 1970, month: 1, day: 1)!]
            #expect(try await roundTrip(days, on: connection) == days)
            let instants = [Date(timeIntervalSince1970: 1_774_745_999.5), Date(timeIntervalSince1970: -1)]
            #expect(try await roundTrip(instants, on: connection) == instants)
            let ids = [UUID(), UUID()]
            #expect(try await roundTrip(ids, on: connection) == ids)
            let documents = [JSONB(text: #"{"a": "x\"y"}"#), JSONB(text: "[1, 2]")]
            #expect(try await roundTrip(documents, on: connection) == documents)
            #expect(try await roundTrip([Int32(1), Int32.max], on: connection) == [1, .max])
            #expect(try await connection.value("SELECT 2 = ANY(\([1, 2, 3]))", as: Bool.self))
        }
    }

    @Test func hostileStringIsStoredVerbatim() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE x (name text)")
            let hostile = "'); DROP TABLE x; --"
            let sql: SQL = "INSERT INTO x (name) VALUES (\(hostile))"
            #expect(sql.text == "INSERT INTO x (name) VALUES ($1)")
            #expect(try await connection.execute(sql) == 1)
            let names = try await connection.query("SELECT name FROM x") { try $0.decode("name", as: String.self) }
            #expect(names == [hostile])
            let matches = try await connection.value("SELECT count(*) FROM x WHERE name = \(hostile)", as: Int.self)
            #expect(matches == 1)
        }
    }

    @Test func severalParametersInOneStatement() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE orders (id int8, shop text, total numeric, placed date)")
            let day = try #require(CalendarDate(year: 2026, month: 3, day: 29))
            for (id, shop, total) in [(1, "paris", "12.50"), (2, "lyon", "8.00"), (3, "paris", "30.10")] {
                let amount = try #require(Decimal(string: total))
                try await connection.execute(
                    "INSERT INTO orders VALUES (\(id), \(shop), \(amount), \(day))")
            }
            let minimum = try #require(Decimal(string: "10"))
            let ids = try await connection.query(
                """
                SELECT id FROM orders WHERE shop = \("paris") AND total > \(minimum) AND placed = \(day) ORDER BY id
                """
            ) { try $0.decode("id", as: Int.self) }
            #expect(ids == [1, 3])
            let updated = try await connection.execute("UPDATE orders SET total = total + 1 WHERE shop = \("paris")")
            #expect(updated == 2)
        }
    }
}
