// Loads a CSV file into a table through the Postgres module's COPY, as `psql \copy` would.
// Used by scripts/bench-copy, which times it against psql on the same server and file.
//
//   bench-copy-load <conninfo> <table> <file.csv>
import Foundation
import Logging
import Postgres

let arguments = CommandLine.arguments
guard arguments.count == 4 else {
    FileHandle.standardError.write(Data("usage: bench-copy-load <conninfo> <table> <file.csv>\n".utf8))
    exit(64)
}
let (conninfo, table, path) = (arguments[1], arguments[2], arguments[3])
var logger = Logger(label: "bench")
logger.logLevel = .warning

do {
    let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: logger)
    let started = ContinuousClock.now
    let rows = try await connection.withSession { session in
        try session.copyIn("COPY \(identifier: table) FROM STDIN (FORMAT csv)", fromFile: path)
    }
    let elapsed = ContinuousClock.now - started
    await connection.close()
    print(
        "rows=\(rows) seconds=\(elapsed.components.seconds).\(String(format: "%03d", Int(elapsed.components.attoseconds / 1_000_000_000_000_000)))"
    )
} catch {
    FileHandle.standardError.write(Data("bench-copy-load: \(String(reflecting: error))\n".utf8))
    exit(1)
}
