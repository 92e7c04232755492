import ArgumentParser
import Foundation
import Logging
import Postgres
import Runtime

/// Sets up logging once, builds the environment, runs a command body, and turns its errors into
/// one clear line on standard error and the documented exit code.
enum CommandRunner {
    static func run(
        _ options: GlobalOptions, command: String, _ body: (CommandEnvironment) async throws -> ExitStatus
    ) async throws {
        let format = options.logFormat?.format ?? LogFormat.automatic()
        let level = options.logLevel.level
        LoggingSystem.bootstrap { label in StandardErrorLogHandler(label: label, format: format, level: level) }
        var logger = Logger(label: "ocpizza")
        logger[metadataKey: "command"] = "\(command)"

        let status: ExitStatus
        do {
            let environment = try CommandEnvironment(
                databaseURL: options.databaseURL, varDirectory: options.varDirectory, logger: logger)
            status = try await body(environment)
        } catch let error as ExitCode {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch let error as ValidationError {
            status = .usage
            report(error, status: status, logger: logger)
        } catch {
            status = commandExitStatus(error)
            report(error, status: status, logger: logger)
        }
        if status != .success { throw ExitCode(status.rawValue) }
    }

    private static func report(_ error: any Error, status: ExitStatus, logger: Logger) {
        var metadata: Logger.Metadata = ["exit_code": "\(status.rawValue)"]
        var message = "\(error)"
        if let error = error as? PostgresError {
            if let sqlState = error.sqlState { metadata["db.sql_state"] = "\(sqlState)" }
            // The server's detail can quote row values (customer names, phone numbers): logged
            // only when an operator asks for debug output.
            if let detail = error.detail, logger.logLevel <= .debug { metadata["db.detail"] = "\(detail)" }
            if let hint = error.hint { metadata["db.hint"] = "\(hint)" }
            if let query = error.query { metadata["db.query"] = "\(query)" }
            metadata["code.location"] = "\(error.file):\(error.line)"
            if status == .databaseUnreachable { message = "database unreachable: \(error.message)" }
        }
        logger.error("\(message)", metadata: metadata)
    }
}

/// Prints a value as one pretty JSON document on standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
