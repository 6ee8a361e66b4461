import CZeroMQ

extension ZMQSocket {
    /// How long `close()` keeps unsent messages for delivery (`ZMQ_LINGER`); 0 drops them, -1 waits
    /// forever (and would make `ZMQContext.terminate()` wait too). Sockets start with 0.
    public func setLinger(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_LINGER, milliseconds, name: "ZMQ_LINGER")
    }

    /// The most outgoing messages queued per peer before sends block (`ZMQ_SNDHWM`; 0 = no limit).
    public func setSendHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_SNDHWM, messages, name: "ZMQ_SNDHWM")
    }

    /// The most incoming messages queued per peer before the peer is throttled
    /// (`ZMQ_RCVHWM`; 0 = no limit).
    public func setReceiveHighWaterMark(_ messages: Int32) throws(ZMQError) {
        try setOption(ZMQ_RCVHWM, messages, name: "ZMQ_RCVHWM")
    }

    /// The largest inbound frame accepted (`ZMQ_MAXMSGSIZE`; -1 = no limit). A peer that sends a
    /// larger one is disconnected and the frame is never delivered.
    public func setMaxMessageSize(_ bytes: Int64) throws(ZMQError) {
        try setOption(ZMQ_MAXMSGSIZE, bytes, name: "ZMQ_MAXMSGSIZE")
    }

    /// When on, messages are only queued to completed connections (`ZMQ_IMMEDIATE`), so a send
    /// with no connected peer reports "would block" instead of waiting for a reconnect.
    public func setImmediate(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_IMMEDIATE, on ? Int32(1) : Int32(0), name: "ZMQ_IMMEDIATE")
    }

    /// The identity a `router` peer sees for this socket (`ZMQ_ROUTING_ID`, 1...255 bytes, not
    /// starting with a zero byte). Set it before `connect`.
    public func setRoutingID(_ id: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_ROUTING_ID, bytes: id, name: "ZMQ_ROUTING_ID")
    }

    /// The delay before reconnecting after a lost connection (`ZMQ_RECONNECT_IVL`) and its upper
    /// bound for exponential back-off (`ZMQ_RECONNECT_IVL_MAX`; 0 = no back-off).
    public func setReconnectInterval(milliseconds: Int32, max: Int32) throws(ZMQError) {
        try setOption(ZMQ_RECONNECT_IVL, milliseconds, name: "ZMQ_RECONNECT_IVL")
        try setOption(ZMQ_RECONNECT_IVL_MAX, max, name: "ZMQ_RECONNECT_IVL_MAX")
    }

    /// For a `router`: when on, sending to an unknown routing id throws `EHOSTUNREACH`, and a
    /// full peer queue reports "would block", instead of the message being dropped silently
    /// (`ZMQ_ROUTER_MANDATORY`).
    public func setRouterMandatory(_ on: Bool) throws(ZMQError) {
        try setOption(ZMQ_ROUTER_MANDATORY, on ? Int32(1) : Int32(0), name: "ZMQ_ROUTER_MANDATORY")
    }

    /// For a `sub`: also deliver messages whose first frame starts with `prefix`
    /// (`ZMQ_SUBSCRIBE`; an empty prefix matches everything).
    public func subscribe(_ prefix: [UInt8]) throws(ZMQError) {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix, name: "ZMQ_SUBSCRIBE")
    }

    /// Sets a fixed-width integer option.
    func setOption<Value: FixedWidthInteger>(_ option: Int32, _ value: Value, name: String) throws(ZMQError) {
        let handle = try openHandle(for: "set \(name)")
        var value = value
        _ = try ZMQCall.run(.restartable) {
            zmq_setsockopt(handle, option, &value, MemoryLayout<Value>.size)
        }.require("set \(name) to \(value) on \(type.name) socket")
    }

    /// Sets a binary option.
    func setOption(_ option: Int32, bytes: [UInt8], name: String) throws(ZMQError) {
        let handle = try openHandle(for: "set \(name)")
        _ = try bytes.withUnsafeBytes { raw in
            ZMQCall.run(.restartable) { zmq_setsockopt(handle, option, raw.baseAddress, raw.count) }
        }.require("set \(name) (\(bytes.count) bytes) on \(type.name) socket")
    }
}
