import JSONValue
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    private func written(_ string: String) -> String {
        var buffer: [UInt8] = []
        JSONWriter.appendString(string, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    @Test("strings escape quotes, backslashes and control characters and nothing else")
    func stringEscapes() {
        #expect(written("plain") == #""plain""#)
        #expect(written("a\"b\\c") == #""a\"b\\c""#)
        #expect(written("line1\nline2\r\ttab\u{8}\u{C}") == #""line1\nline2\r\ttab\b\f""#)
        #expect(written("\u{0}\u{1}\u{1F}\u{7F}") == "\"\\u0000\\u0001\\u001f\u{7F}\"")
        #expect(written("/ é 🌍 \u{2028}") == "\"/ é 🌍 \u{2028}\"")
        #expect(written("") == #""""#)
    }

    @Test("every string survives writing and parsing again", arguments: [
        "", "a", "\u{0}", "tab\there", "quote\"back\\slash", "日本語", "🌍🌎🌏", "mixed \u{1} é \n 𝄞", String(repeating: "x", count: 10_000),
    ])
    func stringRoundTrip(_ string: String) throws {
        var buffer: [UInt8] = []
        JSONWriter.appendString(string, to: &buffer)
        #expect(try JSONParser.parse(buffer) == .string(string))
    }

    @Test("values are written compactly, object members in stored order")
    func compactValues() {
        let value: JSONValue = ["b": [1, 2.5, "x", nil, true, false], "a": [:], "c": []]
        #expect(value.text == #"{"b":[1,2.5,"x",null,true,false],"a":{},"c":[]}"#)
        var object = JSONObject()
        object["z"] = 1
        object["y"] = 2
        object["z"] = 3
        #expect(JSONValue.object(object).text == #"{"z":3,"y":2}"#)
    }

    @Test("append adds to what the buffer already holds")
    func appendsToBuffer() {
        var buffer = Array("prefix ".utf8)
        JSONWriter.append(["k": "v"], to: &buffer)
        buffer.append(0x0A)
        #expect(String(decoding: buffer, as: UTF8.self) == "prefix {\"k\":\"v\"}\n")
    }

    @Test("non-native strings (bridged substrings) are written correctly")
    func substringBacked() {
        let base = "0123456789 é"
        let part = String(base.dropFirst(5))
        #expect(written(part) == "\"56789 é\"")
    }
}

@Suite("JSON text descriptions")
struct JSONDescriptionTests {
    @Test("values and objects describe themselves as compact JSON")
    func descriptions() {
        let value: JSONValue = ["a": [1, "x"], "b": nil]
        #expect("\(value)" == #"{"a":[1,"x"],"b":null}"#)
        #expect(value.objectValue?.description == #"{"a":[1,"x"],"b":null}"#)
    }
}
