#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import JSONValue
import Testing
import TaskFile

/// A fresh directory under /tmp for one test's files, removed (with the files written through it) on deinit.
final class TemporaryDirectory {
    let path: String
    private var files: [String] = []

    init() throws {
        var template = Array("/tmp/taskfile-tests.XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(created != nil, "mkdtemp failed: errno \(errno)")
        path = String(cString: created!)
    }

    /// Writes `text` to `name` in the directory and returns the file's path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    /// Writes `bytes` to `name` in the directory (replacing it) and returns the file's path.
    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let filePath = "\(path)/\(name)"
        let descriptor = open(filePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        try #require(descriptor >= 0, "cannot create \(filePath): errno \(errno)")
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + written, bytes.count - written)
            }
            try #require(result > 0, "cannot write \(filePath): errno \(errno)")
            written += result
        }
        if !files.contains(filePath) { files.append(filePath) }
        return filePath
    }

    deinit {
        for file in files { unlink(file) }
        rmdir(path)
    }
}

/// Sets a file's modification time.
func setModificationTime(_ path: String, seconds: Int) throws {
    var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
    let result = times.withUnsafeMutableBufferPointer { utimensat(AT_FDCWD, path, $0.baseAddress, 0) }
    try #require(result == 0, "utimensat failed: errno \(errno)")
}

/// Kinds for tests: `echo` takes anything; `hash` needs an object with an integer `rounds` >= 1.
let testKinds: KindValidator = { kind, args in
    switch kind {
    case "echo":
        return .valid
    case "hash":
        guard let object = args.objectValue else {
            return .invalid(field: "", message: "expected an object, got \(args.briefDescription)")
        }
        guard let rounds = object["rounds"] else {
            return .invalid(field: "rounds", message: "missing (expected an integer >= 1)")
        }
        guard let count = rounds.intValue, count >= 1 else {
            return .invalid(field: "rounds", message: "expected an integer >= 1, got \(rounds.briefDescription)")
        }
        return .valid
    default:
        return .unknownKind(known: ["echo", "hash"])
    }
}

/// Reads every task (at most `limit`), failing the test on a problem.
func readAll(_ file: TaskFile, limit: Int = 1_000_000) throws -> [TaskDefinition] {
    let reader = try file.makeReader()
    defer { reader.close() }
    var definitions: [TaskDefinition] = []
    while definitions.count <= limit, let definition = try reader.nextTask() {
        definitions.append(definition)
    }
    return definitions
}

/// Reads every task of the file at `path` twice, streamed and served from a check, expects the same tasks,
/// and returns them.
func readBothWays(_ path: String) throws -> [TaskDefinition] {
    let streamed = try readAll(TaskFile(path: path, validateKind: testKinds))
    let file = TaskFile(path: path, validateKind: testKinds)
    #expect(file.check().isValid)
    let served = try readAll(file)
    #expect(served.map(\.spec) == streamed.map(\.spec))
    #expect(served.map(\.id) == streamed.map(\.id))
    #expect(served.map(\.id.original) == streamed.map(\.id.original))
    #expect(served.map(\.line) == streamed.map(\.line))
    #expect(served.map(\.position) == streamed.map(\.position))
    return streamed
}

/// The check's problem descriptions with the directory removed from the path, so they read `name.json:1:2: ...`.
func problemTexts(_ check: TaskFileCheck, in directory: TemporaryDirectory) -> [String] {
    check.problems.map { problem in
        let text = problem.description
        let prefix = directory.path + "/"
        return text.hasPrefix(prefix) ? String(text.dropFirst(prefix.count)) : text
    }
}

/// Checks `text` written as `name` and returns its problem descriptions.
func problems(
    _ name: String, _ text: String, in directory: TemporaryDirectory, maxProblems: Int = 50
) throws -> [String] {
    let path = try directory.write(name, text)
    return problemTexts(TaskFile(path: path, validateKind: testKinds).check(maxProblems: maxProblems), in: directory)
}

extension TaskSpec {
    /// Shorthand for an `exec` spec.
    static func exec(
        _ argv: [String], env: [String: String] = [:], cwd: String? = nil, stdin: String? = nil
    ) -> TaskSpec {
        TaskSpec(command: .exec(argv), environment: env, workingDirectory: cwd, stdin: stdin)
    }
}
