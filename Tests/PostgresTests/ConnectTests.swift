import Foundation
import Postgres
import TestSupport
import Testing

@Suite struct ConnectTests {
    @Test func connectsWithAURIAsWellAsKeyValue() async throws {
        let server = try TestDatabase.server()
        let socket = server.host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? server.host
        let uri = "postgresql:///postgres?host=\(socket)&port=\(server.port)&user=\(server.user)"
        let connection = try await PostgresConnection.connect(conninfo: uri, logger: TestDatabase.logger)
        let endpoint = try await connection.withSession { $0.endpoint }
        #expect(endpoint.database == "postgres")
        #expect(endpoint.user == server.user)
        #expect(endpoint.serverVersion >= 150_000)
        await connection.close()
    }

    @Test func sessionsIdentifyThemselvesAndUseUTCAndISO() async throws {
        let connection = try await PostgresConnection.connect(
            conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
        let settings = try await connection.query(
            "SELECT current_setting('application_name') AS app, current_setting('TimeZone') AS tz, current_setting('DateStyle') AS style"
        ) { row in
            [
                try row.decode("app", as: String.self), try row.decode("tz", as: String.self),
                try row.decode("style", as: String.self),
            ]
        }
        #expect(settings.first == ["ocpizza", "UTC", "ISO, YMD"])
        await connection.close()
    }

    @Test func anExplicitApplicationNameWins() async throws {
        let conninfo = try TestDatabase.conninfo() + " application_name=website"
        let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
        let name = try await connection.withSession { try $0.queryValue("SHOW application_name", as: String.self) }
        #expect(name == "website")
        await connection.close()
    }

    @Test func aClosedConnectionRefusesWork() async throws {
        let connection = try await PostgresConnection.connect(
            conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
        await connection.close()
        let error = await #expect(throws: PostgresError.self) { try await connection.execute("SELECT 1") }
        #expect(error?.code == .connectionClosed)
        #expect(await connection.isReusable() == false)
    }
}
