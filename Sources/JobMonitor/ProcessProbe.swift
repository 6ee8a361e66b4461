#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// Whether a recorded coordinator process is still alive, robust against pid reuse and unreaped zombies.
///
/// Reads `/proc/<pid>/stat`; safe from any thread.
public enum ProcessProbe {
    /// The process's start time (clock ticks after boot, field 22 of `/proc/<pid>/stat`), or `nil` when there is
    /// no such process or it has exited (a zombie).
    public static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let bytes = try? WholeFile.read("/proc/\(pid)/stat") else { return nil }
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // fields[0] is the state (field 3), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        let state = fields[0].first ?? 0
        if state == UInt8(ascii: "Z") || state == UInt8(ascii: "X") { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    /// Whether process `pid` is running and, when `startTime` is given, is the same process that was recorded.
    public static func isRunning(pid: Int32, startTime expected: UInt64?) -> Bool {
        guard let actual = startTime(of: pid) else { return false }
        return expected == nil || expected == actual
    }
}
