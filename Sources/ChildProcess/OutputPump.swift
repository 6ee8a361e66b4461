import CChildProcess  // Its headers own the zero initializers of the C structs used here (sigset_t, stat...).
import Glibc

/// Moves bytes between this process and a running child with `poll(2)`: feeds the rest of its stdin
/// and drains its stdout and stderr together, so neither side ever blocks the other whatever the
/// sizes. Runs on the calling thread until every stream is closed.
struct OutputPump {
    /// Parent ends: the child's stdout and stderr read ends, the stdin write end; -1 when absent.
    private var stdoutFD: Int32
    private var stderrFD: Int32
    private var stdinFD: Int32
    private let input: [UInt8]
    private var inputOffset: Int
    private(set) var stdout: CappedOutput
    private(set) var stderr: CappedOutput
    /// How many times `run` woke while the program it watches still ran: once per chunk of output and per memory
    /// check, and never for a stream the program closed (see `PumpWatch.heldWriters`). Counted for tests.
    private(set) var wakesBeforeProgramEnd = 0

    /// Takes ownership of the descriptors (closing each at its end); `input[inputOffset...]` is
    /// what stdin still has to receive.
    init(stdout: Int32, stderr: Int32, stdin: Int32, input: [UInt8], inputOffset: Int, cap: Int) {
        stdoutFD = stdout
        stderrFD = stderr
        stdinFD = stdin
        self.input = input
        self.inputOffset = inputOffset
        self.stdout = CappedOutput(cap: cap)
        self.stderr = CappedOutput(cap: cap)
    }

    /// Runs until stdout and stderr reach end of file and stdin is fully written or refused.
    /// End of file comes when the child and every process that inherited the pipes have closed
    /// them, so a background process that keeps stdout open keeps this running, unless `watch` says when the
    /// program ended: then the streams are read only for `watch.drainMilliseconds` more (its `onProgramEnd`
    /// stops what holds them) and closed.
    ///
    /// With `sink`, every chunk read from either stream is also handed to it on this thread, and the end of each
    /// stream; the capture is the same either way.
    mutating func run(sink: (any OutputSink)? = nil, watch: PumpWatch? = nil) {
        var watch = watch
        defer { watch?.closeHeldWriters() }
        // Held write ends without a pidfd would keep the streams open for ever.
        if (watch?.programEnd ?? -1) < 0 { watch?.closeHeldWriters() }
        guard stdoutFD >= 0 || stderrFD >= 0 || stdinFD >= 0 || (watch?.programEnd ?? -1) >= 0 else { return }
        var sigpipeGuard = stdinFD >= 0 ? SigpipeGuard() : nil
        var sawBrokenPipe = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }

        var polled = [pollfd](repeating: pollfd(fd: -1, events: 0, revents: 0), count: 4)
        var nextTick = watch.map { PumpWatch.now() + $0.tickNanoseconds } ?? UInt64.max
        var closeStreamsAt = UInt64.max
        while stdoutFD >= 0 || stderrFD >= 0 || stdinFD >= 0 || (watch?.programEnd ?? -1) >= 0 {
            polled[0] = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            polled[1] = pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)
            polled[2] = pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)
            polled[3] = pollfd(fd: watch?.programEnd ?? -1, events: Int16(POLLIN), revents: 0)
            let wakeAt = min(nextTick, closeStreamsAt)
            let now = PumpWatch.now()
            let timeout: Int32 = wakeAt == .max ? -1 : Int32(clamping: wakeAt > now ? (wakeAt - now) / 1_000_000 + 1 : 0)
            if poll(&polled, 4, timeout) < 0 {
                if errno == EINTR { continue }
                // Only ENOMEM is possible here; give up on the streams so the child can still be reaped.
                Descriptors.close(&stdoutFD)
                Descriptors.close(&stderrFD)
                Descriptors.close(&stdinFD)
                if watch != nil { Descriptors.close(&watch!.programEnd) }
                break
            }
            if (watch?.programEnd ?? -1) >= 0, polled[3].revents == 0 { wakesBeforeProgramEnd += 1 }
            if polled[0].revents != 0 {
                OutputPump.drain(&stdoutFD, .stdout, into: &stdout, sink: sink, buffer: buffer)
            }
            if polled[1].revents != 0 {
                OutputPump.drain(&stderrFD, .stderr, into: &stderr, sink: sink, buffer: buffer)
            }
            if polled[2].revents != 0 {
                sawBrokenPipe = feed() || sawBrokenPipe
            }
            if polled[3].revents != 0, watch != nil {
                // The program ended: stop what it left behind (which closes their ends of the pipes), then read
                // what is still in the pipes for a moment at most.
                Descriptors.close(&watch!.programEnd)
                Descriptors.close(&stdinFD)
                watch!.closeHeldWriters()
                watch!.onProgramEnd()
                closeStreamsAt = PumpWatch.now() + UInt64(watch!.drainMilliseconds) * 1_000_000
            }
            let after = PumpWatch.now()
            if after >= nextTick, let tick = watch {
                tick.onTick()
                nextTick = after + tick.tickNanoseconds
            }
            if after >= closeStreamsAt {
                // Something outside the tree's reach still holds the pipes: the task is over all the same.
                if stdoutFD >= 0 { sink?.finish(.stdout) }
                if stderrFD >= 0 { sink?.finish(.stderr) }
                Descriptors.close(&stdoutFD)
                Descriptors.close(&stderrFD)
            }
        }
        sigpipeGuard?.end(sawBrokenPipe: sawBrokenPipe)
    }

    /// Reads once from a ready stream, handing the bytes to `sink` too; closes it at end of file or on an error,
    /// telling `sink`.
    private static func drain(
        _ fd: inout Int32, _ stream: StandardStream, into output: inout CappedOutput, sink: (any OutputSink)?,
        buffer: UnsafeMutableRawBufferPointer
    ) {
        let count = Descriptors.read(fd, into: buffer)
        if count > 0 {
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            output.append(chunk)
            sink?.write(chunk, from: stream)
        } else if count != -2 {
            Descriptors.close(&fd)
            sink?.finish(stream)
        }
    }

    /// Writes to stdin until it would block; closes it when all is written or the child refuses
    /// it. Returns whether the write failed with `EPIPE`.
    private mutating func feed() -> Bool {
        while inputOffset < input.count {
            switch Descriptors.write(stdinFD, input, from: inputOffset) {
            case .wrote(let count):
                inputOffset += count
            case .wouldBlock:
                return false
            case .closed(let error):
                Descriptors.close(&stdinFD)
                return error == EPIPE
            }
        }
        Descriptors.close(&stdinFD)
        return false
    }
}

/// What `OutputPump.run` watches besides the streams: the end of the program (a pidfd) and a periodic check.
struct PumpWatch {
    /// A pidfd of the program, readable once it ends; owned (closed) by the pump.
    var programEnd: Int32
    /// This process's copies of the write ends of the program's stdout and stderr pipes, owned (closed) by the pump
    /// once the program ended. While they are open the streams cannot reach end of file, so the pump wakes for output
    /// and for the program's end, not also once per stream as the exiting program closes it: one wake for a silent
    /// program instead of about three. Everything the program wrote is in the pipes by the time its pidfd is readable.
    var heldWriters: [Int32] = []
    /// Called once, when the program ended.
    var onProgramEnd: () -> Void
    /// How often `onTick` runs while the pump runs.
    var tickNanoseconds: UInt64
    var onTick: () -> Void
    /// How long the streams are still read after the program ended.
    var drainMilliseconds: Int

    /// Closes `heldWriters`: from then on the streams end when every process still holding them has closed them.
    mutating func closeHeldWriters() {
        for fd in heldWriters { Descriptors.close(fd) }
        heldWriters = []
    }

    static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
