import Synchronization

/// How an operation run under a timeout ended.
enum TimedOutcome<Value: Sendable>: Sendable {
    case finished(Result<Value, any Error>)
    case timedOut
}

/// Runs an operation in its own task and returns its outcome, or `.timedOut` once the timeout passes (cancelling
/// the operation). It never waits for an operation that ignores cancellation: such an operation is left running,
/// and `stuck` is called if it is still running `grace` after the timeout.
///
/// Cancelling the caller cancels the operation.
func runWithTimeout<Value: Sendable>(
    seconds: Double?, graceMilliseconds: Int, stuck: @escaping @Sendable () -> Void,
    _ operation: @escaping @Sendable () async throws -> Value
) async -> TimedOutcome<Value> {
    guard let seconds else {
        return .finished(await capture(operation))
    }
    let race = Race<TimedOutcome<Value>>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { continuation in
            race.install(continuation)
            let work = Task {
                let result = await capture(operation)
                race.markFinished()
                race.resolve(.finished(result))
            }
            race.attach(work)
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                guard race.resolve(.timedOut) else { return }
                work.cancel()
                try? await Task.sleep(nanoseconds: UInt64(graceMilliseconds) * 1_000_000)
                if !race.isFinished { stuck() }
            }
        }
    } onCancel: {
        race.cancelWork()
    }
}

/// The outcome of an async throwing operation as a `Result`.
private func capture<Value: Sendable>(_ operation: @Sendable () async throws -> Value) async -> Result<Value, any Error> {
    do {
        return .success(try await operation())
    } catch {
        return .failure(error)
    }
}

/// The shared state of one `runWithTimeout`: the first of the operation and the timer to resolve it wins.
private final class Race<Outcome: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Outcome, Never>?
        var pending: Outcome?
        var resolved = false
        var finished = false
        var work: Task<Void, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func install(_ continuation: CheckedContinuation<Outcome, Never>) {
        let ready: Outcome? = state.withLock { state in
            if let pending = state.pending { return pending }
            state.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    func attach(_ work: Task<Void, Never>) {
        let cancelled = state.withLock { state in
            state.work = work
            return state.cancelled
        }
        if cancelled { work.cancel() }
    }

    /// Resolves the race with `outcome` unless it is already resolved; returns whether this call won.
    @discardableResult
    func resolve(_ outcome: Outcome) -> Bool {
        let (won, continuation): (Bool, CheckedContinuation<Outcome, Never>?) = state.withLock { state in
            guard !state.resolved else { return (false, nil) }
            state.resolved = true
            if let continuation = state.continuation {
                state.continuation = nil
                return (true, continuation)
            }
            state.pending = outcome
            return (true, nil)
        }
        continuation?.resume(returning: outcome)
        return won
    }

    func markFinished() { state.withLock { $0.finished = true } }

    var isFinished: Bool { state.withLock { $0.finished } }

    func cancelWork() {
        let work = state.withLock { state in
            state.cancelled = true
            return state.work
        }
        work?.cancel()
    }
}
