import CZeroMQ

/// ZeroMQ's Z85 text encoding of binary data (`zmq_z85_encode`/`zmq_z85_decode`), as used for CURVE keys.
///
/// Pure functions, safe from any thread.
public enum Z85 {
    /// The 85 characters Z85 uses, in order.
    static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// Encodes `bytes`, whose count must be a multiple of 4; `nil` otherwise.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text = [CChar](repeating: 0, count: bytes.count / 4 * 5 + 1)
        let done = bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, $0.count) }
        guard done != nil else { return nil }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 text whose length is a multiple of 5; `nil` for any other length or a character outside Z85.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 5 == 0, utf8.allSatisfy({ alphabet.contains($0) }) else { return nil }
        var bytes = [UInt8](repeating: 0, count: utf8.count / 5 * 4)
        let done = bytes.withUnsafeMutableBufferPointer { zmq_z85_decode($0.baseAddress, text) }
        return done == nil ? nil : bytes
    }

    /// Whether `text` is a CURVE key in Z85: exactly 40 Z85 characters.
    public static func isKey(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy { alphabet.contains($0) }
    }
}
