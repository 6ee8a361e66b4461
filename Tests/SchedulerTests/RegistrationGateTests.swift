import Scheduler
import Testing

/// Which worker registrations are admitted, dropped or refused, on a manual clock.
@Suite("RegistrationGate")
struct RegistrationGateTests {
    static let start = Instant(nanoseconds: 1_000_000_000)
    static let policy = RegistrationGate.Policy(maxPending: 3, readyTimeoutMilliseconds: 1000, exhaustionPauseMilliseconds: 500)

    static func isRefused(_ decision: RegistrationGate.Decision) -> Bool {
        if case .refuse = decision { true } else { false }
    }

    @Test("at most maxPending registrations wait for ready; a ready one makes room")
    func pendingBounded() {
        var gate = RegistrationGate(policy: Self.policy)
        for id in UInt32(1)...3 {
            #expect(gate.decide(now: Self.start) == .admit)
            gate.admitted(id, now: Self.start)
        }
        let refused = gate.decide(now: Self.start)
        guard case .refuse(let reason) = refused else {
            Issue.record("a fourth pending registration was admitted")
            return
        }
        #expect(reason.contains("3 registrations are already waiting"))
        gate.settled(2)
        #expect(gate.decide(now: Self.start) == .admit)
        #expect(gate.pendingCount == 2)
    }

    @Test("registrations not ready within the timeout are dropped, once, oldest first by id; ready ones never")
    func unreadyExpire() {
        var gate = RegistrationGate(policy: Self.policy)
        gate.admitted(7, now: Self.start)
        gate.admitted(5, now: Self.start.advanced(byMilliseconds: 200))
        gate.admitted(9, now: Self.start.advanced(byMilliseconds: 300))
        gate.settled(9)
        let table: [(at: Int, expired: [UInt32])] = [(999, []), (1000, []), (1001, [7]), (1201, [5]), (5000, [])]
        for (at, expired) in table {
            #expect(gate.expired(now: Self.start.advanced(byMilliseconds: at)) == expired, "at \(at) ms")
        }
        #expect(gate.pendingCount == 0)
    }

    @Test("running out of descriptors refuses registrations for a pause, then admits again")
    func exhaustionPauses() {
        var gate = RegistrationGate(policy: Self.policy)
        gate.descriptorsExhausted(now: Self.start)
        #expect(Self.isRefused(gate.decide(now: Self.start)))
        #expect(Self.isRefused(gate.decide(now: Self.start.advanced(byMilliseconds: 499))))
        #expect(gate.decide(now: Self.start.advanced(byMilliseconds: 500)) == .admit)
    }

    @Test("a flood of a thousand hellos never has more than maxPending waiting at any time")
    func floodBounded() {
        var gate = RegistrationGate(policy: Self.policy)
        var now = Self.start
        var admitted = 0
        var peak = 0
        for id in UInt32(1)...1000 {
            now = now.advanced(byMilliseconds: 10)
            _ = gate.expired(now: now)
            if gate.decide(now: now) == .admit {
                gate.admitted(id, now: now)
                admitted += 1
            }
            peak = max(peak, gate.pendingCount)
        }
        #expect(peak == 3)
        // Every second, the expired ones make room for three more: about 3 per 1.01 s over 10 s.
        #expect(admitted > 3 && admitted < 40)
    }
}
