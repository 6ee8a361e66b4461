/// Decides which worker registrations (`hello`) the coordinator admits, as a pure state machine: each admitted
/// registration costs a socket (a file descriptor) until the worker says `ready`, so a flood of `hello`s that never
/// become ready (anyone can send them with `--insecure`) must not use up the coordinator's descriptors.
///
/// At most `maxPending` registrations wait for `ready` at once; one that is not ready within `readyTimeout` is
/// dropped. When the coordinator runs out of descriptors, registrations are refused for `exhaustionPause`: the job
/// goes on with the workers it has.
public struct RegistrationGate: Sendable {
    public struct Policy: Sendable, Equatable {
        public var maxPending: Int
        public var readyTimeoutMilliseconds: Int
        public var exhaustionPauseMilliseconds: Int

        public init(maxPending: Int = 64, readyTimeoutMilliseconds: Int = 10_000, exhaustionPauseMilliseconds: Int = 1000) {
            self.maxPending = maxPending
            self.readyTimeoutMilliseconds = readyTimeoutMilliseconds
            self.exhaustionPauseMilliseconds = exhaustionPauseMilliseconds
        }
    }

    /// The answer to one `hello`.
    public enum Decision: Sendable, Equatable {
        case admit
        case refuse(reason: String)
    }

    public let policy: Policy
    /// Registrations admitted and not ready yet, with when they were admitted.
    private var pending: [UInt32: Instant] = [:]
    private var pausedUntil: Instant?

    public init(policy: Policy = .init()) { self.policy = policy }

    /// Registrations waiting for `ready`.
    public var pendingCount: Int { pending.count }

    /// Whether a `hello` may be admitted now.
    public func decide(now: Instant) -> Decision {
        if let pausedUntil, now < pausedUntil {
            return .refuse(reason: "the coordinator is out of file descriptors; try again later")
        }
        if pending.count >= policy.maxPending {
            return .refuse(
                reason: "\(pending.count) registrations are already waiting to become ready; try again later")
        }
        return .admit
    }

    /// The registration `id` was admitted (its socket exists).
    public mutating func admitted(_ id: UInt32, now: Instant) { pending[id] = now }

    /// The worker `id` said `ready`, or its registration was dropped otherwise: it no longer waits.
    public mutating func settled(_ id: UInt32) { pending[id] = nil }

    /// Creating a registration's socket failed for want of file descriptors.
    public mutating func descriptorsExhausted(now: Instant) {
        pausedUntil = now.advanced(byMilliseconds: policy.exhaustionPauseMilliseconds)
    }

    /// Registrations not ready within the timeout, to be dropped (their sockets closed); they are forgotten.
    public mutating func expired(now: Instant) -> [UInt32] {
        let late = pending.filter { now > $0.value.advanced(byMilliseconds: policy.readyTimeoutMilliseconds) }.map(\.key).sorted()
        for id in late { pending[id] = nil }
        return late
    }
}
