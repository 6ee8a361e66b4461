import JSONValue
import Testing
import TaskFile

@Suite("TaskFile: valid files")
struct TaskFileGoodFileTests {
    private static let tasksJSON = """
            {"id": "a", "exec": ["ls", "-l"], "env": {"B": "x"}},
            {"shell": "echo hi", "stdin": "input"},
            {"id": 7, "run": "hash", "args": {"rounds": 3}}
        """
    private static let defaultsJSON = #"{"env": {"A": "1", "B": "2"}, "cwd": "/tmp"}"#

    private func expectDefaultsApplied(_ tasks: [TaskDefinition], firstLine: Int) throws {
        try #require(tasks.count == 3)
        #expect(tasks.map(\.position) == [0, 1, 2])
        #expect(tasks.map(\.line) == [firstLine, firstLine + 1, firstLine + 2])
        #expect(tasks[0].id.original == "a")
        #expect(tasks[0].spec == .exec(["ls", "-l"], env: ["A": "1", "B": "x"], cwd: "/tmp"))
        #expect(tasks[1].id == TaskID(position: 1))
        #expect(tasks[1].id.original == 1)
        #expect(
            tasks[1].spec
                == TaskSpec(
                    command: .shell("echo hi"), environment: ["A": "1", "B": "2"], workingDirectory: "/tmp",
                    stdin: "input"))
        #expect(tasks[2].id.key == "7")
        // env and cwd from the defaults only apply to tasks that start a process.
        #expect(tasks[2].spec == TaskSpec(command: .run(kind: "hash", args: ["rounds": 3])))
    }

    @Test("defaults before the tasks apply, env objects merge with the task's keys winning")
    func defaultsBefore() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "tasks.json", "{\n  \"defaults\": \(Self.defaultsJSON),\n  \"tasks\": [\n\(Self.tasksJSON)\n  ]\n}\n")
        let file = TaskFile(path: path, validateKind: testKinds)
        #expect(file.format == .json)
        let check = file.check()
        #expect(check.problems.isEmpty)
        #expect(check.isValid)
        #expect(check.taskCount == 3)
        // Served from the check, then streamed (the check's tasks are used once).
        try expectDefaultsApplied(try readAll(file), firstLine: 4)
        try expectDefaultsApplied(try readAll(file), firstLine: 4)
    }

    @Test("defaults after the tasks apply just the same")
    func defaultsAfter() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "tasks.json", "{\n  \"tasks\": [\n\(Self.tasksJSON)\n  ],\n  \"defaults\": \(Self.defaultsJSON)\n}")
        let file = TaskFile(path: path, validateKind: testKinds)
        try expectDefaultsApplied(try readAll(file), firstLine: 3)
        #expect(file.check().isValid)
        try expectDefaultsApplied(try readAll(file), firstLine: 3)
    }

    @Test("default commands apply only to tasks that set none of exec, shell and run")
    func defaultCommands() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "tasks.json",
            """
            {"tasks": [
              {},
              {"id": "own-args", "args": {"rounds": 5}},
              {"exec": ["true"]},
              {"run": "echo"}
            ],
             "defaults": {"run": "hash", "args": {"rounds": 1}}}
            """)
        let file = TaskFile(path: path, validateKind: testKinds)
        #expect(file.check().problems.isEmpty)
        let tasks = try readBothWays(path)
        #expect(tasks.map(\.spec.command) == [
            .run(kind: "hash", args: ["rounds": 1]),
            .run(kind: "hash", args: ["rounds": 5]),
            .exec(["true"]),
            .run(kind: "echo", args: [:]),
        ])
        #expect(tasks.map(\.id.key) == ["0", "own-args", "2", "3"])
    }

    @Test("ids: absent ids are positions, integers of any size and strings are kept as given")
    func ids() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "tasks.json",
            #"{"tasks": [{"id": "first", "exec": ["a"]}, {"id": 12345678901234567890, "exec": ["b"]}, {"id": "x y", "exec": ["c"]}, {"id": -0, "exec": ["d"]}, {"exec": ["e"]}]}"#
        )
        let file = TaskFile(path: path, validateKind: testKinds)
        #expect(file.check().isValid)
        let tasks = try readBothWays(path)
        #expect(tasks.map(\.id.key) == ["first", "12345678901234567890", "x y", "0", "4"])
        #expect(tasks.map(\.id.description) == ["\"first\"", "12345678901234567890", "\"x y\"", "-0", "4"])
        #expect(tasks[1].id.original.text == "12345678901234567890")
    }

    @Test("an empty string is not an id")
    func emptyStringID() throws {
        let directory = try TemporaryDirectory()
        #expect(try problems("tasks.json", #"{"tasks": [{"id": "", "exec": ["e"]}]}"#, in: directory) == [
            #"tasks.json:1:12: task at position 0, field "id": expected a non-empty string or an integer, got string """#
        ])
    }

    @Test("an empty task list is valid")
    func emptyList() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tasks.json", #" { "tasks" : [ ] } "#)
        let file = TaskFile(path: path, validateKind: testKinds)
        let check = file.check()
        #expect(check.isValid)
        #expect(check.taskCount == 0)
        #expect(try readAll(file).isEmpty)
    }

    @Test("JSONL: one task per line, blank lines skipped, lines and positions counted")
    func jsonl() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "tasks.JSONL",
            "{\"id\": \"x\", \"exec\": [\"a\"]}\n\n   {\"shell\": \"b\"}\r\n \t \n{\"run\": \"echo\", \"args\": [1]}")
        let file = TaskFile(path: path, validateKind: testKinds)
        #expect(file.format == .jsonl)
        let check = file.check()
        #expect(check.isValid)
        #expect(check.taskCount == 3)
        let tasks = try readBothWays(path)
        #expect(tasks.map(\.line) == [1, 3, 5])
        #expect(tasks.map(\.position) == [0, 1, 2])
        #expect(tasks.map(\.id.key) == ["x", "1", "2"])
        #expect(tasks[2].spec.command == .run(kind: "echo", args: [1]))
    }

    @Test("the reader returns nil after the last task and after close")
    func readerEnd() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tasks.json", #"{"tasks": [{"exec": ["a"]}]}"#)
        let reader = try TaskFile(path: path, validateKind: testKinds).makeReader()
        #expect(try reader.nextTask()?.spec == .exec(["a"]))
        #expect(try reader.nextTask() == nil)
        #expect(try reader.nextTask() == nil)
        let closed = try TaskFile(path: path, validateKind: testKinds).makeReader()
        closed.close()
        closed.close()
        #expect(try closed.nextTask() == nil)
    }

    @Test("tasks served from a check equal the streamed ones, and a changed file is read again")
    func checkedTasksMatchStreamed() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "tasks.json",
            #"{"tasks": [{"exec": ["a"]}, {"id": "x", "run": "hash", "args": {"rounds": 2}}], "defaults": {"cwd": "/"}}"#
        )
        _ = try readBothWays(path)
        let file = TaskFile(path: path, validateKind: testKinds)

        // Same size, new content and a different modification time: the reader must not serve the old tasks.
        #expect(file.check().isValid)
        try directory.write(
            "tasks.json",
            #"{"tasks": [{"exec": ["b"]}, {"id": "y", "run": "hash", "args": {"rounds": 3}}], "defaults": {"cwd": "/"}}"#
        )
        try setModificationTime(path, seconds: 1_000_000)
        let reread = try readAll(file)
        #expect(reread.first?.spec.command == .exec(["b"]))
        #expect(reread.last?.id.key == "y")
    }
}
