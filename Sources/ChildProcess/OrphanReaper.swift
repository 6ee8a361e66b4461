#if canImport(Glibc)
import Glibc
#endif
import CChildProcess
import SystemIO

/// Finds and stops processes orphaned below this one, such as the task processes of a worker that was killed.
///
/// `adopt()` makes this process a child subreaper, so such orphans are re-parented here rather than to init;
/// `stopOrphans(keeping:)` then kills every child that is not one of the given processes (with its process group,
/// since task processes lead their own) and reaps those that exited.
public enum OrphanReaper {
    /// Becomes a child subreaper. Returns false if the kernel refused.
    @discardableResult
    public static func adopt() -> Bool {
        cchildprocess_become_subreaper() == 0
    }

    /// Kills every child process whose pid is not in `known`, and reaps the ones that are gone.
    /// Returns how many it signalled.
    @discardableResult
    public static func stopOrphans(keeping known: Set<Int32>) -> Int {
        var signalled = 0
        for pid in childPIDs() where !known.contains(pid) {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            signalled += 1
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
        }
        return signalled
    }

    /// The pids of this process's children, whichever thread they belong to (from /proc).
    static func childPIDs() -> [Int32] {
        guard let tasks = opendir("/proc/self/task") else { return [] }
        defer { closedir(tasks) }
        var pids: [Int32] = []
        while let entry = readdir(tasks) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard Int32(name) != nil, let text = WholeFile.text("/proc/self/task/\(name)/children") else { continue }
            pids += text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: " \n")) }
        }
        return pids
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in characters: String) -> Substring {
        var result = self
        while let first = result.first, characters.contains(first) { result = result.dropFirst() }
        while let last = result.last, characters.contains(last) { result = result.dropLast() }
        return result
    }
}
