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
    /// them, so a background process that keeps stdout open keeps this running.
    ///
    /// With `onLine`, every line of either stream is also handed to it on this thread as soon as it is complete
    /// (a stream's unterminated last line at its end of file); the capture is the same either way.
    mutating func run(onLine: ((OutputLine) -> Void)? = nil) {
        guard stdoutFD >= 0 || stderrFD >= 0 || stdinFD >= 0 else { return }
        var sigpipeGuard = stdinFD >= 0 ? SigpipeGuard() : nil
        var sawBrokenPipe = false
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 16)
        defer { buffer.deallocate() }

        var stdoutLines = onLine.map { _ in OutputLineSplitter(stream: .stdout) }
        var stderrLines = onLine.map { _ in OutputLineSplitter(stream: .stderr) }
        let deliver = onLine ?? { _ in }
        var polled = [pollfd](repeating: pollfd(fd: -1, events: 0, revents: 0), count: 3)
        while stdoutFD >= 0 || stderrFD >= 0 || stdinFD >= 0 {
            polled[0] = pollfd(fd: stdoutFD, events: Int16(POLLIN), revents: 0)
            polled[1] = pollfd(fd: stderrFD, events: Int16(POLLIN), revents: 0)
            polled[2] = pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)
            if poll(&polled, 3, -1) < 0 {
                if errno == EINTR { continue }
                // Only ENOMEM is possible here; give up on the streams so the child can still be reaped.
                Descriptors.close(&stdoutFD)
                Descriptors.close(&stderrFD)
                Descriptors.close(&stdinFD)
                break
            }
            if polled[0].revents != 0 {
                OutputPump.drain(&stdoutFD, into: &stdout, lines: &stdoutLines, buffer: buffer, deliver: deliver)
            }
            if polled[1].revents != 0 {
                OutputPump.drain(&stderrFD, into: &stderr, lines: &stderrLines, buffer: buffer, deliver: deliver)
            }
            if polled[2].revents != 0 {
                sawBrokenPipe = feed() || sawBrokenPipe
            }
        }
        sigpipeGuard?.end(sawBrokenPipe: sawBrokenPipe)
    }

    /// Reads once from a ready stream, splitting it into lines when `lines` is set; closes it at end of file or on an
    /// error, delivering its unterminated last line.
    private static func drain(
        _ fd: inout Int32, into output: inout CappedOutput, lines: inout OutputLineSplitter?,
        buffer: UnsafeMutableRawBufferPointer, deliver: (OutputLine) -> Void
    ) {
        let count = Descriptors.read(fd, into: buffer)
        if count > 0 {
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            output.append(chunk)
            lines?.append(chunk, deliver: deliver)
        } else if count != -2 {
            Descriptors.close(&fd)
            lines?.finish(deliver: deliver)
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
