import JSONValue
import Testing

@Suite("JSONNumber")
struct JSONNumberTests {
    @Test("text initializer accepts exactly the JSON number grammar", arguments: [
        ("0", true), ("-0", true), ("12", true), ("1.5", true), ("1e5", true), ("1E-5", true), ("-1.0e+10", true),
        ("", false), ("-", false), ("01", false), ("1.", false), (".5", false), ("+1", false), ("1e", false),
        ("NaN", false), ("Infinity", false), (" 1", false), ("1 ", false), ("0x10", false), ("1_000", false),
    ])
    func textValidation(text: String, valid: Bool) {
        #expect((JSONNumber(text: text) != nil) == valid)
        if valid { #expect(JSONNumber(text: text)?.text == text) }
    }

    @Test("intValue is exact for integer literals that fit and nil otherwise")
    func intValue() {
        #expect(JSONNumber(text: "3")?.intValue == 3)
        #expect(JSONNumber(text: "-7")?.intValue == -7)
        #expect(JSONNumber(text: "-0")?.intValue == 0)
        #expect(JSONNumber(text: "9223372036854775807")?.intValue == Int.max)
        #expect(JSONNumber(text: "-9223372036854775808")?.intValue == Int.min)
        #expect(JSONNumber(text: "9223372036854775808")?.intValue == nil)
        #expect(JSONNumber(text: "3.0")?.intValue == nil)
        #expect(JSONNumber(text: "1e3")?.intValue == nil)
        #expect(JSONNumber(Int.min).intValue == Int.min)
        #expect(JSONNumber(text: "12345678901234567890")?.isIntegerLiteral == true)
        #expect(JSONNumber(text: "1.0")?.isIntegerLiteral == false)
    }

    @Test("Double values are written in shortest round-trip form that is valid JSON", arguments: [
        0.1, 1.0, -0.0, 1e-5, 1e16, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude, 123456.789, -2.5, 1.0 / 3.0,
    ])
    func doubles(value: Double) throws {
        let number = JSONNumber(value)
        #expect(JSONNumber(text: number.text) != nil, "\(number.text) is not JSON")
        #expect(number.doubleValue == value)
        #expect(number.doubleValue.sign == value.sign)
        #expect(try JSONParser.parse(number.text) == .number(number))
    }

    @Test("doubleValue reads any JSON number")
    func doubleValue() {
        #expect(JSONNumber(text: "1.50")?.doubleValue == 1.5)
        #expect(JSONNumber(text: "1e3")?.doubleValue == 1000)
        #expect(JSONNumber(text: "12345678901234567890")?.doubleValue == 12345678901234567890.0)
        #expect(JSONNumber(text: "1e400")?.doubleValue == .infinity)
    }

    @Test("equality compares the text")
    func equality() {
        #expect(JSONNumber(text: "1") == JSONNumber(1))
        #expect(JSONNumber(text: "1.0") != JSONNumber(1))
        #expect(JSONNumber(2.5).description == "2.5")
    }
}
