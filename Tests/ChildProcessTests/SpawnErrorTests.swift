import ChildProcess
import Glibc
import Testing

/// The `SpawnError` `body` throws, or nil (also when it throws something else).
private func spawnError(_ body: () throws -> Void) -> SpawnError? {
    do {
        try body()
        return nil
    } catch {
        return error as? SpawnError
    }
}

@Suite struct SpawnErrorTests {
    @Test func aCommandMissingFromPathIsReported() throws {
        let error = try #require(spawnError { _ = try ProcessRunner.run(SpawnConfiguration(executable: "nosuchcmd-jobrun")) })
        #expect(error.message == #"cannot start "nosuchcmd-jobrun": command not found in PATH"#)
        #expect(error.errorNumber == ENOENT)
        #expect(error.description == error.message)
    }

    @Test(arguments: backends)
    func aMissingFileIsReported(deathSignal: Int32?) throws {
        let configuration = SpawnConfiguration(executable: "/nonexistent-jobrun/tool", parentDeathSignal: deathSignal)
        let error = try #require(spawnError { _ = try ProcessRunner.run(configuration) })
        #expect(error.message == #"cannot start "/nonexistent-jobrun/tool": no such file"#)
        #expect(error.errorNumber == ENOENT)
    }

    @Test(arguments: backends)
    func aFileWithoutExecutePermissionIsReported(deathSignal: Int32?) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("x", "#!/bin/sh\necho never\n", mode: 0o644)
        var configuration = SpawnConfiguration(executable: "./x", parentDeathSignal: deathSignal)
        configuration.workingDirectory = dir.path
        let error = try #require(spawnError { _ = try ProcessRunner.run(configuration) })
        #expect(error.message == #"cannot start "./x": permission denied (not executable)"#)
        #expect(error.errorNumber == EACCES)
    }

    @Test func aNonExecutableMatchInPathIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try dir.write("jobrun-tool", "#!/bin/sh\n", mode: 0o644)
        var configuration = SpawnConfiguration(executable: "jobrun-tool")
        configuration.environment = ["PATH": dir.path]
        let error = try #require(spawnError { _ = try ProcessRunner.run(configuration) })
        #expect(error.message == "cannot start \"jobrun-tool\": \"\(dir.path)/jobrun-tool\" is not executable (permission denied)")
    }

    @Test func anExecutableFoundLaterInPathWins() throws {
        let first = try TemporaryDirectory()
        let second = try TemporaryDirectory()
        defer {
            first.remove()
            second.remove()
        }
        try first.write("jobrun-tool", "#!/bin/sh\necho first\n", mode: 0o644)
        try second.write("jobrun-tool", "#!/bin/sh\necho second\n", mode: 0o755)
        var configuration = SpawnConfiguration(executable: "jobrun-tool")
        configuration.environment = ["PATH": "\(first.path):\(second.path)"]
        #expect(try ProcessRunner.run(configuration).stdoutText == "second\n")
    }

    @Test func aDirectoryIsNotExecutable() throws {
        let error = try #require(spawnError { _ = try ProcessRunner.run(SpawnConfiguration(executable: "/tmp")) })
        #expect(error.message == #"cannot start "/tmp": it is a directory"#)
    }

    @Test func aMissingInterpreterIsNamedAsSuch() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let script = try dir.write("s", "#!/nonexistent-jobrun/interpreter\n", mode: 0o755)
        let error = try #require(spawnError { _ = try ProcessRunner.run(SpawnConfiguration(executable: script)) })
        #expect(error.message == "cannot start \"\(script)\": its interpreter was not found (check the #! line)")
    }

    @Test func aFileThatIsNotAProgramIsReported() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let file = try dir.write("data", "just text, no #! line\n", mode: 0o755)
        let error = try #require(spawnError { _ = try ProcessRunner.run(SpawnConfiguration(executable: file)) })
        #expect(error.errorNumber == ENOEXEC)
        #expect(error.message.hasSuffix("not a valid executable (add a #! line, or run it through a shell)"))
    }

    @Test func aMissingWorkingDirectoryIsReported() throws {
        var configuration = SpawnConfiguration(executable: "/bin/true")
        configuration.workingDirectory = "/nonexistent-jobrun-dir"
        let error = try #require(spawnError { _ = try ProcessRunner.run(configuration) })
        #expect(error.message == #"working directory "/nonexistent-jobrun-dir" does not exist"#)
        #expect(error.errorNumber == ENOENT)
    }

    @Test func aWorkingDirectoryThatIsAFileIsReported() throws {
        var configuration = SpawnConfiguration(executable: "/bin/true", captureOutput: false)
        configuration.workingDirectory = "/etc/passwd"
        let error = try #require(spawnError { _ = try SpawnedProcess.spawn(configuration) })
        #expect(error.message == #"working directory "/etc/passwd" is not a directory"#)
        #expect(error.errorNumber == ENOTDIR)
    }

    @Test func nulBytesAndBadVariableNamesAreRejected() throws {
        let nulArgument = try #require(spawnError {
            _ = try ProcessRunner.run(SpawnConfiguration(executable: "/bin/echo", arguments: ["ok", "a\0b"]))
        })
        #expect(nulArgument.message == #"cannot start "/bin/echo": argument 2 contains a NUL byte, which a command line cannot carry"#)
        #expect(nulArgument.errorNumber == EINVAL)

        let badName = try #require(spawnError {
            _ = try ProcessRunner.run(SpawnConfiguration(executable: "/bin/true", environment: ["A=B": "1"]))
        })
        #expect(badName.message.contains(#"environment variable name "A=B" is invalid"#))

        let empty = try #require(spawnError { _ = try ProcessRunner.run(SpawnConfiguration(executable: "")) })
        #expect(empty.message == #"cannot start "": the executable name is empty"#)
    }

    @Test func spawnRefusesToCaptureOrFeedStdin() throws {
        let capturing = try #require(spawnError { _ = try SpawnedProcess.spawn(SpawnConfiguration(executable: "/bin/true")) })
        #expect(capturing.errorNumber == EINVAL)
        #expect(capturing.message.contains("cannot capture output"))

        let feeding = try #require(spawnError {
            _ = try SpawnedProcess.spawn(SpawnConfiguration(executable: "/bin/cat", stdin: [1], captureOutput: false))
        })
        #expect(feeding.message.contains("cannot feed stdin"))
    }

    @Test func failedStartsLeakNoDescriptors() throws {
        let before = openDescriptorCount()
        for _ in 0..<20 {
            _ = spawnError { _ = try ProcessRunner.run(SpawnConfiguration(executable: "/nonexistent-jobrun/tool", stdin: [1, 2, 3])) }
        }
        // Other tests open descriptors concurrently, so allow some slack but not 20 runs' worth.
        #expect(openDescriptorCount() < before + 20)
    }
}

/// How many descriptors this process has open.
func openDescriptorCount() -> Int {
    guard let directory = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(directory) }
    var count = 0
    while readdir(directory) != nil {
        count += 1
    }
    return count
}
