import ArgumentParser
import Foundation
import Logging
import Migrations
import OrderingServer
import Runtime

/// `ocpizza serve`: the HTTP ordering endpoint, until SIGTERM (graceful) or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the ordering endpoint (HTTP API for the website, phone desk and tills).",
        discussion: """
            Listens on --host:--port (port 0 picks a free port; the address is printed on standard \
            output once listening). SIGTERM stops it gracefully: no new connections, in-flight \
            requests finish. The API is described by openapi.yaml, also served at /openapi.yaml. \
            Refuses to start on a database with pending migrations (run `ocpizza db migrate`); on \
            the embedded development database it applies them itself.
            """)

    @OptionGroup var options: GlobalOptions
    @Option(help: "Address to listen on (0.0.0.0 for every interface, behind nginx).") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port).") var port = 8080
    @Option(help: "Database connections for requests (the server's concurrency against PostgreSQL).")
    var poolSize = 16

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port is 0 to 65535") }
        guard (1...500).contains(poolSize) else { throw ValidationError("--pool-size is 1 to 500") }
    }

    func run() async throws {
        let command = self
        try await CommandRunner.run(options, command: "serve") { environment in
            let (connection, conninfo) = try await environment.connect()
            let states = try await Migrator().status(on: connection)
            let pending = states.filter { $0.status != .applied }
            if !pending.isEmpty {
                if environment.usesEmbeddedDatabase && pending.allSatisfy({ $0.status == .pending }) {
                    try await Migrator().migrate(conninfo: conninfo, logger: environment.logger)
                } else {
                    await connection.close()
                    environment.logger.error(
                        "the database schema is not this build's: \(pending.map { "\($0.label) \($0.status.rawValue)" }.joined(separator: ", "))",
                        metadata: ["hint": "run ocpizza db migrate"])
                    return .configuration
                }
            }
            await connection.close()

            let service = OrderingService(conninfo: conninfo, poolSize: command.poolSize, logger: environment.logger)
            let server = OrderingServer(host: command.host, port: command.port, service: service)
            let host = command.host
            try await server.run { port in
                environment.logger.notice("serving the ordering endpoint", metadata: ["url": "http://\(host):\(port)"])
                print("listening on http://\(host):\(port)")
                fflush(nil)  // all streams: a script waiting for this line reads it now
            }
            environment.logger.notice("the ordering endpoint stopped")
            return .success
        }
    }
}
