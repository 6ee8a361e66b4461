/// Frames waiting to leave one socket, in order, sent without ever blocking the event loop.
///
/// `send` tries at once; frames the socket cannot take yet (no peer, or high-water mark) wait here, and the loop
/// polls the socket for writability while `isEmpty` is false, then calls `flush`.
public struct OutboundQueue {
    private var frames: [[UInt8]] = []
    private var head = 0

    /// An empty queue.
    public init() {}

    /// Whether nothing waits to be sent.
    public var isEmpty: Bool { head == frames.count }
    /// How many frames wait to be sent.
    public var count: Int { frames.count - head }

    /// Sends `frame` now if nothing waits before it and the socket takes it; otherwise queues it.
    public mutating func send(_ frame: [UInt8], on socket: ZMQSocket) throws(ZMQError) {
        if isEmpty, try socket.send(frame, dontWait: true) { return }
        frames.append(frame)
    }

    /// Sends queued frames until the socket would block.
    public mutating func flush(on socket: ZMQSocket) throws(ZMQError) {
        while head < frames.count {
            guard try socket.send(frames[head], dontWait: true) else { return }
            head += 1
        }
        frames.removeAll(keepingCapacity: true)
        head = 0
    }
}
