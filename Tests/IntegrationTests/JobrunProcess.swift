import Foundation
import Testing
import JSONValue

/// Runs the built `jobrun` binary as a user would, and collects what it printed.
struct JobrunProcess {
    /// The binary under test: `$JOBRUN_BINARY` (set by scripts/test), else the debug build.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["JOBRUN_BINARY"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/jobrun").path
    }

    /// One state directory for every job the tests start.
    static let stateDirectory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jobrun-test-state-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let collected = Collected()

    /// Runs the jobrun binary under test with `arguments`.
    init(_ arguments: [String], environment: [String: String] = [:], directory: URL? = nil) {
        self.init(executable: Self.binary, arguments: arguments, environment: environment, directory: directory)
    }

    /// Runs any program (tests also start helpers such as `ip netns exec ...`).
    init(executable: String, arguments: [String], environment: [String: String] = [:], directory: URL? = nil) {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        // Job state directories go to a scratch place, never the real home directory.
        var base = ProcessInfo.processInfo.environment
        base["JOBRUN_STATE_DIR"] = base["JOBRUN_STATE_DIR"] ?? Self.stateDirectory
        process.environment = base.merging(environment) { $1 }
        if let directory { process.currentDirectoryURL = directory }
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        process.standardInput = FileHandle.nullDevice
    }

    func start() throws {
        let collected = self.collected
        stdoutPipe.fileHandleForReading.readabilityHandler = { handle in collected.append(stdout: handle.availableData) }
        stderrPipe.fileHandleForReading.readabilityHandler = { handle in collected.append(stderr: handle.availableData) }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Waits for exit (bounded) and returns the status, stdout and stderr.
    func finish(timeout: TimeInterval = 120) throws -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                kill(process.processIdentifier, SIGKILL)
                throw TimedOut(seconds: timeout, arguments: process.arguments ?? [], stderr: collected.stderr)
            }
            usleep(5000)
        }
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        collected.append(stdout: stdoutPipe.fileHandleForReading.readDataToEndOfFile())
        collected.append(stderr: stderrPipe.fileHandleForReading.readDataToEndOfFile())
        return Outcome(status: process.terminationStatus, stdout: collected.stdout, stderr: collected.stderr)
    }

    /// Waits until stderr contains `text` (bounded).
    func waitForStderr(containing text: String, timeout: TimeInterval = 60) -> Bool {
        wait(for: text, in: \.stderr, timeout: timeout)
    }

    /// Waits until stdout contains `text` (bounded).
    func waitForStdout(containing text: String, timeout: TimeInterval = 60) -> Bool {
        wait(for: text, in: \.stdout, timeout: timeout)
    }

    private func wait(for text: String, in stream: KeyPath<Collected, String>, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if collected[keyPath: stream].contains(text) { return true }
            if !process.isRunning { return collected[keyPath: stream].contains(text) }
            usleep(10_000)
        }
        return false
    }

    /// Runs jobrun to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> Outcome {
        let job = JobrunProcess(arguments, environment: environment)
        try job.start()
        return try job.finish(timeout: timeout)
    }

    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// What the process printed on stderr so far.
    var stderr: String { collected.stderr }
    var isRunning: Bool { process.isRunning }

    /// Kills the process (SIGKILL, by pid) if it still runs, and waits (bounded) for it to be gone.
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(5000) }
    }

    /// A process that did not exit in time, with what it had printed.
    struct TimedOut: Error, CustomStringConvertible {
        let seconds: TimeInterval
        var arguments: [String] = []
        var stderr = ""
        var description: String {
            "\(arguments.joined(separator: " ")) did not exit within \(seconds) s; its stderr:\n\(stderr)"
        }
    }

    /// Output gathered from the pipes' handlers, which run on other threads.
    final class Collected: @unchecked Sendable {
        // Invariant: every access to the two buffers holds `lock`.
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()
        func append(stdout data: Data) { lock.withLock { out.append(data) } }
        func append(stderr data: Data) { lock.withLock { err.append(data) } }
        var stdout: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
        var stderr: String { lock.withLock { String(decoding: err, as: UTF8.self) } }
    }
}

/// A scratch directory for one test, removed at the end.
final class Scratch {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("jobrun-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// The result lines of a results file, parsed, keyed by id text.
    func results(_ name: String) throws -> [String: JSONObject] {
        try Self.parseResults(String(contentsOfFile: path(name), encoding: .utf8))
    }

    static func parseResults(_ text: String) throws -> [String: JSONObject] {
        var byID: [String: JSONObject] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONParser.parse(String(line)).objectValue)
            let id = try #require(object["id"]).text
            #expect(byID[id] == nil, "id \(id) recorded twice")
            byID[id] = object
        }
        return byID
    }
}
