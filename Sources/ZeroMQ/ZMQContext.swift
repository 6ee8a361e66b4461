#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ
import Synchronization

/// A libzmq context: the IO threads and the registry of `inproc://` endpoints that sockets share.
///
/// Threads: a context may be used from any thread. libzmq documents its context as thread-safe, and
/// this class adds only an atomic "terminated" flag, hence `@unchecked Sendable` (see below).
///
/// Lifetime: call `terminate()` once every socket created from the context has been closed.
/// `deinit` deliberately does not terminate, because `zmq_ctx_term` blocks while any socket is open
/// and a release in the wrong place would then hang the process; an unterminated context keeps its
/// IO thread until the process exits.
// @unchecked Sendable: `handle` is immutable after init and libzmq's context API
// (zmq_socket, zmq_ctx_shutdown, zmq_ctx_term) is thread-safe; `terminated` is an Atomic.
public final class ZMQContext: @unchecked Sendable {
    /// The `void *` returned by `zmq_ctx_new`; freed by `zmq_ctx_term` in `terminate()`.
    let handle: UnsafeMutableRawPointer
    /// Set once `terminate()` has started, so termination happens at most once.
    private let terminated = Atomic<Bool>(false)

    /// Creates a context with libzmq's defaults (one IO thread).
    ///
    /// - Throws: `ZMQError` when libzmq cannot create a context (for example `EMFILE`).
    public init() throws(ZMQError) {
        guard let handle = zmq_ctx_new() else {
            throw ZMQError(
                code: zmq_errno(),
                operation: "create a ZeroMQ context",
                hint: "the process may have run out of file descriptors or threads"
            )
        }
        self.handle = handle
    }

    /// True once `terminate()` has been called.
    public var isTerminated: Bool {
        terminated.load(ordering: .acquiring)
    }

    /// Makes every blocking call on this context's sockets, in any thread, fail with `ETERM`
    /// (`ZMQError.isContextTerminated`) without freeing anything (`zmq_ctx_shutdown`).
    ///
    /// Use it to wake threads blocked in `receive` or `zmqPoll` so they close their sockets before
    /// `terminate()`. Safe from any thread; does nothing after `terminate()`, but must not run
    /// concurrently with it (the context is freed there).
    public func shutdown() {
        guard !isTerminated else { return }
        _ = zmq_ctx_shutdown(handle)
    }

    /// Destroys the context (`zmq_ctx_term`), retrying when a signal interrupts it.
    ///
    /// Callers must close every socket of this context first: libzmq blocks here until all of
    /// them are closed (sockets use linger 0 by default, so closing them never waits for peers).
    /// Only the first call has an effect; later calls return at once. Never call it from a
    /// `deinit`. After it returns, no socket may be created from this context.
    public func terminate() {
        guard terminated.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        // zmq_ctx_term can only fail with EINTR (restart) or EFAULT (not a context, impossible here).
        _ = ZMQCall.run(.restartable) { zmq_ctx_term(handle) }
    }
}
