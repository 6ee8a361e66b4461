#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Empty tracking groups kept for the next process tree of this process.
///
/// Making and removing a control group costs the kernel far more than a short program does: on a 2-core machine a
/// `mkdir`/`rmdir` pair took about 2.5 ms against 1.3 ms for a whole fork/exec of `/bin/true`, while moving a new
/// child into an existing group costs a tenth of that. So a group that only tracked a tree (no memory limit, whose
/// peak and out-of-memory counts could not be reset) and is empty when its tree finishes waits here for the next one.
/// At most `limit` wait; the rest are removed, and a worker on its way out removes them all (`removeAll`).
final class CgroupPool: Sendable {
    private let idle = Mutex<[Cgroup]>([])
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// An idle group directly under `parent`, if one waits.
    func take(under parent: String) -> Cgroup? {
        idle.withLock { groups in
            guard let index = groups.lastIndex(where: { $0.parentPath == parent }) else { return nil }
            return groups.remove(at: index)
        }
    }

    /// Keeps `group` for another tree when it is empty (`knownEmpty`, or found so now) and there is room, else
    /// removes it.
    func giveBack(_ group: Cgroup, knownEmpty: Bool = false) {
        let kept = (knownEmpty || group.members().isEmpty) && idle.withLock { groups in
            guard groups.count < limit else { return false }
            groups.append(group)
            return true
        }
        if !kept { group.remove() }
    }

    /// Removes every idle group (before their parent is removed).
    func removeAll() {
        for group in idle.withLock({ groups in defer { groups.removeAll() }; return groups }) { group.remove(waitingUpTo: 100) }
    }
}
