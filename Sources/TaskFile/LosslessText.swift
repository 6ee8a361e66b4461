#if canImport(Glibc)
import Glibc
#endif

/// Text that keeps the bytes that are not UTF-8, so `jobrun run` can pass an input such as `$'\xff\xfe'` to its
/// command, and print what the command wrote, byte for byte, although both travel as Swift strings and JSON.
///
/// Valid UTF-8 decodes as usual. Each byte that is not part of valid UTF-8 (always 0x80–0xFF) becomes one scalar
/// of the last private-use block, U+10FF80 + (byte - 0x80), and `encode` turns those scalars back into the bytes.
/// The price: a genuine U+10FF80–U+10FFFF in the text also encodes as one byte (those code points are private use,
/// and this is their only use in jobrun). Pure functions.
public enum LosslessText {
    /// The scalar that stands for the raw byte 0x80.
    static let firstEscape: UInt32 = 0x10FF80

    /// `bytes` as text, each byte that is not UTF-8 kept as its escape scalar.
    public static func decode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        // Through a buffer, the common case (valid UTF-8) takes the standard library's fast path even where this
        // generic function is not specialized.
        let valid = bytes.withContiguousStorageIfAvailable { String(validating: $0, as: UTF8.self) }
            ?? String(validating: bytes, as: UTF8.self)
        if let valid { return valid }
        let bytes = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            if let (scalar, length) = scalar(in: bytes, at: index) {
                scalars.append(scalar)
                index += length
            } else {
                scalars.append(Unicode.Scalar(firstEscape + UInt32(bytes[index] - 0x80))!)
                index += 1
            }
        }
        return String(scalars)
    }

    /// The raw byte `scalar` stands for, when it is an escape.
    public static func byte(of scalar: Unicode.Scalar) -> UInt8? {
        scalar.value >= firstEscape ? UInt8(scalar.value - firstEscape + 0x80) : nil
    }

    /// Whether `text` holds an escaped byte.
    public static func hasRawBytes(_ text: String) -> Bool {
        // Every escape's UTF-8 starts with 0xF4; most text has none, and memchr finds that quickly.
        var copy = text
        let maybe = copy.withUTF8 { buffer in
            buffer.baseAddress.map { memchr($0, 0xF4, buffer.count) != nil } ?? false
        }
        return maybe && text.unicodeScalars.contains { $0.value >= firstEscape }
    }

    /// The bytes `text` stands for: its UTF-8, with each escape scalar replaced by its byte.
    public static func encode(_ text: String) -> [UInt8] {
        guard hasRawBytes(text) else { return Array(text.utf8) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let byte = byte(of: scalar) { bytes.append(byte) } else { bytes.append(contentsOf: String(scalar).utf8) }
        }
        return bytes
    }

    /// The well-formed UTF-8 sequence starting at `index` and its length, or nil when the byte there does not
    /// start one (a stray continuation byte, an overlong form, a surrogate, beyond U+10FFFF, or cut short).
    private static func scalar(in bytes: [UInt8], at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = bytes[index]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        case 0xF1...0xF3: length = 4
        default: return nil
        }
        guard index + length <= bytes.count, secondRange.contains(bytes[index + 1]) else { return nil }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard (0x80...0xBF).contains(byte) else { return nil }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        return Unicode.Scalar(value).map { ($0, length) }
    }
}
