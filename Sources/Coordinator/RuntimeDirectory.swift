#if canImport(Glibc)
import JSONValue
import ChildProcess
import Settings
import Glibc
#endif

/// A private directory (mode 0700) for a job's `ipc://` endpoints, removed when the job ends.
///
/// It lives under `$XDG_RUNTIME_DIR` when set, else under `/tmp`, so only its owner can reach the sockets.
struct RuntimeDirectory {
    let path: String

    init() throws(CoordinatorError) {
        let base = getenv("XDG_RUNTIME_DIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/jobrun-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            throw CoordinatorError("cannot create a runtime directory under \(base): \(String(cString: strerror(errno)))")
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        chmod(path, 0o700)
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
