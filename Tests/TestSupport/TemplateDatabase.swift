import Postgres

/// A database built once per test process and copied for each test with
/// `CREATE DATABASE ... TEMPLATE` (a fraction of a second), instead of every test migrating and
/// filling its own: on two cores, dozens of tests migrating at once starve the suites beside them.
///
/// The first caller of ``name()`` builds it (`build` receives its connection string); the others
/// wait for that build. Nobody stays connected to it, so it can serve as a template.
public actor TemplateDatabase {
    private let prefix: String
    private let build: @Sendable (_ conninfo: String) async throws -> Void
    private var built: Task<String, any Error>?

    public init(prefix: String, build: @escaping @Sendable (_ conninfo: String) async throws -> Void) {
        self.prefix = prefix
        self.build = build
    }

    /// The template's name, building it on first use.
    public func name() async throws -> String {
        if let built { return try await built.value }
        let task = Task { [prefix, build] in
            let name = TestDatabase.uniqueName(prefix)
            let admin = try await PostgresConnection.connect(
                conninfo: TestDatabase.conninfo(), logger: TestDatabase.logger)
            try await admin.execute("CREATE DATABASE \(identifier: name)")
            await admin.close()
            try await build(try TestDatabase.conninfo(database: name))
            return name
        }
        built = task
        return try await task.value
    }
}
