#if canImport(Glibc)
import Glibc
#endif

/// Small file operations for key files, on plain POSIX calls.
///
/// Stateless; safe from any thread (each call opens and closes its own descriptor).
enum SecureFile {
    /// The whole content of a file as UTF-8 text, and its permission bits.
    static func read(_ path: String) throws(SecurityError) -> (text: String, mode: mode_t) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SecurityError("\(path): cannot open: \(errorText())") }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw SecurityError("\(path): cannot read: \(errorText())") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<256 {  // key files are tiny; 1 MiB at most
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw SecurityError("\(path): cannot read: \(errorText())") }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return (String(decoding: bytes, as: UTF8.self), info.st_mode & 0o7777)
    }

    /// Writes `text` to a new file with permission bits `mode`; refuses to replace an existing file unless
    /// `replace` is set.
    static func write(_ text: String, to path: String, mode: mode_t, replace: Bool) throws(SecurityError) {
        if replace { unlink(path) }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            if errno == EEXIST { throw SecurityError("\(path) exists already; remove it first or pass --force to replace it") }
            throw SecurityError("\(path): cannot create: \(errorText())")
        }
        defer { close(descriptor) }
        fchmod(descriptor, mode)  // the umask may have cleared bits of `mode`
        var remaining = Array(text.utf8)[...]
        while !remaining.isEmpty {
            let count = remaining.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw SecurityError("\(path): cannot write: \(errorText())") }
            remaining = remaining.dropFirst(count)
        }
        guard fsync(descriptor) == 0 else { throw SecurityError("\(path): cannot write: \(errorText())") }
    }

    /// Creates `path` and missing parents with mode 0700.
    static func makeDirectory(_ path: String) throws(SecurityError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            if mkdir(prefix, 0o700) != 0, errno != EEXIST {
                throw SecurityError("cannot create the directory \(prefix): \(errorText())")
            }
        }
    }

    /// Whether a file exists at `path`.
    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
