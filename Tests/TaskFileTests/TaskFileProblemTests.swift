import JSONValue
import Testing
import TaskFile

/// One task file and the problems its check must report, in order.
struct ProblemCase: CustomTestStringConvertible, Sendable {
    let name: String
    let text: String
    let expected: [String]
    var testDescription: String { name }

    init(_ name: String, _ text: String, _ expected: [String]) {
        self.name = name
        self.text = text
        self.expected = expected
    }
}

let noCommand =
    #"no command: set exactly one of "exec" (an argv array), "shell" (a /bin/sh command line) or "run" (a built-in kind)"#
let knownFields = "id, exec, shell, run, args, env, cwd, stdin, retries, timeout, io, after, priority, pool, cpus, gpus, resources, requires, memory"
let execExpected = "expected a non-empty array of strings (the program and its arguments)"

let jsonProblemCases: [ProblemCase] = [
    ProblemCase(
        "invalid JSON",
        "{\n  \"tasks\": [\n    {\"exec\": [\"ls\"]} x\n  ]\n}\n",
        [#"bad.json:3:22: invalid JSON: expected ',' or ']' after a task, found 'x'"#]),
    ProblemCase(
        "invalid JSON inside a task",
        "{\"tasks\": [\n  {\"exec\": [\"ls\"],\n   \"env\": {\"A\": 1,}}\n]}",
        [#"bad.json:3:19: invalid JSON: expected a string key after ',', found '}' (trailing commas are not allowed)"#]
    ),
    ProblemCase(
        "top level is not an object",
        #"[{"exec": ["ls"]}]"#,
        [#"bad.json:1:1: the task file must be a JSON object with a "tasks" array, found an array (write {"tasks": [...]})"#]
    ),
    ProblemCase(
        "top level is not JSON",
        "tasks:\n  - ls",
        [#"bad.json:1:1: invalid JSON: expected '{' to start the task file (an object with a "tasks" array), found 't'"#]),
    ProblemCase(
        "tasks is not an array",
        #"{"tasks": {"exec": ["ls"]}}"#,
        [#"bad.json:1:11: field "tasks": expected an array of task objects, got object {"exec":["ls"]}"#]),
    ProblemCase(
        "unknown top-level key",
        #"{"tasks": [], "task": [{"exec": ["ls"]}]}"#,
        [#"bad.json:1:15: unknown top-level key "task"; a task file has "tasks" (required), "defaults" and "pools" (optional)"#]),
    ProblemCase(
        "missing tasks",
        #"{"defaults": {}}"#,
        [#"bad.json:1:16: missing "tasks": the task file's object needs a "tasks" array of task objects"#]),
    ProblemCase(
        "duplicate top-level key",
        #"{"tasks": [], "tasks": []}"#,
        [#"bad.json:1:15: invalid JSON: duplicate key "tasks""#]),
    ProblemCase(
        "duplicate key in a task",
        #"{"tasks": [{"exec": ["a"], "exec": ["b"]}]}"#,
        [#"bad.json:1:28: invalid JSON: duplicate key "exec""#]),
    ProblemCase(
        "trailing comma in the task list",
        #"{"tasks": [{"exec": ["a"]},]}"#,
        [#"bad.json:1:28: invalid JSON: expected a task after ',', found ']' (trailing commas are not allowed)"#]),
    ProblemCase(
        "text after the object",
        #"{"tasks": []} x"#,
        [#"bad.json:1:15: invalid JSON: expected end of input after the task file's object, found 'x'"#]),
    ProblemCase(
        "empty file",
        "",
        [#"bad.json:1:1: invalid JSON: expected '{' to start the task file (an object with a "tasks" array), found end of input (the file is empty)"#]
    ),
    ProblemCase(
        "task is not an object",
        #"{"tasks": ["ls"]}"#,
        [#"bad.json:1:12: task at position 0: expected a task object, got string "ls""#]),
    ProblemCase(
        "duplicate ids, 1 and \"1\", and an explicit id equal to a position",
        """
        {"tasks": [
          {"id": 1, "exec": ["a"]},
          {"id": "1", "exec": ["b"]},
          {"exec": ["c"]},
          {"id": 2, "exec": ["d"]}
        ]}
        """,
        [
            #"bad.json:3:3: task "1", field "id": duplicate id "1" at position 1: the task at position 0 (line 2) already uses it; the number 1 and the string "1" are the same id; give every task a unique id"#,
            #"bad.json:5:3: task 2, field "id": duplicate id 2 at position 3: the task at position 2 (line 4) already uses it (a task without "id" uses its position as its id); give every task a unique id"#,
        ]),
    ProblemCase(
        "no command",
        #"{"tasks": [{"id": "a", "env": {}}]}"#,
        ["bad.json:1:12: task \"a\": \(noCommand)"]),
    ProblemCase(
        "two commands",
        #"{"tasks": [{"exec": ["ls"], "shell": "ls"}]}"#,
        [#"bad.json:1:12: task at position 0, field "shell": "exec" and "shell" are both set; a task runs exactly one of "exec", "shell" or "run""#]
    ),
    ProblemCase(
        "three commands",
        #"{"tasks": [{"exec": ["ls"], "shell": "ls", "run": "echo"}]}"#,
        [#"bad.json:1:12: task at position 0, field "shell": "exec" and "shell" and "run" are both set; a task runs exactly one of "exec", "shell" or "run""#]
    ),
    ProblemCase(
        "args without run",
        #"{"tasks": [{"exec": ["ls"], "args": {}}, {"args": {}}]}"#,
        [
            #"bad.json:1:12: task at position 0, field "args": "args" is only valid together with "run"; this task uses "exec""#,
            "bad.json:1:42: task at position 1: \(noCommand)",
            #"bad.json:1:42: task at position 1, field "args": "args" is only valid together with "run""#,
        ]),
    ProblemCase(
        "unknown kind",
        #"{"tasks": [{"id": 3, "run": "hashh"}]}"#,
        [#"bad.json:1:12: task 3, field "run": unknown kind "hashh"; known kinds: echo, hash"#]),
    ProblemCase(
        "invalid args",
        "{\n  \"tasks\": [\n    {\"id\": \"abc\", \"run\": \"hash\", \"args\": {\"rounds\": \"ten\"}},\n    {\"run\": \"hash\", \"args\": 5}\n  ]\n}",
        [
            #"bad.json:3:5: task "abc", field "args.rounds": expected an integer >= 1, got string "ten""#,
            #"bad.json:4:5: task at position 1, field "args": expected an object, got number 5"#,
        ]),
    ProblemCase(
        "exec is a string",
        #"{"tasks": [{"exec": "ls"}]}"#,
        [#"bad.json:1:12: task at position 0, field "exec": \#(execExpected), got string "ls""#]),
    ProblemCase(
        "empty argv",
        #"{"tasks": [{"exec": []}]}"#,
        [#"bad.json:1:12: task at position 0, field "exec": \#(execExpected), got an empty array"#]),
    ProblemCase(
        "argv element is not a string",
        #"{"tasks": [{"exec": ["ls", 3]}]}"#,
        [#"bad.json:1:12: task at position 0, field "exec[1]": expected a string, got number 3"#]),
    ProblemCase(
        "wrong scalar types",
        #"{"tasks": [{"shell": ["ls"]}, {"run": 1}, {"exec": ["a"], "cwd": ""}, {"exec": ["a"], "stdin": null}]}"#,
        [
            #"bad.json:1:12: task at position 0, field "shell": expected a non-empty string (a command line for /bin/sh -c), got array ["ls"]"#,
            #"bad.json:1:31: task at position 1, field "run": expected the name of a built-in task kind (a non-empty string), got number 1"#,
            #"bad.json:1:43: task at position 2, field "cwd": expected a directory path (a non-empty string), got string """#,
            #"bad.json:1:71: task at position 3, field "stdin": expected a string, got null"#,
        ]),
    ProblemCase(
        "env value is not a string",
        #"{"tasks": [{"exec": ["ls"], "env": {"A": 1, "B": "ok"}}, {"exec": ["ls"], "env": ["A=1"]}]}"#,
        [
            #"bad.json:1:12: task at position 0, field "env.A": expected a string, got number 1"#,
            #"bad.json:1:58: task at position 1, field "env": expected an object of string values, got array ["A=1"]"#,
        ]),
    ProblemCase(
        "bad env names and NUL characters",
        #"{"tasks": [{"exec": ["ls"], "env": {"A=B": "1"}}, {"exec": ["l\u0000s"]}]}"#,
        [
            #"bad.json:1:12: task at position 0, field "env": invalid variable name "A=B": names must be non-empty and contain no '=' or NUL"#,
            #"bad.json:1:51: task at position 1, field "exec[0]": must not contain a NUL character (\u0000)"#,
        ]),
    ProblemCase(
        "env, cwd and stdin with run",
        #"{"tasks": [{"run": "echo", "env": {"A": "1"}, "cwd": "/", "stdin": ""}]}"#,
        [
            #"bad.json:1:12: task at position 0, field "env": "env" is only valid with "exec" or "shell"; built-in kinds ("run") do not start a process"#,
            #"bad.json:1:12: task at position 0, field "cwd": "cwd" is only valid with "exec" or "shell"; built-in kinds ("run") do not start a process"#,
            #"bad.json:1:12: task at position 0, field "stdin": "stdin" is only valid with "exec" or "shell"; built-in kinds ("run") do not start a process"#,
        ]),
    ProblemCase(
        "unknown field",
        #"{"tasks": [{"id": "t", "cmd": "ls"}]}"#,
        [
            #"bad.json:1:12: task "t", field "cmd": unknown field "cmd"; known fields: \#(knownFields)"#,
            "bad.json:1:12: task \"t\": \(noCommand)",
        ]),
    ProblemCase(
        "ids that are not strings or integers",
        #"{"tasks": [{"id": 1.5, "exec": ["a"]}, {"id": true, "exec": ["a"]}, {"id": {"a": 1}, "exec": ["a"]}, {"id": 1e2, "exec": ["a"]}]}"#,
        [
            #"bad.json:1:12: task at position 0, field "id": expected a non-empty string or an integer, got number 1.5"#,
            #"bad.json:1:40: task at position 1, field "id": expected a non-empty string or an integer, got boolean true"#,
            #"bad.json:1:69: task at position 2, field "id": expected a non-empty string or an integer, got object {"a":1}"#,
            #"bad.json:1:102: task at position 3, field "id": expected a non-empty string or an integer, got number 1e2"#,
        ]),
    ProblemCase(
        "id in defaults",
        #"{"defaults": {"id": 1, "exec": ["ls"]}, "tasks": [{}]}"#,
        [#"bad.json:1:14: field "defaults.id": "id" is not allowed in "defaults"; give each task its own id (or none, to use its position)"#]
    ),
    ProblemCase(
        "defaults is not an object",
        #"{"defaults": [], "tasks": []}"#,
        [#"bad.json:1:14: field "defaults": expected an object of fields every task gets unless it sets them, got an empty array"#]
    ),
    ProblemCase(
        "bad defaults are reported once, not for every task",
        #"{"tasks": [{}, {}, {"exec": ["ok"]}], "defaults": {"run": "nope", "cwd": 5}}"#,
        [
            #"bad.json:1:51: field "defaults.cwd": expected a directory path (a non-empty string), got number 5"#,
            #"bad.json:1:51: field "defaults.run": unknown kind "nope"; known kinds: echo, hash"#,
        ]),
    ProblemCase(
        "an unknown default kind is reported once",
        #"{"defaults": {"run": "nope"}, "tasks": [{}, {}]}"#,
        [#"bad.json:1:14: field "defaults.run": unknown kind "nope"; known kinds: echo, hash"#]),
    ProblemCase(
        "a default kind without default args: each task's args are checked",
        #"{"defaults": {"run": "hash"}, "tasks": [{"args": {"rounds": 2}}, {}, {"args": {"rounds": "x"}}]}"#,
        [
            #"bad.json:1:66: task at position 1, field "args.rounds": missing (expected an integer >= 1)"#,
            #"bad.json:1:70: task at position 2, field "args.rounds": expected an integer >= 1, got string "x""#,
        ]),
    ProblemCase(
        "bad default args are reported once; tasks with their own args are checked",
        #"{"defaults": {"run": "hash", "args": {"rounds": 0}}, "tasks": [{}, {}, {"args": {"rounds": 1}}, {"args": {}}]}"#,
        [
            #"bad.json:1:14: field "defaults.args.rounds": expected an integer >= 1, got number 0"#,
            #"bad.json:1:97: task at position 3, field "args.rounds": missing (expected an integer >= 1)"#,
        ]),
    ProblemCase(
        "two commands in defaults",
        #"{"defaults": {"exec": ["a"], "shell": "b"}, "tasks": [{}]}"#,
        [#"bad.json:1:14: field "defaults.shell": "exec" and "shell" are both set; a task runs exactly one of "exec", "shell" or "run""#]
    ),
    ProblemCase(
        "a syntax error before the defaults does not cause problems about missing commands",
        #"{"tasks": [{"id": 1}, {"id": 2} x], "defaults": {"exec": ["ls"]}}"#,
        [#"bad.json:1:33: invalid JSON: expected ',' or ']' after a task, found 'x'"#]),
]

@Suite("TaskFile: problems")
struct TaskFileProblemTests {
    @Test("check reports each problem with file, line, column, task and field", arguments: jsonProblemCases)
    func jsonProblems(_ testCase: ProblemCase) throws {
        let directory = try TemporaryDirectory()
        #expect(try problems("bad.json", testCase.text, in: directory) == testCase.expected)
    }

    @Test("the reader stops at the first problem of a bad file", arguments: jsonProblemCases)
    func readerFails(_ testCase: ProblemCase) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("bad.json", testCase.text)
        let reader = try TaskFile(path: path, validateKind: testKinds).makeReader()
        var thrown: TaskFileProblem?
        for _ in 0..<10 {
            do {
                guard try reader.nextTask() != nil else { break }
            } catch {
                thrown = error
                break
            }
        }
        let problem = try #require(thrown)
        // The same place as the check's first problem (the reader's duplicate-id message is shorter).
        let first = try #require(TaskFile(path: path, validateKind: testKinds).check().problems.first)
        #expect(problem.line == first.line)
        #expect(problem.column == first.column)
        #expect(problem.task == first.task)
        #expect(problem.field == first.field)
        if !first.message.hasPrefix("duplicate id") { #expect(problem == first) }
        // Later calls throw the same problem.
        #expect(throws: problem) { try reader.nextTask() }
    }

    @Test("a missing file is a problem, not a crash")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let file = TaskFile(path: directory.path + "/missing.json", validateKind: testKinds)
        let check = file.check()
        #expect(problemTexts(check, in: directory) == [
            "missing.json: cannot open the task file: No such file or directory (check the path and its permissions)"
        ])
        #expect(check.taskCount == 0)
        #expect(!check.isValid)
        #expect(throws: TaskFileProblem.self) { try file.makeReader() }
    }

    @Test("a directory is a problem")
    func directoryAsFile() throws {
        let directory = try TemporaryDirectory()
        let check = TaskFile(path: directory.path, validateKind: testKinds).check()
        #expect(check.problems.count == 1)
        #expect(check.problems.first?.message == "cannot read the task file: Is a directory")
    }

    @Test("problems beyond maxProblems are counted, not listed")
    func maxProblems() throws {
        let directory = try TemporaryDirectory()
        let tasks = Array(repeating: "{}", count: 10).joined(separator: ",")
        let path = try directory.write("bad.json", "{\"tasks\": [\(tasks)]}")
        let check = TaskFile(path: path, validateKind: testKinds).check(maxProblems: 3)
        #expect(check.problems.count == 3)
        #expect(check.omittedProblemCount == 7)
        #expect(check.taskCount == 10)
        #expect(!check.isValid)
        #expect(check.problems.map(\.task) == ["task at position 0", "task at position 1", "task at position 2"])
    }

    @Test("a file that turned bad after its check makes the reader throw")
    func changedFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tasks.json", #"{"tasks": [{"exec": ["a"]}, {"exec": ["b"]}]}"#)
        let file = TaskFile(path: path, validateKind: testKinds)
        #expect(file.check().isValid)
        try directory.write("tasks.json", #"{"tasks": [{"exec": ["a"]}, {"exec": "b"}]}"#)
        let reader = try file.makeReader()
        #expect(try reader.nextTask()?.spec == .exec(["a"]))
        let problem = #expect(throws: TaskFileProblem.self) { try reader.nextTask() }
        #expect(problem?.field == "exec")
        #expect(problem?.task == "task at position 1")
        #expect(problem?.line == 1)
        #expect(problem?.column == 29)
    }

    @Test("problems expose their parts")
    func problemParts() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("bad.json", "{\"tasks\": [\n  {\"id\": \"abc\", \"run\": \"hash\", \"args\": {\"rounds\": 0}}\n]}")
        let problem = try #require(TaskFile(path: path, validateKind: testKinds).check().problems.first)
        #expect(problem.path == path)
        #expect(problem.line == 2)
        #expect(problem.column == 3)
        #expect(problem.task == #"task "abc""#)
        #expect(problem.field == "args.rounds")
        #expect(problem.message == "expected an integer >= 1, got number 0")
    }

    @Test("problem descriptions leave out the parts that are not known")
    func problemDescriptions() {
        let full = TaskFileProblem(path: "t.json", line: 12, column: 5, task: "task 7", field: "exec", message: "m")
        #expect(full.description == #"t.json:12:5: task 7, field "exec": m"#)
        let noColumn = TaskFileProblem(path: "t.jsonl", line: 3, column: nil, task: nil, field: nil, message: "m")
        #expect(noColumn.description == "t.jsonl:3: m")
        let nowhere = TaskFileProblem(path: "t.json", line: nil, column: nil, task: nil, field: "tasks", message: "m")
        #expect(nowhere.description == #"t.json: field "tasks": m"#)
    }
}

extension String {
    /// The string without `prefix` when it starts with it.
    func replacingPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}

@Suite("TaskFile: kind validator field paths")
struct KindFieldPathTests {
    @Test("validator field paths may be relative to args or start with args", arguments: [
        ("", "args"), ("args", "args"), ("rounds", "args.rounds"), ("args.rounds", "args.rounds"),
        ("input.path", "args.input.path"), ("[0]", "args[0]"), ("args[0]", "args[0]"), ("argsx", "args.argsx"),
    ])
    func paths(reported: String, shown: String) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tasks.json", #"{"tasks": [{"run": "k"}]}"#)
        let validator: KindValidator = { _, _ in .invalid(field: reported, message: "bad") }
        let problem = try #require(TaskFile(path: path, validateKind: validator).check().problems.first)
        #expect(problem.field == shown)
    }
}
