/// Why the embedded cluster could not be set up, started or stopped.
public struct EmbeddedClusterError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        fileprivate let name: String
        /// No PostgreSQL server binaries (initdb, pg_ctl) were found.
        public static let serverNotInstalled = Code(name: "server not installed")
        /// A folder could not be created, read or written.
        public static let fileSystem = Code(name: "file system")
        /// initdb, pg_ctl or runuser failed.
        public static let toolFailed = Code(name: "tool failed")
        /// The server user cannot reach the cluster folder.
        public static let permissions = Code(name: "permissions")
    }

    public var code: Code
    public var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "embedded PostgreSQL: \(message)" }
}
