import Foundation
import JSONValue
import Testing

/// The options `run` and `submit` share are checked once: both commands refuse the same bad values with the same
/// message and exit status 2, before anything runs.
@Suite("shared job options: run and submit refuse the same bad numbers alike")
struct JobOptionsTests {
    static let timeoutMessage = "--timeout must be a number of seconds from 0.001 (the timer's resolution) to 31536000 (a year), got "

    /// Each bad option and what the error must say.
    static let cases: [(arguments: [String], message: String)] = [
        (["--timeout", "inf"], timeoutMessage + "inf"),
        (["--timeout", "nan"], timeoutMessage + "nan"),
        (["--timeout", "1e20"], timeoutMessage + "1e+20"),
        (["--timeout", "-1"], timeoutMessage + "-1.0"),
        (["--timeout", "0.0005"], timeoutMessage + "0.0005"),
        (["--retries", "-1"], "--retries must be from 0 to 1000, got -1"),
        (["--retries=1001"], "--retries must be from 0 to 1000, got 1001"),
        (["--halt", "sometimes"], "--halt sometimes: expected now|soon,fail|success|done=N or =P%"),
    ]

    @Test("bad --timeout, --retries and --halt: the same message from run and from submit, exit 2, nothing runs", arguments: 0..<cases.count)
    func badNumbers(_ index: Int) throws {
        let (arguments, message) = Self.cases[index]
        let scratch = try Scratch()
        let marker = scratch.path("ran")
        let file = try scratch.write("one.jsonl", #"{"shell": "touch \#(marker)"}"#)
        let run = try JobrunProcess.run(["run"] + arguments + ["touch", marker, ":::", "x"])
        let submit = try JobrunProcess.run(["submit", file, "--output", "-"] + arguments)
        for outcome in [run, submit] {
            #expect(outcome.status == 2, "\(arguments): \(outcome.stderr)")
            #expect(outcome.stderr.contains("Error: " + message), "\(arguments): \(outcome.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: marker), "a refused command line runs nothing")
    }

    @Test("good values still run, in both commands")
    func goodValues() throws {
        let run = try JobrunProcess.run(["run", "--timeout", "30", "--retries", "1", "--halt", "now,fail=1", "-k", "echo", ":::", "a", "b"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout == "a\nb\n")
        let scratch = try Scratch()
        let file = try scratch.write("one.jsonl", #"{"id": "t", "shell": "echo hi"}"#)
        let submit = try JobrunProcess.run(["submit", file, "--output", "-", "--timeout", "30", "--retries", "1", "--halt", "now,fail=1"])
        #expect(submit.status == 0, "\(submit.stderr)")
        #expect(try Scratch.parseResults(submit.stdout)[#""t""#]?["status"] == "ok")
    }

    @Test("both commands' help documents the shared options with the same text")
    func help() throws {
        for command in ["run", "submit"] {
            let help = try JobrunProcess.run([command, "--help"])
            #expect(help.status == 0)
            for line in [
                "--timeout <timeout>     Seconds a task may run before it is stopped, for",
                "--retries <retries>     Retries for a failed task that does not set its own",
                "--halt <halt>", "--output-cap <output-cap>", "--config <config>",
            ] {
                #expect(help.stdout.contains(line), "\(command) --help lacks \(line):\n\(help.stdout)")
            }
        }
    }
}
