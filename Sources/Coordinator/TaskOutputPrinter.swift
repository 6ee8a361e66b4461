#if canImport(Glibc)
import Glibc
#endif
import Clock
import TaskFile

/// Prints streamed task output (`--stream-output` in the foreground) without ever blocking the coordinator.
///
/// A reader that stops reading (a pager left on one screen, a stopped terminal) would otherwise stall the
/// coordinator's loop, and its workers would take it for dead. So pipes and terminals are written through a
/// non-blocking descriptor of their own (opened anew from `/proc/self/fd`, leaving the shared one as it is);
/// what they cannot take yet waits here, up to `limitBytes`. Lines beyond that are not shown, counted, and
/// reported once the reader catches up. Every line is in the event log either way.
final class TaskOutputPrinter {
    /// The most bytes waiting for a slow reader.
    static let limitBytes = 4 << 20

    /// The descriptor to write for each of 1 and 2.
    private var writable: [Int32: Int32] = [:]
    private var opened: [Int32] = []
    /// Runs of lines not yet written, in order; the first may be partly written (`offset`).
    private var waiting: [(descriptor: Int32, bytes: [UInt8])] = []
    private var offset = 0
    private var waitingBytes = 0
    private var notShown = 0
    /// Descriptors whose reader went away (closed pipe): nothing more is written there.
    private var gone: Set<Int32> = []

    /// Whether nothing waits to be written.
    var isIdle: Bool { waiting.isEmpty }

    deinit {
        for descriptor in opened { close(descriptor) }
    }

    /// Queues `line` (without its newline) for descriptor 1 or 2, after the lines queued before it; `flush()`
    /// writes it. Consecutive lines for one descriptor go out in one `write`.
    func add(_ line: String, to descriptor: Int32) {
        guard !gone.contains(descriptor) else { return }
        // Bytes of the line that are not UTF-8 are `LosslessText` escapes: they are printed as the bytes.
        let bytes = LosslessText.encode(line)
        let size = bytes.count + 1
        guard waitingBytes + size <= Self.limitBytes else {
            notShown += 1
            return
        }
        if waiting.last?.descriptor != descriptor { waiting.append((descriptor, [])) }
        waiting[waiting.count - 1].bytes.append(contentsOf: bytes)
        waiting[waiting.count - 1].bytes.append(UInt8(ascii: "\n"))
        waitingBytes += size
    }

    /// Writes what the readers take without waiting; returns whether everything went out.
    @discardableResult
    func flush() -> Bool {
        while let first = waiting.first {
            let descriptor = target(first.descriptor)
            let written = first.bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return false }
                // The reader is gone (EPIPE) or the descriptor is unusable: drop what was meant for it.
                gone.insert(first.descriptor)
                waiting.removeAll { $0.descriptor == first.descriptor }
                offset = 0
                waitingBytes = waiting.reduce(0) { $0 + $1.bytes.count }
                continue
            }
            offset += written
            if offset == first.bytes.count {
                waiting.removeFirst()
                waitingBytes -= first.bytes.count
                offset = 0
            }
        }
        if notShown > 0 {
            let count = notShown
            notShown = 0
            let note = "jobrun: \(count) line\(count == 1 ? "" : "s") of task output not shown: the reader did not keep "
                + "up (all are in the job's event log)\n"
            waiting.append((2, Array(note.utf8)))
            waitingBytes += note.utf8.count
            return flush()
        }
        return true
    }

    /// At the end of the job: keeps writing until everything is out or `timeoutMilliseconds` pass, then says how
    /// many lines the reader never took.
    func finish(timeoutMilliseconds: Int) {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeoutMilliseconds) * 1_000_000
        while !flush(), let first = waiting.first {
            let now = Clocks.monotonicNanoseconds()
            guard now < deadline else { break }
            var item = pollfd(fd: target(first.descriptor), events: Int16(POLLOUT), revents: 0)
            _ = poll(&item, 1, Int32(min((deadline - now) / 1_000_000 + 1, 100)))
        }
        guard let first = waiting.first else { return }
        var unwritten = notShown + first.bytes[offset...].count(where: { $0 == UInt8(ascii: "\n") })
        for run in waiting.dropFirst() { unwritten += run.bytes.count(where: { $0 == UInt8(ascii: "\n") }) }
        waiting = []
        waitingBytes = 0
        notShown = 0
        let note = "\njobrun: \(unwritten) line\(unwritten == 1 ? "" : "s") of task output not shown: the reader stopped "
            + "reading (all are in the job's event log)\n"
        // Best effort, without blocking: stderr may be the same stalled pipe.
        _ = Array(note.utf8).withUnsafeBytes { write(target(2), $0.baseAddress!, $0.count) }
    }

    /// A non-blocking descriptor for 1 or 2 when it is a pipe or a terminal; the descriptor itself otherwise (a
    /// regular file does not block, and reopening it would lose its offset).
    private func target(_ descriptor: Int32) -> Int32 {
        if let known = writable[descriptor] { return known }
        var status = stat()
        var chosen = descriptor
        if fstat(descriptor, &status) == 0 {
            let type = status.st_mode & S_IFMT
            if type == S_IFIFO || type == S_IFCHR {
                let reopened = open("/proc/self/fd/\(descriptor)", O_WRONLY | O_NONBLOCK | O_CLOEXEC)
                if reopened >= 0 {
                    chosen = reopened
                    opened.append(reopened)
                }
            }
        }
        writable[descriptor] = chosen
        return chosen
    }
}
