import JSONValue
import Testing
import TaskFile

@Suite("TaskFile: JSONL problems")
struct TaskFileJSONLTests {
    @Test("every bad line is reported with its line number and checking goes on")
    func problemsPerLine() throws {
        let directory = try TemporaryDirectory()
        let text = """
            {"id": 1, "exec": ["a"]}
            {"id": 2, "exec": ["b"]
            {"id": 3, "exec": "c"}

            {"id": 1, "shell": "d"}
              [1]
            {"exec": ["a"]} {"exec": ["b"]}
            {"run": "hash", "args": {"rounds": -1}}
            """
        let path = try directory.write("bad.jsonl", text)
        let check = TaskFile(path: path, validateKind: testKinds).check()
        #expect(problemTexts(check, in: directory) == [
            #"bad.jsonl:2:24: invalid JSON: expected ',' or '}' after object member, found end of input"#,
            #"bad.jsonl:3:1: task 3, field "exec": expected a non-empty array of strings (the program and its arguments), got string "c""#,
            #"bad.jsonl:5:1: task 1, field "id": duplicate id 1 at position 3: the task at position 0 (line 1) already uses it; give every task a unique id"#,
            #"bad.jsonl:6:3: task at position 4: expected a task object, got array [1]"#,
            #"bad.jsonl:7:17: invalid JSON: expected end of input after the JSON value, found '{'"#,
            #"bad.jsonl:8:1: task at position 6, field "args.rounds": expected an integer >= 1, got number -1"#,
        ])
        #expect(check.taskCount == 7)
    }

    @Test("a duplicate id far down a large file names both lines; canonically equivalent ids are one id")
    func duplicatesInALargeFile() throws {
        let directory = try TemporaryDirectory()
        var lines = (0..<300_000).map { #"{"id": "t\#($0)", "exec": ["a"]}"# }
        lines[299_998] = #"{"id": "t7", "exec": ["a"]}"#
        lines[5] = #"{"id": "caf\u00e9", "exec": ["a"]}"#
        lines[299_999] = #"{"id": "cafe\u0301", "exec": ["a"]}"#
        let path = try directory.write("big.jsonl", lines.joined(separator: "\n"))
        let check = TaskFile(path: path, validateKind: testKinds).check()
        #expect(check.taskCount == 300_000)
        let found = check.problems.map { ($0.line, $0.field, $0.message) }
        try #require(found.count == 2)
        #expect(found[0].0 == 299_999 && found[0].1 == "id")
        #expect(found[0].2.hasPrefix(#"duplicate id "t7" at position 299998: the task at position 7 (line 8) already uses it"#))
        #expect(found[1].0 == 300_000 && found[1].1 == "id")
        #expect(found[1].2.contains("at position 299999: the task at position 5 (line 6) already uses it"))
    }

    @Test("an empty JSONL file is a problem")
    func emptyFile() throws {
        let directory = try TemporaryDirectory()
        #expect(try problems("empty.jsonl", "", in: directory) == [
            "empty.jsonl: the file has no tasks; a JSONL task file has one JSON task object per line"
        ])
        #expect(try problems("blank.jsonl", "\n  \n\n", in: directory) == [
            "blank.jsonl: the file has no tasks; a JSONL task file has one JSON task object per line"
        ])
    }

    @Test("syntax errors carry the column within their line, counted in characters")
    func columnsInLines() throws {
        let directory = try TemporaryDirectory()
        #expect(try problems("bad.jsonl", "{\"exec\": [\"a\"]}\n{\"exec\": [\"é\", x]}\n", in: directory) == [
            #"bad.jsonl:2:16: invalid JSON: expected a JSON value, found 'x'"#
        ])
    }

    @Test("the reader yields the good lines before the first bad one, then throws")
    func readerStops() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write(
            "tasks.jsonl", "{\"exec\": [\"a\"]}\n{\"exec\": [\"b\"]}\n{\"exec\": [\"c\"],}\n{\"exec\": [\"d\"]}\n")
        let reader = try TaskFile(path: path, validateKind: testKinds).makeReader()
        #expect(try reader.nextTask()?.spec == .exec(["a"]))
        #expect(try reader.nextTask()?.spec == .exec(["b"]))
        let problem = #expect(throws: TaskFileProblem.self) { try reader.nextTask() }
        #expect(problem?.line == 3)
        #expect(problem?.column == 16)
        #expect(throws: TaskFileProblem.self) { try reader.nextTask() }
    }

    @Test("a last line without a newline is read")
    func noFinalNewline() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("tasks.jsonl", "{\"exec\": [\"a\"]}\n{\"id\": 9, \"exec\": [\"b\"]}")
        let tasks = try readAll(TaskFile(path: path, validateKind: testKinds))
        #expect(tasks.map(\.id.key) == ["0", "9"])
        #expect(tasks.map(\.line) == [1, 2])
    }
}
