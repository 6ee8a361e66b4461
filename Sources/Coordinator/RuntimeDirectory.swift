#if canImport(Glibc)
import JSONValue
import ChildProcess
import Settings
import SystemIO
import Glibc
#endif

/// A private directory (mode 0700) for a job's `ipc://` endpoints, removed when the job ends.
///
/// It lives under `$XDG_RUNTIME_DIR` when set, else in the user's own directory under `/tmp` (see `base`), so only
/// its owner can reach the sockets. It holds a `pid` file naming its coordinator, so directories of coordinators that
/// were killed (and could not remove theirs) are removed by the next coordinator of the same user.
struct RuntimeDirectory {
    let path: String
    /// The file naming the directory's coordinator.
    static let pidFileName = "pid"

    init() throws(CoordinatorError) {
        let base = Self.base()
        Self.removeAbandoned(under: base)
        var template = Array("\(base)/jobrun-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            throw CoordinatorError("cannot create a runtime directory under \(base): \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        chmod(path, 0o700)
        let pidFile = open(path + "/" + Self.pidFileName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        if pidFile >= 0 {
            let text = Array("\(getpid())\n".utf8)
            _ = text.withUnsafeBytes { write(pidFile, $0.baseAddress, $0.count) }
            close(pidFile)
        }
    }

    /// Where runtime directories go: `runtime` (`$XDG_RUNTIME_DIR`, the user's own already) when set, else
    /// `TEMPORARY/jobrun-runtime-UID`, made with mode 0700 on first use. The start-up scan for abandoned directories
    /// then reads this user's few entries instead of a shared `/tmp` of thousands (2 ms of a 12 ms start on a `/tmp`
    /// of 5,000), and never stops short of a directory it should remove. If that path is not a directory of this
    /// user's closed to others (someone else made it, or a link), the directories go straight under `temporary`.
    static func base(
        runtime: String? = EnvironmentVariable.value("XDG_RUNTIME_DIR"), temporary: String = "/tmp"
    ) -> String {
        if let runtime, !runtime.isEmpty { return runtime }
        let own = "\(temporary)/jobrun-runtime-\(getuid())"
        if mkdir(own, 0o700) != 0, errno != EEXIST { return temporary }
        var status = stat()
        guard lstat(own, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid(),
            status.st_mode & 0o077 == 0
        else { return temporary }
        return own
    }

    /// Removes `jobrun-*` directories under `base` that belong to this user and whose coordinator (named in their
    /// `pid` file) is no longer running. Directories without a readable pid file, of other users, or of a live
    /// process are left alone; nothing is followed through a link.
    static func removeAbandoned(under base: String) {
        guard let directory = opendir(base) else { return }
        defer { closedir(directory) }
        var checked = 0
        while let entry = readdir(directory), checked < 10_000 {
            checked += 1
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("jobrun-"), name.utf8.count == 13 else { continue }
            let candidate = "\(base)/\(name)"
            var status = stat()
            guard lstat(candidate, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == getuid(),
                let owner = readPID(candidate + "/" + pidFileName), owner != getpid(), kill(owner, 0) != 0, errno == ESRCH
            else { continue }
            RuntimeDirectory(existing: candidate).remove()
        }
    }

    private init(existing path: String) { self.path = path }

    private static func readPID(_ path: String) -> Int32? {
        guard let bytes = try? WholeFile.read(path, limit: 16, followingLinks: false) else { return nil }
        return Int32(String(decoding: bytes.filter { $0 != UInt8(ascii: "\n") }, as: UTF8.self))
    }

    /// The `ipc://` endpoint of a socket file in this directory.
    func endpoint(_ name: String) -> String { "ipc://\(path)/\(name)" }

    /// Removes the socket files and the directory.
    func remove() {
        guard let directory = opendir(path) else { return }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { unlink("\(path)/\(name)") }
        }
        closedir(directory)
        rmdir(path)
    }
}

/// A failure of the coordinator itself (not of a task), with a message for the user.
public struct CoordinatorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
