#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import ZeroMQ

/// The bytes of `text`, for building frames.
func bytes(_ text: String) -> [UInt8] {
    Array(text.utf8)
}

/// How long a test waits for something that should happen almost at once before failing.
let eventDeadline: Duration = .seconds(10)

/// Waits (bounded by `deadline`) until `socket` has a message, then receives all its frames.
/// Returns `nil` if nothing arrived in time.
func receiveMultipart(
    _ socket: ZMQSocket,
    within deadline: Duration = eventDeadline
) throws -> [[UInt8]]? {
    guard try waitUntilReadable(socket, within: deadline) else { return nil }
    return try socket.receiveMultipart(dontWait: true)
}

/// Waits (bounded by `deadline`) until `socket` has a message, then receives its first frame.
func receiveFrame(_ socket: ZMQSocket, within deadline: Duration = eventDeadline) throws -> [UInt8]? {
    guard try waitUntilReadable(socket, within: deadline) else { return nil }
    return try socket.receive(dontWait: true)
}

/// Polls `socket` for `readable` until it is, or `deadline` has passed (re-polling after EINTR).
func waitUntilReadable(_ socket: ZMQSocket, within deadline: Duration) throws -> Bool {
    var items = [PollItem(socket: socket, events: .readable)]
    return try poll(&items, within: deadline) > 0
}

/// Polls `items` until one is ready or `deadline` has passed; re-polls when a signal cut a wait short.
func poll(_ items: inout [PollItem], within deadline: Duration) throws -> Int {
    let clock = ContinuousClock()
    let end = clock.now.advanced(by: deadline)
    while true {
        let remaining = clock.now.duration(to: end)
        let milliseconds = max(0, Int(remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
        let ready = try zmqPoll(&items, timeoutMilliseconds: milliseconds)
        if ready > 0 || milliseconds == 0 {
            return ready
        }
    }
}

/// A pipe whose read end can be polled; both ends are closed by `close()`.
struct Pipe {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
        var fds: [Int32] = [-1, -1]
        let result = pipe(&fds)
        try #require(result == 0, "pipe() failed with errno \(errno)")
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    /// Writes one byte to the pipe.
    func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Waits (bounded) for the read end to become readable.
    func waitForSignal(within deadline: Duration = eventDeadline) throws -> Bool {
        var items = [PollItem(fileDescriptor: readEnd, events: .readable)]
        return try poll(&items, within: deadline) > 0
    }

    /// Closes both ends.
    func closeBoth() {
        _ = close(readEnd)
        _ = close(writeEnd)
    }
}

/// Holds a closure for a new POSIX thread.
private final class ThreadBody {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Runs `body` on a new detached POSIX thread, so that a call that might hang cannot block the
/// test's own thread or the Swift concurrency pool. Completion is reported by `body` itself.
func startThread(_ body: @escaping @Sendable () -> Void) throws {
    let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { argument in
        let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
        body.run()
        return nil
    }, context)
    if result != 0 {
        Unmanaged<ThreadBody>.fromOpaque(context).release()
    }
    try #require(result == 0, "pthread_create failed with \(result)")
    pthread_detach(thread)
}

/// A fresh private directory under /tmp (short, so ipc paths stay under the sun_path limit).
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/jobrun-zmq-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(created != nil, "mkdtemp failed with errno \(errno)")
        path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Removes `names` inside the directory, then the directory.
    func remove(_ names: [String]) {
        for name in names {
            _ = unlink("\(path)/\(name)")
        }
        _ = rmdir(path)
    }
}
