/// Reads wire primitives from a received frame, refusing anything truncated, overlong or out of range.
///
/// Every read checks the bytes that remain, so a hostile frame can make decoding fail but can never make it
/// read out of bounds or allocate more than the frame's own size.
public struct WireDecoder: ~Copyable {
    private let bytes: [UInt8]
    private var index: Int

    /// Creates a decoder over `bytes`, starting at `offset`.
    public init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.index = offset
    }

    /// The number of bytes not yet read.
    public var remaining: Int { bytes.count - index }

    /// Reads one raw byte.
    public mutating func readByte() throws(WireDecodingError) -> UInt8 {
        guard index < bytes.count else { throw .truncated }
        defer { index += 1 }
        return bytes[index]
    }

    /// Reads an unsigned varint (at most 10 bytes, no bits beyond 64).
    public mutating func readUInt64() throws(WireDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readByte()
            if shift == 63, byte > 1 { throw .malformed("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads an unsigned varint that must fit `UInt32`.
    public mutating func readUInt32() throws(WireDecodingError) -> UInt32 {
        let value = try readUInt64()
        guard let narrowed = UInt32(exactly: value) else { throw .malformed("value \(value) exceeds 32 bits") }
        return narrowed
    }

    /// Reads what `WireEncoder.write(optional:)` wrote: a presence byte (0 or 1), then the value when present.
    public mutating func readOptionalUInt64() throws(WireDecodingError) -> UInt64? {
        let flag = try readByte()
        guard flag <= 1 else { throw .malformed("presence flag \(flag)") }
        return flag == 1 ? try readUInt64() : nil
    }

    /// Reads a zig-zag encoded signed varint.
    public mutating func readInt64() throws(WireDecodingError) -> Int64 {
        let raw = try readUInt64()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    /// Reads a count of elements that are each at least `minimumElementSize` bytes long.
    ///
    /// Refusing counts the remaining bytes cannot hold keeps a forged count from reserving huge arrays.
    public mutating func readCount(minimumElementSize: Int = 1) throws(WireDecodingError) -> Int {
        let count = try readUInt64()
        guard count <= UInt64(remaining / max(minimumElementSize, 1)) else {
            throw .malformed("element count \(count) exceeds the frame")
        }
        return Int(count)
    }

    /// Reads a count (see `readCount`), then that many elements with `element`.
    public mutating func readList<Element>(
        minimumElementSize: Int = 1, _ element: (inout WireDecoder) throws(WireDecodingError) -> Element
    ) throws(WireDecodingError) -> [Element] {
        let count = try readCount(minimumElementSize: minimumElementSize)
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try element(&self)) }
        return elements
    }

    /// Reads a length-prefixed byte string.
    public mutating func readBytes() throws(WireDecodingError) -> [UInt8] {
        let count = try readCount()
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    /// Reads length-prefixed text, which must be valid UTF-8.
    public mutating func readText() throws(WireDecodingError) -> String {
        let count = try readCount()
        defer { index += count }
        let slice = bytes[index..<index + count]
        guard let text = String(validating: slice, as: UTF8.self) else { throw .malformed("text is not valid UTF-8") }
        return text
    }

    /// Fails unless every byte was consumed.
    public func expectEnd() throws(WireDecodingError) {
        guard remaining == 0 else { throw .malformed("\(remaining) unexpected trailing bytes") }
    }
}
