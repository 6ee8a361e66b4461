import Foundation
import JSONValue
import Testing

/// The last line a failed task wrote to standard error appears beside the failure in `jobrun tail` (its lines and
/// its JSON events) and in `jobrun report`'s failures table, bounded and safe whatever the task wrote.
@Suite("failure stderr tail in tail and report", .serialized)
struct FailureTailTests {
    @Test("tail, tail --json and report show each failure's last stderr line; binary, NUL and huge stderr stay bounded")
    func stderrTail() throws {
        let watch = try WatchTests.Watch()
        let lines = [
            #"{"id": "plain", "shell": "echo first >&2; echo 'the real cause' >&2; printf '\\n  \\n' >&2; exit 3"}"#,
            #"{"id": "binary", "shell": "printf 'bad\\000byte\\033[31m\\377\\376 <b>&\\n' >&2; exit 4"}"#,
            #"{"id": "huge", "shell": "head -c 300000 /dev/zero | tr '\\000' x >&2; exit 5"}"#,
            #"{"id": "quiet", "shell": "exit 6"}"#,
            #"{"id": "fine", "shell": "echo ok"}"#,
        ]
        let file = try watch.scratch.write("tails.jsonl", lines.joined(separator: "\n"))
        let id = try watch.detach(file, ["--output-cap", "1M"])
        #expect(watch.waitForState(id, "completed"))

        let events = try watch.run(["tail", id, "--json"])
        #expect(events.status == 0, "\(events.stderr)")
        var tails: [String: String] = [:]
        for line in events.stdout.split(separator: "\n") {
            let event = try #require(try JSONParser.parse(String(line)).objectValue, "every event line is JSON: \(line.prefix(200))")
            guard event["event"] == "task_finished", let task = event["id"]?.stringValue else { continue }
            if let tail = event["stderr_tail"]?.stringValue { tails[task] = tail }
        }
        #expect(tails["plain"] == "the real cause", "\(tails)")
        #expect(tails["binary"] == "bad\u{FFFD}byte\u{FFFD}[31m\u{FFFD}\u{FFFD} <b>&", "\(tails)")
        #expect(tails["huge"] == String(repeating: "x", count: 200) + "…", "\(tails["huge"]?.count ?? -1)")
        #expect(tails["quiet"] == nil && tails["fine"] == nil)

        let tail = try watch.run(["tail", id])
        #expect(tail.stdout.contains("plain on "), "\(tail.stdout)")
        #expect(tail.stdout.contains("(stderr: the real cause)"), "\(tail.stdout)")
        let longest = tail.stdout.split(separator: "\n").map { $0.unicodeScalars.count }.max() ?? 0
        #expect(longest < 400, "a huge stderr does not make a huge line: \(longest)")
        #expect(!tail.stdout.contains("\u{1B}") && !tail.stdout.contains("\u{0}"), "no control characters reach the terminal")

        let report = try watch.run(["report", id])
        #expect(report.status == 0, "\(report.stderr)")
        let failures = try #require(report.stdout.components(separatedBy: "<h2>Failures</h2>").last)
        #expect(failures.contains("<th>last stderr line</th>"))
        #expect(failures.contains("<td class=\"error\">the real cause</td>"), "\(failures.prefix(4000))")
        #expect(failures.contains("bad\u{FFFD}byte\u{FFFD}[31m\u{FFFD}\u{FFFD} &lt;b&gt;&amp;</td>"), "\(failures.prefix(4000))")
        #expect(report.stdout.utf8.count < 100_000, "the page does not carry the huge stderr")
    }
}
