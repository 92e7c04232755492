import Foundation
import Postgres
import Testing

/// `SQL` building and the text each value is sent as. No server needed.
@Suite struct SQLInterpolationTests {
    @Test func valuesBecomeNumberedPlaceholders() {
        let code = "PAR-1"
        let sql: SQL = "SELECT name FROM shop WHERE code = \(code) AND size > \(3) OR rank = \(Int16(2))"
        #expect(sql.text == "SELECT name FROM shop WHERE code = $1 AND size > $2 OR rank = $3")
        #expect(
            sql.binds == [
                PostgresBind(type: .unspecified, text: "PAR-1"), PostgresBind(type: .int8, text: "3"),
                PostgresBind(type: .int2, text: "2"),
            ])
    }

    @Test func identifiersAndRawTextDoNotConsumePlaceholders() {
        let sql: SQL = "SELECT \(identifier: "total") FROM \(unsafeRaw: "ledger") WHERE id = \(7) LIMIT \(1)"
        #expect(sql.text == "SELECT \"total\" FROM ledger WHERE id = $1 LIMIT $2")
        #expect(sql.binds.map(\.text) == ["7", "1"])
    }

    @Test func identifierQuoting() {
        #expect(SQL.quoteIdentifier("shop") == "\"shop\"")
        #expect(SQL.quoteIdentifier("Shop Name") == "\"Shop Name\"")
        #expect(SQL.quoteIdentifier("a\"b") == "\"a\"\"b\"")
        #expect(SQL.quoteIdentifier("\"; DROP TABLE x; --") == "\"\"\"; DROP TABLE x; --\"")
        #expect(SQL.quoteIdentifier("") == "\"\"")
        #expect(SQL.quoteIdentifier("café") == "\"café\"")
        let sql: SQL = "CREATE SCHEMA \(identifier: "te\"st")"
        #expect(sql.text == "CREATE SCHEMA \"te\"\"st\"")
        #expect(sql.binds.isEmpty)
    }

    @Test func literalsAreNotParsedForPlaceholders() {
        let literal: SQL = "SELECT '$1', \"$2\""
        #expect(literal.text == "SELECT '$1', \"$2\"")
        #expect(literal.binds.isEmpty)
        let unsafe = SQL(unsafeSQL: "SELECT 1; SELECT 2")
        #expect(unsafe.text == "SELECT 1; SELECT 2")
        #expect(unsafe.binds.isEmpty)
    }

    @Test func descriptionNeverShowsBoundValues() {
        let secret = "4970 1012 3456 7890"
        let sql: SQL = "UPDATE customer SET card = \(secret) WHERE id = \(42)"
        #expect(sql.description == "UPDATE customer SET card = $1 WHERE id = $2")
        #expect(!"\(sql)".contains(secret))
    }

    @Test func scalarBindTexts() throws {
        #expect(Int.min.postgresBind == PostgresBind(type: .int8, text: "-9223372036854775808"))
        #expect(Int32.max.postgresBind == PostgresBind(type: .int4, text: "2147483647"))
        #expect(true.postgresBind == PostgresBind(type: .bool, text: "t"))
        #expect(false.postgresText == "f")
        #expect(Double.nan.postgresText == "NaN")
        #expect(Double.infinity.postgresText == "Infinity")
        #expect((-Double.infinity).postgresText == "-Infinity")
        #expect(Double.postgresType == .float8)
        #expect(Decimal.nan.postgresText == "NaN")
        #expect(try #require(Decimal(string: "-0.000001")).postgresText == "-0.000001")
        #expect(Data([0, 0x0f, 0xff]).postgresBind == PostgresBind(type: .bytea, text: "\\x000fff"))
        #expect(Data().postgresText == "\\x")
        let id = try #require(UUID(uuidString: "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"))
        #expect(id.postgresBind == PostgresBind(type: .uuid, text: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
        let leapDay = try #require(CalendarDate(year: 2024, month: 2, day: 29))
        #expect(leapDay.postgresBind == PostgresBind(type: .date, text: "2024-02-29"))
        #expect(CalendarDate(year: 1, month: 1, day: 1)?.postgresText == "0001-01-01")
    }

    @Test func instantsAreSentInUTCWithMicroseconds() {
        #expect(
            Date(timeIntervalSince1970: 0).postgresBind
                == PostgresBind(type: .timestamptz, text: "1970-01-01 00:00:00.000000+00"))
        #expect(Date(timeIntervalSince1970: -0.5).postgresText == "1969-12-31 23:59:59.500000+00")
        #expect(Date(timeIntervalSince1970: -0.000001).postgresText == "1969-12-31 23:59:59.999999+00")
        #expect(Date(timeIntervalSince1970: 1_774_745_999.123456).postgresText == "2026-03-29 00:59:59.123456+00")
        #expect(Date(timeIntervalSince1970: -14_182_940).postgresText == "1969-07-20 20:17:40.000000+00")
    }

    @Test func nilOptionalBindsNullWithTheWrappedType() {
        #expect(Int?.none.postgresBind == PostgresBind(type: .int8, text: nil))
        #expect(String?.none.postgresBind == PostgresBind(type: .unspecified, text: nil))
        #expect(Optional(5).postgresBind == PostgresBind(type: .int8, text: "5"))
        let sql: SQL = "INSERT INTO t VALUES (\(nil as Date?), \(Optional("x") as String?))"
        #expect(
            sql.binds == [PostgresBind(type: .timestamptz, text: nil), PostgresBind(type: .unspecified, text: "x")])
    }

    @Test func arrayBindTexts() throws {
        #expect([1, 2, 3].postgresBind == PostgresBind(type: .int8Array, text: #"{"1","2","3"}"#))
        #expect([Int]().postgresBind == PostgresBind(type: .int8Array, text: "{}"))
        #expect(([1, nil] as [Int?]).postgresBind == PostgresBind(type: .int8Array, text: #"{"1",NULL}"#))
        let strings: [String?] = ["a\"b", "c\\d", "", "NULL", nil, "x,y {z}"]
        #expect(
            strings.postgresBind
                == PostgresBind(
                    type: .textArray, text: #"{"a\"b","c\\d","","NULL",NULL,"x,y {z}"}"#))
        #expect([true].postgresBind.type == .boolArray)
        #expect([Int32(1)].postgresBind.type == .int4Array)
        #expect([Int16(1)].postgresBind.type == .int2Array)
        #expect([1.5].postgresBind.type == .float8Array)
        #expect([Decimal(1)].postgresBind.type == .numericArray)
        #expect([UUID()].postgresBind.type == .uuidArray)
        #expect([Date()].postgresBind.type == .timestamptzArray)
        #expect([try #require(CalendarDate(year: 2024, month: 1, day: 1))].postgresBind.type == .dateArray)
        #expect([JSONB(text: "{}")].postgresBind.type == .jsonbArray)
    }

    @Test func jsonbEncodingSortsKeys() throws {
        struct Order: Codable { var zeta = 1, alpha = "a", middle = [true] }
        let json = try JSONB(encoding: Order())
        #expect(json.text == #"{"alpha":"a","middle":[true],"zeta":1}"#)
        #expect(json.postgresBind == PostgresBind(type: .jsonb, text: json.text))
    }

    @Test func typeNames() {
        #expect(PostgresType.int8.description == "bigint")
        #expect(PostgresType.textArray.description == "text[]")
        #expect(PostgresType(rawValue: 99_999).description == "oid 99999")
        #expect(PostgresType.int8Array.arrayElement == .int8)
        #expect(PostgresType.int8.arrayElement == nil)
    }
}
