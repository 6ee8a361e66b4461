extension JSONScanner {
    /// Parses the value at `index` (after optional whitespace) and moves past it.
    mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: "a JSON value") }
        switch base[index] {
        case UInt8(ascii: "{"):
            return try parseObject()
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "\""):
            let span = try scanString()
            return .string(makeString(span))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = try scanNumber()
            let text = String(
                decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
            return .number(JSONNumber(validatedText: text))
        case UInt8(ascii: "t"):
            try matchLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try matchLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try matchLiteral("null")
            return .null
        default:
            throw unexpected("a JSON value", at: index)
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: "a JSON value or ']'") }
        var elements: [JSONValue] = []
        if base[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
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
        return .array(elements)
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        try enterContainer()
        skipWhitespace()
        guard index < count else { throw endOfInput(expecting: "a string key or '}'") }
        if base[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(JSONObject())
        }
        var members: [JSONObject.Member] = []
        members.reserveCapacity(4)
        var seen: Set<String>?
        while true {
            guard index < count else { throw endOfInput(expecting: "a string key") }
            guard base[index] == UInt8(ascii: "\"") else {
                if members.isEmpty { throw unexpected("a string key or '}'", at: index) }
                if base[index] == UInt8(ascii: "}") {
                    throw trailingComma(expected: "a string key", closer: "}", at: index)
                }
                throw unexpected("a string key after ','", at: index)
            }
            let keyOffset = index
            let key = makeString(try scanString())
            if isDuplicate(key, in: members, seen: &seen) {
                throw duplicateKey(key, at: keyOffset)
            }
            skipWhitespace()
            guard index < count else { throw endOfInput(expecting: "':' after object key") }
            guard base[index] == UInt8(ascii: ":") else { throw unexpected("':' after object key", at: index) }
            index += 1
            let value = try parseValue()
            members.append(JSONObject.Member(key: key, value: value))
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
        return .object(JSONObject(uniqueMembers: members))
    }

    /// Whether `key` is already among `members`; switches to a hash set for large objects. (Out of line to keep
    /// `parseObject`'s recursive frame small.)
    @inline(never)
    private func isDuplicate(
        _ key: String, in members: [JSONObject.Member], seen: inout Set<String>?
    ) -> Bool {
        if seen == nil {
            if members.count < JSONObject.indexThreshold {
                return members.contains { $0.key == key }
            }
            seen = Set(members.map(\.key))
        }
        return !seen!.insert(key).inserted
    }
}

/// `key` as a JSON string literal, for messages.
func quoted(_ key: String) -> String {
    var buffer: [UInt8] = []
    JSONWriter.appendString(key, to: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}
