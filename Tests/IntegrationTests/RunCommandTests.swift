import Foundation
import Testing

/// `jobrun run` against GNU parallel: for the same command and hostile inputs, `jobrun run -k` prints exactly
/// what `parallel -k` prints. Skipped, saying why, when GNU parallel is not installed (scripts/test installs it).
@Suite(.serialized)
struct RunCommandTests {
    /// Inputs the shell would split, expand or run if they were not quoted.
    static let hostile = [
        "plain", "a b", "it's", "\"double\"", "$HOME", "`echo bq`", "$(echo sub)", "a;echo injected", "*", "?",
        "[ab]", "tab\there", "-n", "--", "ünïcødé ✓", "", "back\\slash", "~", "#hash", "a&b", "a|b", "<in>",
        "'", "{}", "  lead and trail  ",
    ]

    /// GNU parallel's path, found once. The probe runs Perl, which on a machine busy with the rest of the suite can be
    /// slow: it is tried up to three times before the tool counts as missing.
    static let gnuParallel: String? = {
        ["/usr/bin/parallel", "/usr/local/bin/parallel"].first { path in
            guard FileManager.default.isExecutableFile(atPath: path) else { return false }
            for _ in 0..<3 {
                let probe = JobrunProcess(executable: path, arguments: ["--version"])
                if (try? probe.start()) != nil, let outcome = try? probe.finish(timeout: 60),
                    outcome.stdout.contains("GNU parallel")
                {
                    return true
                }
            }
            return false
        }
    }()

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let arguments: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "echo each input", arguments: ["echo", ":::"] + hostile),
        Case(name: "printf each input", arguments: ["printf", "'[%s]\\n'", ":::"] + hostile),
        Case(name: "a program run without a shell", arguments: ["/bin/echo", "{}", "x{}y", ":::"] + hostile),
        Case(name: "path replacement strings", arguments: [
            "echo", "{}:{.}:{/}:{//}:{/.}", ":::", "a.b/c.d", ".bashrc", "/x/", "x/", "a.tar.gz", "", "/", "d i r/f i.le",
            "$x/`y`.z",
        ]),
        Case(name: "two sources, positional", arguments: ["echo", "{2}-{1}-{#}", ":::", "a b", "c", ":::", "1", "$2", "3"]),
        Case(name: "linked sources", arguments: ["echo", ":::", "a", "b", "c", ":::+", "1", "2", ":::", "x", "y"]),
        Case(name: "inputs appended to a shell snippet", arguments: ["sh", "-c", "'echo \"[$1]\"'", "_", ":::"] + hostile),
        Case(name: "inputs that are commands", arguments: [":::", "echo one", "echo two; echo three", "printf '%s\\n' q"]),
        Case(name: "failures and stderr", arguments: ["sh", "-c", "'echo out $1; echo err >&2; exit $1'", "_", ":::", "0", "3", "0"]),
        Case(name: "shell syntax in the command", arguments: ["echo", "{}", "|", "tr", "a-z", "A-Z", ";", "echo", "$((1+{#}))", ":::", "a b", "c;d"]),
    ]

    @Test(arguments: cases)
    func printsWhatGNUParallelPrints(_ example: Case) throws {
        guard let parallel = Self.gnuParallel else {
            Issue.record("GNU parallel is not installed; scripts/test installs it (apt-get install parallel)")
            return
        }
        let ours = try JobrunProcess.run(["run", "-k", "-j", "2"] + example.arguments)
        let theirs = try Self.runParallel(parallel, ["-k", "-j", "2"] + example.arguments)
        #expect(ours.stdout == theirs.stdout, "stderr: \(ours.stderr)")
        #expect((ours.status == 0) == (theirs.status == 0))
        #expect(!ours.stdout.isEmpty)
    }

    @Test func streamsStandardInputAndFiles() throws {
        guard let parallel = Self.gnuParallel else {
            Issue.record("GNU parallel is not installed; scripts/test installs it (apt-get install parallel)")
            return
        }
        let scratch = try Scratch()
        let lines = Self.hostile.filter { !$0.contains("\n") }.joined(separator: "\n") + "\n"
        let file = try scratch.write("inputs.txt", lines)
        let script = "printf '%s' \"$INPUTS\" | \"$0\" \"$@\""
        for arguments in [["echo", "[{}]"], ["echo", "{1}", "{2}", "::::", "-", file], ["/bin/echo", "::::", file, ":::", "x"]] {
            let ours = try Self.shell(script, program: JobrunProcess.binary, ["run", "-k", "-j", "2"] + arguments, input: lines)
            let theirs = try Self.shell(script, program: parallel, ["--will-cite", "-k", "-j", "2"] + arguments, input: lines)
            #expect(ours.stdout == theirs.stdout, "\(arguments): \(ours.stderr)")
            #expect(ours.status == 0)
        }
    }

    @Test("an input line holding a NUL byte is a located input error, from a file and from a stream")
    func nulInput() throws {
        let scratch = try Scratch()
        let file = scratch.path("nul.txt")
        try Data("first\nsec\0ond\n".utf8).write(to: URL(fileURLWithPath: file))
        let fromFile = try JobrunProcess.run(["run", "-k", "echo", ":::", "x", "::::", file])
        #expect(fromFile.status == 2, "\(fromFile.stderr)")
        #expect(fromFile.stderr.contains("\(file):2") && fromFile.stderr.contains("NUL byte"), "\(fromFile.stderr)")
        #expect(fromFile.stdout.isEmpty)
        // Streamed (the first source): the lines before it run, nothing is recorded for it, exit 2.
        let results = scratch.path("results.jsonl")
        let streamed = try JobrunProcess.run(["run", "-k", "--results", results, "echo", "::::", file])
        #expect(streamed.status == 2, "\(streamed.stderr)")
        #expect(streamed.stderr.contains(":2") && streamed.stderr.contains("NUL byte"), "\(streamed.stderr)")
        #expect(streamed.stdout == "first\n")
        #expect(try scratch.results("results.jsonl").count == 1)
    }

    @Test func tasksStartWhileThePipeIsOpen() throws {
        // The writer sends one line and then waits until the task it starts has left its mark: only a job that
        // starts before its input ends lets the pipe close.
        let scratch = try Scratch()
        let mark = scratch.path("started")
        let script = """
            { echo first; i=0; while [ ! -e "$MARK" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo second; } \
            | "$0" run -k -j 1 'touch "$MARK"; echo "got {}"'
            """
        let job = JobrunProcess(executable: "/bin/sh", arguments: ["-c", script, JobrunProcess.binary], environment: ["MARK": mark])
        try job.start()
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.stdout == "got first\ngot second\n")
        #expect(outcome.status == 0)
    }

    @Test func exitStatusAndOutputBlocks() throws {
        // As with GNU parallel, the words form one shell command line: shell code goes in as it is.
        let failed = try JobrunProcess.run(["run", "-j", "2", "exit", ":::", "0", "1"])
        #expect(failed.status == 1)
        // The failed task is named with its error, even though run prints no summary on success.
        #expect(failed.stderr.contains("task 2: command exited with status 1"), "\(failed.stderr)")
        let usage = try JobrunProcess.run(["run", "echo", ":::+", "a"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains(":::+"))
        // Two tasks writing many lines each never interleave: each task's output arrives as one block.
        let blocks = try JobrunProcess.run([
            "run", "-j", "2", "i=0; while [ $i -lt 2000 ]; do echo {}; i=$((i+1)); done", ":::", "A", "B",
        ])
        let text = blocks.stdout
        #expect(text == String(repeating: "A\n", count: 2000) + String(repeating: "B\n", count: 2000)
            || text == String(repeating: "B\n", count: 2000) + String(repeating: "A\n", count: 2000))
    }

    @Test func aReaderThatGoesAwayStopsTheJobQuietly() throws {
        let scratch = try Scratch()
        // The status of jobrun, the middle of the pipeline: 0, though head left after two lines.
        let script = #"seq 1 100000 | "$0" run -k -j 2 echo | head -2; echo "status ${PIPESTATUS[1]}""#
        let job = JobrunProcess(executable: "/bin/bash", arguments: ["-c", script, JobrunProcess.binary], directory: scratch.url)
        try job.start()
        let outcome = try job.finish(timeout: 120)
        #expect(outcome.stdout == "1\n2\nstatus 0\n", "\(outcome.stderr)")
    }

    @Test func tagAndDryRun() throws {
        let tagged = try JobrunProcess.run(["run", "-k", "--tag", "printf", "'x\\ny\\n'", ":::", "a b", "c"])
        #expect(tagged.stdout == "a b\tx\na b\ty\nc\tx\nc\ty\n")
        let slots = try JobrunProcess.run(["run", "-k", "-j", "2", "echo", "{%}", ":::", "a", "b", "c", "d"])
        #expect(slots.stdout.split(separator: "\n").allSatisfy { $0 == "1" || $0 == "2" }, "\(slots.stdout)")
        #expect(slots.stdout.split(separator: "\n").count == 4)
        let dry = try JobrunProcess.run(["run", "--dry-run", "echo", "{}", ":::", "a b", "$x"])
        #expect(dry.stdout == "echo 'a b'\necho '$x'\n")
    }

    @Test func resultsAndResume() throws {
        let scratch = try Scratch()
        let results = scratch.path("r.jsonl")
        let command = ["echo ran {}; exit {}", ":::", "0", "1", "0"]
        let first = try JobrunProcess.run(["run", "-k", "--results", results] + command)
        #expect(first.status == 1)
        #expect(first.stdout == "ran 0\nran 1\nran 0\n")
        #expect(try scratch.results("r.jsonl").count == 3)
        // Every job is recorded: nothing runs again.
        let resumed = try JobrunProcess.run(["run", "-k", "--results", results, "--resume"] + command)
        #expect(resumed.stdout == "")
        // Only the failed one runs again.
        let rerun = try JobrunProcess.run(["run", "-k", "--results", results, "--resume", "--rerun-failed"] + command)
        #expect(rerun.stdout == "ran 1\n")
        #expect(try scratch.results("r.jsonl").count == 3)
    }

    /// Bytes that are not UTF-8 — in `:::` arguments, in `::::` input lines, in what the command prints, in a
    /// `--tag` — come out of `jobrun run -k` exactly as out of `parallel -k`. Compared as files of bytes: the
    /// inputs are made by the shell, as a Swift string could not hold them.
    @Test func bytesThatAreNotUTF8() throws {
        guard let parallel = Self.gnuParallel else {
            Issue.record("GNU parallel is not installed; scripts/test installs it (apt-get install parallel)")
            return
        }
        let scratch = try Scratch()
        let script = #"""
            bad=$(printf '\377\376'); mixed=$(printf 'a\303\251\377b\200'); cut=$(printf 'x\342\202')
            printf '%s\n' "$bad" "$mixed" "x y" "$cut" > "$DIR/lines"
            "$0" "$1" -k -j 2 printf "'[%s]\n'" ::: "$bad" "$mixed" plain "$cut" > "$DIR/$NAME.args"
            "$0" "$1" -k -j 2 printf "'[%s]\n'" :::: "$DIR/lines" > "$DIR/$NAME.file"
            "$0" "$1" -k -j 2 --tag echo ::: "$bad" "$mixed" > "$DIR/$NAME.tag"
            "$0" "$1" -k -j 2 "printf '\377{}\376\n'" ::: 1 2 > "$DIR/$NAME.output"
            "$0" "$1" -k -j 2 /bin/echo ::: "$bad" "$mixed" > "$DIR/$NAME.exec"
            "$0" "$1" -j 1 --line-buffer --tag printf "'%s\n'" ::: "$bad" "$mixed" > "$DIR/$NAME.lines"
            """#
        for (name, program, first) in [("ours", JobrunProcess.binary, "run"), ("theirs", parallel, "--will-cite")] {
            let home = try Scratch()
            let job = JobrunProcess(
                executable: "/bin/sh", arguments: ["-c", script, program, first],
                environment: ["PARALLEL_SHELL": "/bin/sh", "HOME": home.url.path, "DIR": scratch.url.path, "NAME": name])
            try job.start()
            let outcome = try job.finish(timeout: 120)
            #expect(outcome.status == 0, "\(name): \(outcome.stderr)")
        }
        for kind in ["args", "file", "tag", "output", "exec", "lines"] {
            let ours = try Data(contentsOf: scratch.url.appendingPathComponent("ours.\(kind)"))
            let theirs = try Data(contentsOf: scratch.url.appendingPathComponent("theirs.\(kind)"))
            #expect(!theirs.isEmpty)
            #expect(ours == theirs, "\(kind): ours \(Array(ours)) theirs \(Array(theirs))")
        }
    }

    static func runParallel(_ parallel: String, _ arguments: [String]) throws -> JobrunProcess.Outcome {
        let home = try Scratch()
        let job = JobrunProcess(
            executable: parallel, arguments: ["--will-cite"] + arguments,
            environment: ["PARALLEL_SHELL": "/bin/sh", "HOME": home.url.path])
        try job.start()
        return try job.finish(timeout: 120)
    }

    /// Runs `script` with `sh -c`, `$0` the program and `$@` its arguments, `INPUTS` in the environment.
    static func shell(_ script: String, program: String, _ arguments: [String], input: String) throws -> JobrunProcess.Outcome {
        let home = try Scratch()
        let job = JobrunProcess(
            executable: "/bin/sh", arguments: ["-c", script, program] + arguments,
            environment: ["PARALLEL_SHELL": "/bin/sh", "HOME": home.url.path, "INPUTS": input])
        try job.start()
        return try job.finish(timeout: 120)
    }
}
