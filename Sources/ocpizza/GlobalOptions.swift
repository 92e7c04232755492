import ArgumentParser
import Logging
import Runtime

/// The options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp(
            "PostgreSQL URI or key=value string (else DATABASE_URL, else libpq's PG* variables, else the embedded cluster).",
            valueName: "url"))
    var databaseURL: String?

    @Option(help: "Log format: text or json (default: text on a terminal, json otherwise).")
    var logFormat: LogFormatOption?

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: LogLevelOption = .info

    @Option(
        name: .customLong("var"),
        help: ArgumentHelp("Working folders (inbox, archive, rejected, reports).", valueName: "dir"))
    var varDirectory: String = "var"
}

struct LogFormatOption: ExpressibleByArgument {
    let format: LogFormat
    init?(argument: String) {
        guard let format = LogFormat(rawValue: argument) else { return nil }
        self.format = format
    }
    static var allValueStrings: [String] { LogFormat.allCases.map(\.rawValue) }
}

struct LogLevelOption: ExpressibleByArgument {
    let level: Logger.Level
    init?(argument: String) {
        guard let level = Logger.Level(rawValue: argument) else { return nil }
        self.level = level
    }
    init(_ level: Logger.Level) { self.level = level }
    static let info = LogLevelOption(.info)
    static var allValueStrings: [String] { Logger.Level.allCases.map(\.rawValue) }
    var defaultValueDescription: String { level.rawValue }
}
