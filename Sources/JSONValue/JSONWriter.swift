/// Compact JSON output into byte buffers.
///
/// Output is valid UTF-8 (Swift strings always are). Strings escape `"`, `\` and every control character
/// below U+0020: `\n`, `\r`, `\t`, `\b` and `\f` in their short forms, the rest as `\u00XX`. All functions are
/// pure and safe to call from any thread.
public enum JSONWriter {
    /// Appends `value` as compact JSON (no whitespace), object members in their stored order.
    public static func append(_ value: JSONValue, to buffer: inout [UInt8]) {
        switch value {
        case .null:
            buffer.append(contentsOf: "null".utf8)
        case .bool(let flag):
            buffer.append(contentsOf: flag ? "true".utf8 : "false".utf8)
        case .number(let number):
            buffer.append(contentsOf: number.text.utf8)
        case .string(let text):
            appendString(text, to: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            for (position, element) in elements.enumerated() {
                if position > 0 { buffer.append(UInt8(ascii: ",")) }
                append(element, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            buffer.append(UInt8(ascii: "{"))
            for (position, member) in object.members.enumerated() {
                if position > 0 { buffer.append(UInt8(ascii: ",")) }
                appendString(member.key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                append(member.value, to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a quoted, escaped JSON string.
    public static func appendString(_ string: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            appendEscaped(bytes, to: &buffer)
        }
        if done == nil {
            var copy = string
            copy.withUTF8 { bytes in appendEscaped(bytes, to: &buffer) }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var runStart = 0
        for (at, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            if runStart < at { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<at])) }
            runStart = at + 1
            buffer.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
            case 0x0A: buffer.append(UInt8(ascii: "n"))
            case 0x0D: buffer.append(UInt8(ascii: "r"))
            case 0x09: buffer.append(UInt8(ascii: "t"))
            case 0x08: buffer.append(UInt8(ascii: "b"))
            case 0x0C: buffer.append(UInt8(ascii: "f"))
            default:
                let digits = "0123456789abcdef".utf8
                buffer.append(contentsOf: "u00".utf8)
                buffer.append(digits[digits.index(digits.startIndex, offsetBy: Int(byte >> 4))])
                buffer.append(digits[digits.index(digits.startIndex, offsetBy: Int(byte & 0xF))])
            }
        }
        if runStart < bytes.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }
}

extension JSONValue {
    /// The value as compact JSON bytes (see `JSONWriter.append`).
    public var serialized: [UInt8] {
        var buffer: [UInt8] = []
        JSONWriter.append(self, to: &buffer)
        return buffer
    }

    /// The value as compact JSON text (see `JSONWriter.append`).
    public var text: String {
        String(decoding: serialized, as: UTF8.self)
    }
}
