import Domain
import Migrations
import Postgres
import TestSupport
import Testing

/// The database's `order_status_transition` table and the domain module's state machines must
/// allow exactly the same moves: the endpoint checks a move in Swift, the database checks it
/// again in a trigger, and a move one allows and the other refuses is a bug either way.
@Suite struct StateMachineAgreementTests {
    @Test func databaseAndDomainAllowTheSameMoves() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            try await Migrator().migrate(conninfo: conninfo, logger: TestDatabase.logger)
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            let rows = try await connection.query("SELECT kind, from_status, to_status FROM order_status_transition") {
                "\(try $0.decode("kind", as: String.self)):\(try $0.decode("from_status", as: String.self))>"
                    + (try $0.decode("to_status", as: String.self))
            }
            await connection.close()

            var domain: Set<String> = []
            for mode in [FulfilmentMode.delivery, .pickup] {
                for status in FulfilmentStatus.allCases {
                    for next in status.allowedTransitions(mode: mode) {
                        domain.insert("fulfilment:\(status.rawValue)>\(next.rawValue)")
                    }
                }
            }
            for path in PaymentPath.allCases {
                for status in PaymentStatus.allCases {
                    for next in status.allowedTransitions(path: path) {
                        domain.insert("payment:\(status.rawValue)>\(next.rawValue)")
                    }
                }
            }
            let database = Set(rows)
            #expect(database.subtracting(domain).sorted() == [], "allowed by the database only")
            #expect(domain.subtracting(database).sorted() == [], "allowed by the domain only")
        }
    }
}
