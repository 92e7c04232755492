import Foundation
import Postgres
import TestSupport
import Testing

/// `COPY ... FROM STDIN` and `COPY ... TO STDOUT` against the real server.
@Suite struct CopyTests {
    private static let rowCount = 1_000_000

    /// Row `id` of the big load: a name with a tab and a backslash (NULL every 10th row) and an
    /// amount in cents (NULL every 7th row).
    private static func fields(_ id: Int) -> (name: String?, cents: Int?) {
        (id % 10 == 0 ? nil : "name \(id)\t\\", id % 7 == 0 ? nil : (id % 1000) * 100 + id % 100)
    }

    private static func amountText(_ cents: Int) -> String {
        let fraction = cents % 100
        return "\(cents / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    @Test func copyInAndOutOfAMillionRows() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE load (id int8 NOT NULL, name text, amount numeric(12, 2))")
            let copied = try await connection.withSession { session in
                try session.copyIn("COPY load (id, name, amount) FROM STDIN") { writer in
                    for id in 1...Self.rowCount {
                        let (name, cents) = Self.fields(id)
                        try writer.writeRow([String(id), name, cents.map(Self.amountText)])
                    }
                }
            }
            #expect(copied == Self.rowCount)

            var expectedCents = 0, expectedNames = 0, expectedAmounts = 0
            for id in 1...Self.rowCount {
                let (name, cents) = Self.fields(id)
                if name != nil { expectedNames += 1 }
                if let cents {
                    expectedCents += cents
                    expectedAmounts += 1
                }
            }
            let totals = try await connection.query(
                """
                SELECT count(*) AS rows, count(name) AS names, count(amount) AS amounts, sum(id)::int8 AS ids,
                       (sum(amount) * 100)::int8 AS cents, count(DISTINCT id) AS distinct_ids
                FROM load
                """
            ) { row in
                try ["rows", "names", "amounts", "ids", "cents", "distinct_ids"].map {
                    try row.decode($0, as: Int.self)
                }
            }
            let sumOfIDs = Self.rowCount * (Self.rowCount + 1) / 2
            #expect(
                totals == [[Self.rowCount, expectedNames, expectedAmounts, sumOfIDs, expectedCents, Self.rowCount]])
            let stored = try await connection.value("SELECT name FROM load WHERE id = 1", as: String.self)
            #expect(stored == "name 1\t\\")

            let wanted: Set<Int> = [1, 7, 10, 999_998, 999_999, Self.rowCount]
            let (count, samples) = try await connection.withSession { session in
                var seen = 0
                var samples: [Int: [UInt8]] = [:]
                let count = try session.copyOut("COPY (SELECT id, name, amount FROM load ORDER BY id) TO STDOUT") {
                    chunk in
                    seen += 1
                    if wanted.contains(seen) { samples[seen] = Array(chunk) }
                }
                return (count, samples)
            }
            #expect(count == Self.rowCount)
            let text = samples.mapValues { String(decoding: $0, as: UTF8.self) }
            #expect(text[1] == "1\tname 1\\t\\\\\t1.01\n")
            #expect(text[7] == "7\tname 7\\t\\\\\t\\N\n")
            #expect(text[10] == "10\t\\N\t10.10\n")
            #expect(text[999_998] == "999998\tname 999998\\t\\\\\t998.98\n")
            #expect(text[999_999] == "999999\tname 999999\\t\\\\\t\\N\n")
            #expect(text[Self.rowCount] == "1000000\t\\N\t0.00\n")
        }
    }

    @Test func copyInFromACSVFile() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE imported (id int8, label text, note text)")
            var csv = "id,label,note\n"
            csv += "1,\"comma, inside\",\"quote \"\" inside\"\n"
            csv += "2,,\"\"\n"  // empty unquoted is NULL, empty quoted is an empty string
            csv += "3,\"multi\nline\",café 🍕\n"
            for id in 4...5_000 { csv += "\(id),label \(id),\(String(repeating: "x", count: 20))\n" }
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("ocpizza-copy-\(UUID().uuidString).csv").path
            try csv.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }

            let copied = try await connection.withSession { session in
                try session.copyIn("COPY imported FROM STDIN WITH (FORMAT csv, HEADER true)", fromFile: path)
            }
            #expect(copied == 5_000)
            let firstRows: SQL = "SELECT id, label, note FROM imported WHERE id <= 3 ORDER BY id"
            let rows = try await connection.query(firstRows) { row in
                [try row.decode("label", as: String?.self), try row.decode("note", as: String?.self)]
            }
            #expect(rows == [["comma, inside", "quote \" inside"], [nil, ""], ["multi\nline", "café 🍕"]])
            #expect(try await connection.value("SELECT max(id) FROM imported", as: Int.self) == 5_000)
        }
    }

    @Test func missingFileFailsBeforeTheCopyStarts() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE imported (id int8)")
            let path = "/nonexistent/\(UUID().uuidString).csv"
            let error = try #require(
                await postgresError {
                    try await connection.withSession { try $0.copyIn("COPY imported FROM STDIN", fromFile: path) }
                })
            #expect(error.code == .copyFailed)
            #expect(error.message.contains(path))
            #expect(try await connection.value("SELECT count(*) FROM imported", as: Int.self) == 0)
        }
    }

    @Test(arguments: [0, 200_000])
    func badRowFailsTheWholeCopy(goodRowsAfter: Int) async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE numbers (n int4, label text)")
            let error = try #require(
                await postgresError {
                    try await connection.withSession { session in
                        try session.copyIn("COPY numbers (n, label) FROM STDIN") { writer in
                            try writer.writeRow(["1", "fine"])
                            try writer.writeRow(["abc", "not a number"])
                            for n in 0..<goodRowsAfter { try writer.writeRow([String(n), "after"]) }
                        }
                    }
                })
            #expect(error.sqlState == .invalidTextRepresentation)
            #expect(error.code == .copyFailed)
            #expect(try await connection.value("SELECT count(*) FROM numbers", as: Int.self) == 0)
            #expect(try await connection.withSession { $0.isInTransaction } == false)
            // The session is usable for a next COPY.
            let copied = try await connection.withSession { session in
                try session.copyIn("COPY numbers (n, label) FROM STDIN") { try $0.writeRow(["2", nil]) }
            }
            #expect(copied == 1)
        }
    }

    @Test func producerErrorAbortsTheCopy() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE numbers (n int8)")
            let boom = Boom()
            do {
                _ = try await connection.withSession { session in
                    try session.copyIn("COPY numbers (n) FROM STDIN") { writer in
                        // Enough rows that several chunks have already reached the server.
                        for n in 0..<100_000 { try writer.writeRow([String(n)]) }
                        throw boom
                    }
                }
                Issue.record("the COPY should have thrown")
            } catch let error as Boom {
                #expect(error == boom)
            }
            #expect(try await connection.value("SELECT count(*) FROM numbers", as: Int.self) == 0)
            #expect(try await connection.value("SELECT 41 + 1", as: Int.self) == 42)
        }
    }

    @Test func consumerErrorStopsTheCopyOut() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let boom = Boom()
            let consumed = try await connection.withSession { session in
                var consumed = 0
                do {
                    try session.copyOut(
                        "COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 5000000) g) TO STDOUT"
                    ) { _ in
                        consumed += 1
                        if consumed == 10 { throw boom }
                    }
                    return -1
                } catch let error as Boom where error == boom {
                    return consumed
                }
            }
            #expect(consumed == 10)
            #expect(try await connection.withSession { $0.isInTransaction } == false)
            for attempt in 1...20 {
                #expect(try await connection.value("SELECT \(attempt)", as: Int.self) == attempt)
            }
        }
    }

    @Test func copyInsideATransactionRollsBackWithIt() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE numbers (n int8)")
            let boom = Boom()
            await #expect(throws: Boom.self) {
                try await connection.transaction { session in
                    try session.copyIn("COPY numbers (n) FROM STDIN") { try $0.writeRow(["1"]) }
                    throw boom
                }
            }
            #expect(try await connection.value("SELECT count(*) FROM numbers", as: Int.self) == 0)
        }
    }

    @Test func wrongDirectionIsInvalidUsage() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE numbers (n int8)")
            let outAsIn = await postgresError {
                try await connection.withSession { try $0.copyIn("COPY numbers TO STDOUT") { _ in } }
            }
            #expect(outAsIn?.code == .invalidUsage)
            #expect(try await connection.value("SELECT 1", as: Int.self) == 1)
            let notACopy = await postgresError {
                try await connection.withSession { try $0.copyOut("SELECT 1") { _ in } }
            }
            #expect(notACopy?.code == .invalidUsage)
            #expect(try await connection.value("SELECT 2", as: Int.self) == 2)
        }
    }
}
