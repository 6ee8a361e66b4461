import CChildProcess
import Glibc

/// Starts a prepared `LaunchPlan`: `posix_spawn` normally, the C helper (`cchildprocess_spawn`) when a
/// parent-death signal is wanted, the child must start inside control groups, or a pidfd of it is wanted. Both give
/// the child default signal actions, an empty signal mask, the requested standard streams and nothing else (every
/// other descriptor this module opens is close-on-exec).
enum Launcher {
    /// Where one of the child's standard streams comes from.
    enum StreamSource {
        /// The parent's descriptor of the same number.
        case inherit
        /// `/dev/null`.
        case devNull
        /// This descriptor (3 or higher), installed under the stream's number.
        case descriptor(Int32)
    }

    /// Starts the child and returns its pid; by then it has executed the program (vfork
    /// semantics), so exec failures are thrown here as `SpawnError`. `joinCgroups` are open `cgroup.procs` files
    /// the child writes itself into before it executes.
    static func launch(
        _ plan: borrowing LaunchPlan,
        stdin: StreamSource, stdout: StreamSource, stderr: StreamSource,
        newProcessGroup: Bool, parentDeathSignal: Int32?, joinCgroups: [Int32] = [], newSession: Bool = false
    ) throws(SpawnError) -> pid_t {
        if parentDeathSignal != nil || !joinCgroups.isEmpty {
            return try launchWithHelper(
                plan, streams: [stdin, stdout, stderr], newProcessGroup: newProcessGroup,
                deathSignal: parentDeathSignal ?? 0, groups: CgroupEntry(procs: joinCgroups), wantsPidfd: false
            ).pid
        }
        return try posixSpawn(
            plan, streams: [stdin, stdout, stderr], newProcessGroup: newProcessGroup, newSession: newSession)
    }

    /// glibc's `POSIX_SPAWN_SETSID` (spawn.h declares it only under `_GNU_SOURCE`): the child calls `setsid()`.
    private static let spawnSetSID: Int32 = 0x80

    /// The control groups a child starts in: a cgroup2 directory it is born in, and cgroup v1 groups it joins by
    /// writing to their open `cgroup.procs` files. The caller keeps and closes the descriptors.
    struct CgroupEntry {
        /// An open cgroup2 directory, or -1.
        var directory: Int32 = -1
        var procs: [Int32] = []
    }

    /// A child started by `launchTracked`: its pid, and a pidfd of it (-1 where the kernel has none), which the
    /// caller owns and closes.
    struct Launched {
        let pid: pid_t
        let pidfd: Int32
    }

    /// Starts the child like `launch`, inside `groups`, and also returns a pidfd of it: with clone3 the pidfd and
    /// the cgroup2 group come with the fork itself, no extra system call for either.
    static func launchTracked(
        _ plan: borrowing LaunchPlan,
        stdin: StreamSource, stdout: StreamSource, stderr: StreamSource,
        newProcessGroup: Bool, parentDeathSignal: Int32?, groups: CgroupEntry
    ) throws(SpawnError) -> Launched {
        try launchWithHelper(
            plan, streams: [stdin, stdout, stderr], newProcessGroup: newProcessGroup,
            deathSignal: parentDeathSignal ?? 0, groups: groups, wantsPidfd: true)
    }

    private static func posixSpawn(
        _ plan: borrowing LaunchPlan, streams: [StreamSource], newProcessGroup: Bool, newSession: Bool
    ) throws(SpawnError) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)
        if newSession {
            // A session leader leads its process group too (and may not call setpgid), so no SETPGROUP with it.
            flags |= spawnSetSID
        } else if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        // Every signal back to its default action: ignored ones would otherwise survive execve.
        var everySignal = sigset_t()
        sigfillset(&everySignal)
        posix_spawnattr_setsigdefault(&attributes, &everySignal)
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in streams.enumerated() {
            let result: Int32
            switch source {
            case .inherit:
                continue
            case .devNull:
                result = posix_spawn_file_actions_addopen(&actions, Int32(target), "/dev/null", O_RDWR, 0)
            case .descriptor(let fd):
                result = posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
            }
            guard result == 0 else {
                throw .system(plan.executable, "preparing the standard streams", errorNumber: result)
            }
        }
        if let directory = plan.workingDirectory {
            let result = cchildprocess_file_actions_addchdir(&actions, directory)
            guard result == 0 else {
                throw .system(plan.executable, "preparing the working directory", errorNumber: result)
            }
        }

        var pid: pid_t = 0
        var result = posix_spawn(&pid, plan.path, &actions, &attributes, plan.argv.pointers, plan.environmentPointer)
        // ETXTBSY: a program written just now can still be open for writing in a child that another thread
        // spawned between the writer's open and close and that has not reached exec yet. That clears within
        // moments, so retry briefly before calling it an error.
        var retries = 0
        while result == ETXTBSY, retries < 8 {
            retries += 1
            usleep(UInt32(1000 << retries))
            result = posix_spawn(&pid, plan.path, &actions, &attributes, plan.argv.pointers, plan.environmentPointer)
        }
        guard result == 0 else {
            throw plan.launchError(result)
        }
        return pid
    }

    private static func launchWithHelper(
        _ plan: borrowing LaunchPlan, streams: [StreamSource], newProcessGroup: Bool, deathSignal: Int32,
        groups: CgroupEntry, wantsPidfd: Bool
    ) throws(SpawnError) -> Launched {
        let stdio: [Int32] = streams.map { source in
            switch source {
            case .inherit: CCHILDPROCESS_INHERIT
            case .devNull: Descriptors.devNull ?? CCHILDPROCESS_DEV_NULL
            case .descriptor(let fd): fd
            }
        }
        var pid: pid_t = 0
        var pidfd: Int32 = -1
        var failedStep: Int32 = 0
        var result: Int32 = 0
        // As in `posixSpawn`: a just-written program can be briefly busy (ETXTBSY); retry a few times.
        for retry in 0...8 {
            if retry > 0 { usleep(UInt32(1000 << retry)) }
            result = stdio.withUnsafeBufferPointer { stdio in
                groups.procs.withUnsafeBufferPointer { join in
                    withOptionalCString(plan.workingDirectory) { directory in
                        withUnsafeMutablePointer(to: &pidfd) { pidfd in
                            cchildprocess_spawn(
                                &pid, wantsPidfd ? pidfd : nil, &failedStep, plan.path, plan.argv.pointers,
                                plan.environmentPointer, stdio.baseAddress, directory, newProcessGroup ? 1 : 0, deathSignal,
                                groups.directory, join.baseAddress, Int32(join.count))
                        }
                    }
                }
            }
            if result != ETXTBSY { break }
        }
        guard result == 0 else {
            switch failedStep {
            case CCHILDPROCESS_STEP_EXEC:
                throw plan.launchError(result)
            case CCHILDPROCESS_STEP_CHDIR:
                throw plan.launchError(result, failedInChdir: true)
            case CCHILDPROCESS_STEP_CGROUP:
                throw .system(plan.executable, "joining the task's control group", errorNumber: result)
            default:
                throw .system(plan.executable, "preparing the child process", errorNumber: result)
            }
        }
        return Launched(pid: pid, pidfd: pidfd)
    }

    /// Calls `body` with a C string for `string`, or with `nil`.
    private static func withOptionalCString<Result>(
        _ string: String?, _ body: (UnsafePointer<CChar>?) -> Result
    ) -> Result {
        guard let string else { return body(nil) }
        return string.withCString { body($0) }
    }
}
