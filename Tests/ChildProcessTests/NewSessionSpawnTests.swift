import ChildProcess
import Glibc
import Testing

/// `SpawnConfiguration.newSession` and `outputFile`: how `jobrun submit --detach` starts its background coordinator.
@Suite struct NewSessionSpawnTests {
    @Test func childLeadsANewSessionAndAppendsBothStreamsToTheFile() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = directory.path + "/child.log"
        var configuration = SpawnConfiguration(
            executable: "/bin/sh",
            // Field 6 of /proc/PID/stat is the session id; the shell's own pid is $$.
            arguments: ["-c", #"echo "pid $$ session $(cut -d' ' -f6 /proc/$$/stat)"; echo to-stderr >&2"#],
            captureOutput: false)
        configuration.newSession = true
        configuration.outputFile = log
        var expected = ""
        for _ in 0..<2 {
            let process = try SpawnedProcess.spawn(configuration)
            #expect(process.leadsProcessGroup)
            #expect(process.wait() == .exited(0))
            expected += "pid \(process.pid) session \(process.pid)\nto-stderr\n"
        }
        // The second run appended to what the first wrote.
        #expect(readFile(log) == expected)
        var info = stat()
        #expect(stat(log, &info) == 0 && info.st_mode & 0o077 == 0, "the log is readable by others: \(info.st_mode)")
    }

    @Test func outputFileIsNeverOpenedThroughASymbolicLink() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let target = try directory.write("target", "")
        let link = directory.path + "/link.log"
        #expect(symlink(target, link) == 0)
        var configuration = SpawnConfiguration(executable: "/bin/echo", arguments: ["planted"], captureOutput: false)
        configuration.newSession = true
        configuration.outputFile = link
        #expect(throws: SpawnError.self) { _ = try SpawnedProcess.spawn(configuration) }
        #expect(readFile(target) == "")
    }

    @Test func newSessionAndParentDeathSignalAreRefusedTogether() throws {
        var configuration = SpawnConfiguration(executable: "/bin/true", captureOutput: false, parentDeathSignal: SIGTERM)
        configuration.newSession = true
        #expect(throws: SpawnError.self) { _ = try SpawnedProcess.spawn(configuration) }
    }
}
