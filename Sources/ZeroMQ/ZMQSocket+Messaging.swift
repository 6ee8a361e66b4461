#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ

extension ZMQSocket {
    /// Sends one frame, copying `bytes` into a libzmq message (`zmq_send`).
    ///
    /// - Parameters:
    ///   - more: More frames of the same message follow (`ZMQ_SNDMORE`); the message is delivered
    ///     only once a frame is sent with `more == false`.
    ///   - dontWait: Return `false` instead of blocking when the frame cannot be queued now (no
    ///     peer, or the high-water mark is reached).
    /// - Returns: `true` when the frame was queued; `false` only with `dontWait` (`EAGAIN`).
    /// - Throws: `ZMQError` for other failures, e.g. `ETERM`, `EFSM` (req/rep out of order),
    ///   `EHOSTUNREACH` (router with `setRouterMandatory`).
    @discardableResult
    public func send(_ bytes: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) -> Bool {
        let handle = try openHandle(for: "send")
        let flags = Self.sendFlags(more: more, dontWait: dontWait)
        let outcome = bytes.withUnsafeBytes { raw in
            ZMQCall.run(.transfer) { zmq_send(handle, raw.baseAddress, raw.count, flags) }
        }
        return try outcome.get(sendOperation(bytes.count), hint: Self.sendHint) != nil
    }

    /// Sends one frame from raw memory; the same contract as the `[UInt8]` overload. `bytes` is
    /// copied before this returns, so the caller may reuse it at once.
    @discardableResult
    public func send(
        _ bytes: UnsafeRawBufferPointer,
        more: Bool = false,
        dontWait: Bool = false
    ) throws(ZMQError) -> Bool {
        let handle = try openHandle(for: "send")
        let flags = Self.sendFlags(more: more, dontWait: dontWait)
        return try ZMQCall.run(.transfer) { zmq_send(handle, bytes.baseAddress, bytes.count, flags) }
            .get(sendOperation(bytes.count), hint: Self.sendHint) != nil
    }

    /// Sends `frames` as one multipart message, which peers receive entirely or not at all.
    ///
    /// `dontWait` applies to the first frame only: if it cannot be queued, nothing is sent and the
    /// result is `false`. Once the first frame is queued, libzmq accepts the rest without waiting
    /// (high-water marks count whole messages), so they are sent in blocking mode.
    ///
    /// - Precondition: `frames` is not empty.
    /// - Returns: `true` when the message was queued; `false` only with `dontWait`.
    /// - Throws: `ZMQError` as for `send(_:more:dontWait:)`.
    @discardableResult
    public func sendMultipart(_ frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) -> Bool {
        precondition(!frames.isEmpty, "a ZeroMQ message has at least one frame")
        let handle = try openHandle(for: "send")
        let last = frames.count - 1
        for index in 0...last {
            let flags = Self.sendFlags(more: index < last, dontWait: dontWait && index == 0)
            let outcome = frames[index].withUnsafeBytes { raw in
                ZMQCall.run(.transfer) { zmq_send(handle, raw.baseAddress, raw.count, flags) }
            }
            let operation = "send frame \(index + 1) of \(frames.count) (\(frames[index].count) bytes)"
            if index == 0 {
                guard try outcome.get("\(operation) on \(type.name) socket", hint: Self.sendHint) != nil else {
                    return false
                }
            } else {
                _ = try outcome.require("\(operation) on \(type.name) socket", hint: Self.sendHint)
            }
        }
        return true
    }

    /// Receives one whole message and returns all of its frames, each copied once out of libzmq.
    ///
    /// - Parameter dontWait: Return `nil` instead of blocking when no message is queued.
    /// - Returns: The frames (at least one), or `nil` only with `dontWait` (`EAGAIN`).
    /// - Throws: `ZMQError` for failures, e.g. `ETERM` after `ZMQContext.shutdown()`.
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]]? {
        let handle = try openHandle(for: "receive")
        guard let first = try receiveFrame(handle, dontWait: dontWait, copy: true) else {
            return nil
        }
        var frames = [first.bytes]
        var more = first.more
        while more {
            let next = try receiveFollowingFrame(handle, copy: true, index: frames.count)
            frames.append(next.bytes)
            more = next.more
        }
        return frames
    }

    /// Receives one message expected to have a single frame and returns its first frame; any
    /// further frames are read and dropped, so the next call starts at the next message.
    ///
    /// - Parameter dontWait: Return `nil` instead of blocking when no message is queued.
    /// - Returns: The first frame, or `nil` only with `dontWait` (`EAGAIN`).
    /// - Throws: `ZMQError` for failures, e.g. `ETERM` after `ZMQContext.shutdown()`.
    public func receive(dontWait: Bool = false) throws(ZMQError) -> [UInt8]? {
        let handle = try openHandle(for: "receive")
        guard let first = try receiveFrame(handle, dontWait: dontWait, copy: true) else {
            return nil
        }
        var more = first.more
        var index = 1
        while more {
            more = try receiveFollowingFrame(handle, copy: false, index: index).more
            index += 1
        }
        return first.bytes
    }

    /// Receives one frame into the reusable `message` and closes it again; `nil` on `EAGAIN`.
    /// With `copy == false` the payload is not copied and `bytes` is empty.
    @inline(__always)
    func receiveFrame(
        _ handle: UnsafeMutableRawPointer,
        dontWait: Bool,
        copy: Bool
    ) throws(ZMQError) -> (bytes: [UInt8], more: Bool)? {
        let message = self.message
        // zmq_msg_init cannot fail; the message must be closed whatever zmq_msg_recv does.
        _ = zmq_msg_init(message)
        defer { _ = zmq_msg_close(message) }
        let flags = dontWait ? ZMQ_DONTWAIT : 0
        let outcome = ZMQCall.run(.transfer) { zmq_msg_recv(message, handle, flags) }
        guard try outcome.get("receive on \(type.name) socket", hint: Self.receiveHint) != nil else {
            return nil
        }
        let more = zmq_msg_more(message) != 0
        guard copy else { return ([], more) }
        let size = zmq_msg_size(message)
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            if size > 0, let source = zmq_msg_data(message) {
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(start: source, count: size))
            }
            count = size
        }
        return (bytes, more)
    }

    /// Receives frame `index` (0-based) of a message whose first frame has arrived. libzmq
    /// delivers messages atomically, so it is already queued and "would block" is an error.
    func receiveFollowingFrame(
        _ handle: UnsafeMutableRawPointer,
        copy: Bool,
        index: Int
    ) throws(ZMQError) -> (bytes: [UInt8], more: Bool) {
        guard let frame = try receiveFrame(handle, dontWait: false, copy: copy) else {
            throw ZMQError(code: EAGAIN, operation: "receive frame \(index + 1) on \(type.name) socket")
        }
        return frame
    }

    /// The operation text for a failed single-frame send.
    func sendOperation(_ byteCount: Int) -> String {
        "send \(byteCount)-byte frame on \(type.name) socket"
    }

    @inline(__always)
    static func sendFlags(more: Bool, dontWait: Bool) -> Int32 {
        (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
    }

    /// Advice for send failures.
    static func sendHint(_ code: Int32) -> String? {
        switch code {
        case EFSM: "req and rep sockets must alternate send and receive"
        case EHOSTUNREACH: "no connected peer has the routing id in the first frame"
        case ENOTSUP: "this socket type cannot send"
        case ETERM: "the ZeroMQ context was shut down; close the socket"
        default: nil
        }
    }

    /// Advice for receive failures.
    static func receiveHint(_ code: Int32) -> String? {
        switch code {
        case EFSM: "req and rep sockets must alternate send and receive"
        case ENOTSUP: "this socket type cannot receive"
        case ETERM: "the ZeroMQ context was shut down; close the socket"
        default: nil
        }
    }
}
