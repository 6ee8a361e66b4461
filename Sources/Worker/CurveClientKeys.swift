public import ZeroMQ

/// A worker's CURVE credentials for a coordinator on another machine: its own key pair and the coordinator's
/// public key, which the worker checks (a coordinator with another key cannot complete the handshake).
public struct CurveClientKeys: Sendable, Equatable {
    /// This worker host's key pair (its public key must be in the coordinator's authorized keys).
    public var keys: CurveKeyPair
    /// The coordinator's public key (Z85).
    public var serverKey: String

    public init(keys: CurveKeyPair, serverKey: String) {
        self.keys = keys
        self.serverKey = serverKey
    }
}

extension WorkerConfiguration {
    /// Makes `socket` a CURVE client of the coordinator when this worker has keys (local ipc workers and
    /// `--insecure` have none), and for a `tcp://` coordinator shortens the reconnect interval. Call before
    /// `connect`.
    ///
    /// - Throws: `ZMQError` for a malformed key.
    public func secure(_ socket: ZMQSocket) throws(ZMQError) {
        if registerEndpoint.hasPrefix("tcp://") {
            // Retry a coordinator that is not up yet soon (10 ms, doubling), never less often than libzmq's
            // default of every 100 ms: a waiting host joins a new job within moments of its start.
            try socket.setReconnectInterval(milliseconds: 10, max: 100)
        }
        guard let curve else { return }
        try socket.makeCurveClient(keys: curve.keys, serverKey: curve.serverKey)
        try socket.setHandshakeInterval(milliseconds: 10_000)
    }

    /// `welcome`'s endpoints as this worker can reach them: a coordinator listening on all interfaces
    /// (`tcp://0.0.0.0:PORT`) is reached at the host this worker registered with.
    static func reachable(_ endpoint: String, registeredAt register: String) -> String {
        guard endpoint.hasPrefix("tcp://"), register.hasPrefix("tcp://"),
            let portColon = endpoint.lastIndex(of: ":"), let hostColon = register.lastIndex(of: ":")
        else { return endpoint }
        let host = register[register.index(register.startIndex, offsetBy: 6)..<hostColon]
        return "tcp://\(host)\(endpoint[portColon...])"
    }
}
