import ArgumentParser
import Foundation
import Ordering
import Postgres
import Runtime

/// `ocpizza api-keys create|list|revoke`: the keys channels and staff tools use on the ordering
/// endpoint. A key is shown once, at creation; only its SHA-256 is stored.
struct APIKeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api-keys", abstract: "Create, list and revoke the ordering endpoint's API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key (printed once: store it in the channel's configuration).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Who uses it: website, phone-desk, till-par11...") var name: String
        @Option(
            help: ArgumentHelp(
                "Comma-separated scopes: \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")).",
                valueName: "scopes"))
        var scopes: String
        @Option(help: "Bind the key to one shop (a till).") var shop: String?
        @Flag(help: "Print the result as JSON.") var json = false

        func validate() throws {
            do { _ = try APIKeys.parseScopes(scopes) } catch { throw ValidationError(error.description) }
        }

        func run() async throws {
            let command = self
            let scopes = try APIKeys.parseScopes(scopes)
            try await CommandRunner.run(options, command: "api-keys create") { environment in
                let created: CreatedAPIKey
                do {
                    created = try await environment.withSession {
                        try APIKeys.create(name: command.name, scopes: scopes, shop: command.shop, in: $0)
                    }
                } catch let error as APIKeyError {
                    environment.logger.error("\(error)")
                    return .inputsRejected
                }
                environment.logger.notice(
                    "api key created",
                    metadata: ["key.prefix": "\(created.info.prefix)", "key.name": "\(command.name)"])
                if command.json {
                    try printJSON(created)
                } else {
                    print(created.key)
                    print("")
                    print(
                        "Key #\(created.info.id) '\(command.name)' (\(created.info.scopes.joined(separator: ", "))"
                            + (created.info.shop.map { ", shop \($0)" } ?? "") + "): shown once, store it now.")
                    print("Use it as: Authorization: Bearer \(created.info.prefix)...")
                }
                return .success
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys (prefixes only).")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            let json = self.json
            try await CommandRunner.run(options, command: "api-keys list") { environment in
                let keys = try await environment.withSession { try APIKeys.list(in: $0) }
                if json {
                    try printJSON(keys)
                } else {
                    print(
                        Table.render(
                            header: [
                                "id", "name", "prefix", "scopes", "shop", "created (UTC)", "last used", "revoked",
                            ],
                            rows: keys.map { key in
                                [
                                    "#\(key.id)", key.name, key.prefix, key.scopes.joined(separator: ","),
                                    key.shop ?? "any", Table.timestamp(key.createdAt),
                                    key.lastUsedAt.map(Table.timestamp) ?? "-",
                                    key.revokedAt.map(Table.timestamp) ?? "-",
                                ]
                            }))
                }
                return .success
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by its id or prefix (at once).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The key's id or prefix (api-keys list).") var key: String

        func run() async throws {
            let key = self.key
            try await CommandRunner.run(options, command: "api-keys revoke") { environment in
                let revoked = try await environment.withSession { try APIKeys.revoke(key, in: $0) }
                guard revoked else {
                    environment.logger.error("no live key with id or prefix '\(key)'")
                    return .inputsRejected
                }
                environment.logger.notice("api key revoked", metadata: ["key": "\(key)"])
                print("revoked: \(key)")
                return .success
            }
        }
    }
}
