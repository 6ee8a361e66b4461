#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ

/// Waits until at least one item is ready, or the timeout passes (`zmq_poll`), and stores what
/// was found in each item's `returnedEvents`.
///
/// Threads: call it on the owner thread of every socket in `items`.
///
/// - Parameters:
///   - items: The sockets and file descriptors to wait on; may be empty (then it just waits).
///   - timeoutMilliseconds: 0 returns at once; -1 waits without limit.
/// - Returns: How many items have a non-empty `returnedEvents`. A signal interrupting the wait
///   (`EINTR`) is not an error: the result is 0 and every `returnedEvents` is empty.
/// - Throws: `ZMQError` when an item's socket is closed (`ENOTSOCK`), the context was shut down
///   (`ETERM`) or libzmq rejects the items.
public func zmqPoll(_ items: inout [PollItem], timeoutMilliseconds: Int) throws(ZMQError) -> Int {
    let count = items.count
    guard count <= Int(Int32.max) else {
        throw ZMQError(code: EINVAL, operation: "poll \(count) items", hint: "too many poll items")
    }
    for index in items.indices where items[index].socket?.isClosed == true {
        throw ZMQError(
            code: ENOTSOCK,
            operation: "poll item \(index + 1) of \(count)",
            hint: "its socket was already closed"
        )
    }
    let outcome = withUnsafeTemporaryAllocation(of: zmq_pollitem_t.self, capacity: max(count, 1)) { buffer in
        for index in 0..<count {
            let item = items[index]
            buffer.initializeElement(
                at: index,
                to: zmq_pollitem_t(
                    socket: item.socket?.handle,
                    fd: item.fileDescriptor,
                    events: item.events.rawValue,
                    revents: 0
                )
            )
        }
        let outcome = ZMQCall.run(.poll) {
            zmq_poll(buffer.baseAddress, Int32(count), timeoutMilliseconds)
        }
        // After a timeout, an EINTR or a failure nothing is ready, whatever libzmq left in revents.
        let anyReady: Bool
        if case .done(let ready) = outcome, ready > 0 { anyReady = true } else { anyReady = false }
        for index in 0..<count {
            items[index].returnedEvents = anyReady ? PollEvents(rawValue: buffer[index].revents) : []
        }
        return outcome
    }
    return Int(try outcome.require("poll \(count) items for \(timeoutMilliseconds) ms"))
}
