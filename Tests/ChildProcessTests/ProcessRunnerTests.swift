import ChildProcess
import Glibc
import Testing

@Suite struct ProcessRunnerTests {
    @Test(arguments: backends)
    func capturesStdoutAndStderrSeparately(deathSignal: Int32?) throws {
        let output = try ProcessRunner.run(shell("echo out; echo err >&2; echo more", deathSignal: deathSignal))
        #expect(output.status.succeeded)
        #expect(output.stdoutText == "out\nmore\n")
        #expect(output.stderrText == "err\n")
        #expect(output.stdoutBytes == 9)
        #expect(output.stderrBytes == 4)
        #expect(!output.stdoutTruncated)
        #expect(!output.stderrTruncated)
    }

    @Test func outputOverTheCapIsCountedAndDropped() throws {
        var configuration = shell("head -c 200000 /dev/zero; head -c 5000 /dev/zero >&2; exit 2")
        configuration.outputCap = 1000
        let output = try ProcessRunner.run(configuration)
        #expect(output.status == .exited(2))
        #expect(output.stdout == [UInt8](repeating: 0, count: 1000))
        #expect(output.stdoutBytes == 200_000)
        #expect(output.stdoutTruncated)
        #expect(output.stderr.count == 1000)
        #expect(output.stderrBytes == 5000)
        #expect(output.stderrTruncated)
    }

    @Test func aZeroCapKeepsNothingButCountsEverything() throws {
        var configuration = shell("echo hello")
        configuration.outputCap = 0
        let output = try ProcessRunner.run(configuration)
        #expect(output.stdout.isEmpty)
        #expect(output.stdoutBytes == 6)
        #expect(output.stdoutTruncated)
    }

    @Test(arguments: backends)
    func oneMebibyteOfStdinPassesThroughCat(deathSignal: Int32?) throws {
        let input = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let configuration = SpawnConfiguration(
            executable: "cat", stdin: input, outputCap: 2 << 20, parentDeathSignal: deathSignal)
        let output = try ProcessRunner.run(configuration)
        #expect(output.status.succeeded)
        #expect(output.stdoutBytes == input.count)
        #expect(output.stdout == input)
    }

    @Test func smallStdinIsDelivered() throws {
        let output = try ProcessRunner.run(
            SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", "read line; echo \"got $line\""],
                               stdin: Array("hello\n".utf8)))
        #expect(output.stdoutText == "got hello\n")
    }

    @Test func stdinDefaultsToDevNull() throws {
        let output = try ProcessRunner.run(shell("cat; readlink /proc/self/fd/0"))
        #expect(output.status.succeeded)
        #expect(output.stdoutText == "/dev/null\n")
    }

    @Test func stdinForAChildThatDoesNotReadItIsDropped() throws {
        var maskBefore = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &maskBefore)
        let input = [UInt8](repeating: 0x61, count: 1 << 20)

        let ignoring = try ProcessRunner.run(SpawnConfiguration(executable: "/bin/true", stdin: input))
        #expect(ignoring.status.succeeded)
        let partial = try ProcessRunner.run(SpawnConfiguration(executable: "head", arguments: ["-c", "10"], stdin: input))
        #expect(partial.status.succeeded)
        #expect(partial.stdoutText == "aaaaaaaaaa")

        // The thread's signal mask is restored and no SIGPIPE is left pending for it.
        var maskAfter = sigset_t()
        pthread_sigmask(SIG_SETMASK, nil, &maskAfter)
        #expect(sigismember(&maskAfter, SIGPIPE) == sigismember(&maskBefore, SIGPIPE))
        var pending = sigset_t()
        sigpending(&pending)
        #expect(sigismember(&pending, SIGPIPE) == 0)
    }

    @Test func stdinWithoutCaptureIsStillFed() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var configuration = shell("cat > \(dir.path)/copy")
        configuration.stdin = Array("payload".utf8)
        configuration.captureOutput = false
        let output = try ProcessRunner.run(configuration)
        #expect(output.status.succeeded)
        #expect(output.stdoutBytes == 0)
        #expect(readFile(dir.path + "/copy") == "payload")
    }

    @Test(arguments: backends)
    func environmentIsInheritedAddedToAndOverridden(deathSignal: Int32?) throws {
        var configuration = shell(#"printf '%s|%s|%s' "$JOBRUN_TEST_ADDED" "$HOME" "$PATH""#, deathSignal: deathSignal)
        configuration.environment = ["JOBRUN_TEST_ADDED": "yes it is", "HOME": "/override"]
        let output = try ProcessRunner.run(configuration)
        let inheritedPath = String(cString: getenv("PATH"))
        #expect(output.stdoutText == "yes it is|/override|\(inheritedPath)")
    }

    @Test func overriddenVariablesAppearOnce() throws {
        var configuration = SpawnConfiguration(executable: "/usr/bin/env")
        configuration.environment = ["HOME": "/override"]
        let output = try ProcessRunner.run(configuration)
        let homes = output.stdoutText.split(separator: "\n").filter { $0.hasPrefix("HOME=") }
        #expect(homes == ["HOME=/override"])
    }

    @Test func aPathInTheEnvironmentIsUsedForTheSearch() throws {
        var configuration = SpawnConfiguration(executable: "sh", arguments: ["-c", "exit 0"])
        configuration.environment = ["PATH": "/nonexistent-jobrun-bin"]
        #expect(throws: SpawnError.self) { try ProcessRunner.run(configuration) }
        configuration.environment = ["PATH": "/nonexistent-jobrun-bin:/bin"]
        #expect(try ProcessRunner.run(configuration).status.succeeded)
    }

    @Test(arguments: backends)
    func workingDirectoryIsApplied(deathSignal: Int32?) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("tool", "#!/bin/sh\necho tool ran in \"$(pwd -P)\"\n", mode: 0o755)
        var configuration = SpawnConfiguration(executable: "./tool", parentDeathSignal: deathSignal)
        configuration.workingDirectory = dir.path
        let output = try ProcessRunner.run(configuration)
        #expect(output.status.succeeded)
        #expect(output.stdoutText == "tool ran in \(dir.path)\n")
    }

    @Test func argv0CanBeChosen() throws {
        let output = try ProcessRunner.run(
            SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", "echo $0"], argv0: "renamed-shell"))
        #expect(output.stdoutText == "renamed-shell\n")
    }

    @Test func argumentsArePassedVerbatim() throws {
        let arguments = ["", "two words", "quote\"s", "$HOME", "ünïcode", "-n"]
        let output = try ProcessRunner.run(
            SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", #"for a; do printf '[%s]' "$a"; done"#, "sh"] + arguments))
        #expect(output.stdoutText == arguments.map { "[\($0)]" }.joined())
    }

    @Test func startedGetsTheRunningProcessSoItCanBeCancelled() throws {
        let seenPid = Shared<Int32>(0)
        let output = try ProcessRunner.run(SpawnConfiguration(executable: "sleep", arguments: ["30"])) { process in
            seenPid.value = process.pid
            #expect(process.tryWait() == nil)
            #expect(process.signal(SIGTERM))
        }
        #expect(seenPid.value > 0)
        #expect(output.status == .killed(by: SIGTERM))
        #expect(output.status.signalName == "SIGTERM")
    }

    @Test func runsConcurrentlyFromSeveralThreads() {
        let failures = Shared<[String]>([])
        let threads = 4
        let finished = Shared(0)
        for thread in 0..<threads {
            startDetachedThread {
                for run in 0..<25 {
                    let expected = "thread \(thread) run \(run)"
                    do {
                        let output = try ProcessRunner.run(
                            SpawnConfiguration(executable: "/bin/echo", arguments: [expected], stdin: Array(expected.utf8)))
                        if output.stdoutText != expected + "\n" || !output.status.succeeded {
                            failures.update { $0.append("\(expected): \(output.stdoutText) \(output.status)") }
                        }
                    } catch {
                        failures.update { $0.append("\(expected): \(error)") }
                    }
                }
                finished.update { $0 += 1 }
            }
        }
        #expect(eventually(within: 60) { finished.value == threads })
        #expect(failures.value.isEmpty)
    }
}
