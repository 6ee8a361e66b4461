#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONScanner {
    /// How many keys per object the validator compares without allocating; larger objects use a hash set.
    static let inlineKeyCapacity = 16

    /// Checks the value at `index` (after optional whitespace) with the same grammar as `parseValue()`, builds
    /// nothing, and moves past it.
    mutating func skipValue() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: "a JSON value") }
        switch base[index] {
        case UInt8(ascii: "{"):
            try skipObject()
        case UInt8(ascii: "["):
            try skipArray()
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            _ = try scanNumber()
        case UInt8(ascii: "t"):
            try matchLiteral("true")
        case UInt8(ascii: "f"):
            try matchLiteral("false")
        case UInt8(ascii: "n"):
            try matchLiteral("null")
        default:
            throw unexpected("a JSON value", at: index)
        }
    }

    private mutating func skipArray() throws(JSONSyntaxError) {
        try enterContainer()
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: "a JSON value or ']'") }
        if base[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
        while true {
            try skipValue()
            skipWhitespace()
            guard index < count else { throw endOfInput(expecting: "',' or ']' after array element") }
            let byte = base[index]
            index += 1
            if byte == UInt8(ascii: "]") { break }
            guard byte == UInt8(ascii: ",") else {
                throw unexpected("',' or ']' after array element", at: index - 1)
            }
            skipWhitespace()
            if index < count && base[index] == UInt8(ascii: "]") {
                throw failure("expected a JSON value after ',', found ']' (trailing commas are not allowed)", at: index)
            }
        }
        depth -= 1
    }

    private mutating func skipObject() throws(JSONSyntaxError) {
        try enterContainer()
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: "a string key or '}'") }
        if base[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        let outcome = withUnsafeTemporaryAllocation(of: StringSpan.self, capacity: Self.inlineKeyCapacity) { slots in
            Result { () throws(JSONSyntaxError) in try skipMembers(keySlots: slots) }
        }
        try outcome.get()
        depth -= 1
    }

    private mutating func skipMembers(keySlots: UnsafeMutableBufferPointer<StringSpan>) throws(JSONSyntaxError) {
        var keyCount = 0
        var overflow: Set<String>?
        var first = true
        while true {
            guard index < count else { throw endOfInput(expecting: "a string key") }
            guard base[index] == UInt8(ascii: "\"") else {
                if first { throw unexpected("a string key or '}'", at: index) }
                if base[index] == UInt8(ascii: "}") {
                    throw failure("expected a string key after ',', found '}' (trailing commas are not allowed)", at: index)
                }
                throw unexpected("a string key after ','", at: index)
            }
            first = false
            let keyOffset = index
            let key = try scanString()
            var duplicate = false
            if overflow != nil {
                duplicate = !overflow!.insert(makeString(key)).inserted
            } else {
                duplicate = (0..<keyCount).contains { keysEqual(keySlots[$0], key) }
                if keyCount < keySlots.count {
                    (keySlots.baseAddress! + keyCount).initialize(to: key)
                    keyCount += 1
                } else {
                    var keys = Set(keySlots.prefix(keyCount).map { makeString($0) })
                    keys.insert(makeString(key))
                    overflow = keys
                }
            }
            if duplicate { throw failure("duplicate key \(quoted(makeString(key)))", at: keyOffset) }
            skipWhitespace()
            guard index < count else { throw endOfInput(expecting: "':' after object key") }
            guard base[index] == UInt8(ascii: ":") else { throw unexpected("':' after object key", at: index) }
            index += 1
            try skipValue()
            skipWhitespace()
            guard index < count else { throw endOfInput(expecting: "',' or '}' after object member") }
            let byte = base[index]
            index += 1
            if byte == UInt8(ascii: "}") { return }
            guard byte == UInt8(ascii: ",") else {
                throw unexpected("',' or '}' after object member", at: index - 1)
            }
            skipWhitespace()
        }
    }

    /// Whether two scanned strings have the same content once escapes are decoded.
    private func keysEqual(_ lhs: StringSpan, _ rhs: StringSpan) -> Bool {
        if !lhs.hasEscapes && !rhs.hasEscapes {
            let length = lhs.end - lhs.start
            return length == rhs.end - rhs.start && memcmp(base + lhs.start, base + rhs.start, length) == 0
        }
        var left = DecodedBytes(scanner: self, span: lhs)
        var right = DecodedBytes(scanner: self, span: rhs)
        while true {
            let byte = left.next()
            guard byte == right.next() else { return false }
            if byte == nil { return true }
        }
    }

    /// The UTF-8 bytes of a checked string's content with escapes decoded, one at a time, without allocating.
    private struct DecodedBytes {
        let scanner: JSONScanner
        var at: Int
        let end: Int
        var pending: UInt32 = 0
        var pendingCount = 0

        init(scanner: JSONScanner, span: StringSpan) {
            self.scanner = scanner
            at = span.start
            end = span.end
        }

        mutating func next() -> UInt8? {
            if pendingCount > 0 {
                let byte = UInt8(truncatingIfNeeded: pending)
                pending >>= 8
                pendingCount -= 1
                return byte
            }
            guard at < end else { return nil }
            let byte = scanner.base[at]
            guard byte == UInt8(ascii: "\\") else {
                at += 1
                return byte
            }
            let (scalar, length) = scanner.decodeEscape(at: at)
            at += length
            var encoded: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
            let written = withUnsafeMutableBytes(of: &encoded) { raw in
                scanner.encodeUTF8(scalar, into: raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
            pending = UInt32(encoded.1) | UInt32(encoded.2) << 8 | UInt32(encoded.3) << 16
            pendingCount = written - 1
            return encoded.0
        }
    }
}
