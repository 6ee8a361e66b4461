#if canImport(Glibc)
import Glibc
#endif

/// The write end of the pipe signal handlers report to; set once by `SignalPipe.install` before any handler.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Turns asynchronous signals into bytes on a pipe, so an event loop can `poll` for them with its sockets.
///
/// The handler only calls `write(2)` (async-signal-safe) with the signal number; the loop reads the numbers back
/// with `drain()`. One per process: install it on the thread that runs the event loop, before other threads start.
public final class SignalPipe {
    /// The read end, to poll for readability.
    public let fileDescriptor: Int32

    private init(readEnd: Int32) {
        fileDescriptor = readEnd
    }

    /// Creates the pipe and routes `signals` to it. Other signals keep their dispositions.
    public static func install(for signals: [Int32]) -> SignalPipe? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
        }
        signalPipeWriteEnd = ends[1]
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signalNumber in
                let savedErrno = errno
                var byte = UInt8(truncatingIfNeeded: signalNumber)
                _ = write(signalPipeWriteEnd, &byte, 1)
                errno = savedErrno
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
        // A blocked mask survives exec, and whoever started us may have blocked these.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in signals { sigaddset(&unblock, number) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        return SignalPipe(readEnd: ends[0])
    }

    /// Reads every signal number reported since the last call, in arrival order (never blocks).
    public func drain() -> [Int32] {
        var received: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(fileDescriptor, &buffer, buffer.count)
            if count > 0 {
                received.append(contentsOf: buffer[0..<count].map { Int32($0) })
                continue
            }
            if count < 0, errno == EINTR { continue }
            return received
        }
    }

    /// Whether `number` is ignored now. Read it before installing handlers, which replace what the process started
    /// with.
    public static func isIgnored(_ number: Int32) -> Bool {
        var current = sigaction()
        sigaction(number, nil, &current)
        guard let handler = current.__sigaction_handler.sa_handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    /// `signals` without SIGHUP when the process started with it ignored: whoever ran it under `nohup` asked it to
    /// outlive its terminal, so a hang-up must not stop it. Call before any handler for SIGHUP is installed.
    public static func honouringNohup(_ signals: [Int32]) -> [Int32] {
        isIgnored(SIGHUP) ? signals.filter { $0 != SIGHUP } : signals
    }

    /// Ignores a signal in this process (for example SIGPIPE, or SIGINT in workers whose coordinator handles it).
    public static func ignore(_ signalNumber: Int32) {
        signal(signalNumber, SIG_IGN)
    }
}
