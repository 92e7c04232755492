/// Which PostgreSQL a command talks to, decided once at start-up.
///
/// In order: `--database-url`, then `DATABASE_URL`, then libpq's own environment (`PGHOST`,
/// `PGHOSTADDR`, `PGDATABASE` or `PGSERVICE` set: libpq resolves everything, `.pgpass` included,
/// exactly as `psql` would), then, outside production, the embedded cluster.
public enum DatabaseSelection: Equatable, Sendable {
    /// A URI or key=value string given by `--database-url` or `DATABASE_URL`.
    case url(String, source: String)
    /// Nothing given to ocpizza, but libpq's environment says where to go.
    case libpqEnvironment
    /// Nothing configured at all: the private cluster under `.ocpizza/postgres`.
    case embedded

    /// Variables that mean "a database is configured" for libpq.
    public static let libpqVariables = ["PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE"]

    public static func resolve(
        databaseURL: String?, environment: [String: String]
    ) throws(ConfigurationError)
        -> DatabaseSelection
    {
        if let databaseURL, !databaseURL.isEmpty { return .url(databaseURL, source: "--database-url") }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return .url(url, source: "DATABASE_URL") }
        if libpqVariables.contains(where: { !(environment[$0] ?? "").isEmpty }) { return .libpqEnvironment }
        if environment["OCPIZZA_ENV"] == "production" {
            throw ConfigurationError(
                "no database configured in production: set DATABASE_URL (or pass --database-url), "
                    + "or PGHOST / PGDATABASE / PGSERVICE for libpq; the embedded database is for development only")
        }
        return .embedded
    }
}

/// The configuration is missing or wrong (exit 78).
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A file or folder could not be read or written (exit 74).
public struct FileIOError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The work was skipped: another run holds the lock, or maintenance mode is on (exit 75).
public struct SkippedError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
