import Logging
import Runtime
import Testing

/// Which database a command talks to: `--database-url`, then `DATABASE_URL`, then libpq's PG*
/// variables, then (outside production) the embedded cluster.
@Suite("DatabaseSelection")
struct DatabaseSelectionTests {
    static let url = "postgresql://flag@db.example/ocpizza"
    static let environmentURL = "host=/run/postgresql dbname=ocpizza"

    @Test("the flag beats DATABASE_URL and the PG* variables")
    func flagFirst() throws {
        let selection = try DatabaseSelection.resolve(
            databaseURL: Self.url, environment: ["DATABASE_URL": Self.environmentURL, "PGHOST": "/tmp"])
        #expect(selection == .url(Self.url, source: "--database-url"))
    }

    @Test("DATABASE_URL beats the PG* variables")
    func environmentSecond() throws {
        let selection = try DatabaseSelection.resolve(
            databaseURL: nil, environment: ["DATABASE_URL": Self.environmentURL, "PGHOST": "/tmp", "PGDATABASE": "x"])
        #expect(selection == .url(Self.environmentURL, source: "DATABASE_URL"))
    }

    @Test("an empty flag or DATABASE_URL counts as unset")
    func emptyStringsAreUnset() throws {
        #expect(
            try DatabaseSelection.resolve(databaseURL: "", environment: ["DATABASE_URL": Self.environmentURL])
                == .url(Self.environmentURL, source: "DATABASE_URL"))
        #expect(
            try DatabaseSelection.resolve(databaseURL: "", environment: ["DATABASE_URL": "", "PGHOST": "/tmp"])
                == .libpqEnvironment)
        #expect(
            try DatabaseSelection.resolve(
                databaseURL: "",
                environment: ["DATABASE_URL": "", "PGHOST": "", "PGHOSTADDR": "", "PGDATABASE": "", "PGSERVICE": ""])
                == .embedded)
    }

    @Test(
        "each of PGHOST, PGHOSTADDR, PGDATABASE, PGSERVICE alone selects libpq's environment",
        arguments: ["PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE"])
    func libpqVariable(_ name: String) throws {
        #expect(try DatabaseSelection.resolve(databaseURL: nil, environment: [name: "x"]) == .libpqEnvironment)
        #expect(
            try DatabaseSelection.resolve(databaseURL: nil, environment: [name: "x", "OCPIZZA_ENV": "production"])
                == .libpqEnvironment)
    }

    @Test("PGUSER or PGPORT alone do not configure a database")
    func userOrPortAlone() throws {
        #expect(
            try DatabaseSelection.resolve(databaseURL: nil, environment: ["PGUSER": "u", "PGPORT": "5433"])
                == .embedded)
    }

    @Test("nothing configured selects the embedded cluster")
    func nothing() throws {
        #expect(try DatabaseSelection.resolve(databaseURL: nil, environment: [:]) == .embedded)
        #expect(
            try DatabaseSelection.resolve(databaseURL: nil, environment: ["OCPIZZA_ENV": "development"]) == .embedded)
    }

    @Test("nothing configured in production is a configuration error naming DATABASE_URL")
    func productionWithoutDatabase() throws {
        let error = #expect(throws: ConfigurationError.self) {
            try DatabaseSelection.resolve(databaseURL: nil, environment: ["OCPIZZA_ENV": "production"])
        }
        #expect(error?.description.contains("DATABASE_URL") == true)
        #expect(error?.description.contains("PGHOST") == true)
        #expect(ExitStatus.forError(try #require(error)) == .configuration)
    }

    @Test("production with a URL is fine")
    func productionWithURL() throws {
        #expect(
            try DatabaseSelection.resolve(
                databaseURL: nil, environment: ["OCPIZZA_ENV": "production", "DATABASE_URL": Self.url])
                == .url(Self.url, source: "DATABASE_URL"))
        #expect(
            try DatabaseSelection.resolve(databaseURL: Self.url, environment: ["OCPIZZA_ENV": "production"])
                == .url(Self.url, source: "--database-url"))
    }
}

@Suite("CommandEnvironment")
struct CommandEnvironmentTests {
    static let logger = Logger(label: "ocpizza.tests")

    @Test("a relative --var is resolved against the working directory, an absolute one kept")
    func varDirectory() throws {
        let relative = try CommandEnvironment(
            databaseURL: nil, varDirectory: "var", logger: Self.logger, environment: [:], workingDirectory: "/srv/app")
        #expect(relative.varDirectory == "/srv/app/var")
        #expect(relative.usesEmbeddedDatabase)
        #expect(relative.embeddedCluster.root == "/srv/app/.ocpizza/postgres")
        #expect(relative.relative("/srv/app/.ocpizza/postgres") == ".ocpizza/postgres")
        #expect(relative.relative("/elsewhere/x") == "/elsewhere/x")

        let absolute = try CommandEnvironment(
            databaseURL: "host=/tmp", varDirectory: "/var/lib/ocpizza", logger: Self.logger, environment: [:],
            workingDirectory: "/srv/app")
        #expect(absolute.varDirectory == "/var/lib/ocpizza")
        #expect(!absolute.usesEmbeddedDatabase)
    }

    @Test("production without a database fails when the environment is built")
    func production() {
        #expect(throws: ConfigurationError.self) {
            try CommandEnvironment(
                databaseURL: nil, varDirectory: "var", logger: Self.logger, environment: ["OCPIZZA_ENV": "production"],
                workingDirectory: "/srv/app")
        }
    }

    @Test("conninfo() is the URL itself, or empty for libpq's environment")
    func conninfo() async throws {
        let url = try CommandEnvironment(
            databaseURL: "host=/x dbname=y", varDirectory: "var", logger: Self.logger, environment: [:],
            workingDirectory: "/srv/app")
        #expect(try await url.conninfo() == "host=/x dbname=y")
        let libpq = try CommandEnvironment(
            databaseURL: nil, varDirectory: "var", logger: Self.logger, environment: ["PGSERVICE": "ocpizza"],
            workingDirectory: "/srv/app")
        #expect(try await libpq.conninfo() == "")
    }
}
