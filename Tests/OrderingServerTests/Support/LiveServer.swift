import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import OrderingServer
import TestSupport

/// What a test of the endpoint gets back: the response head and its whole body.
///
/// The tests' own type rather than HummingbirdTesting's `TestResponse`, which only its
/// frameworks can create: the live tests below use their own client.
struct ServerResponse: Sendable {
    let head: HTTPResponse
    let body: ByteBuffer

    var status: HTTPResponse.Status { head.status }
    var headers: HTTPFields { head.headerFields }
}

/// How a test reaches the endpoint.
enum ServerSetup: Sendable {
    /// The production application on a free port of 127.0.0.1: real HTTP over a socket.
    case live
    /// The router alone, in-process, without a socket.
    case router
}

/// Runs the production application (``OrderingServer/application(onRunning:)``) on port 0 and
/// sends each request on a connection of its own.
///
/// Not HummingbirdTesting's `.live` framework, whose client gives up on a response after a fixed
/// 20 s: the whole suite shares two cores, and early in a run a test task can wait longer than
/// that for a thread. A timeout here only guards against a hang, so it is generous.
enum LiveServer {
    static let requestTimeout: Duration = .seconds(300)

    /// Serves `service` until `body` returns, and gives `body` the port.
    static func run<T: Sendable>(
        service: OrderingService, _ body: @escaping @Sendable (_ port: Int) async throws -> T
    ) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let application = OrderingServer(host: "127.0.0.1", port: 0, service: service).application { port in
            portSink.yield(port)
            portSink.finish()
        }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                // Ends the port stream too if the server never starts, so nobody waits for it.
                defer { portSink.finish() }
                try await application.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                group.cancelAll()
                _ = try await group.next()
                throw TestSetupError("the endpoint did not start listening")
            }
            do {
                let value = try await body(port)
                group.cancelAll()  // the service group shuts the server down on cancellation
                while (try? await group.next()) != nil {}
                return value
            } catch {
                group.cancelAll()
                while (try? await group.next()) != nil {}
                throw error
            }
        }
    }

    /// One request on a new connection to `port`.
    static func send(
        port: Int, uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?
    ) async throws -> ServerResponse {
        try await TestClient.withClient(
            host: "127.0.0.1", port: port, configuration: .init(timeout: requestTimeout)
        ) { client in
            let response = try await client.execute(
                .init(uri, method: method, authority: "localhost", headers: headers, body: body))
            return ServerResponse(head: response.head, body: response.body ?? ByteBuffer())
        }
    }
}
