#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ

/// The result of one libzmq call once its errno has been classified by `ZMQCall`.
enum ZMQOutcome {
    /// The call succeeded with this return value.
    case done(Int32)
    /// The call would have blocked (`EAGAIN`) and the policy treats that as a normal result.
    case wouldBlock
    /// The call failed with this errno.
    case failed(Int32)
}

/// The single funnel every fallible libzmq call in this module goes through.
///
/// Each call site picks a policy that says which errno values are part of normal operation:
/// - `once`: any failure is an error (socket creation, bind, connect, close).
/// - `restartable`: `EINTR` means "a signal arrived, call again" (options, context termination).
/// - `transfer`: like `restartable`, and `EAGAIN` means "would block" (send and receive).
/// - `poll`: `EINTR` ends the wait early with nothing ready (the caller re-polls if it wants to).
///
/// The funnel never allocates: the text of an error is only built by `ZMQOutcome.get` when the
/// outcome is a failure.
enum ZMQCall {
    /// How errno values other than success are treated; see `ZMQCall`.
    enum Policy {
        case once
        case restartable
        case transfer
        case poll
    }

    /// Runs `body` (a libzmq call returning `-1` on failure) until its result is final under `policy`.
    @inline(__always)
    static func run(_ policy: Policy, _ body: () -> Int32) -> ZMQOutcome {
        while true {
            let result = body()
            // Only -1 signals failure: zmq_send/zmq_msg_recv return byte counts that can wrap negative.
            if result != -1 {
                return .done(result)
            }
            let code = zmq_errno()
            switch (code, policy) {
            case (EINTR, .restartable), (EINTR, .transfer):
                continue
            case (EINTR, .poll):
                return .done(0)
            case (EAGAIN, .transfer):
                return .wouldBlock
            default:
                return .failed(code)
            }
        }
    }
}

extension ZMQOutcome {
    /// The call's return value; `nil` for `wouldBlock`; throws for a failure.
    ///
    /// `operation` and `hint` are only evaluated when an error is thrown.
    @inline(__always)
    func get(
        _ operation: @autoclosure () -> String,
        hint: (Int32) -> String? = { _ in nil }
    ) throws(ZMQError) -> Int32? {
        switch self {
        case .done(let value):
            return value
        case .wouldBlock:
            return nil
        case .failed(let code):
            throw ZMQError(code: code, operation: operation(), hint: hint(code))
        }
    }

    /// Like `get`, for policies that never produce `wouldBlock`: the call's return value, or a throw.
    @inline(__always)
    func require(
        _ operation: @autoclosure () -> String,
        hint: (Int32) -> String? = { _ in nil }
    ) throws(ZMQError) -> Int32 {
        switch self {
        case .done(let value):
            return value
        case .wouldBlock:
            throw ZMQError(code: EAGAIN, operation: operation(), hint: hint(EAGAIN))
        case .failed(let code):
            throw ZMQError(code: code, operation: operation(), hint: hint(code))
        }
    }
}
