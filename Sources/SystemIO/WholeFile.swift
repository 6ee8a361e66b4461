#if canImport(Glibc)
import Glibc
#endif

/// Reading a file whole: settings, keys, job metadata, `/proc` and cgroup files, and the files tasks read.
///
/// Every read has a size bound, so a file that turns out huge or endless (a device, a pipe, a log that kept
/// growing) costs at most `limit` bytes and is refused instead of filling memory. Stateless; safe from any thread
/// (each call works on its own descriptor).
public enum WholeFile {
    /// Why a file could not be read.
    public struct ReadError: Error, CustomStringConvertible {
        public enum Reason: Sendable, Equatable {
            /// `open` failed (no such file, no permission, a symbolic link where none is followed, ...).
            case cannotOpen
            /// `read` failed.
            case cannotRead
            /// The file has more than `limit` bytes.
            case tooLarge(limit: Int)
        }

        public let path: String
        public let reason: Reason
        /// The `errno` of the failed call (0 for `tooLarge`).
        public let code: Int32

        /// `cannot open PATH: No such file or directory`, `PATH is larger than 1048576 bytes`.
        public var description: String {
            switch reason {
            case .cannotOpen: "cannot open \(path): \(String(cString: strerror(code)))"
            case .cannotRead: "cannot read \(path): \(String(cString: strerror(code)))"
            case .tooLarge(let limit): "\(path) is larger than \(limit) bytes"
            }
        }
    }

    /// The bound for files that are small by nature: settings, keys, metadata, `/proc` files (1 MiB).
    public static let defaultLimit = 1 << 20

    /// The whole content of the file at `path`, at most `limit` bytes.
    ///
    /// - Parameter followingLinks: `false` refuses a symbolic link as the last path component (`O_NOFOLLOW`).
    /// - Throws: `ReadError` when the file cannot be opened or read, or has more than `limit` bytes.
    public static func read(
        _ path: String, limit: Int = defaultLimit, followingLinks: Bool = true
    ) throws(ReadError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard descriptor >= 0 else { throw ReadError(path: path, reason: .cannotOpen, code: errno) }
        defer { close(descriptor) }
        return try read(descriptor: descriptor, path: path, limit: limit)
    }

    /// The rest of an open descriptor's content, at most `limit` bytes; `path` names it in errors. The descriptor
    /// stays open. With `fromStart`, the content from offset 0 with `pread`, leaving the descriptor's offset alone
    /// (for a file kept open and read again, such as a control group's `cgroup.procs`).
    ///
    /// - Throws: `ReadError` when reading fails or there are more than `limit` bytes.
    public static func read(
        descriptor: Int32, path: String, limit: Int = defaultLimit, fromStart: Bool = false
    ) throws(ReadError) -> [UInt8] {
        // Read straight into the result, which grows as needed: a small file (every /proc and control-group file read
        // per task) costs one allocation and no copy.
        let bound = max(limit, 0)
        var bytes = [UInt8](repeating: 0, count: min(bound + 1, 16384))
        var filled = 0
        while true {
            if filled == bytes.count { bytes.append(contentsOf: repeatElement(0, count: min(bytes.count, bound + 1 - bytes.count))) }
            let count = bytes.withUnsafeMutableBytes { buffer in
                fromStart
                    ? pread(descriptor, buffer.baseAddress! + filled, buffer.count - filled, off_t(filled))
                    : Glibc.read(descriptor, buffer.baseAddress! + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(path: path, reason: .cannotRead, code: errno)
            }
            if count == 0 { break }
            filled += count
            guard filled <= bound else { throw ReadError(path: path, reason: .tooLarge(limit: limit), code: 0) }
        }
        bytes.removeLast(bytes.count - filled)
        return bytes
    }

    /// The file's text (invalid UTF-8 repaired), or `nil` when it cannot be read or has more than `limit` bytes.
    public static func text(_ path: String, limit: Int = defaultLimit) -> String? {
        guard let bytes = try? read(path, limit: limit) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
