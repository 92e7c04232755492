import Foundation
import Logging
import Synchronization

/// How log lines are written to standard error.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-22T03:00:01.123Z info  message key=value`, for people at a terminal.
    case text
    /// One JSON object per line, for log shippers (journald, Papertrail, Loki).
    case json

    /// Text on a terminal, JSON otherwise (cron, systemd, pipes).
    public static func automatic() -> LogFormat { isatty(STDERR_FILENO) == 1 ? .text : .json }
}

/// Writes one line per record to standard error, in text or JSON, with UTC timestamps.
public struct StandardErrorLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let format: LogFormat

    public init(label: String, format: LogFormat, level: Logger.Level) {
        self.label = label
        self.format = format
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let timestamp = Self.timestamp()
        let line: String
        switch format {
        case .text:
            let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.textValue($0.value))" }
            let level = event.level.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            // One record, one line: libpq and pg_ctl messages carry newlines and tabs.
            line = ([timestamp, level, Self.singleLine("\(event.message)")] + fields).joined(separator: " ")
        case .json:
            var object: [String: Any] = [
                "ts": timestamp, "level": event.level.rawValue, "logger": label, "msg": "\(event.message)",
            ]
            // Metadata never overwrites the record's own fields.
            for (key, value) in merged where object[key] == nil { object[key] = Self.jsonValue(value) }
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
            line = String(decoding: data, as: UTF8.self)
        }
        StandardError.write(line + "\n")
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = now.tv_sec
        var parts = tm()
        gmtime_r(&time, &parts)
        let millis = Int(now.tv_nsec / 1_000_000)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }

    private static func singleLine(_ text: String) -> String {
        guard text.contains(where: { $0.isNewline || $0 == "\t" }) else { return text }
        return text.replacingOccurrences(of: "\r\n", with: " | ").replacingOccurrences(of: "\n", with: " | ")
            .replacingOccurrences(of: "\t", with: " ")
    }

    private static func textValue(_ value: Logger.MetadataValue) -> String {
        let text = singleLine("\(value)")
        return text.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" })
            ? "\"\(text.replacingOccurrences(of: "\"", with: "\\\""))\"" : text
    }

    private static func jsonValue(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible): return "\(convertible)"
        case .array(let array): return array.map(jsonValue)
        case .dictionary(let dictionary): return dictionary.mapValues(jsonValue)
        }
    }
}

/// Serialises writes to standard error so concurrent log lines never interleave.
enum StandardError {
    private static let lock = Mutex(())

    static func write(_ text: String) {
        lock.withLock { _ in
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes { buffer in
                    Glibc.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written <= 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
