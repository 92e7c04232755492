import Checksums
import Foundation
import Ordering
import Postgres
import TestSupport
import Testing

@Suite struct APIKeysTests {
    @Test func keysAreLongRandomAndBase32() {
        let keys = (0..<200).map { _ in APIKeys.generate() }
        #expect(Set(keys).count == keys.count)
        for key in keys {
            #expect(key.count == 36)
            #expect(key.hasPrefix("ocp_"))
            #expect(key.dropFirst(4).allSatisfy { "abcdefghijklmnopqrstuvwxyz234567".contains($0) })
        }
        #expect(APIKeys.prefix(of: "ocp_abcdefghijklmnop") == "ocp_abcdefgh")
    }

    @Test func scopesAreParsedStrictly() throws {
        #expect(try APIKeys.parseScopes("orders:write, menu:read,orders:write") == [.ordersWrite, .menuRead])
        #expect(throws: APIKeyError.self) { try APIKeys.parseScopes("orders:delete") }
        #expect(throws: APIKeyError.self) { try APIKeys.parseScopes(" , ") }
    }

    /// The database keeps the hash and the prefix only; a key verifies until it is revoked.
    @Test func createVerifyRevoke() async throws {
        try await TestDatabase.withDatabase { conninfo, _ in
            let connection = try await PostgresConnection.connect(conninfo: conninfo, logger: TestDatabase.logger)
            do {
                try await connection.withSession { session in
                    try session.executeScript(
                        """
                        CREATE TABLE pizzeria (id bigint PRIMARY KEY, code text);
                        CREATE TABLE api_key (
                            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL,
                            prefix text NOT NULL UNIQUE, key_hash bytea NOT NULL UNIQUE, scopes text[] NOT NULL,
                            pizzeria_id bigint REFERENCES pizzeria, created_at timestamptz NOT NULL DEFAULT now(),
                            created_by text NOT NULL DEFAULT current_user, expires_at timestamptz,
                            revoked_at timestamptz, last_used_at timestamptz);
                        INSERT INTO pizzeria VALUES (1, 'PAR11');
                        """)
                    let created = try APIKeys.create(
                        name: "till", scopes: [.ordersWrite, .menuRead], shop: "par11", in: session)
                    #expect(created.info.shop == "PAR11")
                    #expect(created.info.prefix == APIKeys.prefix(of: created.key))
                    let stored = try session.query("SELECT prefix, key_hash FROM api_key").first
                    let hash = try #require(try stored?.decode("key_hash", as: Data.self))
                    #expect([UInt8](hash) == SHA256Digest.bytes(of: Array(created.key.utf8)))
                    let everything = try session.query("SELECT row_to_json(k)::text FROM api_key k").first
                    #expect(try everything?.decode(0, as: String.self).contains(created.key) == false)

                    let verified = try APIKeys.verify(created.key, in: session)
                    #expect(verified?.scopes == ["orders:write", "menu:read"])
                    #expect(verified?.lastUsedAt != nil)
                    #expect(try APIKeys.verify(created.key + "x", in: session) == nil)
                    #expect(try APIKeys.verify(APIKeys.generate(), in: session) == nil)

                    #expect(try APIKeys.revoke(created.info.prefix, in: session))
                    #expect(try APIKeys.revoke(created.info.prefix, in: session) == false)
                    #expect(try APIKeys.verify(created.key, in: session) == nil)
                    #expect(throws: APIKeyError.self) {
                        try APIKeys.create(name: "x", scopes: [.menuRead], shop: "NOWHERE", in: session)
                    }
                }
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }
}
