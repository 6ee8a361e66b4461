@testable import ChildProcess
import Testing

/// When the machine's out-of-memory kill count is read again before a tree's program starts, on a manual clock.
@Suite("the out-of-memory kill count before a start")
struct OOMKillBaselineTests {
    static let age: UInt64 = 250_000_000

    @Test("with no reading yet, the count is read")
    func firstStartReads() {
        #expect(OOMKillBaseline(maxAgeNanoseconds: Self.age).beforeStart(now: 1_000) == .read)
    }

    @Test("a reading serves starts up to its age, then the count is read again")
    func readingServesItsAge() {
        var baseline = OOMKillBaseline(maxAgeNanoseconds: Self.age)
        baseline.recorded(7, now: 1_000)
        #expect(baseline.beforeStart(now: 1_000) == .reuse(7))
        #expect(baseline.beforeStart(now: 1_000 + Self.age) == .reuse(7))
        #expect(baseline.beforeStart(now: 1_000 + Self.age + 1) == .read)
        baseline.recorded(9, now: 1_000 + Self.age + 1)
        #expect(baseline.beforeStart(now: 2 * Self.age) == .reuse(9))
    }

    @Test("a reading after a program ended (a SIGKILL) serves the next starts")
    func readingAfterEndServes() {
        var baseline = OOMKillBaseline(maxAgeNanoseconds: Self.age)
        baseline.recorded(3, now: 0)
        baseline.recorded(4, now: 5 * Self.age)
        #expect(baseline.beforeStart(now: 5 * Self.age + 10) == .reuse(4))
    }

    @Test("a reading older than the kept one, recorded late by another thread, does not replace it")
    func olderReadingIgnored() {
        var baseline = OOMKillBaseline(maxAgeNanoseconds: Self.age)
        baseline.recorded(12, now: 2_000)
        baseline.recorded(11, now: 1_000)
        #expect(baseline.beforeStart(now: 2_100) == .reuse(12))
    }

    @Test("a start stamped before the reading (a clock out of step) reads the count")
    func startBeforeReadingReads() {
        var baseline = OOMKillBaseline(maxAgeNanoseconds: Self.age)
        baseline.recorded(5, now: 10_000)
        #expect(baseline.beforeStart(now: 9_999) == .read)
    }

    @Test("a tree with a memory group of its own reads no machine count; one without gets a count")
    func onlyTreesWithoutAMemoryGroupRead() {
        let tracking = ProcessTree(label: "count", memoryLimitBytes: nil)
        defer { tracking.finish() }
        #expect(tracking.machineOOMKillsBeforeStart() != nil, "/proc/vmstat has oom_kill on Linux 4.13 and later")
        let limited = ProcessTree(label: "limited", memoryLimitBytes: 64 << 20)
        defer { limited.finish() }
        if limited.memoryEnforcement == .cgroup1 || limited.memoryEnforcement == .cgroup2 {
            #expect(limited.machineOOMKillsBeforeStart() == nil)
        }
    }
}
