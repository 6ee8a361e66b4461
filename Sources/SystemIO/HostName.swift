#if canImport(Glibc)
import Glibc
#endif

/// This machine's name as the system reports it (`gethostname`), for endpoints, job metadata and worker
/// registrations; `localhost` when the call fails.
public enum HostName {
    public static func current() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
