import JSONValue
import Testing

@Suite("JSONParser: values and round trips")
struct JSONParserTests {
    @Test("numbers keep their exact text", arguments: [
        "0", "-0", "7", "-7", "12345678901234567890", "-98765432109876543210123", "1.50", "0.000", "1e3", "1E+3",
        "-1.25e-10", "6.02214076e23", "1e400",
    ])
    func numbersRoundTrip(text: String) throws {
        let value = try JSONParser.parse(text)
        #expect(value == .number(try #require(JSONNumber(text: text))))
        #expect(value.text == text)
        #expect(try JSONParser.parse("[\(text)]").text == "[\(text)]")
    }

    @Test("a nested document serializes back to the same compact text, keys in order")
    func nestedRoundTrip() throws {
        let compact =
            #"{"z":1,"a":[true,false,null,{"nested":{"deeper":[[],{}]}}],"m":"text","n":-0.5e-3,"e":"","o":{}}"#
        let pretty = """
            {
              "z": 1,
              "a": [ true, false, null, { "nested": { "deeper": [ [ ], { } ] } } ],
              "m": "text", "n": -0.5e-3,
              "e": "", "o": {}
            }
            """
        let value = try JSONParser.parse(pretty)
        #expect(value.text == compact)
        #expect(try JSONParser.parse(compact) == value)
        #expect(value.objectValue?.keys == ["z", "a", "m", "n", "e", "o"])
        #expect(value.serialized == Array(compact.utf8))
    }

    @Test("unicode text, escapes and surrogate pairs decode to the right scalars")
    func unicodeAndEscapes() throws {
        let value = try JSONParser.parse(#" "héllo 🌍 \u00e9 \ud83c\udf0d \u4e2d" "#)
        #expect(value == .string("héllo 🌍 é 🌍 中"))
        let escapes = try JSONParser.parse(#""\"\\\/\b\f\n\r\t\u0000\u001f""#)
        #expect(escapes == .string("\"\\/\u{8}\u{C}\n\r\t\u{0}\u{1F}"))
        // Serializing and parsing again gives the same string.
        #expect(try JSONParser.parse(escapes.serialized) == escapes)
        #expect(try JSONParser.parse(value.serialized) == value)
    }

    @Test("escaped and plain spellings of a key are the same key")
    func escapedKeys() throws {
        let value = try JSONParser.parse(#"{"\u0061b": 1}"#)
        #expect(value.objectValue?["ab"] == 1)
    }

    @Test("all three entry points agree")
    func entryPoints() throws {
        let text = #"{"k": [1, "two", 3.0]}"#
        let fromString = try JSONParser.parse(text)
        let fromBytes = try JSONParser.parse(Array(text.utf8))
        let fromBuffer = try parseBuffer(Array(text.utf8))
        #expect(fromString == fromBytes)
        #expect(fromString == fromBuffer)
        #expect(fromString == ["k": [1, "two", .number(JSONNumber(text: "3.0")!)]])
    }

    @Test("whitespace around the value is allowed")
    func surroundingWhitespace() throws {
        #expect(try JSONParser.parse(" \t\r\n true \n") == true)
        #expect(try JSONParser.parse("null") == nil)
    }

    @Test("nesting up to the depth limit parses")
    func depthLimitAccepted() throws {
        let depth = JSONParser.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSONParser.parse(text)
        var levels = 0
        while case .array(let elements) = value, levels <= depth {
            levels += 1
            guard let first = elements.first else { break }
            value = first
        }
        #expect(levels == depth)
        let objects = String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
        #expect(throws: Never.self) { try JSONParser.parse(objects) }
    }

    @Test("large objects detect duplicates and look up keys through the index")
    func largeObjects() throws {
        let members = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        let value = try JSONParser.parse("{\(members)}")
        let object = try #require(value.objectValue)
        #expect(object.count == 40)
        #expect(object["k39"] == 39)
        #expect(object.keys.first == "k0")
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("{\(members), \"k17\": 0}") }
        #expect(error?.message == "duplicate key \"k17\"")
    }
}
