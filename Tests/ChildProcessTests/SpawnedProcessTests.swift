import ChildProcess
import Glibc
import Testing

@Suite struct SpawnedProcessTests {
    @Test(arguments: backends)
    func tryWaitAndWaitAgreeAndStaySettled(deathSignal: Int32?) throws {
        let process = try SpawnedProcess.spawn(
            SpawnConfiguration(executable: "sleep", arguments: ["30"], captureOutput: false, parentDeathSignal: deathSignal))
        #expect(process.pid > 0)
        #expect(process.tryWait() == nil)
        #expect(process.signal(SIGTERM))
        let status = process.wait()
        #expect(status == .killed(by: SIGTERM))
        #expect(process.tryWait() == status)
        #expect(process.wait() == status)
        // Reaped: the pid may belong to someone else now, so signalling is refused.
        #expect(!process.signal(SIGKILL))
    }

    @Test func waitReturnsTheExitCode() throws {
        let process = try SpawnedProcess.spawn(SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", "exit 5"], captureOutput: false))
        #expect(process.wait() == .exited(5))
        #expect(process.tryWait() == .exited(5))
    }

    @Test func tryWaitEventuallySeesTheExit() throws {
        let process = try SpawnedProcess.spawn(SpawnConfiguration(executable: "/bin/true", captureOutput: false))
        #expect(eventually(within: 10) { process.tryWait() != nil })
        #expect(process.tryWait() == .exited(0))
    }

    @Test func waitOnAnotherThreadCanBeInterruptedBySignal() throws {
        let process = try SpawnedProcess.spawn(SpawnConfiguration(executable: "sleep", arguments: ["30"], captureOutput: false))
        let result = Shared<ChildProcess.ExitStatus?>(nil)
        startDetachedThread { result.value = process.wait() }
        // The waiting thread holds no lock while blocked, so this signal goes through.
        #expect(process.signal(SIGKILL))
        #expect(eventually(within: 10) { result.value != nil })
        #expect(result.value == .killed(by: SIGKILL))
    }

    @Test(arguments: backends)
    func aNewProcessGroupIsSignalledAsAWhole(deathSignal: Int32?) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pidFile = dir.path + "/grandchild"
        let process = try SpawnedProcess.spawn(SpawnConfiguration(
            executable: "/bin/sh", arguments: ["-c", "sleep 100 & echo $! > \(pidFile); wait"],
            captureOutput: false, newProcessGroup: true, parentDeathSignal: deathSignal))
        #expect(process.leadsProcessGroup)
        #expect(getpgid(process.pid) == process.pid)
        var grandchild: Int32 = 0
        #expect(eventually(within: 10) {
            grandchild = Int32(readFile(pidFile)?.split(separator: "\n").first ?? "") ?? 0
            return grandchild > 0
        })
        try #require(grandchild > 0)
        #expect(getpgid(grandchild) == process.pid)

        #expect(process.signal(SIGKILL))
        #expect(process.wait() == .killed(by: SIGKILL))
        #expect(eventually(within: 10) { processIsGone(grandchild) })
    }

    @Test func signallingOnlyTheLeaderSparesTheRestOfTheGroup() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let pidFile = dir.path + "/grandchild"
        let process = try SpawnedProcess.spawn(SpawnConfiguration(
            executable: "/bin/sh", arguments: ["-c", "sleep 100 & echo $! > \(pidFile); wait"],
            captureOutput: false, newProcessGroup: true))
        var grandchild: Int32 = 0
        #expect(eventually(within: 10) {
            grandchild = Int32(readFile(pidFile)?.split(separator: "\n").first ?? "") ?? 0
            return grandchild > 0
        })
        try #require(grandchild > 0)
        defer { kill(grandchild, SIGKILL) }

        #expect(process.signal(SIGKILL, wholeGroup: false))
        #expect(process.wait() == .killed(by: SIGKILL))
        #expect(!processIsGone(grandchild))
    }

    @Test func withoutANewGroupTheChildSharesOurs() throws {
        let process = try SpawnedProcess.spawn(SpawnConfiguration(executable: "sleep", arguments: ["30"], captureOutput: false))
        #expect(!process.leadsProcessGroup)
        #expect(getpgid(process.pid) == getpgid(0))
        // wholeGroup must not signal our own group here: only the child is hit.
        #expect(process.signal(SIGTERM))
        #expect(process.wait() == .killed(by: SIGTERM))
    }
}
