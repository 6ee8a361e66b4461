import JSONValue
import Testing

/// One invalid input and the error it must give.
struct SyntaxCase: CustomTestStringConvertible, Sendable {
    let bytes: [UInt8]
    let message: String
    let line: Int
    let column: Int

    init(_ text: String, _ message: String, _ line: Int, _ column: Int) {
        self.init(bytes: Array(text.utf8), message, line, column)
    }

    init(bytes: [UInt8], _ message: String, _ line: Int, _ column: Int) {
        self.bytes = bytes
        self.message = message
        self.line = line
        self.column = column
    }

    var testDescription: String { JSONValue.string(String(decoding: bytes.prefix(40), as: UTF8.self)).text }
}

let syntaxCases: [SyntaxCase] = [
    SyntaxCase("", "expected a JSON value, found end of input", 1, 1),
    SyntaxCase("  \n ", "expected a JSON value, found end of input", 2, 2),
    SyntaxCase("[1,]", "expected a JSON value after ',', found ']' (trailing commas are not allowed)", 1, 4),
    SyntaxCase(#"{"a":1,}"#, "expected a string key after ',', found '}' (trailing commas are not allowed)", 1, 8),
    SyntaxCase("// note\n1", "expected a JSON value, found '/' (comments are not allowed in JSON)", 1, 1),
    SyntaxCase("[1, /* x */ 2]", "expected a JSON value, found '/' (comments are not allowed in JSON)", 1, 5),
    SyntaxCase("NaN", "expected a JSON value, found 'N' (NaN and Infinity are not valid JSON numbers)", 1, 1),
    SyntaxCase(
        "-Infinity", "expected a digit after '-', found 'I' (NaN and Infinity are not valid JSON numbers)", 1, 2),
    SyntaxCase("01", "leading zeros are not allowed in numbers", 1, 1),
    SyntaxCase("[-012]", "leading zeros are not allowed in numbers", 1, 3),
    SyntaxCase("1.", "expected a digit after '.' in number, found end of input", 1, 3),
    SyntaxCase("1.e5", "expected a digit after '.' in number, found 'e'", 1, 3),
    SyntaxCase("1e", "expected a digit in the number's exponent, found end of input", 1, 3),
    SyntaxCase("1e+x", "expected a digit in the number's exponent, found 'x'", 1, 4),
    SyntaxCase("+1", "expected a JSON value, found '+'", 1, 1),
    SyntaxCase(".5", "expected a JSON value, found '.'", 1, 1),
    SyntaxCase("1.5x", "expected end of input after the JSON value, found 'x'", 1, 4),
    SyntaxCase("[]]", "expected end of input after the JSON value, found ']'", 1, 3),
    SyntaxCase("{} {}", "expected end of input after the JSON value, found '{'", 1, 4),
    SyntaxCase(
        #"["abc"#, "unterminated string: expected '\"' to close the string before the end of input", 1, 2),
    SyntaxCase("\"a\nb\"", "newline in string; write it as \\n", 1, 3),
    SyntaxCase("\"a\tb\"", "tab in string; write it as \\t", 1, 3),
    SyntaxCase(bytes: [0x22, 0x01, 0x22], "control character U+0001 in string; write it as \\u0001", 1, 2),
    SyntaxCase(
        #""\x""#,
        #"invalid escape '\x' in string; valid escapes are \" \\ \/ \b \f \n \r \t and \uXXXX"#, 1, 2),
    SyntaxCase(#""\u12G4""#, "expected 4 hex digits after '\\u', found 'G'", 1, 6),
    SyntaxCase(#""\u12"#, "expected 4 hex digits after '\\u', found end of input", 1, 6),
    SyntaxCase(
        #""\uD800""#,
        "lone high surrogate \\uD800 in string: expected a low surrogate escape (\\uDC00-\\uDFFF) after high "
            + "surrogate \\uD800", 1, 2),
    SyntaxCase(
        #""x\uD83D\u0041""#,
        "lone high surrogate \\uD83D in string: expected a low surrogate escape (\\uDC00-\\uDFFF) after high "
            + "surrogate \\uD83D", 1, 3),
    SyntaxCase(
        #""\uD800\n""#,
        "lone high surrogate \\uD800 in string: expected a low surrogate escape (\\uDC00-\\uDFFF) after high "
            + "surrogate \\uD800", 1, 2),
    SyntaxCase(
        #""\uDC00""#,
        "lone low surrogate \\uDC00 in string: it must follow a high surrogate (\\uD800-\\uDBFF)", 1, 2),
    SyntaxCase(bytes: [0x22, 0xFF, 0x22], "invalid UTF-8 byte 0xFF in string; JSON text must be UTF-8", 1, 2),
    SyntaxCase(bytes: [0x22, 0xC0, 0x80, 0x22], "invalid UTF-8 byte 0xC0 in string; JSON text must be UTF-8", 1, 2),
    SyntaxCase(
        bytes: [0x22, 0x61, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 byte 0xED in string; JSON text must be UTF-8", 1,
        3),
    SyntaxCase(bytes: [0x22, 0xE2, 0x82, 0x22], "invalid UTF-8 byte 0xE2 in string; JSON text must be UTF-8", 1, 2),
    SyntaxCase(
        bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 byte 0xF4 in string; JSON text must be UTF-8", 1,
        2),
    SyntaxCase(bytes: [0x22, 0xE2, 0x82], "invalid UTF-8 byte 0xE2 in string; JSON text must be UTF-8", 1, 2),
    SyntaxCase(bytes: [0xEF, 0xBB, 0xBF, 0x31], "expected a JSON value, found '\u{FEFF}' (U+FEFF)", 1, 1),
    SyntaxCase(bytes: [0x5B, 0xFF, 0x5D], "expected a JSON value, found byte 0xFF (invalid UTF-8)", 1, 2),
    SyntaxCase(bytes: [0x01], "expected a JSON value, found control character U+0001", 1, 1),
    SyntaxCase(#"{"a":1,"a":2}"#, "duplicate key \"a\"", 1, 8),
    SyntaxCase(#"{"a":1,"b":{"c":1,"c":2}}"#, "duplicate key \"c\"", 1, 19),
    SyntaxCase(#"{"ab":1,"\u0061b":2}"#, "duplicate key \"ab\"", 1, 9),
    SyntaxCase(#"{"a" 1}"#, "expected ':' after object key, found '1'", 1, 6),
    SyntaxCase(#"{"a":1 "b":2}"#, "expected ',' or '}' after object member, found '\"'", 1, 8),
    SyntaxCase(#"{"a":1"#, "expected ',' or '}' after object member, found end of input", 1, 7),
    SyntaxCase(#"{"a":}"#, "expected a JSON value, found '}'", 1, 6),
    SyntaxCase("[1 2]", "expected ',' or ']' after array element, found '2'", 1, 4),
    SyntaxCase("[", "expected a JSON value or ']', found end of input", 1, 2),
    SyntaxCase("[1", "expected ',' or ']' after array element, found end of input", 1, 3),
    SyntaxCase("{1:2}", "expected a string key or '}', found '1'", 1, 2),
    SyntaxCase("{", "expected a string key or '}', found end of input", 1, 2),
    SyntaxCase(#"{"a":1,2}"#, "expected a string key after ',', found '2'", 1, 8),
    SyntaxCase("{'a':1}", "expected a string key or '}', found ''' (JSON strings use double quotes)", 1, 2),
    SyntaxCase("tru", "expected 'true', found end of input", 1, 4),
    SyntaxCase("trux", "invalid literal: expected 'true', found 'x'", 1, 4),
    SyntaxCase("[nul]", "invalid literal: expected 'null', found ']'", 1, 5),
    SyntaxCase("True", "expected a JSON value, found 'T'", 1, 1),
    SyntaxCase("{\n  \"a\": [1,\n   2,,\n]}", "expected a JSON value, found ','", 3, 6),
    SyntaxCase("[\"é\", x]", "expected a JSON value, found 'x'", 1, 7),
    SyntaxCase("[\"日本\",\n \"🌍\" é]", "expected ',' or ']' after array element, found 'é' (U+00E9)", 2, 6),
    SyntaxCase(
        String(repeating: "[", count: 513) + String(repeating: "]", count: 513),
        "arrays and objects are nested more than 512 levels deep", 1, 513),
    SyntaxCase(
        String(repeating: #"{"a":"#, count: 600),
        "arrays and objects are nested more than 512 levels deep", 1, 5 * 512 + 1),
]

@Suite("JSONParser: syntax errors")
struct JSONSyntaxErrorTests {
    @Test("parse reports what was expected and found, with line and column", arguments: syntaxCases)
    func parseErrors(_ testCase: SyntaxCase) {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(testCase.bytes) }
        #expect(error?.message == testCase.message)
        #expect(error?.line == testCase.line)
        #expect(error?.column == testCase.column)
    }

    @Test("validate rejects with exactly the same error as parse", arguments: syntaxCases)
    func validateAgrees(_ testCase: SyntaxCase) {
        let parseError = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(testCase.bytes) }
        let validateError = #expect(throws: JSONSyntaxError.self) { try validate(testCase.bytes) }
        #expect(parseError == validateError)
    }

    @Test("validate accepts everything parse accepts", arguments: [
        "0", "[]", "{}", #""\u00e9\ud83c\udf0d""#, #"{"a":[1,2,{"b":null}],"c":"d"}"#, " [ 1e5 , -0.5 , true ] ",
        #"{"ab":1,"a\u0062c":2,"\u0061":3}"#,
        "{" + (0..<30).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}",
        String(repeating: "[", count: 512) + String(repeating: "]", count: 512),
    ])
    func validateAccepts(_ text: String) throws {
        _ = try JSONParser.parse(text)
        try validate(text)
    }

    @Test("validate finds duplicate keys in large objects, also when escaped")
    func validateLargeObjectDuplicates() {
        let members = (0..<30).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        for duplicate in [#""k3""#, #""\u006b3""#, #""k29""#] {
            let text = "{\(members),\(duplicate):0}"
            let parseError = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
            let validateError = #expect(throws: JSONSyntaxError.self) { try validate(text) }
            #expect(parseError != nil)
            #expect(parseError == validateError)
        }
    }

    @Test("the error's offset is the byte offset and its description names line and column")
    func offsetAndDescription() {
        let error = #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("[\"é\", x]") }
        #expect(error?.offset == 7)
        #expect(error?.description == "line 1, column 7: expected a JSON value, found 'x'")
    }
}
