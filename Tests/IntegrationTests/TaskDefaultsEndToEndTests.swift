import Foundation
import JSONValue
import Testing

/// `--timeout` and `--memory` reach the tasks that leave them out, and only those, through the built binary.
@Suite("jobrun submit: the job's task defaults")
struct TaskDefaultsEndToEndTests {
    @Test("--timeout stops a task without its own timeout; a task's own timeout wins over it")
    func defaultTimeout() throws {
        let scratch = try Scratch()
        let file = try scratch.write(
            "jobs.jsonl",
            #"{"id": "plain", "shell": "sleep 30"}"# + "\n" + #"{"id": "own", "shell": "sleep 1", "timeout": 60}"#)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "--timeout", "0.5"], timeout: 60)
        #expect(outcome.status == 1, "\(outcome.stderr)")
        let results = try scratch.results("jobs.results.jsonl")
        #expect(results[#""plain""#]?["status"]?.stringValue == "timeout", "\(results)")
        #expect(results[#""own""#]?["status"]?.stringValue == "ok", "\(results)")
    }
}
