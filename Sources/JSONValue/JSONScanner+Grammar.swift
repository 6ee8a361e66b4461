/// What the scanner does with the values it recognises: `JSONValueBuilder` makes `JSONValue`s, `JSONValidator`
/// makes nothing and only checks keys for duplicates.
///
/// The grammar (`JSONScanner.scanValue`) is written once and is generic over its consumer; every call site names a
/// concrete consumer, so the optimizer specializes it and the validator pays nothing for the builder's work. What
/// the scanner hands over is `consuming`, so built values move into their containers without copies.
protocol JSONScanConsumer {
    /// What one scanned value becomes (`Void` when nothing is built).
    associatedtype Value
    /// An array's elements while it is being scanned.
    associatedtype Elements
    /// An object's members (and the keys seen so far) while it is being scanned.
    associatedtype Members
    /// An object key once checked.
    associatedtype Key

    /// The string whose content is `span`.
    func string(_ span: JSONScanner.StringSpan, in scanner: JSONScanner) -> Value
    /// The number at `start..<scanner.index`, already checked.
    func number(from start: Int, in scanner: JSONScanner) -> Value
    func bool(_ value: Bool) -> Value
    func null() -> Value

    func makeElements() -> Elements
    func append(_ element: consuming Value, to elements: inout Elements)
    func array(_ elements: consuming Elements) -> Value

    mutating func makeMembers() -> Members
    /// The key `span` when it is new in `members` (and records it there as seen); `nil` when the object has it
    /// already.
    mutating func key(_ span: JSONScanner.StringSpan, in members: inout Members, scanner: JSONScanner) -> Key?
    func add(_ key: consuming Key, _ value: consuming Value, to members: inout Members)
    /// Ends the object; called only when the object was scanned to its closing brace.
    mutating func object(_ members: consuming Members) -> Value
}

extension JSONScanner {
    /// Scans the value at `index` (after optional whitespace), hands what it finds to `consumer`, and moves past it.
    mutating func scanValue<Consumer: JSONScanConsumer>(
        _ consumer: inout Consumer
    ) throws(JSONSyntaxError) -> Consumer.Value {
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: "a JSON value") }
        switch base[index] {
        case UInt8(ascii: "{"):
            return try scanObject(&consumer)
        case UInt8(ascii: "["):
            return try scanArray(&consumer)
        case UInt8(ascii: "\""):
            let span = try scanString()
            return consumer.string(span, in: self)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = try scanNumber()
            return consumer.number(from: start, in: self)
        case UInt8(ascii: "t"):
            try matchLiteral("true")
            return consumer.bool(true)
        case UInt8(ascii: "f"):
            try matchLiteral("false")
            return consumer.bool(false)
        case UInt8(ascii: "n"):
            try matchLiteral("null")
            return consumer.null()
        default:
            throw unexpected("a JSON value", at: index)
        }
    }

    private mutating func scanArray<Consumer: JSONScanConsumer>(
        _ consumer: inout Consumer
    ) throws(JSONSyntaxError) -> Consumer.Value {
        let isEmpty = try enterContainer(closer: UInt8(ascii: "]"), expecting: "a JSON value or ']'")
        var elements = consumer.makeElements()
        if isEmpty { return consumer.array(elements) }
        while true {
            let element = try scanValue(&consumer)
            consumer.append(consume element, to: &elements)
            if try isClosed(by: UInt8(ascii: "]"), expecting: "',' or ']' after array element") { break }
            skipWhitespace()
            if index < count && base[index] == UInt8(ascii: "]") {
                throw trailingComma(expected: "a JSON value", closer: "]", at: index)
            }
        }
        return consumer.array(elements)
    }

    private mutating func scanObject<Consumer: JSONScanConsumer>(
        _ consumer: inout Consumer
    ) throws(JSONSyntaxError) -> Consumer.Value {
        let isEmpty = try enterContainer(closer: UInt8(ascii: "}"), expecting: "a string key or '}'")
        var members = consumer.makeMembers()
        if isEmpty { return consumer.object(members) }
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
            let span = try scanString()
            guard let key = consumer.key(span, in: &members, scanner: self) else {
                throw duplicateKey(span, at: keyOffset)
            }
            skipWhitespace()
            guard index < count else { throw endOfInput(expecting: "':' after object key") }
            guard base[index] == UInt8(ascii: ":") else { throw unexpected("':' after object key", at: index) }
            index += 1
            let value = try scanValue(&consumer)
            consumer.add(consume key, consume value, to: &members)
            if try isClosed(by: UInt8(ascii: "}"), expecting: "',' or '}' after object member") { break }
            skipWhitespace()
        }
        return consumer.object(members)
    }
}
