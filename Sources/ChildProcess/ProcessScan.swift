#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// Finds processes through /proc, for a `ProcessTree` that has no control group: by a marker variable in their
/// environment or by process group, and adds up their resident memory.
enum ProcessScan {
    /// Every process whose initial environment holds `name=value`, or whose process group is `group`.
    static func processes(withEnvironment name: String, value: String, orGroup group: Int32?) -> [Int32] {
        guard let proc = opendir("/proc") else { return [] }
        defer { closedir(proc) }
        let needle = Array((name + "=" + value).utf8) + [0]
        let me = getpid()
        var found: [Int32] = []
        while let entry = readdir(proc) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(entryName), pid != me else { continue }
            if let group, getpgid(pid) == group {
                found.append(pid)
            } else if environment(of: pid, contains: needle) {
                found.append(pid)
            }
        }
        return found
    }

    /// Whether `/proc/<pid>/environ` holds the NUL-terminated entry `needle` (as a whole entry).
    private static func environment(of pid: Int32, contains needle: [UInt8]) -> Bool {
        let fd = open("/proc/\(pid)/environ", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var bytes: [UInt8] = [0]
        var chunk = [UInt8](repeating: 0, count: 8192)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        bytes.append(0)
        // Entries are NUL-separated; a whole entry is preceded by a NUL.
        let pattern = [0] + needle
        guard bytes.count >= pattern.count else { return false }
        for start in 0...(bytes.count - pattern.count) where bytes[start] == 0 {
            if bytes[start..<start + pattern.count].elementsEqual(pattern) { return true }
        }
        return false
    }

    /// The resident memory of `pids` together, from `/proc/<pid>/statm`.
    static func residentBytes(of pids: [Int32]) -> UInt64 {
        let page = UInt64(max(sysconf(Int32(_SC_PAGESIZE)), 4096))
        var total: UInt64 = 0
        for pid in pids {
            guard let text = WholeFile.text("/proc/\(pid)/statm") else { continue }
            let fields = text.split(separator: " ")
            if fields.count >= 2, let pages = UInt64(fields[1]) { total += pages * page }
        }
        return total
    }
}
