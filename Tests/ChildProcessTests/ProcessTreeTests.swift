@testable import ChildProcess
import Dispatch
import Glibc
import Synchronization
import Testing

/// `ProcessTree` with real processes: on this machine's control groups where it may create them, and on the
/// process-scan fallback (as on a machine without them). Each test prints which mechanism it used.
@Suite("process trees", .serialized)
struct ProcessTreeTests {
    /// The two ways a tree can work: what the machine offers, and no control groups at all.
    enum Setting: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case machine, noCgroups
        var mounts: CgroupMounts { self == .machine ? ProcessTree.mounts : .none }
        var testDescription: String { rawValue }
    }

    /// Runs `configuration` on another thread; fails (and returns nil) if it does not finish within `seconds`.
    static func run(_ configuration: SpawnConfiguration, within seconds: Int = 20) throws -> ProcessOutput? {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<ProcessOutput, SpawnError>?>(nil)
        TestThread.start {
            let outcome = Result { () throws(SpawnError) -> ProcessOutput in try ProcessRunner.run(configuration) }
            result.withLock { $0 = outcome }
            done.signal()
        }
        guard done.wait(timeout: .now() + .seconds(seconds)) == .success else {
            Issue.record("the run did not end within \(seconds) s")
            configuration.processTree?.killAll()
            _ = done.wait(timeout: .now() + .seconds(5))
            return nil
        }
        return try result.withLock { $0 }?.get()
    }

    /// Whether process `pid` is gone (or only a zombie waiting for its new parent to reap it).
    static func isGone(_ pid: Int32) -> Bool {
        guard let stat = readFile("/proc/\(pid)/stat") else { return true }
        guard let close = stat.lastIndex(of: ")") else { return true }
        return stat[stat.index(close, offsetBy: 2)] == "Z"
    }

    static func shell(_ script: String, tree: ProcessTree) -> SpawnConfiguration {
        var configuration = SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", script], newProcessGroup: true)
        configuration.processTree = tree
        return configuration
    }

    @Test("a program that leaves a process holding its stdout ends when it ends; the process is stopped", arguments: Setting.allCases)
    func backgroundHolderIsStopped(setting: Setting) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let tree = ProcessTree(label: "holder", memoryLimitBytes: nil, mounts: setting.mounts)
        print("process tree (\(setting.rawValue)): tracking by \(tree.tracking.rawValue)")
        let pidFile = scratch.path + "/pid"
        let output = try #require(try Self.run(Self.shell("sleep 1000 & echo $! > \(pidFile); echo started", tree: tree)))
        #expect(output.status == .exited(0))
        #expect(output.stdoutText == "started\n")
        #expect(output.memory?.strayProcessesStopped == 1)
        let pid = try #require(readFile(pidFile).flatMap { Int32($0.split(separator: "\n").first ?? "") })
        #expect(eventually(within: 5) { Self.isGone(pid) }, "the background sleep \(pid) is still running")
    }

    @Test("a setsid escapee holding stdout is found and stopped when the program ends", arguments: Setting.allCases)
    func setsidEscapeeIsStopped(setting: Setting) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let tree = ProcessTree(label: "escapee", memoryLimitBytes: nil, mounts: setting.mounts)
        print("process tree (\(setting.rawValue)): tracking by \(tree.tracking.rawValue)")
        let pidFile = scratch.path + "/pid"
        let script = """
            setsid sh -c 'echo $$ > \(pidFile); exec sleep 1000' &
            for i in $(seq 1 500); do [ -s \(pidFile) ] && break; sleep 0.01; done
            echo started
            """
        let output = try #require(try Self.run(Self.shell(script, tree: tree)))
        #expect(output.status == .exited(0))
        #expect(output.stdoutText == "started\n")
        let pid = try #require(readFile(pidFile).flatMap { Int32($0.split(separator: "\n").first ?? "") })
        #expect(getpgid(pid) != getpgid(0) || Self.isGone(pid))
        #expect(eventually(within: 5) { Self.isGone(pid) }, "the setsid escapee \(pid) is still running")
        #expect((output.memory?.strayProcessesStopped ?? 0) >= 1)
    }

    @Test("killAll from another thread stops the program and its escapees (a timeout)", arguments: Setting.allCases)
    func killAllStopsEverything(setting: Setting) throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let tree = ProcessTree(label: "timeout", memoryLimitBytes: nil, mounts: setting.mounts)
        print("process tree (\(setting.rawValue)): tracking by \(tree.tracking.rawValue)")
        let pidFile = scratch.path + "/pid"
        let script = """
            setsid sh -c 'echo $$ > \(pidFile); exec sleep 1000' > /dev/null &
            for i in $(seq 1 500); do [ -s \(pidFile) ] && break; sleep 0.01; done
            echo ready; sleep 1000
            """
        let configuration = Self.shell(script, tree: tree)
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<ProcessOutput?>(nil)
        TestThread.start {
            let output = try? ProcessRunner.run(configuration, onLine: { line in
                if line.bytes == Array("ready".utf8) { tree.killAll() }
            })
            outcome.withLock { $0 = output }
            done.signal()
        }
        #expect(done.wait(timeout: .now() + .seconds(20)) == .success, "killAll did not end the run")
        let output = try #require(outcome.withLock { $0 })
        #expect(output.status == .killed(by: SIGKILL))
        #expect(output.memory?.stoppedByCaller == true)
        let pid = try #require(readFile(pidFile).flatMap { Int32($0.split(separator: "\n").first ?? "") })
        #expect(eventually(within: 5) { Self.isGone(pid) }, "the setsid escapee \(pid) survived the kill")
    }

    @Test("a tree over its memory limit is stopped and reported with its limit and peak", arguments: Setting.allCases)
    func memoryLimit(setting: Setting) throws {
        let limit: UInt64 = 32 << 20
        let tree = ProcessTree(label: "memory", memoryLimitBytes: limit, mounts: setting.mounts)
        print("process tree (\(setting.rawValue)): memory limit by \(tree.memoryEnforcement.rawValue)")
        #expect(tree.memoryEnforcement != .none)
        // The shell keeps 100 MiB in a variable, then waits: only the limit can end it early.
        let script = "x=$(head -c 100M /dev/zero | tr '\\0' x); sleep 1000"
        let output = try #require(try Self.run(Self.shell(script, tree: tree), within: 60))
        let memory = try #require(output.memory)
        #expect(memory.overLimit, "\(memory)")
        #expect(memory.limitBytes == limit)
        #expect((memory.peakBytes ?? 0) >= limit / 2, "\(memory)")
        #expect(output.status.signal == SIGKILL)
    }

    @Test("a tree under its memory limit runs to the end untouched", arguments: Setting.allCases)
    func underMemoryLimit(setting: Setting) throws {
        let tree = ProcessTree(label: "small", memoryLimitBytes: 256 << 20, mounts: setting.mounts)
        let output = try #require(try Self.run(Self.shell("x=$(head -c 1M /dev/zero | tr '\\0' x); echo ${#x}", tree: tree)))
        #expect(output.status == .exited(0))
        #expect(output.stdoutText == "1048576\n")
        #expect(output.memory?.overLimit == false)
    }

    @Test(
        "an out-of-memory kill by the kernel, with no limit of the tree's own, is seen",
        .enabled(if: CgroupMounts.discover().memoryV1 != nil, "needs a writable cgroup v1 memory hierarchy to make the host short of memory"))
    func kernelOOMKill() throws {
        // A memory group of 48 MiB stands for a host (or container) that is short of memory.
        let host = try #require(CgroupMounts.discover().memoryV1) + "/jobrun-test-host-\(getpid())"
        #expect(mkdir(host, 0o755) == 0)
        defer { _ = rmdir(host) }
        #expect(writeFile(host + "/memory.limit_in_bytes", "\(48 << 20)"))
        _ = writeFile(host + "/memory.memsw.limit_in_bytes", "\(48 << 20)")
        let tree = ProcessTree(label: "oom", memoryLimitBytes: nil, mounts: ProcessTree.mounts)
        let script = "echo $$ > \(host)/cgroup.procs && x=$(head -c 100M /dev/zero | tr '\\0' x); sleep 1000"
        let output = try #require(try Self.run(Self.shell(script, tree: tree), within: 60))
        #expect(output.status.signal == SIGKILL)
        let memory = try #require(output.memory)
        #expect(memory.kernelKilledSomethingMeanwhile || memory.killedByKernel, "\(memory)")
        #expect(!memory.stoppedByCaller)
        #expect(eventually(within: 5) { rmdir(host) == 0 || errno == ENOENT })
    }

    @Test("control groups are removed when the program ends")
    func groupsAreRemoved() throws {
        let mounts = ProcessTree.mounts
        guard let unified = mounts.unified ?? mounts.memoryV1 else {
            print("process tree: no writable control group hierarchy here; nothing to clean up")
            #expect(ProcessTree(label: "none", memoryLimitBytes: nil).tracking == .processScan)
            return
        }
        let tree = ProcessTree(label: "cleanup", memoryLimitBytes: 64 << 20)
        let output = try #require(try Self.run(Self.shell("sleep 1000 & echo done", tree: tree)))
        #expect(output.status == .exited(0))
        let parent = unified + "/jobrun-\(getpid())"
        // Groups that held a memory limit are gone; an empty tracking group may wait in the pool for the next tree.
        for directory in [mounts.unified, mounts.memoryV1].compactMap({ $0 }) {
            let holder = directory + "/jobrun-\(getpid())"
            for name in (try? listDirectory(holder))?.filter({ $0.hasPrefix("task-") }) ?? [] {
                #expect(directory == mounts.unified && mounts.memoryV1 != nil, "a group with a limit was left: \(holder)/\(name)")
                #expect(Cgroup(path: holder + "/" + name).members().isEmpty, "\(holder)/\(name) still has members")
            }
        }
        // What a worker does on its way out: nothing of this process is left.
        #expect(ProcessTree.removeOwnGroups())
        #expect(access(parent, F_OK) != 0, "\(parent) is still there")
    }

    @Test("a finished tree's group serves the next tree, and a late stop of the first cannot reach the second")
    func groupReuse() throws {
        guard ProcessTree.mounts.unified != nil else {
            print("process tree: no cgroup2 hierarchy here; groups are not reused")
            #expect(ProcessTree(label: "none", memoryLimitBytes: nil).tracking != .cgroup2)
            return
        }
        let first = ProcessTree(label: "first", memoryLimitBytes: nil)
        #expect(first.tracking == .cgroup2)
        let output = try #require(try Self.run(Self.shell("true", tree: first)))
        #expect(output.status == .exited(0))
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let second = ProcessTree(label: "second", memoryLimitBytes: nil)
        let pidFile = scratch.path + "/pid"
        let done = DispatchSemaphore(value: 0)
        let status = Mutex<ChildProcess.ExitStatus?>(nil)
        let configuration = Self.shell("echo $$ > \(pidFile).part && mv \(pidFile).part \(pidFile) && exec sleep 1000", tree: second)
        TestThread.start {
            let ended = try? ProcessRunner.run(configuration)
            status.withLock { $0 = ended?.status }
            done.signal()
        }
        #expect(eventually(within: 10) { readFile(pidFile) != nil })
        // The same group now tracks the second tree (the pool handed it over)...
        #expect(second.trackingGroup != nil && second.trackingGroup == first.trackingGroup)
        #expect(second.members().count == 1)
        #expect(first.members().isEmpty)
        // ...and a timeout of the first tree firing late stops nothing of the second.
        first.stop(SIGKILL)
        first.killAll()
        #expect(done.wait(timeout: .now() + .milliseconds(300)) == .timedOut, "the second tree's program was stopped")
        second.killAll()
        #expect(done.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(status.withLock { $0 } == .killed(by: SIGKILL))
    }

    @Test("mountinfo and /proc/self/cgroup are read into the right directories")
    func parsing() {
        let mountInfo = """
            30 25 0:26 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
            35 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            36 30 0:32 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            40 30 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """
        let membership = "4:memory:/box/a\n1:cpu:/\n0::/\n"
        #expect(
            CgroupMounts.parse(mountInfo: mountInfo, membership: membership)
                == CgroupMounts(unified: "/sys/fs/cgroup/unified", memoryV1: "/sys/fs/cgroup/memory/box/a"))
        // A container whose mounts start at its own group.
        let nested = "50 40 0:40 /box /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
        #expect(
            CgroupMounts.parse(mountInfo: nested, membership: "0::/box/worker\n")
                == CgroupMounts(unified: "/sys/fs/cgroup/worker", memoryV1: nil))
        #expect(CgroupMounts.parse(mountInfo: "", membership: "") == .none)
        #expect(CgroupMounts.parse(mountInfo: nested, membership: "0::/elsewhere/../x\n") == .none)
    }
}

private func writeFile(_ path: String, _ text: String) -> Bool {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    return text.withCString { write(fd, $0, strlen($0)) } == text.utf8.count
}

private func listDirectory(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else { throw TestFailure("cannot open \(path)") }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
        names.append(withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
    }
    return names
}

enum TestThread {
    /// Runs `body` on a new detached thread.
    static func start(_ body: @escaping @Sendable () -> Void) {
        final class Box {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        var thread = pthread_t()
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        pthread_create(&thread, nil, { raw in
            Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue().body()
            return nil
        }, box)
        pthread_detach(thread)
    }
}
