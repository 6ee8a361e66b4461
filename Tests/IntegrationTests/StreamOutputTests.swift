import Foundation
import JSONValue
import Testing

/// `jobrun submit --stream-output`: tasks' output lines travel as they are written, whole and tagged with their
/// task, to the event log, `jobrun tail` and the submitting terminal.
@Suite("streaming task output", .serialized)
struct StreamOutputTests {
    /// Task `a` prints three lines slowly; task `b` writes a line in two pieces, three more lines, a stderr line and
    /// an unterminated last line. With `gate`, both first wait (bounded) for that file to exist.
    static func slowTasks(_ scratch: Scratch, gate: String? = nil) throws -> String {
        let wait = gate.map { "for i in $(seq 1 600); do [ -e '\($0)' ] && break; sleep 0.05; done; " } ?? ""
        let a = wait + "for i in 1 2 3; do echo task-a-$i; sleep 0.2; done"
        let b = wait + #"printf 'half'; sleep 0.3; printf ' line\n'; for i in 1 2 3; do echo task-b-$i; sleep 0.1; done; echo oops >&2; printf 'no newline'"#
        let lines = [("a", a), ("b", b)].map { id, script in
            #"{"id": "\#(id)", "shell": \#(JSONValue.string(script).text)}"#
        }
        return try scratch.write("slow.jsonl", lines.joined(separator: "\n"))
    }

    static let aLines = ["task-a-1", "task-a-2", "task-a-3"]
    static let bLines = ["half line", "task-b-1", "task-b-2", "task-b-3", "no newline"]

    /// The lines of `text` that start with `tag`, without it, in order.
    static func tagged(_ text: String, _ tag: String) -> [String] {
        text.split(separator: "\n").filter { $0.hasPrefix(tag) }.map { String($0.dropFirst(tag.count)) }
    }

    /// Checks that `text` shows each task's lines exactly once, tagged, in order.
    static func expectTaggedLines(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(tagged(text, "[a] ") == aLines, "\(text)", sourceLocation: sourceLocation)
        #expect(tagged(text, "[b] ") == bLines, "\(text)", sourceLocation: sourceLocation)
        #expect(tagged(text, "[b stderr] ") == ["oops"], "\(text)", sourceLocation: sourceLocation)
    }

    @Test("a detached job: each task's lines are events, whole, tagged and in order; tail --output shows them once, live and replayed")
    func detachedJob() throws {
        let watch = try WatchTests.Watch()
        let gate = watch.scratch.path("go")
        let file = try Self.slowTasks(watch.scratch, gate: gate)
        let id = try watch.detach(file, ["--stream-output"])
        #expect(try watch.metadata(id)["stream_output"] == true)

        // A live tail, following before the tasks write anything.
        let live = try watch.start(["tail", id, "--output"])
        #expect(live.waitForStdout(containing: "(slow.jsonl): running"), "\(live.stderr)")
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        let followed = try live.finish(timeout: 60)
        #expect(followed.status == 0, "\(followed.stderr)")
        Self.expectTaggedLines(followed.stdout)
        #expect(watch.waitForState(id, "completed"))

        let json = try watch.run(["tail", id, "--json"])
        let events = try json.stdout.split(separator: "\n").map { try #require(try JSONParser.parse(String($0)).objectValue) }
        func lines(_ task: String, _ stream: String) -> [String] {
            events.filter { $0["event"] == "output" && $0["id"]?.stringValue == task && $0["stream"]?.stringValue == stream }
                .compactMap { $0["line"]?.stringValue }
        }
        #expect(lines("a", "stdout") == Self.aLines)
        #expect(lines("a", "stderr").isEmpty)
        #expect(lines("b", "stdout") == Self.bLines)
        #expect(lines("b", "stderr") == ["oops"])
        #expect(!events.contains { $0["cut"] != nil })
        for task in ["a", "b"] {
            let finished = try #require(events.lastIndex { $0["event"] == "task_finished" && $0["id"]?.stringValue == task })
            let lastLine = try #require(events.lastIndex { $0["event"] == "output" && $0["id"]?.stringValue == task })
            #expect(lastLine < finished, "task \(task)'s lines come before its result")
        }

        let replayed = try watch.run(["tail", id, "--output"])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        Self.expectTaggedLines(replayed.stdout)

        // The results keep the captured output as before.
        let results = try watch.scratch.results("slow.results.jsonl")
        #expect(results[#""b""#]?["stdout"]?.stringValue == "half line\ntask-b-1\ntask-b-2\ntask-b-3\nno newline")
        #expect(results[#""b""#]?["stderr"]?.stringValue == "oops\n")
    }

    @Test("a tail that joins a running job shows its last lines first, then the rest, none missing or twice")
    func lateJoin() throws {
        let watch = try WatchTests.Watch()
        let file = try watch.scratch.write(
            "late.jsonl", #"{"id": "n", "shell": "for i in $(seq 1 80); do echo line-$i; sleep 0.05; done"}"#)
        let id = try watch.detach(file, ["--stream-output"])
        let log = watch.scratch.path("state/\(id)/events.ndjson")
        let written = StopTests.waitUntil(timeout: 60) {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains(#""line":"line-30""#)
        }
        #expect(written)
        let tail = try watch.run(["tail", id, "--output"])
        #expect(tail.status == 0, "\(tail.stderr)")
        let numbers = Self.tagged(tail.stdout, "[n] ").compactMap { Int($0.dropFirst("line-".count)) }
        let first = try #require(numbers.first)
        #expect(first > 1 && first <= 30, "lines written before the tail joined come first, but only the last 20: \(numbers)")
        #expect(numbers == Array(first...80), "\(numbers)")
    }

    @Test("in the foreground the lines are printed tagged: stdout lines on stdout, stderr lines on stderr; with --output - both on stderr")
    func foreground() throws {
        let scratch = try Scratch()
        let file = try Self.slowTasks(scratch)
        let outcome = try JobrunProcess.run(["submit", file, "--stream-output", "--workers", "2"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.tagged(outcome.stdout, "[a] ") == Self.aLines)
        #expect(Self.tagged(outcome.stdout, "[b] ") == Self.bLines)
        #expect(Self.tagged(outcome.stderr, "[b stderr] ") == ["oops"])
        #expect(outcome.stdout.split(separator: "\n").count == 8, "nothing but the tagged lines on stdout: \(outcome.stdout)")

        let toStdout = try JobrunProcess.run(["submit", file, "--stream-output", "--workers", "2", "--output", "-"])
        #expect(toStdout.status == 0, "\(toStdout.stderr)")
        #expect(try Scratch.parseResults(toStdout.stdout).count == 2, "stdout holds only the results")
        Self.expectTaggedLines(toStdout.stderr)

        let quiet = try JobrunProcess.run(["submit", file, "--stream-output", "--workers", "2", "--quiet", "--force"])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet.stdout)\(quiet.stderr)")
    }

    @Test("two chatty tasks: 20,000 lines each, every one whole, under its own tag, in order")
    func chattyTasks() throws {
        let scratch = try Scratch()
        let lines = ["x", "y"].map { #"{"id": "\#($0)", "shell": "seq 1 20000 | sed 's/^/\#($0)-/'"}"# }
        let file = try scratch.write("chatty.jsonl", lines.joined(separator: "\n"))
        let outcome = try JobrunProcess.run(["submit", file, "--stream-output", "--workers", "2"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let printed = outcome.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(printed.count == 40_000)
        for task in ["x", "y"] {
            let expected = (1...20000).map { "\(task)-\($0)" }
            #expect(Self.tagged(outcome.stdout, "[\(task)] ") == expected)
        }
        let stray = printed.filter { !($0.hasPrefix("[x] x-") || $0.hasPrefix("[y] y-")) }
        #expect(stray.isEmpty, "lines mixed from two tasks: \(stray.prefix(3))")
    }

    @Test("a task writing lines far faster than they can be handled: its worker lives, every line is shown or counted as dropped, in order")
    func flood() throws {
        let watch = try WatchTests.Watch()
        let total = 300_000
        let file = try watch.scratch.write("flood.jsonl", #"{"id": "f", "shell": "seq 1 \#(total)"}"#)
        let id = try watch.detach(file, ["--stream-output", "--workers", "1"])
        #expect(watch.waitForState(id, "completed", timeout: 300))
        let results = try watch.scratch.results("flood.results.jsonl")
        #expect(results[#""f""#]?["status"]?.stringValue == "ok")
        #expect(results[#""f""#]?["attempts"] == 1, "the worker was never lost")

        let json = try watch.run(["tail", id, "--json"])
        var shown = 0
        var dropped = 0
        var last = 0
        for text in json.stdout.split(separator: "\n") where text.contains(#""event":"output""#) {
            let line = try #require(try JSONParser.parse(String(text)).objectValue?["line"]?.stringValue)
            if let number = Int(line) {
                #expect(number > last, "lines stay in order: \(number) after \(last)")
                last = number
                shown += 1
            } else {
                let count = try #require(line.firstMatch(of: /^\[jobrun: (\d+) lines? dropped/), "\(line)").output.1
                dropped += Int(count)!
            }
        }
        #expect(shown + dropped == total, "\(shown) shown + \(dropped) dropped")
        #expect(shown > 0)
    }

    @Test("a reader that stops reading for longer than the heartbeat window stalls nothing: no worker is lost")
    func stalledReader() throws {
        let scratch = try Scratch()
        let file = try scratch.write(
            "stall.jsonl", #"{"id": "s", "shell": "seq 1 200000; sleep 5; echo done"}"# + "\n" + #"{"id": "t", "run": "sleep", "args": {"ms": 6000}}"#)
        // The pipe's reader sleeps 8 s before it reads: past the workers' 3 s window for a silent coordinator.
        let shown = scratch.path("shown.txt")
        let pipeline = "'\(JobrunProcess.binary)' submit '\(file)' --stream-output --workers 2 | { sleep 8; cat > '\(shown)'; }"
        let shell = JobrunProcess(executable: "/bin/sh", arguments: ["-c", pipeline])
        try shell.start()
        let outcome = try shell.finish(timeout: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(!outcome.stderr.contains("went back to the queue"), "\(outcome.stderr)")
        let results = try scratch.results("stall.results.jsonl")
        #expect(results[#""s""#]?["attempts"] == 1 && results[#""t""#]?["attempts"] == 1, "\(results)")
        #expect(results.values.allSatisfy { $0["status"]?.stringValue == "ok" })

        // Every line was printed, dropped by the worker (a marker says how many) or not shown (a note says how many).
        var printed = 0
        var accounted = 0
        for line in try String(contentsOfFile: shown, encoding: .utf8).split(separator: "\n") {
            if let marker = line.firstMatch(of: /^\[s\] \[jobrun: (\d+) lines? dropped/) {
                accounted += Int(marker.output.1)!
            } else if line.wholeMatch(of: /\[s\] (\d+|done)/) != nil {
                printed += 1
            }
        }
        for note in outcome.stderr.matches(of: /(\d+) lines? of task output not shown/) { accounted += Int(note.output.1)! }
        #expect(printed > 0)
        #expect(printed + accounted == 200_001, "\(printed) printed, \(accounted) dropped or not shown")
    }

    @Test("a worker on another host (tcp) streams too")
    func remoteWorker() throws {
        let scratch = try Scratch()
        let file = try Self.slowTasks(scratch)
        let coordinator = JobrunProcess(
            ["submit", file, "--stream-output", "--workers", "0", "--listen", "tcp://127.0.0.1:0", "--insecure"],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        try coordinator.start()
        defer { coordinator.stop() }
        #expect(coordinator.waitForStderr(containing: "worker --connect tcp://127.0.0.1:"), "\(coordinator.stderr)")
        let endpoint = try #require(coordinator.stderr.firstMatch(of: /--connect (tcp:\/\/127\.0\.0\.1:\d+)/)).output.1
        let worker = JobrunProcess(
            ["worker", "--connect", String(endpoint), "--insecure", "--workers", "1", "--once"],
            environment: ["JOBRUN_CONFIG_DIR": scratch.path("config")])
        try worker.start()
        defer { worker.stop() }
        let outcome = try coordinator.finish(timeout: 60)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.tagged(outcome.stdout, "[a] ") == Self.aLines)
        #expect(Self.tagged(outcome.stdout, "[b] ") == Self.bLines)
        #expect(Self.tagged(outcome.stderr, "[b stderr] ") == ["oops"])
    }
}
