import Hummingbird
import Logging
import NIOCore
import Ordering

/// The HTTP ordering endpoint (`ocpizza serve`): Hummingbird 2 over the ordering SQL functions.
///
/// Blocking libpq calls never run on the event loop: every database call goes through a
/// ``Postgres/PostgresConnection``, whose calls run on its own serial queue. SIGTERM and SIGINT
/// shut the server down gracefully: it stops accepting, lets in-flight requests finish (an
/// order is one statement, so it commits whole or not at all), then closes the pool.
public struct OrderingServer: Sendable {
    public static let maximumBodyBytes = 64 * 1024

    public var host: String
    public var port: Int
    public let service: OrderingService

    public init(host: String, port: Int, service: OrderingService) {
        self.host = host
        self.port = port
        self.service = service
    }

    /// The router, for in-process tests (`app.test(.router)`) as well as for the server.
    public static func router(service: OrderingService) -> Router<OrderingContext> {
        let router = Router(context: OrderingContext.self)
        router.add(middleware: ProblemMiddleware(metrics: service.metrics))
        routes(router, service: service)
        return router
    }

    /// The application: the router on `host:port`, with the maintenance watcher running beside.
    public func application(
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    )
        -> some ApplicationProtocol
    {
        Application(
            router: Self.router(service: service),
            configuration: .init(address: .hostname(host, port: port), serverName: "ocpizza"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: service.logger)
    }

    /// Serves until SIGTERM or SIGINT, then drains and closes.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let watcher = Task { await service.maintenance.run() }
        do {
            try await application(onRunning: onRunning).runService(gracefulShutdownSignals: [.sigterm, .sigint])
        } catch {
            watcher.cancel()
            await service.shutdown()
            throw error
        }
        watcher.cancel()
        await service.shutdown()
    }
}
