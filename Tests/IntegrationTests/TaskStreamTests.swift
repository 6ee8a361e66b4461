import Foundation
import JSONValue
import Testing

/// Task files that can be read only once: `submit -`, a FIFO, `/dev/stdin`, and endless input.
@Suite(.serialized)
struct TaskStreamTests {
    /// Runs `script` with `sh -c`, `$0` the jobrun binary.
    static func shell(_ script: String, in scratch: Scratch, timeout: TimeInterval = 120) throws -> JobrunProcess.Outcome {
        let job = JobrunProcess(executable: "/bin/sh", arguments: ["-c", script, JobrunProcess.binary], directory: scratch.url)
        try job.start()
        return try job.finish(timeout: timeout)
    }

    @Test func submitDashReadsJSONLFromAPipe() throws {
        let scratch = try Scratch()
        let outcome = try Self.shell(
            #"i=0; while [ $i -lt 50 ]; do echo "{\"id\": $i, \"exec\": [\"true\"]}"; i=$((i+1)); done | "$0" submit - --workers 2 -o r.jsonl"#,
            in: scratch)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(try scratch.results("r.jsonl").count == 50)
    }

    @Test func devStdinAndFIFO() throws {
        let scratch = try Scratch()
        let stdin = try Self.shell(
            #"printf '{"exec":["true"]}\n{"shell":"exit 0"}\n' | "$0" submit /dev/stdin --workers 1 -o r.jsonl"#, in: scratch)
        #expect(stdin.status == 0, "\(stdin.stderr)")
        #expect(try scratch.results("r.jsonl").count == 2)
        let fifo = try Self.shell(
            #"mkfifo tasks.fifo && { printf '{"exec":["true"]}\n' > tasks.fifo & } && "$0" submit tasks.fifo --workers 1 -o f.jsonl"#,
            in: scratch)
        #expect(fifo.status == 0, "\(fifo.stderr)")
        #expect(try scratch.results("f.jsonl").count == 1)
    }

    @Test func aBadLineStopsTheStreamWithItsLineAndField() throws {
        let scratch = try Scratch()
        let outcome = try Self.shell(
            #"printf '{"id":"a","exec":["true"]}\n{"id":"b","exec":"true"}\n{"id":"c","exec":["true"]}\n' | "$0" submit - --workers 1 -o r.jsonl"#,
            in: scratch)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("standard input:2"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("field \"exec\""), "\(outcome.stderr)")
        let recorded = try scratch.results("r.jsonl")
        #expect(recorded[#""a""#]?["status"] == "ok", "the task before the bad line ran")
        #expect(recorded[#""b""#] == nil && recorded[#""c""#] == nil)
    }

    @Test func dependenciesFromAPipeAreRefusedNotIgnored() throws {
        let scratch = try Scratch()
        let outcome = try Self.shell(
            #"printf '{"id":"a","exec":["true"]}\n{"id":"b","after":["a"],"exec":["true"]}\n' | "$0" submit - --workers 1 -o r.jsonl"#,
            in: scratch)
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("standard input:2"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("field \"after\""), "\(outcome.stderr)")
        #expect(try scratch.results("r.jsonl")[#""b""#] == nil, "a task whose dependencies cannot be checked never runs")
        let pool = try Self.shell(
            #"printf '{"id":"p","pool":"api","exec":["true"]}\n' | "$0" submit - --workers 1 -o p.jsonl"#, in: scratch)
        #expect(pool.status == 2)
        #expect(pool.stderr.contains("--pool api=N"), "\(pool.stderr)")
        let declared = try Self.shell(
            #"printf '{"id":"p","pool":"api","exec":["true"]}\n' | "$0" submit - --pool api=1 --workers 1 -o d.jsonl"#,
            in: scratch)
        #expect(declared.status == 0, "\(declared.stderr)")
        #expect(try scratch.results("d.jsonl")[#""p""#]?["status"] == "ok")
    }

    @Test func endlessInputIsALocatedErrorNotAMemoryLeak() throws {
        let scratch = try Scratch()
        let zero = try Self.shell(#""$0" submit /dev/zero --workers 1 -o r.jsonl"#, in: scratch)
        #expect(zero.status == 2)
        #expect(zero.stderr.contains("/dev/zero:1"), "\(zero.stderr)")
        #expect(zero.stderr.contains("16 MiB"), "\(zero.stderr)")
        // The same for a regular file holding one endless value, and for `jobrun run` inputs.
        let long = try Self.shell(
            #"{ printf '{"tasks": [{"shell": "'; head -c 17000000 /dev/zero | tr '\0' a; } > long.json; "$0" submit long.json -o l.jsonl"#,
            in: scratch)
        #expect(long.status == 2)
        #expect(long.stderr.contains("long.json:1"), "\(long.stderr)")
        let run = try Self.shell(#"head -c 20000000 /dev/zero | "$0" run -j 1 echo"#, in: scratch)
        #expect(run.status == 2)
        #expect(run.stderr.contains("standard input:1"), "\(run.stderr)")
    }

    @Test func contentDecidesTheFormatWithOneNote() throws {
        let scratch = try Scratch()
        let lines = (0..<60).map { #"{"id": \#($0), "exec": ["true"]}"# }.joined(separator: "\n") + "\n"
        let file = try scratch.write("tasks.json", lines)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "2", "-o", scratch.path("r.jsonl")])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.components(separatedBy: "note:").count == 2, "\(outcome.stderr)")
        #expect(try scratch.results("r.jsonl").count == 60)
    }

    @Test func theSummaryNamesFailedTasksAndCutOutput() throws {
        let scratch = try Scratch()
        let file = try scratch.write("tasks.jsonl", """
            {"id": "bad", "shell": "echo first >&2; echo 'gzip: x: No such file' >&2; exit 3"}
            {"id": "big", "shell": "head -c 5000 /dev/zero"}
            {"id": "fine", "exec": ["true"]}
            """)
        let outcome = try JobrunProcess.run(["submit", file, "--workers", "1", "--output-cap", "1K"])
        #expect(outcome.status == 1)
        #expect(outcome.stderr.contains(#"task "bad": command exited with status 3 (stderr: gzip: x: No such file)"#), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("1 task's output was cut at 1024 bytes"), "\(outcome.stderr)")
        #expect(try scratch.results("tasks.results.jsonl")["\"big\""]?["stdout_truncated"] == .bool(true))
        let bad = try JobrunProcess.run(["submit", file, "--output-cap", "ten"])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("--output-cap ten"))
    }
}
