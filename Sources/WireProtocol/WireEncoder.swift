/// Appends wire primitives to a growing byte buffer.
///
/// Integers travel as unsigned LEB128 varints (signed ones zig-zag encoded first); byte strings and text as a
/// varint length followed by the bytes. The encoder never fails: limits are enforced by the decoder.
public struct WireEncoder: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an encoder, reserving `capacity` bytes up front.
    public init(capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Appends one raw byte.
    public mutating func write(byte: UInt8) {
        bytes.append(byte)
    }

    /// Appends an unsigned integer as a varint.
    public mutating func write(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    /// Appends a signed integer, zig-zag encoded so small negative numbers stay short.
    public mutating func write(signed value: Int64) {
        write(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    /// Appends the count of `elements`, then each of them with `element` (what `WireDecoder.readList` reads).
    public mutating func write<Elements: Collection>(list elements: Elements, _ element: (inout WireEncoder, Elements.Element) -> Void) {
        write(UInt64(elements.count))
        for item in elements { element(&self, item) }
    }

    /// Appends an optional unsigned integer: a presence byte (0 or 1), then the value when present.
    public mutating func write(optional value: UInt64?) {
        write(byte: value == nil ? 0 : 1)
        if let value { write(value) }
    }

    /// Appends a length-prefixed byte string.
    public mutating func write(bytes value: some Collection<UInt8>) {
        write(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// Appends length-prefixed UTF-8 text.
    public mutating func write(text value: String) {
        var copy = value
        copy.withUTF8 { write(bytes: $0) }
    }
}
