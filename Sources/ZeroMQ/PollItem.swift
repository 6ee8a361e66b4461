/// One entry of a `zmqPoll` call: a socket or a plain file descriptor, and what to wait for.
///
/// An item holding a socket is bound to that socket's owner thread, like the socket itself.
public struct PollItem {
    /// The polled socket; `nil` for a file-descriptor item.
    let socket: ZMQSocket?
    /// The polled file descriptor; ignored when `socket` is set.
    let fileDescriptor: Int32
    /// The conditions to wait for.
    public let events: PollEvents
    /// The conditions found by the last `zmqPoll`; empty before the first poll.
    public internal(set) var returnedEvents: PollEvents = []

    /// Polls `socket` for `events`. The socket must still be open when polled.
    public init(socket: ZMQSocket, events: PollEvents) {
        self.socket = socket
        self.fileDescriptor = -1
        self.events = events
    }

    /// Polls a plain file descriptor (pipe, eventfd, socket, ...) for `events`.
    public init(fileDescriptor: Int32, events: PollEvents) {
        self.socket = nil
        self.fileDescriptor = fileDescriptor
        self.events = events
    }
}
