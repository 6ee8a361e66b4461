#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ

extension ZMQSocket {
    /// Makes this socket a CURVE server with `keys` (`ZMQ_CURVE_SERVER`, `ZMQ_CURVE_SECRETKEY`), authenticating
    /// clients through the ZAP handler of `domain` (`ZMQ_ZAP_DOMAIN`). Call before `bind`.
    ///
    /// Every connection is then encrypted; a client is admitted only if it knows the server's public key and,
    /// when a ZAP handler is bound in the socket's context (see `ZAPRequest.endpoint`), the handler accepts it.
    ///
    /// - Throws: `ZMQError` for a malformed key or a libzmq without CURVE.
    public func makeCurveServer(keys: CurveKeyPair, domain: String) throws(ZMQError) {
        let secret = try Self.keyBytes(keys.secretKey, role: "secret")
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8), name: "ZMQ_ZAP_DOMAIN")
        try setOption(ZMQ_CURVE_SERVER, Int32(1), name: "ZMQ_CURVE_SERVER")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: secret, name: "ZMQ_CURVE_SECRETKEY")
    }

    /// Makes this socket a CURVE client that only talks to the server whose public key is `serverKey`
    /// (`ZMQ_CURVE_SERVERKEY`, `ZMQ_CURVE_PUBLICKEY`, `ZMQ_CURVE_SECRETKEY`). Call before `connect`.
    ///
    /// - Throws: `ZMQError` for a malformed key or a libzmq without CURVE.
    public func makeCurveClient(keys: CurveKeyPair, serverKey: String) throws(ZMQError) {
        let server = try Self.keyBytes(serverKey, role: "server public")
        let publicKey = try Self.keyBytes(keys.publicKey, role: "public")
        let secret = try Self.keyBytes(keys.secretKey, role: "secret")
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: server, name: "ZMQ_CURVE_SERVERKEY")
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: publicKey, name: "ZMQ_CURVE_PUBLICKEY")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: secret, name: "ZMQ_CURVE_SECRETKEY")
    }

    /// The longest a connection's security handshake may take before libzmq drops it (`ZMQ_HANDSHAKE_IVL`;
    /// 0 = no limit).
    public func setHandshakeInterval(milliseconds: Int32) throws(ZMQError) {
        try setOption(ZMQ_HANDSHAKE_IVL, milliseconds, name: "ZMQ_HANDSHAKE_IVL")
    }

    static func keyBytes(_ text: String, role: String) throws(ZMQError) -> [UInt8] {
        guard Z85.isKey(text), let bytes = Z85.decode(text), bytes.count == 32 else {
            throw ZMQError(
                code: EINVAL, operation: "use a CURVE \(role) key",
                hint: "a key is 40 characters of Z85 text, as `jobrun keygen` writes")
        }
        return bytes
    }
}
