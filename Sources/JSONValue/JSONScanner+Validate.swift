#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension JSONScanner {
    /// How many keys per object the validator compares in place; larger objects use a hash set.
    static let inlineKeyCapacity = 16

    /// How many keys (over all open objects) the validator keeps on the stack.
    static let keyStackCapacity = 64

    /// Runs `body` with a scanner over `bytes` whose key stack lives on the stack.
    static func withValidatingScanner<Result>(
        _ bytes: UnsafeRawBufferPointer, isFinal: Bool,
        _ body: (inout JSONScanner) throws(JSONSyntaxError) -> Result
    ) throws(JSONSyntaxError) -> Result {
        let outcome = withUnsafeTemporaryAllocation(of: StringSpan.self, capacity: keyStackCapacity) { keys in
            Swift.Result { () throws(JSONSyntaxError) -> Result in
                var scanner = JSONScanner(bytes, isFinal: isFinal)
                scanner.keyStack = keys
                return try body(&scanner)
            }
        }
        return try outcome.get()
    }

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
                throw trailingComma(expected: "a JSON value", closer: "]", at: index)
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
        let firstKey = keyCount
        defer { keyCount = firstKey }
        var overflow: Set<String>?
        var first = true
        while true {
            guard index < count else { throw endOfInput(expecting: "a string key") }
            guard base[index] == UInt8(ascii: "\"") else {
                if first { throw unexpected("a string key or '}'", at: index) }
                if base[index] == UInt8(ascii: "}") {
                    throw trailingComma(expected: "a string key", closer: "}", at: index)
                }
                throw unexpected("a string key after ','", at: index)
            }
            first = false
            let keyOffset = index
            let key = try scanString()
            if isRepeatedKey(key, firstKey: firstKey, overflow: &overflow) { throw duplicateKey(key, at: keyOffset) }
            skipWhitespace()
            guard index < count else { throw endOfInput(expecting: "':' after object key") }
            guard base[index] == UInt8(ascii: ":") else { throw unexpected("':' after object key", at: index) }
            index += 1
            try skipValue()
            skipWhitespace()
            guard index < count else { throw endOfInput(expecting: "',' or '}' after object member") }
            let byte = base[index]
            index += 1
            if byte == UInt8(ascii: "}") { break }
            guard byte == UInt8(ascii: ",") else {
                throw unexpected("',' or '}' after object member", at: index - 1)
            }
            skipWhitespace()
        }
        depth -= 1
    }

    /// Whether `key` repeats a key of the object whose keys start at `keyStack[firstKey]`, and records it.
    ///
    /// Keys are compared in place while the object has at most `inlineKeyCapacity` of them and the shared key
    /// stack has room; after that the object's keys move into `overflow`, a hash set.
    @inline(never)
    private mutating func isRepeatedKey(_ key: StringSpan, firstKey: Int, overflow: inout Set<String>?) -> Bool {
        if overflow != nil { return !overflow!.insert(makeString(key)).inserted }
        for at in firstKey..<keyCount where keysEqual(keyStack[at], key) { return true }
        if keyCount < keyStack.count && keyCount - firstKey < Self.inlineKeyCapacity {
            (keyStack.baseAddress! + keyCount).initialize(to: key)
            keyCount += 1
        } else {
            overflow = keySet(from: firstKey, adding: key)
        }
        return false
    }

    /// The object's keys so far and `key`, as strings.
    @inline(never)
    private func keySet(from firstKey: Int, adding key: StringSpan) -> Set<String> {
        var keys = Set((firstKey..<keyCount).map { makeString(keyStack[$0]) })
        keys.insert(makeString(key))
        return keys
    }

    /// Whether two scanned strings have the same content once escapes are decoded.
    private func keysEqual(_ lhs: StringSpan, _ rhs: StringSpan) -> Bool {
        if !lhs.hasEscapes && !rhs.hasEscapes {
            let length = lhs.end - lhs.start
            return length == rhs.end - rhs.start && memcmp(base + lhs.start, base + rhs.start, length) == 0
        }
        return escapedKeysEqual(lhs, rhs)
    }

    /// `keysEqual` for keys with escapes: compares the decoded bytes one at a time.
    @inline(never)
    private func escapedKeysEqual(_ lhs: StringSpan, _ rhs: StringSpan) -> Bool {
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
