#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// The few file operations the job monitor needs, on plain POSIX calls.
///
/// Threads: every function is safe to call from any thread (each works on its own descriptors).
public enum FileText {
    /// Writes `bytes` to `path` through a temporary file and a rename, so readers see the old or the new content,
    /// never a part. The file gets `mode` (0600 unless told otherwise).
    ///
    /// - Throws: `MonitorError` naming the path when the file cannot be written.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600) throws(MonitorError) {
        let temporary = "\(path).\(getpid()).tmp"
        // A fresh file, never one reached through a link someone placed at the temporary name.
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw MonitorError("cannot write \(temporary): \(lastErrorText())") }
        let written = writeAll(bytes, to: descriptor)
        close(descriptor)
        guard written else {
            unlink(temporary)
            throw MonitorError("cannot write \(temporary): \(lastErrorText())")
        }
        guard rename(temporary, path) == 0 else {
            let text = lastErrorText()
            unlink(temporary)
            throw MonitorError("cannot rename \(temporary) to \(path): \(text)")
        }
    }

    /// Writes every byte to a descriptor (see `FullWrite`); `false` on failure.
    @discardableResult
    public static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool { FullWrite.write(bytes, to: descriptor) }

    /// Writes text to standard output (descriptor 1); `false` when it cannot (for example a closed pipe).
    @discardableResult
    public static func standardOutput(_ text: String) -> Bool { writeAll(Array(text.utf8), to: 1) }

    /// Writes text to standard error (descriptor 2).
    public static func standardError(_ text: String) { StandardError.write(text) }

    /// Creates `path` and any missing parents with `mode`.
    ///
    /// - Throws: `MonitorError` naming the directory that could not be created.
    public static func makeDirectories(_ path: String, mode: mode_t) throws(MonitorError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST {
                throw MonitorError("cannot create the directory \(prefix): \(lastErrorText())")
            }
        }
        guard isDirectory(path) else { throw MonitorError("\(path) exists but is not a directory") }
    }

    /// Whether `path` names a directory (following symbolic links).
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether anything exists at `path`.
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The names in a directory, without `.` and `..`; empty when it cannot be read.
    public static func names(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }

    /// `path` made absolute against the current directory (`.` and `..` components are kept, not resolved).
    public static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") || path == "-" { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var relative = Substring(path)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2) }
        return directory == "/" ? "/" + relative : directory + "/" + relative
    }

    /// The text of `errno`.
    public static func lastErrorText() -> String { String(cString: strerror(errno)) }
}
