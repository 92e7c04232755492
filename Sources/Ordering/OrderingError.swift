import Foundation
import Postgres

/// The one error type of the ordering endpoint: what went wrong, as the client is told it.
///
/// Every answer that is not a success is one of these, written as an RFC 9457
/// `application/problem+json` document: `type` (a stable slug under
/// `https://ocpizza.fr/problems/`), `title`, `status`, `detail`, and, where it helps the client,
/// `field` (the JSON Pointer of the wrong value) and `extensions` (the lines out of stock, the
/// transitions allowed...). No SQL, no stack trace, no internal message reaches a client: errors
/// the endpoint does not expect become a bare 500 whose cause is logged with the request id.
public struct OrderingError: Error, Sendable, CustomStringConvertible {
    public var status: Int
    /// The problem's slug: `out-of-stock`, `invalid-value`, ...
    public var slug: String
    public var title: String
    public var detail: String
    /// JSON Pointer of the offending request value (`/lines/0/quantity`), for 422 answers.
    public var field: String?
    /// Extra members of the problem document, as JSON text (`{"lines": [...]}` members).
    public var extensions: [String: String]
    /// Seconds the client should wait before retrying (503 answers).
    public var retryAfter: Int?

    public init(
        status: Int, slug: String, title: String, detail: String, field: String? = nil,
        extensions: [String: String] = [:], retryAfter: Int? = nil
    ) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.field = field
        self.extensions = extensions
        self.retryAfter = retryAfter
    }

    public var description: String { "\(status) \(slug): \(detail)" + (field.map { " (\($0))" } ?? "") }

    public var type: String { "https://ocpizza.fr/problems/\(slug)" }

    // MARK: The problems

    public static func malformedJSON(_ detail: String) -> OrderingError {
        OrderingError(status: 400, slug: "malformed-json", title: "The body is not valid JSON", detail: detail)
    }

    public static func invalid(_ field: String, _ detail: String) -> OrderingError {
        OrderingError(
            status: 422, slug: "invalid-value", title: "A value of the request is not acceptable", detail: detail,
            field: field)
    }

    public static func badRequest(_ detail: String) -> OrderingError {
        OrderingError(status: 400, slug: "bad-request", title: "The request is incomplete", detail: detail)
    }

    public static func unauthorized(_ detail: String) -> OrderingError {
        OrderingError(status: 401, slug: "unauthorized", title: "An API key is needed", detail: detail)
    }

    public static func forbidden(_ detail: String) -> OrderingError {
        OrderingError(status: 403, slug: "forbidden", title: "This API key may not do that", detail: detail)
    }

    public static func notFound(_ detail: String) -> OrderingError {
        OrderingError(status: 404, slug: "not-found", title: "Nothing here", detail: detail)
    }

    public static func maintenance(_ reason: String?) -> OrderingError {
        OrderingError(
            status: 503, slug: "maintenance", title: "The ordering service is under maintenance",
            detail: reason.map { "maintenance: \($0)" } ?? "maintenance is in progress; try again shortly",
            retryAfter: 30)
    }

    public static func databaseUnavailable() -> OrderingError {
        OrderingError(
            status: 503, slug: "database-unavailable", title: "The order database cannot be reached",
            detail: "the order database is not answering; nothing was recorded, try again shortly", retryAfter: 5)
    }

    public static func internalError(requestID: String) -> OrderingError {
        OrderingError(
            status: 500, slug: "internal-error", title: "Something went wrong on our side",
            detail: "the request failed and nothing was recorded; the operators can find it by request id \(requestID)")
    }

    // MARK: From the database

    /// The client's view of a database error: the ordering functions' own SQLSTATEs (class OC,
    /// see migration 0013) become their problems, an unreachable database 503; anything else is
    /// nil, for the caller to log and answer 500.
    public static func from(_ error: PostgresError) -> OrderingError? {
        if error.isUnreachable || error.code == .connectionClosed || error.code == .poolClosed {
            return .databaseUnavailable()
        }
        guard let state = error.sqlState?.rawValue, state.hasPrefix("OC") else { return nil }
        let detailJSON = error.detail ?? "{}"
        let detailObject = (try? JSONSerialization.jsonObject(with: Data(detailJSON.utf8))) as? [String: Any]
        switch state {
        case "OC422":
            var problem = OrderingError.invalid(detailObject?["field"] as? String ?? "", error.message)
            problem.extensions = members(of: detailJSON, except: ["field"])
            return problem
        case "OC409":
            return OrderingError(
                status: 409, slug: "out-of-stock", title: "Some lines cannot be made now", detail: error.message,
                extensions: ["lines": detailJSON])
        case "OC410":
            return OrderingError(
                status: 409, slug: "shop-closed", title: "The shop is not taking orders now", detail: error.message,
                extensions: members(of: detailJSON, except: []))
        case "OC404":
            return .notFound(error.message)
        case "OC403":
            return .forbidden(error.message)
        case "OC412":
            return OrderingError(
                status: 409, slug: "idempotency-key-reused",
                title: "This Idempotency-Key was used for another request", detail: error.message,
                extensions: members(of: detailJSON, except: []))
        case "OC419":
            return OrderingError(
                status: 409, slug: "invalid-transition", title: "The order cannot make this move now",
                detail: error.message, extensions: members(of: detailJSON, except: []))
        default:
            return nil
        }
    }

    /// The members of a JSON object, each re-serialised on its own (for problem extensions).
    private static func members(of json: String, except excluded: Set<String>) -> [String: String] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            return [:]
        }
        var result: [String: String] = [:]
        for (key, value) in object where !excluded.contains(key) {
            if let data = try? JSONSerialization.data(
                withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys, .withoutEscapingSlashes])
            {
                result[key] = String(decoding: data, as: UTF8.self)
            }
        }
        return result
    }

    // MARK: The document

    /// The `application/problem+json` body, members in a fixed order.
    public func problemJSON(instance: String? = nil) -> String {
        var members: [(String, String)] = [
            ("type", Self.quote(type)), ("title", Self.quote(title)), ("status", String(status)),
            ("detail", Self.quote(detail)),
        ]
        if let field { members.append(("field", Self.quote(field))) }
        if let instance { members.append(("instance", Self.quote(instance))) }
        let standard = Set(members.map(\.0))
        for (key, json) in extensions.sorted(by: { $0.key < $1.key }) where !standard.contains(key) {
            members.append((key, json))
        }
        return "{" + members.map { "\(Self.quote($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                out +=
                    "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                    + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
