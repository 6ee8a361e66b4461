import CZeroMQ

/// The readiness conditions `zmqPoll` waits for and reports.
public struct PollEvents: OptionSet, Sendable {
    /// The `ZMQ_POLL*` bits.
    public let rawValue: Int16

    /// Creates a set from `ZMQ_POLL*` bits.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// A message can be received without blocking (socket), or the fd is readable (`ZMQ_POLLIN`).
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking (socket), or the fd is writable (`ZMQ_POLLOUT`).
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a plain file descriptor (`ZMQ_POLLERR`); never set for sockets.
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}
