#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// What this machine has, as the kernel reports it: GPUs and memory. Coordinators read it for their local workers,
/// worker processes on other hosts for the registration they send and the free memory they report.
public enum HostFacts {
    /// The cores online (at least 1).
    public static func coreCount() -> Int {
        max(Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))), 1)
    }

    /// The NVIDIA GPUs of this host: the count of device files `/dev/nvidia0`, `/dev/nvidia1`, ...
    public static func gpuCount() -> Int {
        guard let directory = opendir("/dev") else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("nvidia") else { continue }
            let suffix = name.dropFirst(6)
            if !suffix.isEmpty, suffix.allSatisfy(\.isNumber) { count += 1 }
        }
        return count
    }

    /// The host's physical memory (`MemTotal`), in bytes; `nil` when `/proc/meminfo` cannot be read.
    public static func totalMemoryBytes() -> UInt64? { memoryInfo("MemTotal:") }

    /// Memory the host can give new work without swapping (`MemAvailable`), in bytes; `nil` when unknown.
    public static func availableMemoryBytes() -> UInt64? { memoryInfo("MemAvailable:") }

    /// A `/proc/meminfo` figure in bytes.
    private static func memoryInfo(_ key: String) -> UInt64? {
        guard let text = WholeFile.text("/proc/meminfo") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let fields = line.dropFirst(key.count).split(separator: " ")
            guard let kilobytes = fields.first.flatMap({ UInt64($0) }), kilobytes <= UInt64.max / 1024 else { return nil }
            return kilobytes * 1024
        }
        return nil
    }
}
