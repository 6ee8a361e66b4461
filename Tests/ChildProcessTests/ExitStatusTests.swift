import ChildProcess
import Glibc
import Testing

@Suite struct ExitStatusTests {
    @Test func exitCodesAreReported() throws {
        let failing = try ProcessRunner.run(shell("exit 3"))
        #expect(failing.status == .exited(3))
        #expect(failing.status.signal == nil)
        #expect(failing.status.signalName == nil)
        #expect(!failing.status.succeeded)
        #expect(failing.status.description == "exit code 3")

        let succeeding = try ProcessRunner.run(SpawnConfiguration(executable: "/bin/true"))
        #expect(succeeding.status.succeeded)
        #expect(succeeding.status.exitCode == 0)
    }

    @Test(arguments: backends)
    func signalTerminationIsReported(deathSignal: Int32?) throws {
        let output = try ProcessRunner.run(shell("kill -KILL $$", deathSignal: deathSignal))
        #expect(output.status.exitCode == nil)
        #expect(output.status.signal == 9)
        #expect(output.status.signalName == "SIGKILL")
        #expect(!output.status.succeeded)
        #expect(output.status.description == "signal 9 (SIGKILL)")
    }

    @Test func signalNamesCoverTheStandardSignals() {
        #expect(ExitStatus.name(ofSignal: SIGTERM) == "SIGTERM")
        #expect(ExitStatus.name(ofSignal: SIGSEGV) == "SIGSEGV")
        #expect(ExitStatus.name(ofSignal: SIGPIPE) == "SIGPIPE")
        #expect(ExitStatus.name(ofSignal: 0) == nil)
        #expect(ExitStatus.name(ofSignal: 40) == nil)
        #expect(ExitStatus.killed(by: 40).description == "signal 40")
    }
}
