import JSONValue
import Testing
import TaskFile

@Suite("TaskSpec wire form and TaskID")
struct TaskSpecTests {
    @Test("json writes only the fields that are set, and init(json:) reads it back", arguments: [
        TaskSpec(command: .exec(["ls", "-l"]), environment: ["B": "2", "A": "1"], workingDirectory: "/tmp", stdin: "in"),
        TaskSpec(command: .shell("echo hi")),
        TaskSpec(command: .run(kind: "hash", args: ["rounds": 3, "input": "x"])),
        TaskSpec(command: .run(kind: "echo", args: [1, "two", nil])),
        TaskSpec(command: .exec(["a\"b", "\n", "é"]), environment: ["Z": "\u{1}", "B": "", "A": "x"], stdin: ""),
    ])
    func roundTrip(spec: TaskSpec) throws {
        #expect(try TaskSpec(json: spec.json) == spec)
        #expect(try TaskSpec(json: JSONParser.parse(spec.json.serialized)) == spec)
        // The direct writer gives the same bytes as serializing `json`.
        #expect(spec.serializedJSON == spec.json.serialized)
    }

    @Test("wire form text")
    func wireText() {
        let spec = TaskSpec(
            command: .exec(["ls", "-l"]), environment: ["B": "2", "A": "1"], workingDirectory: "/tmp", stdin: "in")
        #expect(spec.json.text == #"{"exec":["ls","-l"],"env":{"A":"1","B":"2"},"cwd":"/tmp","stdin":"in"}"#)
        #expect(TaskSpec(command: .shell("x")).json.text == #"{"shell":"x"}"#)
        #expect(TaskSpec(command: .run(kind: "k", args: [:])).json.text == #"{"run":"k","args":{}}"#)
    }

    @Test("run without args means empty args")
    func defaultArgs() throws {
        #expect(try TaskSpec(json: ["run": "k"]).command == .run(kind: "k", args: [:]))
    }

    @Test("every malformed wire form throws an error naming the field", arguments: [
        (JSONValue.array([1]), nil as String?, "expected a task object, got array [1]"),
        (["id": 1, "exec": ["ls"]], "id", "unknown field \"id\"; known fields: exec, shell, run, args, env, cwd, stdin, retries, timeout, io, after, priority, pool, cpus, gpus, resources, requires, memory"),
        (["exec": "ls"], "exec", "expected a non-empty array of strings (the program and its arguments), got string \"ls\""),
        (["exec": [""]], "exec[0]", "the program name must not be empty"),
        (["shell": "a", "run": "b"], "run", "\"shell\" and \"run\" are both set; a task runs exactly one of \"exec\", \"shell\" or \"run\""),
        (["shell": "a", "args": [:]], "args", "\"args\" is only valid together with \"run\"; this task uses \"shell\""),
        (["run": "k", "stdin": "x"], "stdin", "\"stdin\" is only valid with \"exec\" or \"shell\"; built-in kinds (\"run\") do not start a process"),
        (["shell": "a", "env": ["X": ["y"]]], "env.X", "expected a string, got array [\"y\"]"),
        ([:], nil, "no command: set exactly one of \"exec\" (an argv array), \"shell\" (a /bin/sh command line) or \"run\" (a built-in kind)"),
    ] as [(JSONValue, String?, String)])
    func malformed(json: JSONValue, field: String?, message: String) {
        let error = #expect(throws: TaskSpecError.self) { try TaskSpec(json: json) }
        #expect(error?.field == field)
        #expect(error?.message == message)
    }

    @Test("error descriptions name the field")
    func errorDescription() {
        #expect(TaskSpecError(field: "exec", message: "m").description == #"field "exec": m"#)
        #expect(TaskSpecError(field: nil, message: "m").description == "m")
    }

    @Test("ids: 1 and \"1\" are the same id, the original is kept")
    func taskIDs() throws {
        let number = try #require(TaskID(json: 1))
        let string = try #require(TaskID(json: "1"))
        #expect(number == string)
        #expect(number.hashValue == string.hashValue)
        #expect(number.original == 1)
        #expect(string.original == "1")
        #expect(number.description == "1")
        #expect(string.description == "\"1\"")
        #expect(TaskID(position: 4) == TaskID(json: 4))
        #expect(TaskID(json: .number(JSONNumber(text: "-0")!))?.key == "0")
        #expect(TaskID(json: .number(JSONNumber(text: "99999999999999999999")!))?.key == "99999999999999999999")
        #expect(TaskID(json: .number(JSONNumber(text: "1.0")!)) == nil)
        #expect(TaskID(json: .number(JSONNumber(text: "1e3")!)) == nil)
        #expect(TaskID(json: true) == nil)
        #expect(TaskID(json: nil) == nil)
        #expect(TaskID(json: ["a": 1]) == nil)
        #expect(TaskID(json: "a\"b")?.description == #""a\"b""#)
    }
}
