#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SystemIO

/// Everything one started program runs, whatever it starts: children, grandchildren, processes that left its process
/// group with `setsid`. Finds them, stops them, and holds them to a memory limit.
///
/// How, in order of preference, decided when it is created:
/// - **tracking**: a cgroup2 group (`cgroup2`), else a cgroup v1 memory group (`cgroup1`); the child joins it before
///   it executes, so nothing it starts is ever outside. Where no group can be made (no permission, no cgroup
///   mount), `processScan`: the program's process group plus every process whose environment carries this tree's
///   marker variable (processes that clear their environment can escape this one).
/// - **memory**: a kernel limit in the cgroup2 group when it has the memory controller (`cgroup2`), else in a
///   cgroup v1 memory group (`cgroup1`); where neither exists, the tree's resident memory is sampled every tick and
///   the tree is killed when it is over the limit (`sampling`).
///
/// Use: set it on a `SpawnConfiguration` and run it with `ProcessRunner.run`, which stops whatever is left when the
/// program ends and reports the tree's memory use. Thread-safe; `stop` may come from any thread (a timeout).
public final class ProcessTree: Sendable {
    /// How the tree's processes are found.
    public enum Tracking: String, Sendable { case cgroup2, cgroup1, processScan }
    /// How the memory limit is enforced.
    public enum MemoryEnforcement: String, Sendable { case none, cgroup2, cgroup1, sampling }

    public let tracking: Tracking
    public let memoryEnforcement: MemoryEnforcement
    /// The limit on the whole tree's memory, if any.
    public let memoryLimitBytes: UInt64?
    /// The environment variable (name, value) every process of a `processScan` tree inherits.
    public let marker: (name: String, value: String)

    let trackingGroup: Cgroup?
    private let memoryGroup: Cgroup?
    private let state: Mutex<State>

    private struct State {
        var leader: Int32?
        var sampledPeak: UInt64 = 0
        var overLimit = false
        var stoppedByCaller = false
        var strays = 0
        /// The tracking group was empty once the program had ended: nothing is left to stop, and nothing can join
        /// it again (a group gains members only by its own members' forks, or from this tree's launch).
        var emptiedAfterEnd = false
        /// The tracking group's processes were killed through it (`cgroup.kill`): the kernel then kills every child
        /// later started inside the group with clone3 (seen on Linux 6.18), so the group is never reused.
        var groupKilled = false
        var finished: MemoryUse?
    }

    /// The prefix of the per-process group that holds this process's task groups: `jobrun-<pid>`.
    static let groupPrefix = "jobrun-"
    /// The prefix of each tree's group inside it: `task-<label>-<n>` (a reused group keeps its first tree's name).
    static let treeGroupPrefix = "task-"
    /// Tracking groups of finished trees, reused by later ones (see `CgroupPool`).
    static let idleGroups = CgroupPool(limit: 64)

    /// The control groups of this process, found once; groups left by dead workers are removed on first use.
    public static let mounts: CgroupMounts = {
        let mounts = CgroupMounts.discover()
        for directory in [mounts.unified, mounts.memoryV1].compactMap({ $0 }) {
            Cgroup.removeAbandoned(under: directory)
        }
        return mounts
    }()

    private static let counter = Atomic<UInt64>(0)

    /// A tree for one program, named `label` (letters, digits, `-`) in its cgroup paths, limited to `memoryLimitBytes`
    /// when given. Never fails: without control groups it falls back as described above.
    public init(label: String, memoryLimitBytes: UInt64?, mounts: CgroupMounts = ProcessTree.mounts) {
        let number = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        // Named only when a group is made (most trees reuse one).
        let name = {
            let safeLabel = String(label.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" }.prefix(40))
            return Self.treeGroupPrefix + "\(safeLabel)-\(number)"
        }
        let pid = getpid()
        self.memoryLimitBytes = memoryLimitBytes
        self.marker = ("JOBRUN_PROCESS_TREE", "\(pid)-\(number)")

        // A group from the pool has no memory settings and may have tracked another tree: only trees without a
        // limit take one (a limit's peak and out-of-memory counts must be this tree's own).
        let unified = mounts.unified.flatMap { directory in
            (memoryLimitBytes == nil ? Self.idleGroups.take(under: Self.processGroupPath(under: directory)) : nil)
                ?? Self.makeGroup(under: directory, name: name(), keepingOpen: true)
        }
        var memory: Cgroup?
        var enforcement = MemoryEnforcement.none
        if let limit = memoryLimitBytes {
            if let unified, unified.read("cgroup.controllers")?.split(whereSeparator: { $0 == " " || $0 == "\n" }).contains("memory") == true,
                unified.write("memory.max", String(limit))
            {
                unified.write("memory.swap.max", "0")
                memory = unified
                enforcement = .cgroup2
            } else if let group = mounts.memoryV1.flatMap({ Self.makeGroup(under: $0, name: name()) }) {
                if group.write("memory.limit_in_bytes", String(limit)) {
                    // No swap for the tree either, where the kernel accounts it; otherwise the limit only moves pages out.
                    if group.has("memory.memsw.limit_in_bytes") { group.write("memory.memsw.limit_in_bytes", String(limit)) }
                    memory = group
                    enforcement = .cgroup1
                } else {
                    group.remove(waitingUpTo: 0)
                }
            }
            if enforcement == .none { enforcement = .sampling }
        }
        memoryGroup = memory
        memoryEnforcement = enforcement
        if let unified {
            trackingGroup = unified
            tracking = .cgroup2
        } else if let memory {
            trackingGroup = memory
            tracking = .cgroup1
        } else {
            trackingGroup = nil
            tracking = .processScan
        }
        state = Mutex(State())
    }

    deinit {
        _ = finish()
    }

    /// Removes this process's `jobrun-<pid>` groups, which hold its trees' groups; call when no tree is left (a
    /// worker on its way out). Returns whether none is left.
    @discardableResult
    public static func removeOwnGroups() -> Bool {
        idleGroups.removeAll()
        var removed = true
        for directory in [mounts.unified, mounts.memoryV1].compactMap({ $0 }) {
            removed = Cgroup(path: processGroupPath(under: directory)).remove(waitingUpTo: 100) && removed
        }
        return removed
    }

    /// `<directory>/jobrun-<pid>`: the group holding this process's tree groups.
    private static func processGroupPath(under directory: String) -> String {
        directory + "/" + groupPrefix + String(getpid())
    }

    /// `<directory>/jobrun-<pid>/<name>`, creating the per-process group when needed; `keepingOpen` as in `Cgroup`.
    private static func makeGroup(under directory: String, name: String, keepingOpen: Bool = false) -> Cgroup? {
        guard let parent = Cgroup.create(processGroupPath(under: directory)) else { return nil }
        return Cgroup.create(parent.path + "/" + name, keepingOpen: keepingOpen)
    }

    /// The groups a new child starts in: the cgroup2 group's directory, and the `cgroup.procs` files of cgroup v1
    /// groups. The caller closes the descriptors after the launch.
    func launchGroups() -> Launcher.CgroupEntry {
        var entry = Launcher.CgroupEntry()
        if let trackingGroup {
            if tracking == .cgroup2 {
                entry.directory = trackingGroup.openDirectory() ?? -1
            } else if let procs = trackingGroup.openProcs() {
                entry.procs.append(procs)
            }
        }
        if let memoryGroup, memoryGroup != trackingGroup, let procs = memoryGroup.openProcs() { entry.procs.append(procs) }
        return entry
    }

    /// Notes the program's process (it leads its own process group when it was started with one).
    func started(leader pid: Int32) {
        state.withLock { $0.leader = pid }
    }

    /// The processes of the tree now, the program itself included while it runs.
    public func members() -> [Int32] {
        let (leader, finished) = state.withLock { ($0.leader, $0.finished != nil) }
        if finished { return [] }
        if let trackingGroup { return trackingGroup.members() }
        return ProcessScan.processes(withEnvironment: marker.name, value: marker.value, orGroup: leader)
    }

    /// Sends `signal` to every process of the tree (a timeout's SIGTERM); remembers that the caller stopped it.
    public func stop(_ signal: Int32) {
        state.withLock { $0.stoppedByCaller = true }
        for pid in members() { kill(pid, signal) }
    }

    /// Kills every process of the tree; remembers that the caller stopped it.
    public func killAll() {
        state.withLock { $0.stoppedByCaller = true }
        _ = killEverything()
    }

    /// Kills whatever the program left running after it ended; called by `ProcessRunner` when the program ends.
    func programEnded() {
        let (killed, empty) = killEverything()
        state.withLock { state in
            state.strays += killed
            state.emptiedAfterEnd = empty && trackingGroup != nil
        }
    }

    /// Kills every member; returns how many processes it signalled (the program itself not counted), and whether
    /// the tracking group was already empty.
    private func killEverything() -> (killed: Int, wasEmpty: Bool) {
        let (leader, finished) = state.withLock { ($0.leader, $0.finished != nil) }
        if finished { return (0, false) }
        if let trackingGroup {
            let members = trackingGroup.members()
            // Marked under the lock that `finish` sets `finished` with, so a group is never pooled after a kill.
            let kills = !members.isEmpty && state.withLock { state in
                guard state.finished == nil else { return false }
                state.groupKilled = true
                return true
            }
            if kills { trackingGroup.killAll() }
            return (members.filter { $0 != leader }.count, members.isEmpty)
        }
        var killed = Set<Int32>()
        for _ in 0..<20 {
            let members = self.members()
            if members.isEmpty { break }
            for pid in members where kill(pid, SIGKILL) == 0 && pid != leader { killed.insert(pid) }
        }
        return (killed.count, false)
    }

    /// Checks the tree against its memory limit (each tick while the program runs): kills it when it went over,
    /// and returns whether it did.
    @discardableResult
    func enforceMemoryLimit() -> Bool {
        guard let limit = memoryLimitBytes else { return false }
        switch memoryEnforcement {
        case .none: return false
        case .cgroup1, .cgroup2:
            // The kernel enforces the limit by killing one process; the rest of the tree goes with it.
            guard oomKills() > 0 else { return false }
        case .sampling:
            let resident = ProcessScan.residentBytes(of: members())
            let over = state.withLock { state in
                state.sampledPeak = max(state.sampledPeak, resident)
                return resident > limit
            }
            guard over else { return false }
        }
        let first = state.withLock { state in
            defer { state.overLimit = true }
            return !state.overLimit
        }
        if first { _ = killEverything() }
        return true
    }

    /// The kernel's out-of-memory kills inside the tree's memory group.
    private func oomKills() -> UInt64 {
        guard let memoryGroup else { return 0 }
        switch memoryEnforcement {
        case .cgroup2: return memoryGroup.keyed("memory.events", "oom_kill") ?? 0
        default: return memoryGroup.keyed("memory.oom_control", "oom_kill") ?? 0
        }
    }

    /// After the program ended: kills what is left, reports the tree's memory use and how it ended, and removes
    /// the tree's control groups. Returns the same report on every call.
    @discardableResult
    func finish(kernelOOMKillsBefore: UInt64? = nil, kernelOOMKillsAfter: UInt64? = nil) -> MemoryUse {
        if let done = state.withLock({ $0.finished }) { return done }
        let overLimit = enforceMemoryLimit()
        let emptied = state.withLock { $0.emptiedAfterEnd }
        if !emptied { _ = killEverything() }
        let peak: UInt64?
        switch memoryEnforcement {
        case .cgroup2: peak = memoryGroup?.number("memory.peak")
        case .cgroup1: peak = memoryGroup?.number("memory.max_usage_in_bytes")
        case .sampling: peak = state.withLock { $0.sampledPeak }
        case .none: peak = nil
        }
        let groupOOMKills = oomKills()
        var report = state.withLock { state in
            MemoryUse(
                limitBytes: memoryLimitBytes, peakBytes: peak, overLimit: overLimit || state.overLimit,
                killedByKernel: groupOOMKills > 0, strayProcessesStopped: state.strays,
                stoppedByCaller: state.stoppedByCaller)
        }
        if memoryGroup == nil, let before = kernelOOMKillsBefore, let after = kernelOOMKillsAfter, after > before {
            report.kernelKilledSomethingMeanwhile = true
        }
        // Finished before the groups are let go: from now on this tree has no members, so a late `stop` (a timeout
        // firing as the program ended) cannot reach the next tree that uses the same group.
        let groupKilled = state.withLock { state in
            state.finished = report
            return state.groupKilled
        }
        if let trackingGroup {
            // A cgroup2 group that only tracked (no limit was written to it) and was never killed through can serve
            // the next tree.
            if tracking == .cgroup2, memoryEnforcement != .cgroup2, !groupKilled {
                Self.idleGroups.giveBack(trackingGroup, knownEmpty: emptied)
            } else {
                trackingGroup.remove()
            }
        }
        if let memoryGroup, memoryGroup != trackingGroup { memoryGroup.remove() }
        return report
    }

    /// The machine's out-of-memory kill count to compare with `machineOOMKillsAfterEnd()` once the program died of a
    /// SIGKILL, taken before it starts: `nil` for a tree with a memory group of its own, whose group counts its kills.
    /// Usually the count read for a tree started a moment ago (see `OOMKillBaseline`).
    func machineOOMKillsBeforeStart() -> UInt64? {
        guard memoryGroup == nil else { return nil }
        let now = PumpWatch.now()
        if case .reuse(let count) = Self.oomKillBaseline.withLock({ $0.beforeStart(now: now) }) { return count }
        return Self.readMachineOOMKills(at: now)
    }

    /// The machine's out-of-memory kill count now, for a tree whose `machineOOMKillsBeforeStart()` was not `nil`.
    func machineOOMKillsAfterEnd() -> UInt64? {
        Self.readMachineOOMKills(at: PumpWatch.now())
    }

    /// The last reading of the machine's out-of-memory kill count, shared by every tree of this process.
    private static let oomKillBaseline = Mutex(OOMKillBaseline(maxAgeNanoseconds: 250_000_000))

    /// Reads the machine's count and keeps it as the latest reading.
    private static func readMachineOOMKills(at now: UInt64) -> UInt64? {
        let count = machineOOMKills()
        if let count { oomKillBaseline.withLock { $0.recorded(count, now: now) } }
        return count
    }

    /// The kernel's count of out-of-memory kills on the whole machine (`oom_kill` in /proc/vmstat), or `nil`. It
    /// scans bytes: splitting the file's 5 KiB into strings cost more than the kernel's fork of a short program.
    private static func machineOOMKills() -> UInt64? {
        (try? WholeFile.read("/proc/vmstat")).flatMap { keyedNumber("oom_kill", in: $0) }
    }
}

/// What a `ProcessTree` saw of its memory and of the processes its program left behind.
public struct MemoryUse: Sendable, Equatable {
    /// The tree's limit, if it had one.
    public var limitBytes: UInt64?
    /// The most memory the tree used at once, where known (the control group's peak, or the sampled peak).
    public var peakBytes: UInt64?
    /// The tree went over its limit and was stopped.
    public var overLimit: Bool
    /// The kernel's out-of-memory killer ended a process of the tree (seen in its memory group).
    public var killedByKernel: Bool
    /// Processes still running when the program ended, which were stopped then.
    public var strayProcessesStopped: Int
    /// The caller stopped the tree (a timeout or a cancel) before it ended by itself.
    public var stoppedByCaller: Bool
    /// Without a memory group: the kernel's out-of-memory killer killed some process on the machine while the
    /// program ran (a SIGKILL nobody here sent then most likely came from it).
    public var kernelKilledSomethingMeanwhile = false

    public init(
        limitBytes: UInt64? = nil, peakBytes: UInt64? = nil, overLimit: Bool = false, killedByKernel: Bool = false,
        strayProcessesStopped: Int = 0, stoppedByCaller: Bool = false
    ) {
        self.limitBytes = limitBytes
        self.peakBytes = peakBytes
        self.overLimit = overLimit
        self.killedByKernel = killedByKernel
        self.strayProcessesStopped = strayProcessesStopped
        self.stoppedByCaller = stoppedByCaller
    }
}
