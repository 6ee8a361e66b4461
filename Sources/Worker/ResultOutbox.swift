#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import WireProtocol

/// Finished tasks waiting for the worker's socket thread to send them, plus the pipe that wakes that thread.
///
/// No wake-up is lost: `append` writes a byte to the pipe whenever the finished results go from none to one, and
/// the socket thread empties the pipe *before* it takes the results. A result appended after the take finds the
/// outbox empty and writes again; one appended between the read and the take is taken in the same round.
final class ResultOutbox: Sendable {
    /// Poll this for readability; then call `takeAll()`.
    let fileDescriptor: Int32
    private let writeEnd: Int32
    private let results = Mutex<(started: [StartedTask], finished: [TaskResult])>(([], []))
    private let progressReports = Mutex<[UInt64: ProgressReport]>([:])

    init?() {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        fileDescriptor = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(fileDescriptor)
        close(writeEnd)
    }

    /// Adds a finished task (any thread).
    func append(_ result: TaskResult) {
        let wasEmpty = results.withLock { results in
            results.finished.append(result)
            return results.finished.count == 1
        }
        if wasEmpty { wake() }
    }

    /// Notes that a task began running (any thread). It travels with the next results, or within one turn of
    /// the socket loop (at most its poll timeout), without a wake-up of its own: tiny tasks finish before that, and
    /// their start need not be sent at all.
    func started(_ task: StartedTask) {
        results.withLock { $0.started.append(task) }
    }

    /// Whether starts or progress reports are waiting to be sent.
    var hasStarts: Bool { results.withLock { !$0.started.isEmpty } || progressReports.withLock { !$0.isEmpty } }

    /// Keeps a task's latest progress report; like starts, it travels within one turn of the socket loop.
    func progress(_ report: ProgressReport) {
        progressReports.withLock { $0[report.sequence] = report }
    }

    /// Takes the latest progress report of every task that reported since the last call.
    func takeProgress() -> [ProgressReport] {
        progressReports.withLock { reports in
            defer { reports.removeAll(keepingCapacity: true) }
            return Array(reports.values)
        }
    }

    /// Wakes the socket thread without adding anything (it then checks its other conditions).
    func wakeUp() { wake() }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Resets the wake-up and returns every queued start and result (socket thread only). Starts of tasks whose
    /// result is among the results are left out: the result says it all.
    func takeAll() -> (started: [StartedTask], finished: [TaskResult]) {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &buffer, { read(fileDescriptor, $0.baseAddress, $0.count) }) > 0 {}
        let (started, finished) = results.withLock { results in
            defer {
                results.started.removeAll(keepingCapacity: true)
                results.finished.removeAll(keepingCapacity: true)
            }
            return results
        }
        guard !started.isEmpty, !finished.isEmpty else { return (started, finished) }
        let done = Set(finished.map(\.sequence))
        return (started.filter { !done.contains($0.sequence) }, finished)
    }
}
