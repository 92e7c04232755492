import Foundation
import Postgres

/// How one run ended: what the job-run row, the summary, `--json` and the metrics say.
public struct JobRunReport: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        case running, ok, partial, failed, skipped
    }

    /// The job-run row's id; nil only when the database could not be reached at all.
    public var runID: Int64?
    public var job: String
    public var businessDate: CalendarDate?
    public var status: Status
    public var exitCode: Int32
    public var startedAt: Date
    public var finishedAt: Date?
    public var counts: [String: Int]
    /// The outcome's message, the skip reason, or the error.
    public var message: String?
    public var host: String
    public var pid: Int32

    public var durationSeconds: Double? {
        finishedAt.map { $0.timeIntervalSince(startedAt) }
    }

    /// The one-screen summary an operator reads at 3 a.m.
    public var summary: String {
        var lines = ["\(job): \(status.rawValue) (exit \(exitCode))"]
        let width = max(10, counts.keys.map(\.count).max() ?? 0)
        func field(_ name: String) -> String { "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + " " }
        if let runID { lines.append(field("run") + "#\(runID) on \(host), pid \(pid)") }
        if let businessDate { lines.append(field("date") + "\(businessDate)") }
        if let durationSeconds { lines.append(field("duration") + Self.format(seconds: durationSeconds)) }
        for (key, value) in counts.sorted(by: { $0.key < $1.key }) {
            lines.append(field(key) + "\(value)")
        }
        if let message { lines.append(field(status == .failed ? "error" : "note") + message) }
        return lines.joined(separator: "\n")
    }

    static func format(seconds: Double) -> String {
        seconds < 60
            ? String(format: "%.2f s", seconds)
            : "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
    }
}
