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
            appendText("null", to: &buffer)
        case .bool(let flag):
            appendText(flag ? "true" : "false", to: &buffer)
        case .number(let number):
            appendUTF8(number.text, to: &buffer)
        case .string(let text):
            appendString(text, to: &buffer)
        case .array(let elements):
            buffer.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                append(element, to: &buffer)
            }
            buffer.append(UInt8(ascii: "]"))
        case .object(let object):
            buffer.append(UInt8(ascii: "{"))
            var first = true
            for member in object.members {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                appendString(member.key, to: &buffer)
                buffer.append(UInt8(ascii: ":"))
                append(member.value, to: &buffer)
            }
            buffer.append(UInt8(ascii: "}"))
        }
    }

    /// Appends `string` as a quoted, escaped JSON string.
    public static func appendString(_ string: String, to buffer: inout [UInt8]) {
        var text = string
        text.withUTF8 { bytes in
            buffer.reserveCapacity(buffer.count + bytes.count + 2)
            buffer.append(UInt8(ascii: "\""))
            appendEscaped(bytes, to: &buffer)
            buffer.append(UInt8(ascii: "\""))
        }
    }

    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to buffer: inout [UInt8]) {
        var runStart = 0
        var at = 0
        while at < bytes.count {
            let byte = bytes[at]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                at += 1
                continue
            }
            if runStart < at { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<at])) }
            at += 1
            runStart = at
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
                let digits: StaticString = "0123456789abcdef"
                appendText("u00", to: &buffer)
                buffer.append(digits.utf8Start[Int(byte >> 4)])
                buffer.append(digits.utf8Start[Int(byte & 0xF)])
            }
        }
        if runStart < bytes.count { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...])) }
    }

    /// Appends static text as it is (keys, punctuation, literals: no escaping).
    @inlinable
    public static func appendText(_ text: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    private static func appendUTF8(_ text: String, to buffer: inout [UInt8]) {
        var copy = text
        copy.withUTF8 { buffer.append(contentsOf: $0) }
    }
}

extension JSONValue {
    /// The value as compact JSON bytes (see `JSONWriter.append`).
    public var serialized: [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64)
        JSONWriter.append(self, to: &buffer)
        return buffer
    }

    /// The value as compact JSON text (see `JSONWriter.append`).
    public var text: String {
        String(decoding: serialized, as: UTF8.self)
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON text.
    public var description: String { text }
}

extension JSONObject: CustomStringConvertible {
    /// The object as compact JSON text.
    public var description: String { JSONValue.object(self).text }
}
