import JSONValue
import JobRunKit
import Testing

@Suite("Built-in task kinds")
struct BuiltInHandlerTests {
    static let context = TaskContext(sequence: 0, attempt: 1, services: services)
    static let services = WorkerServices(cpuSlots: 1, ioConcurrency: 8)

    @Test("sha256-chain matches the reference vectors", arguments: [
        ("task-0", 1, "600153c1dc756d80f14729c67d3c13afe4ad2959ef68b255a547d384f92e787f"),
        ("task-0", 2, "2087e5edb570b1fa706b2976cbda1ff76913c383461da8cd8f7462f7f757f124"),
        ("task-0", 400_000, "a628d70e9d768d3f1f774e93ee650f2cf2d179fa24e6cf87b69b9a5a88b7f958"),
        ("task-63", 400_000, "3ea3ef74581e20c1954a292925a66aaa5cf9511fa2d2f784d0b9c1d170c125d4"),
    ])
    func shaVectors(seed: String, rounds: Int, hex: String) async throws {
        let result = try await SHA256ChainHandler().run(
            ["seed": .string(seed), "rounds": .number(JSONNumber(rounds))], context: Self.context
        )
        #expect(result == ["digest": .string(hex)])
    }

    @Test("echo returns its value unchanged, numbers included")
    func echo() async throws {
        let value = try JSONParser.parse(#"{"big": 12345678901234567890, "f": 1.50, "s": "\u00e9", "n": null}"#)
        let result = try await EchoHandler().run(["value": value], context: Self.context)
        #expect(result.text == #"{"big":12345678901234567890,"f":1.50,"s":"é","n":null}"#)
    }

    @Test("sleep waits and reports how long")
    func sleep() async throws {
        #expect(try await SleepHandler().run(["ms": 5], context: Self.context) == ["slept_ms": 5])
    }

    @Test("bad arguments name the field and what was expected", arguments: [
        ("sha256-chain", #"{"seed": "x", "rounds": "ten"}"#, #"args.rounds: expected an integer >= 1, got string "ten""#),
        ("sha256-chain", #"{"seed": "x", "rounds": 0}"#, "args.rounds: expected an integer >= 1, got number 0"),
        ("sha256-chain", #"{"rounds": 3}"#, "args.seed: missing (expected a string)"),
        ("sha256-chain", #"{"seed": "x", "rounds": 3, "salt": 1}"#, "args.salt: unknown argument for sha256-chain"),
        ("sleep", #"{"ms": -1}"#, "args.ms: expected an integer >= 0, got number -1"),
        ("sleep", "[]", "args: expected an object, got array"),
        ("echo", #"{"valu": 1}"#, "args.valu: unknown argument; echo takes only `value`"),
    ])
    func badArguments(kind: String, arguments: String, message: String) throws {
        let handler = try #require(HandlerRegistry.builtIn[kind])
        do {
            try handler.validate(try JSONParser.parse(arguments))
            Issue.record("accepted \(arguments)")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test("the registry lists the built-in kinds and lets a handler be added")
    func registry() {
        var registry = HandlerRegistry.builtIn
        #expect(registry.names == ["echo", "fetch-digest", "http-get", "sha256-chain", "sleep"])
        registry.register(EchoRenamed())
        #expect(registry.names == ["echo", "echo2", "fetch-digest", "http-get", "sha256-chain", "sleep"])
    }

    @Test("compute runs its closure off the cooperative pool and returns its value")
    func computeOnCPUThread() async throws {
        let value = try await Self.context.compute { (1...1000).reduce(0, +) }
        #expect(value == 500_500)
    }
}

struct EchoRenamed: TaskHandler {
    let name = "echo2"
    func validate(_ arguments: JSONValue) throws(ArgumentError) {}
    func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue { arguments }
}
