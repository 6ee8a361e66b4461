/// One authentication request from libzmq's ZAP protocol (RFC 27), received on a `rep` socket bound to
/// `ZAPRequest.endpoint`, and the reply that admits or rejects the peer.
///
/// Values are plain data; the `rep` socket that receives requests belongs to one thread like any socket. libzmq
/// waits for the reply before it lets the connection carry messages, so a handler must answer every request.
public struct ZAPRequest: Sendable, Equatable {
    /// The inproc endpoint libzmq sends ZAP requests to; bind a `rep` socket there, in the same context, before
    /// binding any CURVE server socket (without a handler, libzmq admits every client that knows the server key).
    public static let endpoint = "inproc://zeromq.zap.01"

    /// The request id, echoed in the reply.
    public let requestID: [UInt8]
    /// The server socket's `ZMQ_ZAP_DOMAIN`.
    public let domain: String
    /// The peer's IP address as text.
    public let address: String
    /// The security mechanism: `NULL`, `PLAIN` or `CURVE`.
    public let mechanism: String
    /// For CURVE: the client's 32-byte long-term public key.
    public let credentials: [[UInt8]]

    /// Parses the frames of a request; `nil` when they are not a version 1.0 ZAP request.
    public init?(frames: [[UInt8]]) {
        guard frames.count >= 6, frames[0] == Array("1.0".utf8) else { return nil }
        requestID = frames[1]
        domain = String(decoding: frames[2], as: UTF8.self)
        address = String(decoding: frames[3], as: UTF8.self)
        mechanism = String(decoding: frames[5], as: UTF8.self)
        credentials = Array(frames[6...])
    }

    /// For CURVE: the client's public key as Z85 text; `nil` for other mechanisms.
    public var curvePublicKey: String? {
        guard mechanism == "CURVE", let key = credentials.first, key.count == 32 else { return nil }
        return Z85.encode(key)
    }

    /// The reply frames: status 200 with `userID` when `allowed`, else 400 with `reason`.
    public func reply(allowed: Bool, userID: String = "", reason: String = "") -> [[UInt8]] {
        [
            Array("1.0".utf8), requestID, Array((allowed ? "200" : "400").utf8),
            Array((allowed ? "OK" : reason).utf8), allowed ? Array(userID.utf8) : [], [],
        ]
    }
}
