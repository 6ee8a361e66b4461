import JSONValue
import Testing

@Suite("JSONObject and JSONValue accessors")
struct JSONObjectTests {
    @Test("setting appends new keys, replaces existing ones in place and nil removes")
    func subscriptSemantics() {
        var object = JSONObject()
        #expect(object.isEmpty)
        object["b"] = 1
        object["a"] = 2
        object["b"] = 3
        #expect(object.keys == ["b", "a"])
        #expect(object["b"] == 3)
        object["b"] = nil
        object["missing"] = nil
        #expect(object.keys == ["a"])
        #expect(object.count == 1)
        #expect(object.map { $0.key } == ["a"])
    }

    @Test("large objects stay consistent through additions and removals")
    func largeObject() {
        var object = JSONObject()
        for number in 0..<50 { object["k\(number)"] = .number(JSONNumber(number)) }
        for number in stride(from: 0, to: 50, by: 2) { object["k\(number)"] = nil }
        #expect(object.count == 25)
        #expect(object["k1"] == 1)
        #expect(object["k2"] == nil)
        #expect(object["k49"] == 49)
        object["k2"] = "back"
        #expect(object.keys.last == "k2")
        #expect(object["k2"] == "back")
        for number in 0..<50 where number != 2 { object["k\(number)"] = nil }
        #expect(object.keys == ["k2"])
    }

    @Test("equality and hashing ignore member order")
    func orderInsensitiveEquality() {
        let first: JSONObject = ["a": 1, "b": [true]]
        let second: JSONObject = ["b": [true], "a": 1]
        #expect(first == second)
        #expect(first.hashValue == second.hashValue)
        #expect(first != ["a": 1, "b": [false]])
        #expect(first != ["a": 1])
        #expect(Set<JSONValue>([.object(first), .object(second)]).count == 1)
    }

    @Test("members iterate in order and literals keep their written order")
    func iterationOrder() {
        let value: JSONValue = ["z": 1, "y": "two", "x": nil]
        let object = value.objectValue!
        #expect(object.keys == ["z", "y", "x"])
        #expect(object.values == [1, "two", nil])
        var seen: [String] = []
        for (key, _) in object { seen.append(key) }
        #expect(seen == ["z", "y", "x"])
        #expect(JSONObject([("k", 1), ("j", 2)]).keys == ["k", "j"])
    }

    @Test("typed accessors return values only for their type")
    func accessors() {
        let values: [JSONValue] = [nil, true, 42, 2.5, "s", [1], ["k": 1]]
        #expect(values.map(\.typeName) == ["null", "boolean", "number", "number", "string", "array", "object"])
        #expect(values.map(\.isNull) == [true, false, false, false, false, false, false])
        #expect(values[1].boolValue == true)
        #expect(values[2].intValue == 42)
        #expect(values[3].intValue == nil)
        #expect(values[3].doubleValue == 2.5)
        #expect(values[4].stringValue == "s")
        #expect(values[4].intValue == nil)
        #expect(values[5].arrayValue == [1])
        #expect(values[6].objectValue?["k"] == 1)
        #expect(values[0].stringValue == nil && values[0].objectValue == nil && values[0].arrayValue == nil)
    }

    @Test("brief descriptions for messages")
    func briefDescriptions() {
        #expect(JSONValue.string("ten").briefDescription == #"string "ten""#)
        #expect(JSONValue(floatLiteral: 1.5).briefDescription == "number 1.5")
        #expect(JSONValue.bool(true).briefDescription == "boolean true")
        #expect(JSONValue.null.briefDescription == "null")
        #expect(JSONValue.array([]).briefDescription == "an empty array")
        #expect(JSONValue.object(JSONObject()).briefDescription == "an empty object")
        #expect(JSONValue.string(String(repeating: "x", count: 50)).briefDescription == "string")
    }
}
