import Foundation
import Postgres
import TestSupport
import Testing

/// `timestamptz` ⇄ `Date` and `date` ⇄ `CalendarDate` against the real server.
@Suite struct DateTimeTests {
    /// 2026-03-29 00:59:59 UTC: the last second before Paris springs forward.
    static let springForwardEpoch: TimeInterval = 1_774_745_999

    /// Session time zones the instants must survive: the decoder reads the offset PostgreSQL prints.
    static let sessionTimeZones = ["UTC", "Europe/Paris", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"]

    @Test(arguments: sessionTimeZones)
    func parisSpringForwardIsOneSecond(sessionTimeZone: String) async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("SELECT set_config('TimeZone', \(sessionTimeZone), false)")
            let rows = try await connection.query(
                """
                SELECT '2026-03-29 01:59:59+01'::timestamptz AS before, '2026-03-29 03:00:00+02'::timestamptz AS after
                """
            ) { row in (try row.decode("before", as: Date.self), try row.decode("after", as: Date.self)) }
            let (before, after) = try #require(rows.first)
            #expect(before.timeIntervalSince1970 == Self.springForwardEpoch)
            #expect(after.timeIntervalSince(before) == 1)
        }
    }

    @Test(arguments: sessionTimeZones)
    func parisFallBackIsOneHour(sessionTimeZone: String) async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("SELECT set_config('TimeZone', \(sessionTimeZone), false)")
            let rows = try await connection.query(
                """
                SELECT '2026-10-25 02:30:00+02'::timestamptz AS first, '2026-10-25 02:30:00+01'::timestamptz AS second
                """
            ) { row in (try row.decode("first", as: Date.self), try row.decode("second", as: Date.self)) }
            let (first, second) = try #require(rows.first)
            #expect(first.timeIntervalSince1970 == 1_792_888_200)
            #expect(second.timeIntervalSince(first) == 3600)
        }
    }

    @Test func kolkataSessionStillDecodesTheRightInstant() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let settings = try await connection.query(
                "SELECT current_setting('TimeZone') AS zone, current_setting('DateStyle') AS style"
            ) { row in
                [try row.decode("zone", as: String.self), try row.decode("style", as: String.self)]
            }
            #expect(settings == [["UTC", "ISO, YMD"]])  // what every session starts with
            try await connection.execute("SET TimeZone TO 'Asia/Kolkata'")
            let text = try await connection.value("SELECT '2026-03-29 00:59:59+00'::timestamptz::text", as: String.self)
            #expect(text == "2026-03-29 06:29:59+05:30")
            let date = try await connection.value("SELECT '2026-03-29 00:59:59+00'::timestamptz", as: Date.self)
            #expect(date.timeIntervalSince1970 == Self.springForwardEpoch)
            // Binding it back compares equal whatever the session's zone.
            #expect(try await connection.value("SELECT \(date) = '2026-03-29 01:59:59+01'::timestamptz", as: Bool.self))
        }
    }

    @Test func microsecondsSurviveARoundTrip() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let literals = [
                "2026-03-29 01:59:59.123456+01", "2026-03-29 01:59:59.000001+01", "2026-03-29 01:59:59.999999+01",
                "1969-12-31 23:59:59.5+00", "1969-07-20 20:17:40.000007+00", "2099-12-31 23:59:59.999999+00",
            ]
            for literal in literals {
                let date = try await connection.value("SELECT \(literal)::timestamptz", as: Date.self)
                let rows = try await connection.query(
                    """
                    SELECT \(date) = \(literal)::timestamptz AS same,
                           (extract(epoch FROM \(literal)::timestamptz) * 1000000)::int8 AS micros
                    """
                ) { row in (try row.decode("same", as: Bool.self), try row.decode("micros", as: Int64.self)) }
                let (same, expectedMicros) = try #require(rows.first)
                #expect(same, "\(literal)")
                #expect(microseconds(date) == expectedMicros, "\(literal)")
            }
        }
    }

    @Test func instantsBefore1970() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let moonWalk = try await connection.value("SELECT '1969-07-20 20:17:40+00'::timestamptz", as: Date.self)
            #expect(moonWalk.timeIntervalSince1970 == -14_182_940)
            // Before 1911, Paris used local mean time: PostgreSQL prints an offset with seconds.
            try await connection.execute("SET TimeZone TO 'Europe/Paris'")
            let text = try await connection.value("SELECT '1900-01-01 00:00:00+00'::timestamptz::text", as: String.self)
            #expect(text == "1900-01-01 00:09:21+00:09:21")
            let old = try await connection.value("SELECT '1900-01-01 00:00:00+00'::timestamptz", as: Date.self)
            #expect(old.timeIntervalSince1970 == -2_208_988_800)
        }
    }

    @Test func timestampWithoutTimeZoneIsRefused() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let failures = try await connection.query("SELECT '2026-01-01 12:00'::timestamp AS local_time") { row in
                [decodingFailure(row, "local_time", as: Date.self)]
            }
            let error = try #require(failures.first?.first ?? nil)
            #expect(error.code == .decoding)
            #expect(error.column == "local_time")
            #expect(error.message.contains("timestamp without time zone"))
            #expect(error.message.contains("timestamptz"))
        }
    }

    @Test func infiniteTimestampIsADecodingError() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let failures = try await connection.query(
                "SELECT 'infinity'::timestamptz AS forever, '2000-01-01 00:00:00+00 BC'::timestamptz AS ancient"
            ) { row in
                [decodingFailure(row, "forever", as: Date.self), decodingFailure(row, "ancient", as: Date.self)]
            }
            for (error, column) in zip(try #require(failures.first), ["forever", "ancient"]) {
                #expect(error?.code == .decoding)
                #expect(error?.column == column)
            }
        }
    }

    @Test func calendarDates() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let sql: SQL = """
                SELECT '2024-02-29'::date AS leap, '2024-02-28'::date + 1 AS next, '1969-12-31'::date AS before_epoch,
                       '0001-01-01'::date AS first, '9999-12-31'::date AS last, '2026-03-29'::date AS dst
                """
            let rows = try await connection.query(sql) { row in
                try ["leap", "next", "before_epoch", "first", "last", "dst"].map {
                    try row.decode($0, as: CalendarDate.self)
                }
            }
            let expected = [
                CalendarDate(year: 2024, month: 2, day: 29), CalendarDate(year: 2024, month: 2, day: 29),
                CalendarDate(year: 1969, month: 12, day: 31), CalendarDate(year: 1, month: 1, day: 1),
                CalendarDate(year: 9999, month: 12, day: 31), CalendarDate(year: 2026, month: 3, day: 29),
            ]
            #expect(rows.first?.map(Optional.some) == expected)
            #expect(rows.first?[2].daysSinceEpoch == -1)
        }
    }

    @Test func infiniteDateIsADecodingError() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let failures = try await connection.query("SELECT 'infinity'::date AS forever") { row in
                [decodingFailure(row, "forever", as: CalendarDate.self)]
            }
            let error = try #require(failures.first?.first ?? nil)
            #expect(error.code == .decoding)
            #expect(error.column == "forever")
        }
    }

    @Test func datesRoundTripThroughBinds() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE delivery (day date, at timestamptz)")
            let day = try #require(CalendarDate(year: 2024, month: 2, day: 29))
            let at = Date(timeIntervalSince1970: 1_774_745_999.123456)
            try await connection.execute("INSERT INTO delivery (day, at) VALUES (\(day), \(at))")
            let rows = try await connection.query("SELECT day, at, day::text AS day_text FROM delivery") { row in
                (
                    try row.decode("day", as: CalendarDate.self), try row.decode("at", as: Date.self),
                    try row.decode("day_text", as: String.self)
                )
            }
            let (storedDay, storedAt, text) = try #require(rows.first)
            #expect(storedDay == day)
            #expect(text == "2024-02-29")
            #expect(microseconds(storedAt) == 1_774_745_999_123_456)
        }
    }
}
