import Hummingbird
import Ordering

/// What a request carries through the middleware: Hummingbird's core context, and the API key
/// that authenticated it (set by ``AuthenticationMiddleware`` on `/v1` routes).
public struct OrderingContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: APIKeyInfo?

    public init(source: Source) {
        coreContext = .init(source: source)
        caller = nil
    }

    /// Bodies over 64 KiB are refused with 413 (an order is a few hundred bytes).
    public var maxUploadSize: Int { OrderingServer.maximumBodyBytes }

    /// The authenticated key; routes under `/v1` only run after authentication.
    func requireCaller() throws -> APIKeyInfo {
        guard let caller else { throw OrderingError.unauthorized("send Authorization: Bearer <key>") }
        return caller
    }

    /// The key, when it has `scope`. - Throws: 403 naming the scope.
    func require(_ scope: APIScope) throws -> APIKeyInfo {
        let caller = try requireCaller()
        guard caller.scopes.contains(scope.rawValue) else {
            throw OrderingError.forbidden("key \(caller.prefix)… (\(caller.name)) lacks the scope \(scope.rawValue)")
        }
        return caller
    }
}
