#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// Whole-file reads and writes with errors that name the file (blocking; callers run them off the pool).
enum FileIO {
    /// The file's content, at most `maxBytes` bytes.
    static func read(_ path: String, maxBytes: Int) throws -> [UInt8] {
        do {
            return try WholeFile.read(path, limit: maxBytes)
        } catch {
            throw TaskFailure(error.description, retryable: false)
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("cannot write", path) }
        defer { close(descriptor) }
        guard FullWrite.write(bytes, to: descriptor) else { throw failure("cannot write", path) }
    }

    private static func failure(_ what: String, _ path: String) -> TaskFailure {
        TaskFailure("\(what) \(path): \(String(cString: strerror(errno)))", retryable: false)
    }
}
