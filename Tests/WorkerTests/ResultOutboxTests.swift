#if canImport(Glibc)
import Glibc
#endif
import Testing
import WireProtocol
@testable import Worker

@Suite("a worker's outbox of finished tasks")
struct ResultOutboxTests {
    static func result(_ sequence: UInt64) -> TaskResult {
        TaskResult(
            sequence: sequence, attempt: 1, outcome: .ok, retryable: false, startedAtMicroseconds: 0, durationMicroseconds: 1,
            body: [])
    }

    /// Whether the socket thread would wake now (its descriptor is readable).
    static func wakes(_ outbox: ResultOutbox) -> Bool {
        var item = pollfd(fd: outbox.fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&item, 1, 0) == 1
    }

    @Test("a result whose runner would wait next wakes the socket thread at once")
    func urgentWakes() throws {
        let outbox = try #require(ResultOutbox())
        #expect(!Self.wakes(outbox))
        outbox.append(Self.result(1))
        #expect(Self.wakes(outbox))
        #expect(outbox.nanosecondsUntilDue(now: 5) == nil)
        #expect(outbox.takeAll().finished.map(\.sequence) == [1])
        #expect(!Self.wakes(outbox), "the take empties the wake-up")
        outbox.append(Self.result(2))
        #expect(Self.wakes(outbox), "the next result after a take wakes again")
    }

    @Test("held results wake nobody until there are enough of them; they are due after the hold time")
    func heldResults() throws {
        let outbox = try #require(ResultOutbox())
        let start: UInt64 = 1_000_000_000
        for sequence in 0..<UInt64(ResultOutbox.heldResults - 1) {
            outbox.append(Self.result(sequence), heldAt: start + sequence)
        }
        #expect(!Self.wakes(outbox))
        #expect(outbox.hasResults)
        #expect(outbox.nanosecondsUntilDue(now: start) == ResultOutbox.holdNanoseconds, "timed from the first held result")
        #expect(outbox.nanosecondsUntilDue(now: start + ResultOutbox.holdNanoseconds) == 0)
        #expect(outbox.nanosecondsUntilDue(now: start + 10 * ResultOutbox.holdNanoseconds) == 0)
        outbox.append(Self.result(99), heldAt: start + 100)
        #expect(Self.wakes(outbox), "a full batch wakes the socket thread")
        let taken = outbox.takeAll().finished.map(\.sequence)
        #expect(taken == Array(0..<UInt64(ResultOutbox.heldResults - 1)) + [99])
        #expect(!outbox.hasResults)
        #expect(outbox.nanosecondsUntilDue(now: start) == nil)
    }

    @Test("a result that must not wait wakes the socket thread for the held ones too; one wake-up at a time")
    func urgentAfterHeld() throws {
        let outbox = try #require(ResultOutbox())
        outbox.append(Self.result(1), heldAt: 10)
        outbox.append(Self.result(2), heldAt: 20)
        #expect(!Self.wakes(outbox))
        outbox.append(Self.result(3))
        #expect(Self.wakes(outbox))
        outbox.append(Self.result(4))
        var byte: UInt8 = 0
        #expect(read(outbox.fileDescriptor, &byte, 1) == 1)
        #expect(!Self.wakes(outbox), "one byte for one pending wake-up")
        #expect(outbox.takeAll().finished.map(\.sequence) == [1, 2, 3, 4])
    }
}
