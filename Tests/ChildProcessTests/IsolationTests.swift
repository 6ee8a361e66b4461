import ChildProcess
import Glibc
import Testing

@Suite struct IsolationTests {
    /// Descriptors >= 3 that this process lets children inherit (not close-on-exec): those are
    /// someone else's business, not a leak of this module.
    private func inheritableDescriptors() -> Set<Int32> {
        Set(openDescriptors().filter { $0 >= 3 && fcntl($0, F_GETFD) & FD_CLOEXEC == 0 })
    }

    @Test(arguments: backends)
    func theChildSeesOnlyItsStandardStreams(deathSignal: Int32?) throws {
        let allowed = inheritableDescriptors()
        // stdin is fed (a pipe), stdout and stderr are captured (pipes): every kind of parent end exists.
        let configuration = SpawnConfiguration(
            executable: "/bin/ls", arguments: ["-l", "/proc/self/fd/"],
            stdin: Array(repeating: 0x78, count: 200_000), parentDeathSignal: deathSignal)
        let output = try ProcessRunner.run(configuration)
        #expect(output.status.succeeded, "\(output.stderrText)")
        var seen: [Int32: String] = [:]
        for line in output.stdoutText.split(separator: "\n") where line.contains(" -> ") {
            let parts = line.components(separatedBy: " -> ")
            if let number = parts.first?.split(separator: " ").last.flatMap({ Int32($0) }) {
                seen[number] = parts.last
            }
        }
        #expect(Set([0, 1, 2]).isSubset(of: seen.keys))
        // ls itself opens /proc/self/fd to list it.
        let extra = seen.filter { $0.key >= 3 && !$0.value.hasPrefix("/proc/") && !allowed.contains($0.key) }
        #expect(extra.isEmpty, "leaked into the child: \(extra)")
        #expect(seen[0]?.hasPrefix("pipe:") == true)
        #expect(seen[1]?.hasPrefix("pipe:") == true)
        #expect(seen[2]?.hasPrefix("pipe:") == true)
    }

    @Test(arguments: backends)
    func theChildStartsWithDefaultSignalActionsAndAnEmptyMask(deathSignal: Int32?) throws {
        // Ignore two signals in this process and block SIGUSR1 and SIGINT on this thread, as a coordinator might; the
        // child must get none of that. Dispositions are process-wide and inherited by every child started meanwhile,
        // also by other tests running now, so the ignored ones are signals that no jobrun process or test uses.
        var previousUser2 = sigaction()
        var previousVirtualAlarm = sigaction()
        var ignore = sigaction()
        ignore.__sigaction_handler.sa_handler = SIG_IGN
        sigemptyset(&ignore.sa_mask)
        sigaction(SIGUSR2, &ignore, &previousUser2)
        sigaction(SIGVTALRM, &ignore, &previousVirtualAlarm)
        var blocked = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGUSR1)
        sigaddset(&blocked, SIGINT)
        var previousMask = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previousMask)
        defer {
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
            sigaction(SIGUSR2, &previousUser2, nil)
            sigaction(SIGVTALRM, &previousVirtualAlarm, nil)
        }

        let output = try ProcessRunner.run(
            SpawnConfiguration(executable: "/bin/cat", arguments: ["/proc/self/status"], parentDeathSignal: deathSignal))
        let fields = Dictionary(
            output.stdoutText.split(separator: "\n").compactMap { line -> (String, String)? in
                let parts = line.split(separator: ":", maxSplits: 1)
                guard parts.count == 2 else { return nil }
                return (String(parts[0]), parts[1].trimmingCharacters(in: " \t"))
            },
            uniquingKeysWith: { first, _ in first })
        #expect(fields["SigBlk"] == "0000000000000000")
        // Signals 1...31 are ignored by nobody. glibc's posix_spawn leaves its internal signals
        // 32 and 33 ignored in the child on purpose; no glibc program uses them (SIGRTMIN is 34).
        let ignored = UInt64(fields["SigIgn"] ?? "", radix: 16)
        #expect(ignored.map { $0 & 0x7fff_ffff } == 0, "SigIgn \(fields["SigIgn"] ?? "missing")")
    }
}

extension StringProtocol {
    /// The text without `characters` at either end.
    func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        return String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }

    /// The text split at every occurrence of `separator`.
    func components(separatedBy separator: String) -> [String] {
        var result: [String] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            result.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        result.append(String(rest))
        return result
    }
}
