// Postgres and Migrations come in through Runtime (the RuntimeTests target lists only Runtime and
// EmbeddedPostgres): the errors they define are the ones the command maps to exit codes.
import Migrations
import Postgres
import Runtime
import Testing

@Suite("ExitStatus")
struct ExitStatusTests {
    struct Unexpected: Error {}

    @Test("the documented sysexits values")
    func rawValues() {
        #expect(ExitStatus.success.rawValue == 0)
        #expect(ExitStatus.failure.rawValue == 1)
        #expect(ExitStatus.usage.rawValue == 64)
        #expect(ExitStatus.inputsRejected.rawValue == 65)
        #expect(ExitStatus.databaseUnreachable.rawValue == 69)
        #expect(ExitStatus.ioFailure.rawValue == 74)
        #expect(ExitStatus.skipped.rawValue == 75)
        #expect(ExitStatus.configuration.rawValue == 78)
        #expect(Set(ExitStatus.allCases.map(\.rawValue)).count == ExitStatus.allCases.count)
    }

    @Test(
        "a connection that failed or broke is 'database unreachable' (69)",
        arguments: [PostgresError.Code.connectionFailed, .connectionLost])
    func unreachable(_ code: PostgresError.Code) {
        #expect(ExitStatus.forError(PostgresError(code: code, message: "no route")) == .databaseUnreachable)
    }

    @Test(
        "server errors of the connection classes (08, 57P0x) are unreachable too",
        arguments: ["08000", "08006", "08001", "57P01", "57P02", "57P03"])
    func connectionSQLStates(_ sqlState: String) {
        let error = PostgresError(code: .server, message: "gone", sqlState: SQLState(sqlState))
        #expect(ExitStatus.forError(error) == .databaseUnreachable)
    }

    @Test("other server errors are failures (1)", arguments: ["42703", "42P01", "23505", "40001", "57014"])
    func serverErrors(_ sqlState: String) {
        let error = PostgresError(code: .server, message: "bad", sqlState: SQLState(sqlState))
        #expect(ExitStatus.forError(error) == .failure)
    }

    @Test(
        "non-connection PostgresError codes are failures (1)",
        arguments: [PostgresError.Code.decoding, .copyFailed, .cancelled, .invalidUsage, .poolClosed])
    func otherCodes(_ code: PostgresError.Code) {
        #expect(ExitStatus.forError(PostgresError(code: code, message: "x")) == .failure)
    }

    @Test("ConfigurationError → 78, FileIOError → 74, SkippedError → 75")
    func runtimeErrors() {
        #expect(ExitStatus.forError(ConfigurationError("no database")) == .configuration)
        #expect(ExitStatus.forError(FileIOError("cannot write")) == .ioFailure)
        #expect(ExitStatus.forError(SkippedError("lock held")) == .skipped)
    }

    @Test("MigrationError: lock timeout → 75, modified or unknown applied → 78")
    func migrationErrors() {
        #expect(ExitStatus.forError(MigrationError.lockTimeout(.seconds(60))) == .skipped)
        #expect(ExitStatus.forError(MigrationError.modified(["0001_foundation"])) == .configuration)
        #expect(ExitStatus.forError(MigrationError.unknownApplied(["0099_future"])) == .configuration)
    }

    @Test("any other error → 1")
    func otherErrors() {
        #expect(ExitStatus.forError(Unexpected()) == .failure)
        #expect(ExitStatus.forError(CancellationError()) == .failure)
    }

    @Test("error messages name what operators need")
    func messages() {
        #expect(MigrationError.modified(["0001_foundation"]).description.contains("0001_foundation"))
        #expect(MigrationError.unknownApplied(["0099_future"]).description.contains("0099_future"))
        #expect(ConfigurationError("set DATABASE_URL").description == "set DATABASE_URL")
    }
}
