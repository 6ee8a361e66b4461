#if canImport(Glibc)
import Glibc
#endif

/// A process's file-descriptor limit. The coordinator spends descriptors on every worker (its task socket, its
/// connections) and on every connection anyone opens to `--listen`, which ZeroMQ accepts before jobrun sees a message;
/// a worker spends about seven on every exec task it runs at once (output pipes and this process's copies of their
/// write ends, a pidfd, its control group's directory and `cgroup.procs`). When they run out inside ZeroMQ the process
/// aborts, and a task that cannot get its pipes fails. The soft limit is often far below what the system allows
/// (1024 against 524288), so both raise it to the hard limit at start.
public enum DescriptorLimit {
    /// Raises the soft limit to the hard one (at most about a million); returns the limit now in force.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        let wanted = min(limit.rlim_max, 1 << 20)
        if limit.rlim_cur < wanted {
            var raised = limit
            raised.rlim_cur = wanted
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(wanted) }
        }
        return Int(limit.rlim_cur)
    }
}
