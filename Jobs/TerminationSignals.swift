import Dispatch
import Foundation
import Glibc
import Synchronization

/// Turns SIGTERM and SIGINT into task cancellation while jobs run, so that a job stopped by an
/// operator or by systemd ends as a recorded failed run ("interrupted") instead of vanishing.
///
/// `JobRunner` calls ``begin()`` as its very first step and ``end()`` as its last, so a signal
/// that arrives before the work starts is remembered and cancels the work as soon as it starts.
/// Calls nest (nightly runs its steps through the runner): the default signal behaviour comes
/// back only when the outermost run ends. A second signal ends the process at once.
final class TerminationSignals: Sendable {
    static let shared = TerminationSignals()

    private struct State {
        var depth = 0
        var requested = false
        var tasks: [UUID: @Sendable () -> Void] = [:]
        var sources: [any DispatchSourceSignal] = []
    }
    private let state = Mutex(State())

    func begin() {
        state.withLock { state in
            state.depth += 1
            guard state.depth == 1 else { return }
            state.requested = false
            state.sources = [SIGTERM, SIGINT].map { signalNumber in
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler { [self] in requestTermination(signalNumber) }
                source.resume()
                return source
            }
        }
    }

    func end() {
        state.withLock { state in
            state.depth -= 1
            guard state.depth == 0 else { return }
            for source in state.sources { source.cancel() }
            state.sources = []
            signal(SIGTERM, SIG_DFL)
            signal(SIGINT, SIG_DFL)
        }
    }

    /// Runs `body` in a child task that a termination signal cancels.
    func cancellingOnSignal<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let id = UUID()
        let alreadyRequested = state.withLock { state in
            state.tasks[id] = { task.cancel() }
            return state.requested
        }
        if alreadyRequested { task.cancel() }
        defer { _ = state.withLock { $0.tasks.removeValue(forKey: id) } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// The first signal cancels the work (the run ends recorded as interrupted); a second one,
    /// for a run stuck where cancellation cannot reach (a connect that hangs), ends the process
    /// the default way.
    private func requestTermination(_ signalNumber: Int32) {
        let (second, cancels) = state.withLock { state in
            defer { state.requested = true }
            return (state.requested, Array(state.tasks.values))
        }
        if second {
            signal(signalNumber, SIG_DFL)
            raise(signalNumber)
            return
        }
        for cancel in cancels { cancel() }
    }
}
