#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CZeroMQ

/// A CURVE key pair as Z85 text: 40 characters per key, each encoding 32 bytes.
///
/// Values are plain strings, safe to share across threads. Generating or deriving keys needs a libzmq built with
/// CURVE (`ZeroMQ.has("curve")`); otherwise they throw `ZMQError` with `ENOTSUP`.
public struct CurveKeyPair: Sendable, Equatable {
    /// The public key (Z85, 40 characters): what the other side is told.
    public let publicKey: String
    /// The secret key (Z85, 40 characters): never leaves its owner.
    public let secretKey: String

    /// Pairs `secretKey` with the public key derived from it.
    ///
    /// - Throws: `ZMQError` (`EINVAL`) when `secretKey` is not 40 characters of Z85 text, `ENOTSUP` without CURVE.
    public init(secretKey: String) throws(ZMQError) {
        self.publicKey = try Self.publicKey(forSecretKey: secretKey)
        self.secretKey = secretKey
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A new random key pair (`zmq_curve_keypair`).
    ///
    /// - Throws: `ZMQError` with `ENOTSUP` when libzmq has no CURVE support.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        _ = try ZMQCall.run(.once) { zmq_curve_keypair(&publicText, &secretText) }
            .require("generate a CURVE key pair", hint: Self.curveHint)
        return CurveKeyPair(publicKey: Self.string(publicText), secretKey: Self.string(secretText))
    }

    /// The public key belonging to a Z85 secret key (`zmq_curve_public`).
    ///
    /// - Throws: `ZMQError` (`EINVAL`) for text that is not a 40-character Z85 key, `ENOTSUP` without CURVE.
    public static func publicKey(forSecretKey secretKey: String) throws(ZMQError) -> String {
        guard Z85.isKey(secretKey) else {
            throw ZMQError(code: EINVAL, operation: "read a CURVE secret key", hint: "a key is 40 characters of Z85 text")
        }
        var publicText = [CChar](repeating: 0, count: 41)
        _ = try ZMQCall.run(.once) { zmq_curve_public(&publicText, secretKey) }
            .require("derive a CURVE public key", hint: Self.curveHint)
        return Self.string(publicText)
    }

    private static func string(_ text: [CChar]) -> String {
        String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func curveHint(_ code: Int32) -> String? {
        code == ENOTSUP ? "this libzmq was built without CURVE (libsodium); install a libzmq with CURVE" : nil
    }
}
