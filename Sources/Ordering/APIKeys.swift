import Checksums
import Foundation
import Postgres

/// What an API key may do on the ordering endpoint. Channels (website, phone desk, till) get
/// `menu:read` and `orders:write`; staff tools get `orders:status`.
public enum APIScope: String, Sendable, Codable, CaseIterable {
    case menuRead = "menu:read"
    case ordersRead = "orders:read"
    case ordersWrite = "orders:write"
    case ordersCancel = "orders:cancel"
    case ordersStatus = "orders:status"
}

/// A key as listed (never the key itself: only its prefix is kept in clear).
public struct APIKeyInfo: Sendable, Codable, Equatable {
    public var id: Int64
    public var name: String
    public var prefix: String
    public var scopes: [String]
    public var shop: String?
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?
}

/// A key just created: the only moment the key is known in clear.
public struct CreatedAPIKey: Sendable, Codable, Equatable {
    public var info: APIKeyInfo
    public var key: String
}

/// Why a key cannot be created or revoked (exit 64 for bad usage, 65 for a refused value).
public struct APIKeyError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Creates, lists, revokes and verifies the ordering endpoint's API keys.
///
/// A key is `ocp_` + 32 characters of base-32 (160 random bits from the system's CSPRNG). Only
/// its SHA-256 is stored, with its first 12 characters as a prefix to tell keys apart in
/// listings and logs; the key itself is shown once, at creation.
public enum APIKeys {
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// A new random key: `ocp_` and 32 base-32 characters.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return "ocp_" + String((0..<32).map { _ in alphabet[Int(generator.next(upperBound: UInt8(32)))] })
    }

    public static func prefix(of key: String) -> String { String(key.prefix(12)) }

    public static func parseScopes(_ text: String) throws(APIKeyError) -> [APIScope] {
        var scopes: [APIScope] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let scope = APIScope(rawValue: name) else {
                throw APIKeyError(
                    description: "unknown scope '\(name)' (known: "
                        + APIScope.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            if !scopes.contains(scope) { scopes.append(scope) }
        }
        guard !scopes.isEmpty else { throw APIKeyError(description: "give at least one scope") }
        return scopes
    }

    /// Creates a key; `shop` binds it to one shop (a till), nil lets it order for any shop.
    public static func create(
        name: String, scopes: [APIScope], shop: String?, in session: PostgresSession
    ) throws
        -> CreatedAPIKey
    {
        guard !name.isEmpty else { throw APIKeyError(description: "give the key a name (--name website)") }
        var shopID: Int64?
        if let shop {
            guard let id = try session.queryValue("SELECT id FROM pizzeria WHERE code = upper(\(shop))", as: Int64.self)
            else { throw APIKeyError(description: "unknown shop '\(shop)'") }
            shopID = id
        }
        let key = generate()
        let row = try session.query(
            """
            INSERT INTO api_key (name, prefix, key_hash, scopes, pizzeria_id)
            VALUES (\(name), \(prefix(of: key)), \(Data(SHA256Digest.bytes(of: Array(key.utf8)))),
                \(scopes.map(\.rawValue)), \(shopID))
            RETURNING id, created_at
            """)
        guard let created = row.first else { throw APIKeyError(description: "the key was not stored") }
        let info = APIKeyInfo(
            id: try created.decode("id"), name: name, prefix: prefix(of: key), scopes: scopes.map(\.rawValue),
            shop: shop?.uppercased(), createdAt: try created.decode("created_at"), lastUsedAt: nil, revokedAt: nil)
        return CreatedAPIKey(info: info, key: key)
    }

    public static func list(in session: PostgresSession) throws -> [APIKeyInfo] {
        try session.query(
            """
            SELECT k.id, k.name, k.prefix, k.scopes, p.code, k.created_at, k.last_used_at, k.revoked_at
            FROM api_key k LEFT JOIN pizzeria p ON p.id = k.pizzeria_id ORDER BY k.id
            """
        ).map { row in
            APIKeyInfo(
                id: try row.decode("id"), name: try row.decode("name"), prefix: try row.decode("prefix"),
                scopes: try row.decode("scopes"), shop: try row.decode("code"), createdAt: try row.decode("created_at"),
                lastUsedAt: try row.decode("last_used_at"), revokedAt: try row.decode("revoked_at"))
        }
    }

    /// Revokes a key by its id or prefix; returns whether a live key was revoked.
    public static func revoke(_ idOrPrefix: String, in session: PostgresSession) throws -> Bool {
        try session.execute(
            """
            UPDATE api_key SET revoked_at = now()
            WHERE (id::text = \(idOrPrefix) OR prefix = \(idOrPrefix)) AND revoked_at IS NULL
            """) > 0
    }

    /// The live key matching `key` (not revoked, not expired), or nil; marks it used.
    public static func verify(_ key: String, in session: PostgresSession) throws -> APIKeyInfo? {
        guard key.hasPrefix("ocp_"), key.count == 36 else { return nil }
        let hash = Data(SHA256Digest.bytes(of: Array(key.utf8)))
        guard
            let row = try session.query(
                """
                UPDATE api_key k SET last_used_at = now()
                FROM (SELECT id FROM api_key WHERE key_hash = \(hash) AND revoked_at IS NULL
                      AND (expires_at IS NULL OR expires_at > now())) live
                WHERE k.id = live.id
                RETURNING k.id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at,
                    (SELECT code FROM pizzeria WHERE id = k.pizzeria_id) AS code
                """
            ).first
        else { return nil }
        return APIKeyInfo(
            id: try row.decode("id"), name: try row.decode("name"), prefix: try row.decode("prefix"),
            scopes: try row.decode("scopes"), shop: try row.decode("code"), createdAt: try row.decode("created_at"),
            lastUsedAt: try row.decode("last_used_at"), revokedAt: nil)
    }
}
