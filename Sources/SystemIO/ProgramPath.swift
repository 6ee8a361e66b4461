#if canImport(Glibc)
import Glibc
#endif

/// The path of the running program, so the processes it starts of itself (local workers, a host agent's workers, a
/// detached coordinator) run the same build.
public enum ProgramPath {
    /// `/proc/self/exe` resolved; the first command-line argument when that cannot be read.
    public static func current() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
