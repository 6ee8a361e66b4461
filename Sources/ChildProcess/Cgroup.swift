#if canImport(Glibc)
import Glibc
#endif
import SystemIO

/// One control group directory this process created: its members, its control files, and its removal.
///
/// Works the same on cgroup2 and on a cgroup v1 hierarchy, except where noted (`cgroup.kill` exists on cgroup2
/// from Linux 5.14).
struct Cgroup: Sendable, Equatable {
    let path: String
    /// The group's directory and `cgroup.procs`, open while any copy of this value lives, when it was created with
    /// `keepingOpen`: a group reused by task after task then starts each child and checks for members without opening
    /// a file (an open in a control-group file system costs about 7 us, a read of an open `cgroup.procs` about 1 us).
    private let kept: KeptDescriptors?

    init(path: String) {
        self.path = path
        kept = nil
    }

    private init(path: String, kept: KeptDescriptors?) {
        self.path = path
        self.kept = kept
    }

    static func == (left: Cgroup, right: Cgroup) -> Bool { left.path == right.path }

    /// Creates the directory `path` (mode 0755); returns `nil` when the kernel refuses. With `keepingOpen`, the
    /// group's directory and `cgroup.procs` stay open while the value lives (where they cannot be opened, the group
    /// works as without).
    static func create(_ path: String, keepingOpen: Bool = false) -> Cgroup? {
        if mkdir(path, 0o755) != 0, errno != EEXIST { return nil }
        return Cgroup(path: path, kept: keepingOpen ? KeptDescriptors(path: path) : nil)
    }

    /// The directory holding this group.
    var parentPath: Substring { path[..<(path.lastIndex(of: "/") ?? path.startIndex)] }

    /// Opens `cgroup.procs` for writing, for a child to join this group before it executes (see the C helper).
    func openProcs() -> Int32? {
        let fd = open(path + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    /// Opens the group's directory, for a child to start inside this (cgroup2) group (see the C helper); the caller
    /// closes it.
    func openDirectory() -> Int32? {
        if let kept {
            let fd = fcntl(kept.directory, F_DUPFD_CLOEXEC, Int32(3))
            if fd >= 0 { return fd }
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        return fd >= 0 ? fd : nil
    }

    /// The processes in the group now.
    func members() -> [Int32] {
        let bytes = kept.flatMap { $0.readProcs(path: path) } ?? (try? WholeFile.read(path + "/cgroup.procs"))
        guard let bytes else { return [] }
        return bytes.split(separator: UInt8(ascii: "\n")).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
    }

    /// Whether a control file exists in the group.
    func has(_ file: String) -> Bool {
        access(path + "/" + file, F_OK) == 0
    }

    /// A control file's text, or `nil`.
    func read(_ file: String) -> String? {
        WholeFile.text(path + "/" + file)
    }

    /// A control file's value as a number (`max` and unreadable files give `nil`).
    func number(_ file: String) -> UInt64? {
        read(file).flatMap { UInt64($0.split(separator: "\n").first ?? "") }
    }

    /// The number after `key` in a flat keyed file such as `memory.events` or `memory.oom_control`.
    func keyed(_ file: String, _ key: String) -> UInt64? {
        (try? WholeFile.read(path + "/" + file)).flatMap { keyedNumber(key, in: $0) }
    }

    /// Writes a control file; returns whether the kernel took it.
    @discardableResult
    func write(_ file: String, _ value: String) -> Bool {
        writeControlFile(path + "/" + file, value) == 0
    }

    /// Kills every process in the group: at once with `cgroup.kill` where the kernel has it, else by signalling
    /// the members until none is left (bounded, for a group that forks as fast as it is killed). Returns how many
    /// processes it signalled (unknown with `cgroup.kill`: then the members seen just before).
    @discardableResult
    func killAll() -> Int {
        let before = members()
        if before.isEmpty { return 0 }
        if write("cgroup.kill", "1") { return before.count }
        var signalled = 0
        for _ in 0..<100 {
            let now = members()
            if now.isEmpty { break }
            for pid in now where kill(pid, SIGKILL) == 0 { signalled += 1 }
        }
        return signalled
    }

    /// Sends `signal` to every member; returns how many it reached.
    @discardableResult
    func signalAll(_ signal: Int32) -> Int {
        members().reduce(0) { count, pid in kill(pid, signal) == 0 ? count + 1 : count }
    }

    /// Removes the directory once its processes are gone, waiting up to `milliseconds` for them to leave.
    /// Returns whether it is gone.
    @discardableResult
    func remove(waitingUpTo milliseconds: Int = 2000) -> Bool {
        for attempt in 0...max(milliseconds, 0) {
            if rmdir(path) == 0 || errno == ENOENT { return true }
            guard errno == EBUSY else { return false }
            if attempt > 0, attempt % 100 == 0 { killAll() }
            usleep(1000)
        }
        return false
    }

    /// Removes the subgroups under `directory` named `jobrun-<pid>` whose process no longer exists, with the task
    /// groups inside them: what a worker killed before it could clean up left behind.
    static func removeAbandoned(under directory: String) {
        guard let listing = opendir(directory) else { return }
        var abandoned: [String] = []
        while let entry = readdir(listing) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard name.hasPrefix(ProcessTree.groupPrefix), let pid = Int32(name.dropFirst(ProcessTree.groupPrefix.count)) else {
                continue
            }
            if kill(pid, 0) != 0, errno == ESRCH { abandoned.append(directory + "/" + name) }
        }
        closedir(listing)
        for parent in abandoned {
            if let tasks = opendir(parent) {
                var children: [String] = []
                while let entry = readdir(tasks) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                    if name.hasPrefix(ProcessTree.treeGroupPrefix) { children.append(parent + "/" + name) }
                }
                closedir(tasks)
                for child in children { Cgroup(path: child).remove(waitingUpTo: 100) }
            }
            Cgroup(path: parent).remove(waitingUpTo: 100)
        }
    }
}

/// A control group's directory and `cgroup.procs`, held open by `Cgroup` values made with `keepingOpen` and closed
/// with the last of them.
private final class KeptDescriptors: Sendable {
    let directory: Int32
    let procs: Int32

    /// Opens both, or returns `nil` (closing what was opened) when either cannot be opened.
    init?(path: String) {
        directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        procs = directory >= 0 ? openat(directory, "cgroup.procs", O_RDONLY | O_CLOEXEC) : -1
        guard directory >= 0, procs >= 0 else {
            if directory >= 0 { close(directory) }
            return nil
        }
    }

    deinit {
        close(procs)
        close(directory)
    }

    /// The whole of `cgroup.procs` as it is now, read from its start (the kernel formats it afresh for a read at
    /// offset 0); `nil` when it cannot be read (the group was removed).
    func readProcs(path: String) -> [UInt8]? {
        try? WholeFile.read(descriptor: procs, path: path + "/cgroup.procs", fromStart: true)
    }
}
