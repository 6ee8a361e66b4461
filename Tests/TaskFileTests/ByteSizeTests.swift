import JSONValue
import TaskFile
import Testing

@Suite("sizes (ByteSize) and the memory field")
struct ByteSizeTests {
    static let sizes: [(String, UInt64)] = [
        ("65536", 65536), ("1K", 1024), ("512M", 536_870_912), ("512m", 536_870_912), ("2G", 2_147_483_648),
        ("1T", 1_099_511_627_776), ("1.5G", 1_610_612_736), ("512MB", 536_870_912), ("512MiB", 536_870_912),
        (" 64M ", 67_108_864), ("100B", 100),
    ]

    @Test("sizes with and without suffixes", arguments: sizes)
    func parses(text: String, bytes: UInt64) throws {
        #expect(try ByteSize(parsing: text).bytes == bytes)
    }

    @Test("what is not a size, or out of range, is refused with a sentence that says what was expected", arguments: [
        "", "M", "lots", "-1M", "1..5G", ".5G", "5.G", "1X", "1iB", "0x10", "1e9", "9999999999T", "0",
    ])
    func refuses(text: String) {
        #expect(throws: ByteSize.ParseError.self) { try ByteSize(parsing: text) }
        do {
            _ = try ByteSize(parsing: text)
        } catch {
            #expect(error.description.contains("512M") || error.description.contains("out of range"), "\(error)")
        }
    }

    @Test("a minimum is enforced and named")
    func minimum() {
        #expect(throws: ByteSize.ParseError.self) { try ByteSize(parsing: "10K", minimum: .minimumMemoryLimit) }
        do {
            _ = try ByteSize(parsing: "10K", minimum: .minimumMemoryLimit)
        } catch {
            #expect(error.description == #""10K" is out of range: a size from 1 MiB to 1 EiB"#)
        }
    }

    @Test("sizes read as people write them")
    func descriptions() {
        #expect(ByteSize(bytes: 300).description == "300 B")
        #expect(ByteSize(bytes: 512 << 20).description == "512 MiB")
        #expect(ByteSize(bytes: 3 << 29).description == "1.5 GiB")
    }

    @Test("memory: a size text in a task file, a number of bytes on the wire, both round-trip")
    func memoryField() throws {
        let spec = try TaskSpec(json: JSONParser.parse(#"{"shell": "true", "memory": "512M"}"#))
        #expect(spec.memoryLimitBytes == 512 << 20)
        #expect(spec.json.text == #"{"shell":"true","memory":536870912}"#)
        #expect(spec.serializedJSON == spec.json.serialized)
        #expect(try TaskSpec(json: spec.json) == spec)
    }

    @Test("a bad memory value names the field", arguments: [#""lots""#, #""10K""#, "true", "-5", #""""#])
    func badMemory(value: String) throws {
        #expect(throws: TaskSpecError.self) { try TaskSpec(json: JSONParser.parse(#"{"shell": "true", "memory": \#(value)}"#)) }
        do {
            _ = try TaskSpec(json: JSONParser.parse(#"{"shell": "true", "memory": \#(value)}"#))
        } catch let error as TaskSpecError {
            #expect(error.field == "memory")
        }
    }
}
