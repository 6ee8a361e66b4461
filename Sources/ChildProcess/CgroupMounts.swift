#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// Where this process's control groups live: the cgroup2 (unified) directory it belongs to and the directory of its
/// cgroup v1 memory controller, each when mounted and writable. Read from `/proc/self/mountinfo` and
/// `/proc/self/cgroup`; the parsing is pure so it can be tested on any machine.
public struct CgroupMounts: Sendable, Equatable {
    /// This process's cgroup2 directory (for example `/sys/fs/cgroup/unified` or `/sys/fs/cgroup/user.slice/x`).
    public var unified: String?
    /// This process's directory in the cgroup v1 hierarchy that holds the `memory` controller.
    public var memoryV1: String?

    public init(unified: String?, memoryV1: String?) {
        self.unified = unified
        self.memoryV1 = memoryV1
    }

    /// No control groups: every `ProcessTree` falls back to scanning processes.
    public static let none = CgroupMounts(unified: nil, memoryV1: nil)

    /// This process's control groups, as the kernel describes them now, keeping only directories it may create
    /// groups in.
    public static func discover() -> CgroupMounts {
        guard let mountInfo = WholeFile.text("/proc/self/mountinfo"), let membership = WholeFile.text("/proc/self/cgroup")
        else { return .none }
        var found = parse(mountInfo: mountInfo, membership: membership)
        if let unified = found.unified, access(unified, W_OK) != 0 { found.unified = nil }
        if let memory = found.memoryV1, access(memory, W_OK) != 0 { found.memoryV1 = nil }
        return found
    }

    /// The directories described by a mountinfo text and a `/proc/<pid>/cgroup` text.
    static func parse(mountInfo: String, membership: String) -> CgroupMounts {
        var unifiedMount: (point: String, root: String)?
        var memoryMount: (point: String, root: String)?
        for line in mountInfo.split(separator: "\n") {
            let halves = line.split(separator: " - ", maxSplits: 1)
            guard halves.count == 2 else { continue }
            let fields = halves[0].split(separator: " ")
            let tail = halves[1].split(separator: " ")
            guard fields.count >= 5, tail.count >= 1 else { continue }
            let mount = (point: unescape(fields[4]), root: unescape(fields[3]))
            if tail[0] == "cgroup2", unifiedMount == nil {
                unifiedMount = mount
            } else if tail[0] == "cgroup", tail.count >= 3, tail[2].split(separator: ",").contains("memory"), memoryMount == nil {
                memoryMount = mount
            }
        }
        var unifiedPath: String?
        var memoryPath: String?
        for line in membership.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0", parts[1].isEmpty { unifiedPath = String(parts[2]) }
            if parts[1].split(separator: ",").contains("memory") { memoryPath = String(parts[2]) }
        }
        return CgroupMounts(
            unified: join(unifiedMount, unifiedPath), memoryV1: join(memoryMount, memoryPath))
    }

    /// The directory of cgroup `path` in a hierarchy mounted at `mount.point` from `mount.root`.
    private static func join(_ mount: (point: String, root: String)?, _ path: String?) -> String? {
        guard let mount, let path, !path.contains("/../"), !path.hasSuffix("/..") else { return nil }
        var relative = Substring(path)
        if mount.root != "/" {
            guard relative.hasPrefix(mount.root) else { return nil }
            relative = relative.dropFirst(mount.root.count)
        }
        let trimmed = relative.drop { $0 == "/" }
        return trimmed.isEmpty ? mount.point : mount.point + "/" + trimmed
    }

    /// Undoes mountinfo's octal escapes (`\040` for a space).
    private static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3,
                let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The number after `key` and a space at the start of a line of `bytes`: the value of a flat keyed file such as
/// /proc/vmstat, `memory.events` or `memory.oom_control`. `nil` when no line has the key or its value is not a number.
func keyedNumber(_ key: String, in bytes: [UInt8]) -> UInt64? {
    let key = Array(key.utf8)
    var lineStart = 0
    while lineStart < bytes.count {
        let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        let valueStart = lineStart + key.count + 1
        if valueStart < lineEnd, bytes[valueStart - 1] == UInt8(ascii: " "), bytes[lineStart..<valueStart - 1].elementsEqual(key) {
            var value: UInt64 = 0
            for byte in bytes[valueStart..<lineEnd] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
                guard !overflowTimes, !overflowSum else { return nil }
                value = sum
            }
            return value
        }
        lineStart = lineEnd + 1
    }
    return nil
}

/// Writes `text` to an existing file (a cgroup control file); returns 0 or the errno value.
@discardableResult
func writeControlFile(_ path: String, _ text: String) -> Int32 {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return errno }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    return written == bytes.count ? 0 : (written < 0 ? errno : EIO)
}
