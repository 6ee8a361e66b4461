#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scanner consumer that builds nothing (for `JSONParser.validate` and `skipPrefix`): it only checks object
/// keys for duplicates, comparing them in place in the input, without allocating for ordinary objects.
struct JSONValidator: JSONScanConsumer {
    typealias Value = Void
    typealias Elements = Void
    typealias Key = Void

    /// How many keys per object are compared in place; larger objects use a hash set.
    static let inlineKeyCapacity = 16

    /// How many keys (over all open objects) are kept on the stack.
    static let keyStackCapacity = 64

    /// The keys of the open objects, innermost last.
    private let keyStack: UnsafeMutableBufferPointer<JSONScanner.StringSpan>
    /// How many entries of `keyStack` are in use.
    private var keyCount = 0

    /// One open object: where its keys start on the key stack, and its keys as a hash set once they no longer fit.
    struct Members {
        let firstKey: Int
        var overflow: Set<String>?
    }

    private init(keyStack: UnsafeMutableBufferPointer<JSONScanner.StringSpan>) {
        self.keyStack = keyStack
    }

    /// Runs `body` with a validator whose key stack lives on the stack.
    static func withValidator<Result>(
        _ body: (inout JSONValidator) throws(JSONSyntaxError) -> Result
    ) throws(JSONSyntaxError) -> Result {
        let outcome = withUnsafeTemporaryAllocation(of: JSONScanner.StringSpan.self, capacity: keyStackCapacity) { keys in
            Swift.Result { () throws(JSONSyntaxError) -> Result in
                var validator = JSONValidator(keyStack: keys)
                return try body(&validator)
            }
        }
        return try outcome.get()
    }

    @inline(__always)
    func string(_ span: JSONScanner.StringSpan, in scanner: JSONScanner) {}

    @inline(__always)
    func number(from start: Int, in scanner: JSONScanner) {}

    @inline(__always)
    func bool(_ value: Bool) {}

    @inline(__always)
    func null() {}

    @inline(__always)
    func makeElements() {}

    @inline(__always)
    func append(_ element: consuming Void, to elements: inout Void) {}

    @inline(__always)
    func array(_ elements: consuming Void) {}

    @inline(__always)
    func makeMembers() -> Members { Members(firstKey: keyCount) }

    /// Keys are compared in place while the object has at most `inlineKeyCapacity` of them and the shared key stack
    /// has room; after that the object's keys move into `overflow`, a hash set.
    @inline(__always)
    mutating func key(_ span: JSONScanner.StringSpan, in members: inout Members, scanner: JSONScanner) -> Void? {
        isRepeatedKey(span, in: &members, scanner: scanner) ? nil : ()
    }

    @inline(__always)
    func add(_ key: consuming Void, _ value: consuming Void, to members: inout Members) {}

    @inline(__always)
    mutating func object(_ members: consuming Members) { keyCount = members.firstKey }

    /// Whether `key` repeats a key of the object, and records it.
    @inline(never)
    private mutating func isRepeatedKey(
        _ key: JSONScanner.StringSpan, in members: inout Members, scanner: JSONScanner
    ) -> Bool {
        if members.overflow != nil { return !members.overflow!.insert(scanner.makeString(key)).inserted }
        for at in members.firstKey..<keyCount where Self.keysEqual(keyStack[at], key, in: scanner) { return true }
        if keyCount < keyStack.count && keyCount - members.firstKey < Self.inlineKeyCapacity {
            (keyStack.baseAddress! + keyCount).initialize(to: key)
            keyCount += 1
        } else {
            members.overflow = keySet(from: members.firstKey, adding: key, in: scanner)
        }
        return false
    }

    /// The object's keys so far and `key`, as strings.
    @inline(never)
    private func keySet(from firstKey: Int, adding key: JSONScanner.StringSpan, in scanner: JSONScanner) -> Set<String> {
        var keys = Set((firstKey..<keyCount).map { scanner.makeString(keyStack[$0]) })
        keys.insert(scanner.makeString(key))
        return keys
    }

    /// Whether two scanned strings have the same content once escapes are decoded.
    private static func keysEqual(
        _ lhs: JSONScanner.StringSpan, _ rhs: JSONScanner.StringSpan, in scanner: JSONScanner
    ) -> Bool {
        if !lhs.hasEscapes && !rhs.hasEscapes {
            let length = lhs.end - lhs.start
            return length == rhs.end - rhs.start && memcmp(scanner.base + lhs.start, scanner.base + rhs.start, length) == 0
        }
        return escapedKeysEqual(lhs, rhs, in: scanner)
    }

    /// `keysEqual` for keys with escapes: compares the decoded bytes one at a time.
    @inline(never)
    private static func escapedKeysEqual(
        _ lhs: JSONScanner.StringSpan, _ rhs: JSONScanner.StringSpan, in scanner: JSONScanner
    ) -> Bool {
        var left = DecodedBytes(scanner: scanner, span: lhs)
        var right = DecodedBytes(scanner: scanner, span: rhs)
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

        init(scanner: JSONScanner, span: JSONScanner.StringSpan) {
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
