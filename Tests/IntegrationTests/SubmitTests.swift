import Foundation
import JSONValue
import Testing

@Suite("jobrun submit, end to end", .serialized)
struct SubmitTests {
    @Test("a mixed job of exec, shell and built-in tasks records every task once")
    func mixedJob() throws {
        let scratch = try Scratch()
        let file = try scratch.write("mixed.json", #"""
            {"defaults": {"env": {"WHO": "world"}},
             "tasks": [
              {"id": "hello", "shell": "echo hello $WHO; echo oops >&2"},
              {"id": 7, "exec": ["printf", "%s-%s", "a", "b"]},
              {"id": "stdin", "exec": ["tr", "a-z", "A-Z"], "stdin": "shout"},
              {"id": "cwd", "exec": ["pwd"], "cwd": "/tmp"},
              {"id": "hash", "run": "sha256-chain", "args": {"seed": "task-0", "rounds": 400000}},
              {"id": "echo", "run": "echo", "args": {"value": {"n": 12345678901234567890, "s": "é", "l": [1, null]}}},
              {"run": "sleep", "args": {"ms": 20}}
             ]}
            """#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("mixed.results.jsonl")
        #expect(results.count == 7)
        #expect(results[#""hello""#]?["stdout"]?.stringValue == "hello world\n")
        #expect(results[#""hello""#]?["stderr"]?.stringValue == "oops\n")
        #expect(results["7"]?["stdout"]?.stringValue == "a-b")
        #expect(results["7"]?["id"] == .number(JSONNumber(7)))
        #expect(results[#""stdin""#]?["stdout"]?.stringValue == "SHOUT")
        #expect(results[#""cwd""#]?["stdout"]?.stringValue == "/tmp\n")
        #expect(results[#""hash""#]?["result"] == ["digest": "a628d70e9d768d3f1f774e93ee650f2cf2d179fa24e6cf87b69b9a5a88b7f958"])
        #expect(results[#""echo""#]?["result"]?.text == #"{"n":12345678901234567890,"s":"é","l":[1,null]}"#)
        #expect(results["6"]?["result"] == ["slept_ms": 20])
        for (id, result) in results {
            #expect(result["status"] == "ok", "task \(id)")
            #expect(result["attempts"] == 1)
            #expect(result["worker"]?.stringValue?.contains(":") == true)
            #expect(result["host"]?.stringValue?.isEmpty == false)
            #expect(result["started_at"]?.stringValue?.hasSuffix("Z") == true)
            #expect(result["duration_ms"]?.objectValue == nil && result["duration_ms"] != nil)
            #expect(result.keys.prefix(7) == ["id", "status", "attempts", "worker", "host", "started_at", "duration_ms"])
        }
        #expect(outcome.stderr.contains("7 tasks in"))
        #expect(outcome.stderr.contains("7 ok, 0 failed"))
    }

    @Test("failing commands are recorded as failed with an error, the job goes on, and exit status is 1")
    func failingCommands() throws {
        let scratch = try Scratch()
        let file = try scratch.write("fail.jsonl", """
            {"id": "ok", "exec": ["true"]}
            {"id": "exit", "shell": "exit 3"}
            {"id": "missing", "exec": ["jobrun-test-no-such-command"]}
            {"id": "badcwd", "exec": ["true"], "cwd": "/nonexistent-dir"}
            {"id": "signal", "shell": "kill -9 $$"}
            {"id": "big", "shell": "head -c 100000 /dev/zero | tr '\\\\0' x"}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "--output", scratch.path("out.jsonl")])
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("out.jsonl")
        #expect(results.count == 6)
        #expect(results[#""ok""#]?["status"] == "ok")
        #expect(results[#""exit""#]?["status"] == "failed")
        #expect(results[#""exit""#]?["exit_code"] == 3)
        #expect(results[#""exit""#]?["error"]?.stringValue?.contains("status 3") == true)
        #expect(results[#""missing""#]?["status"] == "failed")
        #expect(results[#""missing""#]?["error"]?.stringValue?.contains("jobrun-test-no-such-command") == true)
        #expect(results[#""badcwd""#]?["error"]?.stringValue?.contains("/nonexistent-dir") == true)
        #expect(results[#""signal""#]?["signal"] == "SIGKILL")
        #expect(results[#""big""#]?["stdout_truncated"] == true)
        #expect(results[#""big""#]?["stdout"]?.stringValue?.utf8.count == 65536)
        #expect(outcome.stderr.contains("4 failed"))
    }

    @Test("a bad task file is refused as a whole: exit 2, every problem named, no results file")
    func badInput() throws {
        let scratch = try Scratch()
        let file = try scratch.write("bad.json", """
            {"tasks": [
              {"id": 1, "run": "sha256-chain", "args": {"seed": "x", "rounds": "ten"}},
              {"id": "1", "exec": ["true"]},
              {"id": 2, "exec": []},
              {"id": 3, "exec": ["true"], "shell": "true"},
              {"id": 4, "run": "hash"},
              {"id": 5, "comand": ["true"]}
            ]}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1"])
        #expect(outcome.status == 2)
        for expected in ["bad.json:2", "rounds", "ten", "duplicate", "bad.json:4", "bad.json:5", "hash", "sha256-chain", "comand"] {
            #expect(outcome.stderr.contains(expected), "stderr lacks \(expected): \(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: scratch.path("bad.results.jsonl")))
    }

    @Test("invalid JSON is reported with line and column; a missing file by name", arguments: [
        ("{\"tasks\": [\n  {\"id\": 1,, \"exec\": [\"true\"]}\n]}", "syntax.json:2:"),
        ("", "syntax.json:1:"),
    ])
    func syntaxErrors(text: String, expected: String) throws {
        let scratch = try Scratch()
        let file = try scratch.write("syntax.json", text)
        let outcome = try JobrunProcess.run(["submit", file])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains(expected), "\(outcome.stderr)")
        let missing = try JobrunProcess.run(["submit", scratch.path("absent.json")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("absent.json"))
    }

    @Test("usage errors exit 2; --help exits 0 and documents the options")
    func usage() throws {
        let badFlag = try JobrunProcess.run(["submit", "x.json", "--workers", "0"])
        #expect(badFlag.status == 2)
        #expect(badFlag.stderr.contains("--workers"))
        let help = try JobrunProcess.run(["submit", "--help"])
        #expect(help.status == 0)
        for option in ["--workers", "--output", "--config", "--quiet", "--stream-output"] { #expect(help.stdout.contains(option)) }
    }

    @Test("an existing results file is not overwritten without --force; --output - writes to stdout")
    func outputHandling() throws {
        let scratch = try Scratch()
        let file = try scratch.write("echo.jsonl", (0..<50).map { #"{"run": "echo", "args": {"value": \#($0)}}"# }.joined(separator: "\n"))
        try scratch.write("echo.results.jsonl", "precious\n")
        let refused = try JobrunProcess.run(["submit", file])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--force"))
        #expect(try String(contentsOfFile: scratch.path("echo.results.jsonl"), encoding: .utf8) == "precious\n")
        let forced = try JobrunProcess.run(["submit", file, "--force", "--quiet"])
        #expect(forced.status == 0)
        #expect(forced.stderr.isEmpty)
        #expect(try scratch.results("echo.results.jsonl").count == 50)
        let toStdout = try JobrunProcess.run(["submit", file, "--output", "-", "--workers", "1"])
        let parsed = try Scratch.parseResults(toStdout.stdout)
        #expect(parsed.count == 50)
        #expect(parsed["49"]?["result"] == 49)
    }

    @Test("20,000 tiny tasks: every id once, in a JSONL stream")
    func manyTinyTasks() throws {
        let scratch = try Scratch()
        let lines = (0..<20_000).map { #"{"id": \#($0), "run": "echo", "args": {"value": \#($0)}}"# }
        let file = try scratch.write("w1.jsonl", lines.joined(separator: "\n") + "\n")
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "--quiet"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let results = try scratch.results("w1.results.jsonl")
        #expect(results.count == 20_000)
        #expect((0..<20_000).allSatisfy { results[String($0)]?["result"] == .number(JSONNumber($0)) })
    }
}

@Suite("jobrun submit: output and settings errors", .serialized)
struct SubmitErrorTests {
    @Test("an output path that cannot be written is refused before anything runs")
    func unwritableOutput() throws {
        let scratch = try Scratch()
        let file = try scratch.write("one.jsonl", #"{"run": "echo", "args": {"value": 1}}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--output", "/nonexistent-dir/out.jsonl"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("/nonexistent-dir/out.jsonl"), "\(outcome.stderr)")
    }

    @Test("a bad settings file is refused with its line")
    func badSettings() throws {
        let scratch = try Scratch()
        let file = try scratch.write("one.jsonl", #"{"run": "echo", "args": {"value": 1}}"#)
        let config = try scratch.write("bad.conf", "# ok\nheartbeat_ms = soon\n")
        let outcome = try JobrunProcess.run(["submit", file, "--config", config])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("bad.conf:2:"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.path("one.results.jsonl")))
    }

    @Test("a plain progress line and the summary appear when stderr is not a terminal")
    func plainProgress() throws {
        let scratch = try Scratch()
        let file = try scratch.write("naps.jsonl", (0..<6).map { _ in #"{"exec": ["sleep", "0.15"]}"# }.joined(separator: "\n"))
        let config = try scratch.write("fast.conf", "plain_progress_ms = 200\n")
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--config", config])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.contains("/6 done"), "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("\u{1B}["), "escape codes on a non-terminal")
        #expect(outcome.stderr.contains("results in"))
    }
}
