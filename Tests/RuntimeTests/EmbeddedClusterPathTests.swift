import EmbeddedPostgres
import Testing

/// Where the embedded cluster lives and how to reach it (no server is started here).
@Suite("EmbeddedCluster paths")
struct EmbeddedClusterPathTests {
    /// An absolute path of exactly `length` characters.
    static func directory(length: Int, seed: Character = "a") -> String {
        "/" + String(repeating: seed, count: length - 1)
    }

    @Test("the cluster lives under .ocpizza/postgres of the working directory")
    func root() {
        let cluster = EmbeddedCluster(workingDirectory: "/srv/app", environment: [:])
        #expect(cluster.root == "/srv/app/.ocpizza/postgres")
        #expect(cluster.dataDirectory == "/srv/app/.ocpizza/postgres/data")
        #expect(cluster.logFile == "/srv/app/.ocpizza/postgres/server.log")
        #expect(EmbeddedCluster(workingDirectory: "/srv/app/", environment: [:]).root == cluster.root)
    }

    @Test("a short path keeps the socket inside the cluster folder")
    func shortSocketDirectory() {
        let cluster = EmbeddedCluster(workingDirectory: "/tmp/abc", environment: [:])
        #expect(cluster.socketDirectory == "/tmp/abc/.ocpizza/postgres/run")
    }

    @Test("a long path puts the socket under /tmp, named after the cluster path")
    func longSocketDirectory() {
        let long = Self.directory(length: 120)
        let cluster = EmbeddedCluster(workingDirectory: long, environment: [:])
        let socket = cluster.socketDirectory
        #expect(socket.hasPrefix("/tmp/ocpizza-pg-"))
        #expect(!socket.hasPrefix(long))
        #expect((socket + "/.s.PGSQL.5432").utf8.count < 108, "over the Unix socket path limit: \(socket)")
        // Stable: the same path always gives the same folder.
        #expect(EmbeddedCluster(workingDirectory: long, environment: [:]).socketDirectory == socket)
        // Another path gives another folder.
        let other = EmbeddedCluster(workingDirectory: Self.directory(length: 120, seed: "b"), environment: [:])
        #expect(other.socketDirectory.hasPrefix("/tmp/ocpizza-pg-"))
        #expect(other.socketDirectory != socket)
    }

    @Test("every socket path fits the 107-byte limit", arguments: [1, 40, 60, 63, 64, 65, 70, 100, 200, 1000])
    func socketPathFits(_ length: Int) {
        let cluster = EmbeddedCluster(workingDirectory: Self.directory(length: length), environment: [:])
        #expect((cluster.socketDirectory + "/.s.PGSQL.5432").utf8.count <= 107, "\(cluster.socketDirectory)")
    }

    @Test("the fallback starts exactly where the inside path would get too long")
    func threshold() {
        // <wd>/.ocpizza/postgres/run/.s.PGSQL.5432 is the working directory plus 36 bytes.
        let inside = EmbeddedCluster(workingDirectory: Self.directory(length: 63), environment: [:])
        #expect(inside.socketDirectory == inside.root + "/run")
        let outside = EmbeddedCluster(workingDirectory: Self.directory(length: 64), environment: [:])
        #expect(outside.socketDirectory.hasPrefix("/tmp/ocpizza-pg-"))
    }

    @Test("conninfo names the socket folder, user ocpizza and database ocpizza")
    func conninfo() {
        for workingDirectory in ["/tmp/abc", Self.directory(length: 120)] {
            let cluster = EmbeddedCluster(workingDirectory: workingDirectory, environment: [:])
            let conninfo = cluster.conninfo()
            #expect(conninfo.contains("host='\(cluster.socketDirectory)'"), "\(conninfo)")
            #expect(conninfo.contains("user='ocpizza'"), "\(conninfo)")
            #expect(conninfo.contains("dbname='ocpizza'"), "\(conninfo)")
            #expect(conninfo.contains("port='5432'"), "\(conninfo)")
            #expect(cluster.conninfo(database: "postgres").contains("dbname='postgres'"))
        }
        #expect(EmbeddedCluster.databaseName == "ocpizza")
        #expect(EmbeddedCluster.superuser == "ocpizza")
    }

    @Test("status of a folder that was never initialised needs no server tools")
    func notInitialized() async throws {
        let cluster = EmbeddedCluster(workingDirectory: "/nonexistent-ocpizza/app", environment: [:])
        #expect(try await cluster.status() == .notInitialized)
    }
}

@Suite("EmbeddedCluster conninfo quoting")
struct EmbeddedClusterQuotingTests {
    @Test("a quote or backslash in the working directory is escaped in conninfo, as libpq requires")
    func quoteInPath() {
        let cluster = EmbeddedCluster(workingDirectory: "/tmp/o'brien", environment: [:])
        #expect(cluster.conninfo().contains(#"host='/tmp/o\'brien/.ocpizza/postgres/run'"#), "\(cluster.conninfo())")
        let backslash = EmbeddedCluster(workingDirectory: #"/tmp/a\b"#, environment: [:])
        #expect(backslash.conninfo().contains(#"host='/tmp/a\\b/.ocpizza/postgres/run'"#), "\(backslash.conninfo())")
    }
}
