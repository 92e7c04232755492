import Foundation
import Postgres
import TestSupport
import Testing

/// Server errors carry their SQLSTATE and diagnostics; connection failures are recognisable.
@Suite struct ErrorTests {
    @Test func uniqueViolation() async throws {
        try await TestDatabase.withSchema { connection, schema in
            try await connection.execute("CREATE TABLE customer (email text CONSTRAINT customer_email_key UNIQUE)")
            let email = "secret-person-\(UUID())@example.com"
            try await connection.execute("INSERT INTO customer (email) VALUES (\(email))")
            let error = try #require(
                await postgresError {
                    try await connection.execute("INSERT INTO customer (email) VALUES (\(email))")
                })
            #expect(error.code == .server)
            #expect(error.sqlState == .uniqueViolation)
            #expect(SQLState.uniqueViolation ~= error)
            #expect(error.sqlState?.errorClass == "23")
            #expect(error.constraint == "customer_email_key")
            #expect(error.table == "customer")
            #expect(error.schema == schema)
            #expect(error.query == "INSERT INTO customer (email) VALUES ($1)")
            #expect(error.query?.contains(email) == false)
            #expect(!error.description.contains(email))
            #expect(error.description.contains("23505"))
            #expect(!error.isUnreachable)
            // The connection is still fine.
            #expect(try await connection.value("SELECT count(*) FROM customer", as: Int.self) == 1)
        }
    }

    @Test func syntaxErrorHasAPosition() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let error = try #require(await postgresError { try await connection.execute("SELECT 1 FORM nowhere") })
            #expect(error.code == .server)
            #expect(error.sqlState == .syntaxError)
            // "FORM" reads as a column alias: the error is at "nowhere", character 15.
            #expect(error.position == 15)
            #expect(error.message.contains("nowhere"))
            #expect(error.query == "SELECT 1 FORM nowhere")
            #expect(error.debugDescription.contains("position: 15"))
        }
    }

    @Test func undefinedTableAndColumn() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let table = try #require(
                await postgresError {
                    try await connection.execute("SELECT * FROM no_such_table")
                })
            #expect(table.code == .server)
            #expect(table.sqlState == .undefinedTable)
            #expect(table.message.contains("no_such_table"))
            try await connection.execute("CREATE TABLE present (id int8)")
            let column = try #require(await postgresError { try await connection.execute("SELECT nope FROM present") })
            #expect(column.sqlState == .undefinedColumn)
        }
    }

    @Test func notNullCheckAndForeignKeyDiagnostics() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE shop (id int8 PRIMARY KEY)")
            try await connection.execute(
                """
                CREATE TABLE pizza (id int8 PRIMARY KEY, name text NOT NULL, price numeric CHECK (price > 0),
                                    shop_id int8 REFERENCES shop (id))
                """)
            let notNull = try #require(
                await postgresError {
                    try await connection.execute("INSERT INTO pizza (id, name) VALUES (1, \(nil as String?))")
                })
            #expect(notNull.sqlState == .notNullViolation)
            #expect(notNull.column == "name")
            let check = try #require(
                await postgresError {
                    try await connection.execute("INSERT INTO pizza (id, name, price) VALUES (1, 'x', -1)")
                })
            #expect(check.sqlState == .checkViolation)
            #expect(check.constraint == "pizza_price_check")
            let foreignKey = try #require(
                await postgresError {
                    try await connection.execute("INSERT INTO pizza (id, name, shop_id) VALUES (1, 'x', 42)")
                })
            #expect(foreignKey.sqlState == .foreignKeyViolation)
            #expect(foreignKey.constraint == "pizza_shop_id_fkey")
            #expect(foreignKey.detail?.isEmpty == false)
        }
    }

    @Test func raisedExceptionKeepsDetailAndHint() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let error = try #require(
                await postgresError {
                    try await connection.withSession { session in
                        try session.executeScript(
                            """
                            DO $$ BEGIN
                                RAISE EXCEPTION 'oven on fire' USING DETAIL = 'oven 3', HINT = 'call the fire brigade';
                            END $$
                            """)
                    }
                })
            #expect(error.code == .server)
            #expect(error.sqlState == .raiseException)
            #expect(error.message == "oven on fire")
            #expect(error.detail == "oven 3")
            #expect(error.hint == "call the fire brigade")
            #expect(error.description == "server error (SQLSTATE P0001): oven on fire")
            #expect(error.debugDescription.contains("hint: call the fire brigade"))
        }
    }

    @Test func terminatedBackendIsALostConnection() async throws {
        let connection = try await PostgresConnection.connect(
            conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
        let pid = try await connection.backendPID()
        try await terminateBackend(pid)
        let error = try #require(await postgresError { try await connection.execute("SELECT 1") })
        #expect(error.code == .connectionLost)
        #expect(error.isUnreachable)
        #expect(error.query == "SELECT 1")
        #expect(try await connection.withSession { $0.isBroken })
        #expect(await connection.isReusable() == false)
        // It stays broken: a second attempt fails the same way instead of hanging or crashing.
        let again = try #require(await postgresError { try await connection.execute("SELECT 1") })
        #expect(again.isUnreachable)
        await connection.close()
    }

    @Test func missingSocketDirectoryIsAConnectionFailure() async throws {
        let server = try TestDatabase.server()
        let conninfo = "host=/nonexistent port=\(server.port) user=\(server.user) dbname=postgres connect_timeout=5"
        let error = try #require(
            await postgresError {
                try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            })
        #expect(error.code == .connectionFailed)
        #expect(error.isUnreachable)
        #expect(error.message.contains("/nonexistent"))
        #expect(error.sqlState == nil)
    }

    @Test func unknownDatabaseIsAConnectionFailure() async throws {
        let conninfo = try TestDatabase.conninfo(database: TestDatabase.uniqueName("missing"))
        let error = try #require(
            await postgresError {
                try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            })
        #expect(error.code == .connectionFailed)
        #expect(error.message.contains("does not exist"))
    }

    @Test func errorsCarryTheCallSite() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let executeLine = #line + 1
            let executed = await postgresError { try await connection.execute("SELECT * FROM missing_table") }
            #expect(executed?.file == #fileID)
            #expect(executed?.line == executeLine)

            let queryLine = #line + 2
            let queried = await postgresError {
                try await connection.withSession { try $0.execute("SELECT * FROM missing_table") }
            }
            #expect(queried?.file == #fileID)
            #expect(queried?.line == queryLine)

            let decodeLine = #line + 2
            let decoded = await postgresError {
                try await connection.query("SELECT 'x' AS letter") { try $0.decode("letter", as: Int.self) }
            }
            #expect(decoded?.file == #fileID)
            #expect(decoded?.line == decodeLine)

            let connectLine = #line + 2
            let connect = await postgresError {
                try await PostgresConnection.connect(conninfo: "host=/nonexistent", logger: TestDatabase.logger)
            }
            #expect(connect?.file == #fileID)
            #expect(connect?.line == connectLine)
        }
    }

    @Test func closedConnectionRefusesWork() async throws {
        let connection = try await PostgresConnection.connect(
            conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
        #expect(try await connection.value("SELECT 1", as: Int.self) == 1)
        await connection.close()
        let error = await postgresError { try await connection.execute("SELECT 1") }
        #expect(error?.code == .connectionClosed)
        #expect(await connection.isReusable() == false)
        await connection.close()  // closing twice is harmless
    }

    @Test func queriesRunOneStatementOnly() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.execute("CREATE TABLE victim (id int8)")
            let error = await postgresError { try await connection.execute("SELECT \(1); DROP TABLE victim") }
            #expect(error?.sqlState == .syntaxError)
            #expect(try await connection.value("SELECT count(*) FROM victim", as: Int.self) == 0)
        }
    }

    @Test func failedStatementAbortsAManualTransactionUntilRollback() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.withSession { session in
                try session.executeScript("BEGIN")
                _ = try? session.execute("SELECT 1 / 0")
            }
            let aborted = try #require(await postgresError { try await connection.execute("SELECT 1") })
            #expect(aborted.sqlState == .inFailedSQLTransaction)
            try await connection.withSession { try $0.executeScript("ROLLBACK") }
            #expect(try await connection.value("SELECT 1", as: Int.self) == 1)
        }
    }
}
