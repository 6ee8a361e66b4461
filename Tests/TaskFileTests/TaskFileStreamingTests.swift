import JSONValue
import Testing
import TaskFile

@Suite("TaskFile: streaming large files and chunk boundaries")
struct TaskFileStreamingTests {
    @Test("a 200,000-line JSONL file is checked and streamed in order")
    func largeJSONL() throws {
        let directory = try TemporaryDirectory()
        let count = 200_000
        var text: [UInt8] = []
        text.reserveCapacity(count * 48)
        for number in 0..<count {
            text.append(contentsOf: "{\"id\": \(number), \"exec\": [\"echo\", \"task \(number)\"]}\n".utf8)
        }
        let path = try directory.write("large.jsonl", bytes: text)
        let file = TaskFile(path: path, validateKind: testKinds)
        let check = file.check()
        #expect(check.problems.isEmpty)
        #expect(check.taskCount == count)

        let reader = try file.makeReader()
        defer { reader.close() }
        var seen = 0
        var inOrder = true
        while seen <= count, let task = try reader.nextTask() {
            if task.position != seen || task.line != seen + 1 || task.id.key != String(seen)
                || task.spec.command != .exec(["echo", "task \(seen)"])
            {
                inOrder = false
            }
            seen += 1
        }
        #expect(seen == count)
        #expect(inOrder)
    }

    @Test("a large JSON file with defaults after the tasks streams with the defaults applied")
    func largeJSONWithTrailingDefaults() throws {
        let directory = try TemporaryDirectory()
        let count = 30_000
        var text = Array("{\"tasks\": [\n".utf8)
        for number in 0..<count {
            if number > 0 { text.append(contentsOf: ",\n".utf8) }
            text.append(contentsOf: "  {\"id\": \"t\(number)\", \"args\": {\"rounds\": \(number + 1)}}".utf8)
        }
        text.append(contentsOf: "\n],\n\"defaults\": {\"run\": \"hash\"}}\n".utf8)
        let path = try directory.write("large.json", bytes: text)
        let file = TaskFile(path: path, validateKind: testKinds)
        let check = file.check()
        #expect(check.problems.isEmpty)
        #expect(check.taskCount == count)
        let served = try readAll(file, limit: count)
        let tasks = try readAll(TaskFile(path: path, validateKind: testKinds), limit: count)
        #expect(served.count == count)
        #expect(served.map(\.spec) == tasks.map(\.spec))
        #expect(tasks.count == count)
        #expect(tasks.last?.spec.command == .run(kind: "hash", args: ["rounds": .number(JSONNumber(count))]))
        #expect(tasks.last?.line == count + 1)
        #expect(tasks.allSatisfy { $0.id.key == "t\($0.position)" })
    }

    /// A file whose values straddle any small chunk boundary: long strings, multi-byte characters, numbers.
    private static let awkwardFile = """
        {
          "tasks": [
            {"id": 12345678901234567890, "exec": ["printf", "%s", "\(String(repeating: "long ", count: 40))"]},
            {"id": "日本語", "shell": "echo 'é 🌍 \\u00e9 \\ud83c\\udf0d'", "stdin": "1.5e-7"},
            {"run": "echo", "args": {"numbers": [0, -0.0, 1e300, 123456789], "nested": [[[{"a": null}]]]}},
            {"exec": ["x"], "env": {"K\(String(repeating: "k", count: 100))": "v"}},
            {"shell": "echo '] } [ {' \\"quoted ]\\" back\\\\slash\\\\", "stdin": "\\\\"}
          ],
          "defaults": {"env": {"FROM_DEFAULTS": "yes"}, "cwd": "/"}
        }
        """

    @Test("results do not depend on where chunk boundaries fall", arguments: [16, 17, 31, 64, 257, 4096])
    func chunkBoundaries(chunkSize: Int) throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("awkward.json", Self.awkwardFile)
        let reference = try readAll(TaskFile(path: path, validateKind: testKinds))
        try #require(reference.count == 5)
        #expect(reference[4].spec.command == .shell(#"echo '] } [ {' "quoted ]" back\slash\"#))
        #expect(reference[4].spec.stdin == "\\")
        #expect(reference[1].spec.command == .shell("echo 'é 🌍 é 🌍'"))
        #expect(reference[3].spec.environment["FROM_DEFAULTS"] == "yes")
        let small = TaskFile(path: path, validateKind: testKinds, chunkSize: chunkSize)
        // Stream first (a check would keep its tasks for the next read).
        let tasks = try readAll(small)
        #expect(small.check().isValid)
        #expect(tasks.map(\.spec) == reference.map(\.spec))
        #expect(tasks.map(\.id) == reference.map(\.id))
        #expect(tasks.map(\.line) == [3, 4, 5, 6, 7])

        // The same file as JSONL.
        let lines = reference.map { task -> String in
            var object = task.spec.json.objectValue!
            object["id"] = task.id.original
            return JSONValue.object(object).text
        }
        let jsonlPath = try directory.write("awkward.jsonl", lines.joined(separator: "\n") + "\n")
        let jsonl = try readAll(TaskFile(path: jsonlPath, validateKind: testKinds, chunkSize: chunkSize))
        #expect(jsonl.map(\.spec) == reference.map(\.spec))
    }

    @Test("syntax error positions do not depend on chunk boundaries", arguments: [16, 23, 64])
    func errorPositionsAcrossChunks(chunkSize: Int) throws {
        let directory = try TemporaryDirectory()
        let text = "{\"tasks\": [\n" + String(repeating: "  {\"exec\": [\"échō\"]},\n", count: 20)
            + "  {\"exec\": [\"a\"] \"b\"}\n]}"
        let path = try directory.write("bad.json", text)
        let problems = TaskFile(path: path, validateKind: testKinds, chunkSize: chunkSize).check().problems
        #expect(problems.map(\.description) == [
            "\(path):22:18: invalid JSON: expected ',' or '}' after object member, found '\"'"
        ])
    }
}
