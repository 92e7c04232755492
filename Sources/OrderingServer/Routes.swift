import Foundation
import HTTPTypes
import Hummingbird
import Ordering

/// The endpoint's routes. Handlers are thin: read the request, call the store, pass the JSON
/// PostgreSQL built through. Every path and answer is in `openapi.yaml`.
extension OrderingServer {
    static func routes(_ router: Router<OrderingContext>, service: OrderingService) {
        router.get("/health") { _, _ in json(#"{"status": "ok"}"#) }
        router.get("/ready") { _, _ in
            let readiness = await service.readiness()
            let body = String(decoding: try JSONEncoder.sorted.encode(readiness), as: UTF8.self)
            return json(
                body, status: readiness.ready ? .ok : .serviceUnavailable, retryAfter: readiness.ready ? nil : 5)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(
                    byteBuffer: ByteBuffer(
                        bytes: service.metrics.exposition(
                            pool: service.pool, maintenance: service.maintenance.current.on))))
        }
        router.get("/openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }

        let v1 = router.group("/v1").add(middleware: AuthenticationMiddleware(service: service))
        v1.get("/shops") { _, context in
            _ = try context.require(.menuRead)
            return json(try await service.store.shops())
        }
        v1.get("/shops/{code}/menu") { _, context in
            _ = try context.require(.menuRead)
            let code = try context.parameters.require("code")
            guard let menu = try await service.store.menu(shop: code) else {
                throw OrderingError.notFound("no shop \(code)")
            }
            return json(menu)
        }
        v1.post("/orders") { request, context in
            let caller = try context.require(.ordersWrite)
            guard let key = request.headers[.idempotencyKey], !key.isEmpty else {
                throw OrderingError(
                    status: 400, slug: "idempotency-key-required", title: "An Idempotency-Key header is required",
                    detail: "send a unique Idempotency-Key (a UUID) with each new order, and the same one on retries")
            }
            guard key.utf8.count <= 255, key.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
                throw OrderingError(
                    status: 400, slug: "idempotency-key-invalid", title: "The Idempotency-Key header is not usable",
                    detail: "an Idempotency-Key is 1 to 255 visible ASCII characters")
            }
            let order = try OrderRequest.parse(try await body(of: request, context: context).readableBytesView)
            let placement = try await service.store.place(order, idempotencyKey: key, by: caller)
            var headers: HTTPFields = [.location: "/v1/orders/\(placement.orderID)"]
            if !placement.created { headers[.idempotentReplayed] = "true" }
            return json(placement.json, status: .created, headers: headers)
        }
        v1.get("/orders/{id}") { _, context in
            let caller = try context.require(.ordersRead)
            let id = try orderID(context)
            guard let order = try await service.store.order(id: id, by: caller) else {
                throw OrderingError.notFound("no order \(id)")
            }
            return json(order)
        }
        v1.post("/orders/{id}/cancel") { request, context in
            let caller = try context.require(.ordersCancel)
            let id = try orderID(context)
            let fields = try StaffAction.parse(try await body(of: request, context: context), requireReason: true)
            return json(
                try await service.store.cancel(
                    id: id, reason: fields.reason ?? "", employeeID: fields.employeeID, by: caller))
        }
        v1.post("/orders/{id}/status") { request, context in
            let caller = try context.require(.ordersStatus)
            let id = try orderID(context)
            let fields = try StaffAction.parse(try await body(of: request, context: context), requireStatus: true)
            return json(
                try await service.store.advance(
                    id: id, to: fields.status ?? "", employeeID: fields.employeeID, reason: fields.reason, by: caller))
        }
    }

    static func orderID(_ context: OrderingContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self), id > 0 else {
            throw OrderingError.notFound("an order id is a positive whole number")
        }
        return id
    }

    /// The body, refused with 413 past the limit (by its Content-Length before reading anything).
    static func body(of request: Request, context: OrderingContext) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maximumBodyBytes {
            throw HTTPError(.contentTooLarge)
        }
        if let type = request.headers[.contentType]?.lowercased(), !type.hasPrefix("application/json") {
            throw OrderingError(
                status: 415, slug: "unsupported-media-type", title: "The body must be JSON",
                detail: "send Content-Type: application/json")
        }
        return try await request.body.collect(upTo: maximumBodyBytes)
    }

    static func json(
        _ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], retryAfter: Int? = nil
    ) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The body of a staff action (`cancel`, `status`): `{"status"?, "reason"?, "employee_id"?}`.
struct StaffAction {
    var status: String?
    var reason: String?
    var employeeID: Int64?

    static let statuses = [
        "accepted", "in_preparation", "ready", "out_for_delivery", "delivered", "collected", "cancelled",
    ]

    static func parse(
        _ body: ByteBuffer, requireReason: Bool = false, requireStatus: Bool = false
    ) throws(OrderingError)
        -> StaffAction
    {
        let json: JSONValue = body.readableBytes == 0 ? .object([:]) : try JSONValue.parse(body.readableBytesView)
        guard case .object(let members) = json else { throw .invalid("", "expected an object") }
        let known = requireStatus ? ["status", "reason", "employee_id"] : ["reason", "employee_id"]
        for key in members.keys.sorted() where !known.contains(key) {
            throw .invalid("/\(key)", "unknown member '\(key)' (known: \(known.joined(separator: ", ")))")
        }
        var action = StaffAction()
        switch members["status"] {
        case .string(let status)? where statuses.contains(status): action.status = status
        case nil, .null?:
            if requireStatus { throw .invalid("/status", "required: one of \(statuses.joined(separator: ", "))") }
        default: throw .invalid("/status", "one of \(statuses.joined(separator: ", "))")
        }
        switch members["reason"] {
        case .string(let reason)?
        where !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && reason.count <= 500
            && !reason.unicodeScalars.contains("\u{0}"):
            action.reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        case nil, .null?:
            if requireReason { throw .invalid("/reason", "required: why the order is cancelled") }
        default: throw .invalid("/reason", "a non-empty string of at most 500 characters, without NUL")
        }
        switch members["employee_id"] {
        case .integer(let id)? where id > 0: action.employeeID = id
        case nil, .null?: break
        default: throw .invalid("/employee_id", "an employee id, a positive whole number")
        }
        return action
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
