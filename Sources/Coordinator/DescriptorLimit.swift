#if canImport(Glibc)
import Glibc
#endif

/// The coordinator's file-descriptor limit. Every worker costs it descriptors (its task socket, its connections),
/// and so does every connection anyone opens to `--listen`, which ZeroMQ accepts before jobrun sees a message; when
/// they run out inside ZeroMQ the process aborts. The soft limit is often far below what the system allows, so it
/// is raised to the hard limit at start.
enum DescriptorLimit {
    /// Raises the soft limit to the hard one (at most about a million); returns the limit now in force.
    @discardableResult
    static func raiseToHardLimit() -> Int {
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
