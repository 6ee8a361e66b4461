#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import WireProtocol

/// Finished tasks waiting for the worker's socket thread to send them, plus the pipe that wakes that thread.
///
/// A result whose runner has another task queued may wait: for other results (up to `heldResults`) or for the socket
/// thread to wake anyway, at most `holdNanoseconds` (the socket thread bounds its poll by that while runners have
/// queued work). Sending each result of a millisecond command alone woke the socket thread, both ZeroMQ IO threads and
/// the coordinator: half of the job's context switches. The coordinator does not miss them, since the worker holds
/// queued tasks. A result whose runner would wait for work next wakes the socket thread at once.
///
/// No wake-up is lost: `append` writes a byte to the pipe when it decides to wake the thread and no byte is pending,
/// and the socket thread empties the pipe *before* it takes the results. A result appended after the take finds no
/// byte pending and writes again; one appended between the read and the take is taken in the same round.
final class ResultOutbox: Sendable {
    /// The longest a held result waits before the socket thread sends it.
    static let holdNanoseconds: UInt64 = 10_000_000
    /// This many held results wake the socket thread.
    static let heldResults = 16

    private struct Waiting {
        var started: [StartedTask] = []
        var finished: [TaskResult] = []
        /// A wake-up byte is in the pipe (written since the last take).
        var awake = false
        /// When the first result still held arrived.
        var heldSince: UInt64?
    }

    /// Poll this for readability; then call `takeAll()`.
    let fileDescriptor: Int32
    private let writeEnd: Int32
    private let results = Mutex(Waiting())
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

    /// Adds a finished task (any thread). `heldAt`: the time now, when its runner goes on with a queued task, so the
    /// result may be held (see the type's note).
    func append(_ result: TaskResult, heldAt now: UInt64? = nil) {
        let wake = results.withLock { results in
            results.finished.append(result)
            if results.awake { return false }
            if let now, results.finished.count < Self.heldResults {
                if results.heldSince == nil { results.heldSince = now }
                return false
            }
            results.awake = true
            return true
        }
        if wake { self.wake() }
    }

    /// How long until held results are due, `0` when they are; `nil` when none is held. A socket thread that wakes
    /// anyway takes them sooner.
    func nanosecondsUntilDue(now: UInt64) -> UInt64? {
        results.withLock { results in
            guard let since = results.heldSince else { return nil }
            let due = since + Self.holdNanoseconds
            return due > now ? due - now : 0
        }
    }

    /// Whether finished tasks wait to be sent (held or not).
    var hasResults: Bool { results.withLock { !$0.finished.isEmpty } }

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
                results.awake = false
                results.heldSince = nil
            }
            return (results.started, results.finished)
        }
        guard !started.isEmpty, !finished.isEmpty else { return (started, finished) }
        let done = Set(finished.map(\.sequence))
        return (started.filter { !done.contains($0.sequence) }, finished)
    }
}
