#if canImport(Glibc)
import Glibc
#endif
import JobRunKit
import Synchronization
import Testing

@Suite("a CPU slot's own thread")
struct SlotThreadTests {
    /// What happened, in order, and a flag, shared between threads.
    private final class Record: Sendable {
        let order = Mutex<[String]>([])
        let release = Atomic<Bool>(false)
        func note(_ entry: String) { order.withLock { $0.append(entry) } }
    }

    /// Blocks this thread until `condition` holds, for at most a minute (a loaded machine can be slow to start a
    /// thread). Only on threads of the CPU pool: the cooperative pool's must not block.
    private static func block(until condition: () -> Bool) {
        for _ in 0..<60_000 {
            if condition() { return }
            usleep(1_000)
        }
    }

    /// Waits without blocking a thread until `condition` holds, for at most a minute.
    private static func wait(until condition: () -> Bool) async throws {
        for _ in 0..<12_000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// The calling thread.
    private static func threadID() -> UInt { UInt(pthread_self()) }

    @Test("a task preferring the slot thread runs there across suspensions, and may block it while holding a slot")
    func runsThereAndBlocks() async throws {
        let thread = try #require(SlotThread())
        defer { thread.stop() }
        let pool = CPUPool(slots: 1)
        let seen = try await Task.detached(executorPreference: thread) { () -> [UInt] in
            var seen = [Self.threadID()]
            await Task.yield()
            seen.append(Self.threadID())
            try await Task.sleep(for: .milliseconds(5))
            seen.append(Self.threadID())
            seen.append(try await pool.runHoldingSlot { Self.threadID() })
            return seen
        }.value
        #expect(Set(seen).count == 1, "ran on threads \(seen)")
        #expect(seen.first != Self.threadID(), "ran on the caller's thread")
        // A computation sent to the pool from elsewhere runs on one of the pool's threads, not the slot thread.
        let elsewhere = try await pool.run { Self.threadID() }
        #expect(elsewhere != seen.first)
    }

    @Test("holding a slot on the slot thread waits while every slot is taken")
    func holdingWaitsForASlot() async throws {
        let thread = try #require(SlotThread())
        defer { thread.stop() }
        let pool = CPUPool(slots: 1)
        let record = Record()
        let busy = Task.detached {
            try await pool.run {
                record.note("busy")
                // Bounded: the other side sets the flag once the holder asked for the slot.
                Self.block(until: { record.release.load(ordering: .acquiring) })
                record.note("busy done")
            }
        }
        try await Self.wait(until: { !record.order.withLock { $0.isEmpty } })
        let holder = Task.detached(executorPreference: thread) {
            try await pool.runHoldingSlot { record.note("held") }
        }
        try await Task.sleep(for: .milliseconds(20))
        record.release.store(true, ordering: .releasing)
        try await busy.value
        try await holder.value
        #expect(record.order.withLock { $0 } == ["busy", "busy done", "held"])
    }

    @Test("after stop, a task that still prefers the thread runs on the shared pool")
    func afterStop() async throws {
        let thread = try #require(SlotThread())
        thread.stop()
        let value = await Task.detached(executorPreference: thread) { () -> Int in
            await Task.yield()
            return 42
        }.value
        #expect(value == 42)
    }
}
