/// The scanner consumer that builds `JSONValue`s (for `JSONParser.parse` and `parsePrefix`).
struct JSONValueBuilder: JSONScanConsumer {
    typealias Value = JSONValue
    typealias Elements = [JSONValue]
    typealias Key = String

    /// An object's members so far, and a hash set of their keys once there are too many to compare one by one.
    struct Members {
        var list: [JSONObject.Member] = []
        var seen: Set<String>?
    }

    func string(_ span: JSONScanner.StringSpan, in scanner: JSONScanner) -> JSONValue {
        .string(scanner.makeString(span))
    }

    func number(from start: Int, in scanner: JSONScanner) -> JSONValue {
        let text = String(
            decoding: UnsafeBufferPointer(start: scanner.base + start, count: scanner.index - start), as: UTF8.self)
        return .number(JSONNumber(validatedText: text))
    }

    func bool(_ value: Bool) -> JSONValue { .bool(value) }

    func null() -> JSONValue { .null }

    func makeElements() -> [JSONValue] { [] }

    func append(_ element: consuming JSONValue, to elements: inout [JSONValue]) { elements.append(consume element) }

    func array(_ elements: consuming [JSONValue]) -> JSONValue { .array(elements) }

    func makeMembers() -> Members { Members() }

    func key(_ span: JSONScanner.StringSpan, in members: inout Members, scanner: JSONScanner) -> String? {
        if members.list.isEmpty { members.list.reserveCapacity(4) }
        let key = scanner.makeString(span)
        return Self.isDuplicate(key, in: &members) ? nil : key
    }

    func add(_ key: consuming String, _ value: consuming JSONValue, to members: inout Members) {
        members.list.append(JSONObject.Member(key: consume key, value: consume value))
    }

    func object(_ members: consuming Members) -> JSONValue {
        members.list.isEmpty ? .object(JSONObject()) : .object(JSONObject(uniqueMembers: members.list))
    }

    /// Whether `key` is already among the members; switches to a hash set for large objects. (Out of line to keep
    /// the scanner's recursive frame small.)
    @inline(never)
    private static func isDuplicate(_ key: String, in members: inout Members) -> Bool {
        if members.seen == nil {
            if members.list.count < JSONObject.indexThreshold {
                return members.list.contains { $0.key == key }
            }
            members.seen = Set(members.list.map(\.key))
        }
        return !members.seen!.insert(key).inserted
    }
}

/// `key` as a JSON string literal, for messages.
func quoted(_ key: String) -> String {
    var buffer: [UInt8] = []
    JSONWriter.appendString(key, to: &buffer)
    return String(decoding: buffer, as: UTF8.self)
}
