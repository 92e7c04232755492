import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Ordering
import Postgres

/// The outermost middleware: times every request for the metrics, and turns every error into an
/// `application/problem+json` answer. Nothing a client receives ever carries SQL, a stack trace
/// or an internal message: an unexpected error is logged with the request id, and the client
/// gets a bare 500 that names that id.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = OrderingContext
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let problem = Self.problem(for: error, context: context, request: request)
            response = Self.response(for: problem, path: request.uri.path)
        }
        let duration = ContinuousClock.now - start
        let route = context.endpointPath ?? "unmatched"
        metrics.recordRequest(
            route: route, method: request.method.rawValue, status: response.status.code, duration: duration)
        context.logger.debug(
            "request",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(route)",
                "http.status": "\(response.status.code)", "duration_ms": "\(duration.milliseconds)",
            ])
        return response
    }

    static func problem(for error: any Error, context: Context, request: Request) -> OrderingError {
        switch error {
        case let problem as OrderingError:
            if problem.status >= 500 && problem.slug != "maintenance" {
                context.logger.warning("\(problem.slug)", metadata: ["path": "\(request.uri.path)"])
            }
            return problem
        case let httpError as HTTPError:
            return problem(for: httpError)
        case let postgres as PostgresError:
            if let problem = OrderingError.from(postgres) {
                context.logger.warning("database unavailable", metadata: ["error": "\(postgres)"])
                return problem
            }
            context.logger.error(
                "request failed", metadata: ["error": "\(postgres.debugDescription)", "path": "\(request.uri.path)"])
        default:
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
        }
        return .internalError(requestID: context.id)
    }

    /// Hummingbird's own errors (no route, body too large, a path parameter of the wrong type).
    static func problem(for error: HTTPError) -> OrderingError {
        switch error.status {
        case .notFound:
            return .notFound("no such resource")
        case .contentTooLarge:
            return OrderingError(
                status: 413, slug: "payload-too-large", title: "The body is too large",
                detail: "request bodies are limited to \(OrderingServer.maximumBodyBytes / 1024) KiB")
        case .methodNotAllowed:
            return OrderingError(
                status: 405, slug: "method-not-allowed", title: "This method does not apply here",
                detail: "see /openapi.yaml for the methods of each path")
        default:
            let status = error.status
            return OrderingError(
                status: status.code, slug: status.code < 500 ? "bad-request" : "internal-error",
                title: status.reasonPhrase, detail: status.code < 500 ? (error.body ?? status.reasonPhrase) : "")
        }
    }

    static func response(for problem: OrderingError, path: String) -> Response {
        var headers: HTTPFields = [.contentType: "application/problem+json", .cacheControl: "no-store"]
        if let retryAfter = problem.retryAfter { headers[.retryAfter] = String(retryAfter) }
        if problem.status == 401 { headers[.wwwAuthenticate] = #"Bearer realm="ocpizza""# }
        return Response(
            status: .init(code: problem.status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: problem.problemJSON(instance: path))))
    }
}

/// Guards `/v1`: answers 503 while maintenance mode is on (read from memory, see
/// ``MaintenanceWatch``), then requires `Authorization: Bearer <key>` of a live key.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = OrderingContext
    let service: OrderingService

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let maintenance = service.maintenance.current
        if maintenance.on { throw OrderingError.maintenance(maintenance.reason) }
        guard let header = request.headers[.authorization] else {
            throw OrderingError.unauthorized("send Authorization: Bearer <key> (ocpizza api-keys create)")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw OrderingError.unauthorized("the Authorization header must be: Bearer <key>")
        }
        guard let caller = try await service.keys.verify(String(parts[1]), using: service.pool) else {
            throw OrderingError.unauthorized("this key is unknown, revoked or expired")
        }
        var context = context
        context.caller = caller
        context.logger[metadataKey: "api_key"] = "\(caller.prefix)"
        return try await next(request, context)
    }
}

extension Duration {
    /// Whole and fractional milliseconds, for logs.
    var milliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
