import Glibc
import Synchronization

/// Shows progress of long work on a terminal (`\r`-rewritten line on stderr, at most 10 times a
/// second); silent when stderr is not a terminal, so cron logs stay clean.
public final class ProgressReporter: Sendable {
    private let enabled: Bool
    private let label: String
    private let state = Mutex<(lastDraw: ContinuousClock.Instant?, drawn: Bool)>((nil, false))

    public init(label: String, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.enabled = enabled
    }

    /// A reporter that never prints (tests, nested steps).
    public static func silent(_ label: String = "") -> ProgressReporter {
        ProgressReporter(label: label, enabled: false)
    }

    /// Reports `done` of `total` (total nil when unknown) `unit`s.
    public func update(done: Int, total: Int? = nil, unit: String = "items") {
        guard enabled else { return }
        let now = ContinuousClock.now
        let draw = state.withLock { state -> Bool in
            if let last = state.lastDraw, now - last < .milliseconds(100), done != total { return false }
            state.lastDraw = now
            state.drawn = true
            return true
        }
        guard draw else { return }
        var line = "\r\(label): \(done)"
        if let total, total > 0 { line += "/\(total) \(unit) (\(done * 100 / total) %)" } else { line += " \(unit)" }
        write(line + "\u{1B}[K")
    }

    /// Ends the progress line so that the next output starts on a fresh line.
    public func finish() {
        guard enabled, state.withLock({ $0.drawn }) else { return }
        write("\n")
    }

    private func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
