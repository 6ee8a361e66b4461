@testable import ChildProcess
import Glibc
import Testing

/// How a tree's program is started: inside the tree's control groups before its first instruction, with a pidfd that
/// tells the pump when it ended, and through a write to `cgroup.procs` where the kernel cannot start it inside a group.
@Suite("starting a tree's program", .serialized)
struct TreeLaunchTests {
    /// The path of the group `line` of /proc/self/cgroup names for `controller` ("" for cgroup2), or nil.
    static func groupPath(in text: String, controller: String) -> String? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if controller.isEmpty ? (parts[0] == "0" && parts[1].isEmpty) : parts[1].split(separator: ",").contains(Substring(controller)) {
                return String(parts[2])
            }
        }
        return nil
    }

    @Test("the program itself reads its tree's groups in /proc/self/cgroup (it started inside them)", arguments: [false, true])
    func programStartsInsideItsGroups(withMemoryLimit: Bool) throws {
        let tree = ProcessTree(label: "inside", memoryLimitBytes: withMemoryLimit ? 256 << 20 : nil)
        print("process tree: tracking by \(tree.tracking.rawValue), memory by \(tree.memoryEnforcement.rawValue)")
        var configuration = SpawnConfiguration(executable: "/bin/cat", arguments: ["/proc/self/cgroup"], newProcessGroup: true)
        configuration.processTree = tree
        let output = try ProcessRunner.run(configuration)
        #expect(output.status == .exited(0))
        let text = output.stdoutText
        switch tree.tracking {
        case .cgroup2:
            let group = try #require(tree.trackingGroup?.path)
            let seen = try #require(Self.groupPath(in: text, controller: ""), "\(text)")
            #expect(seen != "/" && group.hasSuffix(seen), "the program ran in \(seen), not in \(group)")
        case .cgroup1:
            let group = try #require(tree.trackingGroup?.path)
            let seen = try #require(Self.groupPath(in: text, controller: "memory"), "\(text)")
            #expect(group.hasSuffix(seen), "the program ran in \(seen), not in \(group)")
        case .processScan:
            print("process tree: no control groups here; nothing to check")
        }
        if tree.tracking == .cgroup2, tree.memoryEnforcement == .cgroup1, let memory = ProcessTree.mounts.memoryV1 {
            // Both at once: born in the cgroup2 group, and moved into the v1 memory group by a write before exec.
            let seen = try #require(Self.groupPath(in: text, controller: "memory"), "\(text)")
            let base = try #require(Self.groupPath(in: readFile("/proc/self/cgroup") ?? "", controller: "memory"))
            #expect(seen.hasPrefix(base == "/" ? "/jobrun-" : base + "/jobrun-"), "memory group \(seen), under \(memory)")
        }
    }

    @Test(
        "where the kernel cannot start a child inside a group, the child writes itself into the group before exec",
        .enabled(if: ProcessTree.mounts.memoryV1 != nil, "needs a writable cgroup v1 memory hierarchy, which clone3 refuses"))
    func fallbackJoinsByWriting() throws {
        // clone3 places children only in cgroup2 groups; a v1 group's directory takes the fallback path.
        let base = try #require(ProcessTree.mounts.memoryV1)
        let group = try #require(Cgroup.create(base + "/jobrun-test-launch-\(getpid())"))
        defer { group.remove(waitingUpTo: 2000) }
        let directory = try #require(group.openDirectory())
        defer { close(directory) }
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let plan = try LaunchPlan(
            SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", "cat /proc/self/cgroup > \(scratch.path)/cgroup"]))
        let launched = try Launcher.launchTracked(
            plan, stdin: .devNull, stdout: .inherit, stderr: .inherit, newProcessGroup: false, parentDeathSignal: nil,
            groups: Launcher.CgroupEntry(directory: directory))
        defer { if launched.pidfd >= 0 { close(launched.pidfd) } }
        #expect(launched.pidfd >= 0, "no pidfd for the child")
        #expect(fcntl(launched.pidfd, F_GETFD) & FD_CLOEXEC != 0, "the pidfd would leak into other children")
        var status: Int32 = 0
        #expect(waitpid(launched.pid, &status, 0) == launched.pid)
        #expect(status == 0)
        let seen = try #require(Self.groupPath(in: readFile(scratch.path + "/cgroup") ?? "", controller: "memory"))
        #expect(group.path.hasSuffix(seen), "the child ran in \(seen), not in \(group.path)")
    }

    @Test("a flat keyed file's number is found by its key at the start of a line, and only there")
    func keyedNumbers() {
        let vmstat = Array("nr_free_pages 1234\noom_kill_extra 9\noom_kill 42\npgfault 77".utf8)
        #expect(keyedNumber("oom_kill", in: vmstat) == 42)
        #expect(keyedNumber("pgfault", in: vmstat) == 77, "the last line has no newline")
        #expect(keyedNumber("nr_free_pages", in: vmstat) == 1234)
        #expect(keyedNumber("oom", in: vmstat) == nil, "a key is a whole word")
        #expect(keyedNumber("kill", in: vmstat) == nil, "a key starts its line")
        #expect(keyedNumber("oom_kill", in: []) == nil)
        #expect(keyedNumber("low", in: Array("low max\n".utf8)) == nil, "not a number")
        #expect(keyedNumber("big", in: Array("big 99999999999999999999999\n".utf8)) == nil, "overflow")
        #expect(keyedNumber("oom_kill", in: Array("oom_kill \n".utf8)) == nil, "no value")
        #expect(keyedNumber("x", in: Array("\n\nx 5\n".utf8)) == 5)
    }
}

extension TreeLaunchTests {
    @Test("after a tree whose leftovers were killed through its group, the next trees' programs run untouched")
    func killedGroupIsNotReused() throws {
        // The first tree leaves a process behind, which is killed through the tree's group (cgroup.kill on cgroup2);
        // a group killed that way kills every child later started inside it, so it must not serve another tree.
        let first = ProcessTree(label: "leftover", memoryLimitBytes: nil)
        var leaving = SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", "sleep 1000 & echo left"], newProcessGroup: true)
        leaving.processTree = first
        let left = try ProcessRunner.run(leaving)
        #expect(left.status == .exited(0))
        #expect(left.memory?.strayProcessesStopped == 1)
        for round in 0..<3 {
            let next = ProcessTree(label: "next", memoryLimitBytes: nil)
            var configuration = SpawnConfiguration(executable: "/bin/echo", arguments: ["round \(round)"], newProcessGroup: true)
            configuration.processTree = next
            let output = try ProcessRunner.run(configuration)
            #expect(output.status == .exited(0), "round \(round) in \(next.trackingGroup?.path ?? "no group")")
            #expect(output.stdoutText == "round \(round)\n")
        }
    }
}

extension TreeLaunchTests {
    @Test("a tree's cgroup2 group keeps its directory and cgroup.procs open, and reads its members through them")
    func keptGroupDescriptors() throws {
        guard let unified = ProcessTree.mounts.unified else {
            print("process tree: no writable cgroup2 hierarchy here; nothing to check")
            return
        }
        let group = try #require(Cgroup.create(unified + "/jobrun-test-kept-\(getpid())", keepingOpen: true))
        defer { group.remove(waitingUpTo: 2000) }
        let open = openDescriptorTargets()
        #expect(open.contains(group.path), "directory not kept open: \(open)")
        #expect(open.contains(group.path + "/cgroup.procs"), "cgroup.procs not kept open: \(open)")
        #expect(group.members().isEmpty)

        // A child started inside the group is seen through the kept descriptor while it runs, and gone once reaped.
        let directory = try #require(group.openDirectory())
        #expect(directory != -1 && fcntl(directory, F_GETFD) & FD_CLOEXEC != 0, "the directory would leak into children")
        let plan = try LaunchPlan(SpawnConfiguration(executable: "/bin/sleep", arguments: ["1000"]))
        let launched = try Launcher.launchTracked(
            plan, stdin: .devNull, stdout: .inherit, stderr: .inherit, newProcessGroup: false, parentDeathSignal: nil,
            groups: Launcher.CgroupEntry(directory: directory))
        close(directory)
        defer { if launched.pidfd >= 0 { close(launched.pidfd) } }
        #expect(group.members() == [launched.pid])
        #expect(Cgroup(path: group.path).members() == [launched.pid], "the path and the kept descriptor disagree")
        kill(launched.pid, SIGKILL)
        var status: Int32 = 0
        #expect(waitpid(launched.pid, &status, 0) == launched.pid)
        #expect(eventually(within: 5) { group.members().isEmpty })
    }

    /// What this process's descriptors point at (the targets of /proc/self/fd).
    private func openDescriptorTargets() -> Set<String> {
        Set(openDescriptors().compactMap { fd in
            var buffer = [CChar](repeating: 0, count: 4096)
            let count = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
            return count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        })
    }
}
