#if canImport(Glibc)
import Glibc
#endif
import SystemIO

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
        do {
            // Key files are tiny; anything over the bound is not one.
            let bytes = try WholeFile.read(descriptor: descriptor, path: path)
            return (String(decoding: bytes, as: UTF8.self), info.st_mode & 0o7777)
        } catch {
            if case .tooLarge(let limit) = error.reason {
                throw SecurityError("\(path): larger than \(limit) bytes, which is no key file; is it the right file?")
            }
            throw SecurityError("\(path): cannot read: \(String(cString: strerror(error.code)))")
        }
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
        guard FullWrite.write(Array(text.utf8), to: descriptor) else {
            throw SecurityError("\(path): cannot write: \(errorText())")
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
