#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ

/// One libzmq socket.
///
/// Threads: libzmq sockets are not thread-safe, so a socket belongs to one owner thread, which
/// creates it, uses it and closes it; the type is deliberately not `Sendable`. To stop a socket
/// blocked in another thread, use `ZMQContext.shutdown()`.
///
/// Lifetime: `close()` it on the owner thread before terminating its context (`deinit` closes it
/// too, as a safety net). Every socket is created with linger 0, so closing drops unsent messages
/// instead of waiting for peers, and `ZMQContext.terminate()` never hangs on it.
///
/// Errors: every method throws `ZMQError`; using a closed socket throws one with
/// `isClosedSocket == true`.
public final class ZMQSocket {
    /// The `void *` from `zmq_socket`; `nil` once closed.
    var handle: UnsafeMutableRawPointer?
    /// Keeps the context object alive while the socket exists.
    let context: ZMQContext
    /// The socket's pattern.
    public let type: SocketType
    /// One reusable `zmq_msg_t` for receives, so a receive does not allocate one per frame.
    let message: UnsafeMutablePointer<zmq_msg_t>

    /// Creates a socket of `type` in `context` and sets linger to 0.
    ///
    /// - Throws: `ZMQError` when the context was terminated (`ETERM`) or libzmq is out of
    ///   sockets (`EMFILE`; see the context's `ZMQ_MAX_SOCKETS`).
    public init(context: ZMQContext, type: SocketType) throws(ZMQError) {
        guard !context.isTerminated else {
            throw ZMQError(
                code: ETERM,
                operation: "create a \(type.name) socket",
                hint: "the ZeroMQ context was already terminated"
            )
        }
        guard let handle = zmq_socket(context.handle, type.zmqValue) else {
            throw ZMQError(code: zmq_errno(), operation: "create a \(type.name) socket")
        }
        self.handle = handle
        self.context = context
        self.type = type
        self.message = UnsafeMutablePointer<zmq_msg_t>.allocate(capacity: 1)
        do {
            try setLinger(milliseconds: 0)
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
        message.deallocate()
    }

    /// True once `close()` has been called.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket (`zmq_close`), discarding any unsent messages. Idempotent.
    ///
    /// Must run on the owner thread. Not throwing: `zmq_close` can only fail for an invalid
    /// socket, which the `nil` check rules out.
    public func close() {
        guard let handle else { return }
        self.handle = nil
        _ = zmq_close(handle)
    }

    /// Accepts connections on `endpoint` (`zmq_bind`): `tcp://HOST:PORT` (`*` for any port),
    /// `ipc:///path` or `inproc://name`.
    ///
    /// - Throws: `ZMQError` naming the endpoint, e.g. `EINVAL` for a malformed endpoint,
    ///   `EADDRINUSE` for an address already bound, `EPROTONOSUPPORT` for an unknown transport.
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle(for: "bind")
        _ = try ZMQCall.run(.once) { zmq_bind(handle, endpoint) }
            .require("bind \(type.name) socket to \"\(endpoint)\"", hint: Self.endpointHint)
    }

    /// Starts connecting to `endpoint` (`zmq_connect`); the connection is made, and remade after
    /// failures, in the background.
    ///
    /// - Throws: `ZMQError` naming the endpoint when it is malformed or its transport unsupported.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try openHandle(for: "connect")
        _ = try ZMQCall.run(.once) { zmq_connect(handle, endpoint) }
            .require("connect \(type.name) socket to \"\(endpoint)\"", hint: Self.endpointHint)
    }

    /// The endpoint last bound or connected, with wildcards resolved
    /// (`tcp://127.0.0.1:*` becomes e.g. `tcp://127.0.0.1:40123`); empty if there was none.
    public func lastEndpoint() throws(ZMQError) -> String {
        let handle = try openHandle(for: "read the last endpoint")
        let capacity = 1024
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) {
            (buffer) throws(ZMQError) -> String in
            var size = capacity
            _ = try ZMQCall.run(.restartable) {
                zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, buffer.baseAddress, &size)
            }.require("read ZMQ_LAST_ENDPOINT of \(type.name) socket")
            // The value is NUL-terminated and `size` counts the terminator.
            let length = buffer.prefix(min(size, capacity)).firstIndex(of: 0) ?? min(size, capacity)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<length]), as: UTF8.self)
        }
    }

    /// The open handle, or a `ZMQError` (`ENOTSOCK`) saying `operation` was tried on a closed socket.
    @inline(__always)
    func openHandle(for operation: @autoclosure () -> String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else {
            throw ZMQError(
                code: ENOTSOCK,
                operation: "\(operation()) on \(type.name) socket",
                hint: "the socket was already closed"
            )
        }
        return handle
    }

    /// Advice for `zmq_bind`/`zmq_connect` failures.
    static func endpointHint(_ code: Int32) -> String? {
        switch code {
        case EINVAL:
            "an endpoint looks like tcp://HOST:PORT, ipc:///path/to/socket or inproc://name"
        case EPROTONOSUPPORT:
            "the transport is not supported; use tcp://, ipc:// or inproc://"
        case EADDRINUSE:
            "the address is already in use; pick another port, or tcp://HOST:* for a free one"
        case EADDRNOTAVAIL:
            "the host is not an address of this machine"
        case ENODEV:
            "no network interface has that name"
        case ENOENT:
            "the directory of the ipc socket file does not exist"
        case EACCES:
            "permission denied for the ipc socket file or its directory"
        case ENAMETOOLONG:
            "ipc socket paths are limited to about 100 bytes; use a shorter path"
        case ETERM:
            "the ZeroMQ context was terminated"
        default:
            nil
        }
    }
}

/// Sockets are bound to one thread; this makes sending one to another thread a compile-time error.
@available(*, unavailable)
extension ZMQSocket: Sendable {}
