#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ

/// A failed libzmq call: the errno code, what was being done, and libzmq's text for the code.
///
/// Values are immutable snapshots taken on the thread where the call failed, so they are `Sendable`
/// and can be logged or rethrown anywhere. `description` is meant for users: it names the operation
/// (for example `bind push socket to "tcp://x"`), the reason, the errno code and, when the code has
/// a common cause, what to do about it.
public struct ZMQError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The errno value libzmq reported (`zmq_errno()`), e.g. `EINVAL` or libzmq's own `ETERM`.
    public var code: Int32
    /// What was being attempted, e.g. `bind router socket to "tcp://127.0.0.1:5555"`.
    public var operation: String
    /// libzmq's description of `code` (`zmq_strerror`), e.g. `Invalid argument`.
    public var reason: String
    /// Advice for the user about the likely cause, when one is known for this operation and code.
    public var hint: String?

    /// Creates an error for `code`, looking up libzmq's text for it.
    ///
    /// - Parameters:
    ///   - code: An errno value as returned by `zmq_errno()`.
    ///   - operation: What was being attempted, phrased so that "`operation` failed" reads well.
    ///   - hint: Optional advice on what to do.
    public init(code: Int32, operation: String, hint: String? = nil) {
        self.code = code
        self.operation = operation
        if let text = zmq_strerror(code) {
            self.reason = String(cString: text)
        } else {
            self.reason = "unknown error"
        }
        self.hint = hint
    }

    /// True when the call could not complete without blocking (`EAGAIN`); not a fault.
    public var isWouldBlock: Bool { code == EAGAIN }

    /// True when the socket's context was terminated (`ETERM`); the socket must be closed.
    public var isContextTerminated: Bool { code == ETERM }

    /// True when the operation was attempted on a closed socket (`ENOTSOCK`).
    public var isClosedSocket: Bool { code == ENOTSOCK }

    /// `<operation> failed: <reason> (errno <code>)`, followed by the hint when there is one.
    public var description: String {
        var text = "\(operation) failed: \(reason) (errno \(code))"
        if let hint {
            text += "; \(hint)"
        }
        return text
    }
}
