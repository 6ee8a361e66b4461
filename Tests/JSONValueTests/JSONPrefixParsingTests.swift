import JSONValue
import Testing

/// The package-level prefix parsers that streaming readers use.
@Suite("JSONParser: prefix parsing for streams")
struct JSONPrefixParsingTests {
    private func prefix(_ text: String, isFinal: Bool) throws(JSONSyntaxError) -> (JSONValue, Int) {
        try parsePrefix(Array(text.utf8), isFinal: isFinal)
    }

    private func skip(_ text: String, isFinal: Bool) throws(JSONSyntaxError) -> Int {
        try skipPrefix(Array(text.utf8), isFinal: isFinal)
    }

    @Test("a complete value is returned with the offset just after it")
    func completeValue() throws {
        let (value, end) = try prefix(#"  {"a": [1, 2]} , {"next": 1}"#, isFinal: false)
        #expect(value == ["a": [1, 2]])
        #expect(end == 15)
        #expect(try skip(#"  {"a": [1, 2]} , {"next": 1}"#, isFinal: false) == 15)
    }

    @Test("input cut short asks for more input instead of failing", arguments: [
        "[1, 2", #"{"a""#, #""abc"#, #""\u12"#, #""\uD83D"#, #""\uD83D\u"#, "12", "-", "1.", "1e", "tr", "",
        "   ",
    ])
    func truncated(_ text: String) {
        let error = #expect(throws: JSONSyntaxError.self) { try prefix(text, isFinal: false) }
        #expect(error?.needsMoreInput == true)
        let skipError = #expect(throws: JSONSyntaxError.self) { try skip(text, isFinal: false) }
        #expect(skipError?.needsMoreInput == true)
    }

    @Test("a UTF-8 sequence cut at the end asks for more input")
    func truncatedUTF8() {
        let bytes: [UInt8] = [0x22, 0xF0, 0x9F]
        let error = #expect(throws: JSONSyntaxError.self) { try parsePrefix(bytes, isFinal: false) }
        #expect(error?.needsMoreInput == true)
    }

    @Test("real errors are reported even when more input may follow")
    func realErrors() {
        let error = #expect(throws: JSONSyntaxError.self) { try prefix("[1 x", isFinal: false) }
        #expect(error?.needsMoreInput == false)
        #expect(error?.message == "expected ',' or ']' after array element, found 'x'")
        #expect(error?.column == 4)
    }

    @Test("a number at the end of final input is complete")
    func finalNumber() throws {
        let (value, end) = try prefix(" 12", isFinal: true)
        #expect(value == 12)
        #expect(end == 3)
    }

    @Test("relocating an error moves it into file coordinates")
    func relocation() {
        let error = JSONSyntaxError(message: "m", offset: 3, line: 1, column: 4)
        #expect(error.relocated(offset: 100, line: 7, column: 10) == JSONSyntaxError(message: "m", offset: 103, line: 7, column: 13))
        let later = JSONSyntaxError(message: "m", offset: 30, line: 3, column: 2)
        #expect(later.relocated(offset: 100, line: 7, column: 10) == JSONSyntaxError(message: "m", offset: 130, line: 9, column: 2))
    }
}
