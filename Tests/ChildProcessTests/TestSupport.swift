import ChildProcess
import Glibc
import Synchronization

/// A fresh directory under /tmp, removed (with its contents) by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/jobrun-childprocess-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard let created else { throw TestFailure("mkdtemp failed: errno \(errno)") }
        path = String(cString: created)
    }

    /// Writes `contents` to `name` inside the directory with permission bits `mode`; returns the path.
    @discardableResult
    func write(_ name: String, _ contents: String, mode: mode_t = 0o644) throws -> String {
        let file = path + "/" + name
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TestFailure("cannot create \(file): errno \(errno)") }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw TestFailure("short write to \(file)") }
        guard chmod(file, mode) == 0 else { throw TestFailure("chmod \(file) failed") }
        return file
    }

    func remove() {
        _ = try? ProcessRunner.run(SpawnConfiguration(executable: "/bin/rm", arguments: ["-rf", path]))
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The whole content of a file, or nil when it cannot be read.
func readFile(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    for _ in 0..<1024 {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        bytes += chunk[..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Checks `condition` every 5 ms until it holds or `seconds` pass; returns whether it held.
func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let attempts = Int(seconds * 200)
    for _ in 0..<attempts {
        if condition() { return true }
        var pause = timespec(tv_sec: 0, tv_nsec: 5_000_000)
        nanosleep(&pause, nil)
    }
    return condition()
}

/// Whether `pid` no longer runs: it does not exist, or it is a zombie nobody reaped yet (a
/// reparented process waits for the init process, which may never reap it in a container).
func processIsGone(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 && errno == ESRCH { return true }
    guard let stat = readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return true }
    let state = stat[close...].dropFirst(2).first
    return state == "Z" || state == "X"
}

/// Runs `body` on a new thread and returns after that thread has exited.
func runOnNewThread(_ body: @escaping @Sendable () -> Void) {
    let thread = startThread(body)
    pthread_join(thread, nil)
}

/// Starts a detached thread running `body`.
func startDetachedThread(_ body: @escaping @Sendable () -> Void) {
    pthread_detach(startThread(body))
}

private func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let created = pthread_create(
        &thread, nil,
        { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
    precondition(created == 0, "pthread_create failed")
    return thread
}

/// A value written by one thread and read by another.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    init(_ value: Value) { storage = Mutex(value) }
    var value: Value {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
    /// Changes the value atomically.
    func update(_ change: (inout Value) -> Void) {
        storage.withLock { change(&$0) }
    }
}

extension ProcessOutput {
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}

/// The spawning back ends: `posix_spawn` (no parent-death signal) and the clone-based helper.
let backends: [Int32?] = [nil, SIGKILL]

/// `sh -c script` with the given back end.
func shell(_ script: String, deathSignal: Int32? = nil) -> SpawnConfiguration {
    SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", script], parentDeathSignal: deathSignal)
}

/// The descriptors this process has open now (read from /proc/self/fd, without the one that reads it).
func openDescriptors() -> [Int32] {
    guard let directory = opendir("/proc/self/fd") else { return [] }
    defer { closedir(directory) }
    var result: [Int32] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let fd = Int32(name), fd != dirfd(directory) { result.append(fd) }
    }
    return result
}
