import WireProtocol

/// Every decision of a registered worker, as a pure state machine: events in, actions out, no IO and no clock reads
/// (the driver, `WorkerSession`, passes `now` in nanoseconds on the monotonic clock with every event that needs it).
///
/// It decides when to send a heartbeat, when the coordinator has been silent too long, what a drain, a reclaim or a
/// shutdown means, when cancelled tasks are killed, and whether finished results go out now or wait behind their
/// output lines for the coordinator's output credit. The driver owns the sockets, the inboxes and the children and
/// only performs the actions, so every rule here is tested with a manual clock (`WorkerMachineTests`).
struct WorkerMachine {
    /// Why the worker stops.
    enum Exit: Equatable, Sendable {
        /// The coordinator said so (`shutdown`).
        case told
        /// Nothing arrived from the coordinator for the silence limit.
        case coordinatorSilent
        /// The coordinator that started this (local) worker is gone.
        case parentGone
        /// SIGTERM or SIGHUP: the host or the user stops this worker.
        case signalled
        /// A handler ignored its timeout for the whole kill grace; its thread may never come back.
        case stuck(UInt64)
        /// A socket failed.
        case failed(String)
    }

    enum Event: Sendable {
        /// The sockets are connected and `ready` is sent.
        case connected(now: UInt64)
        /// A message from the coordinator.
        case received(WireMessage, now: UInt64)
        /// A frame from the coordinator that did not decode: dropped, but the coordinator is alive.
        case undecodable(now: UInt64)
        /// A turn of the loop: timers are due to be checked.
        case tick(now: UInt64, parentAlive: Bool)
        /// Starts and results taken from the outbox, and whether buffered output lines are due.
        case finished(started: [StartedTask], results: [TaskResult], linesDue: Bool)
        /// An `output` frame of this many bytes went out.
        case outputSent(bytes: UInt64)
        /// SIGTERM or SIGHUP arrived.
        case signalled
        /// A handler ignored its timeout for the kill grace.
        case stuck(UInt64)
        /// A socket operation failed.
        case failed(String)
    }

    enum Action: Equatable, Sendable {
        /// Queue these tasks for the slot runners (CPU) or the IO dispatcher.
        case run([TaskAssignment])
        /// Send `returned` for these tasks: this worker will not run them.
        case giveBack([UInt64])
        /// Close both inboxes and give back every task still queued in them.
        case stopTakingTasks
        /// Cancel the running handlers and send SIGTERM to the running children.
        case cancelRunning
        /// SIGKILL every running child (the cancel's grace is over).
        case killChildren
        /// Take up to this many queued tasks back and answer with `returned` (always, even with none).
        case reclaim(Int)
        /// Send a heartbeat.
        case heartbeat
        /// Take the outbox now (credit came back while results were held).
        case takeOutbox
        /// Send the buffered output lines.
        case sendOutputLines
        /// Send these starts and results, packed into frames the coordinator accepts.
        case sendResults(started: [StartedTask], results: [TaskResult])
        /// Stop the loop.
        case exit(Exit)
    }

    let heartbeatNanoseconds: UInt64
    let silenceLimitNanoseconds: UInt64
    /// Whether tasks' output lines travel while they run (`--stream-output`): then results wait behind them.
    let streamsOutput: Bool
    /// Output bytes the coordinator may have unhandled before lines (and results) wait.
    let outputWindowBytes: UInt64

    private(set) var draining = false
    private(set) var rejectedFrames = 0
    private var lastHeard: UInt64 = 0
    private var lastHeartbeat: UInt64 = 0
    private var killAt: UInt64?
    private var outputBytesSent: UInt64 = 0
    private var outputBytesHandled: UInt64 = 0
    private var heldStarts: [StartedTask] = []
    private var heldResults: [TaskResult] = []

    init(welcome: Welcome, outputWindowBytes: UInt64 = WireMessage.outputWindowBytes) {
        heartbeatNanoseconds = UInt64(welcome.heartbeatMilliseconds) * 1_000_000
        silenceLimitNanoseconds = heartbeatNanoseconds * UInt64(max(welcome.heartbeatMisses, 2))
        streamsOutput = welcome.streamOutput
        self.outputWindowBytes = outputWindowBytes
    }

    /// Whether output lines may go out: the coordinator has handled all but less than a window of them. Until it
    /// has, lines wait in the bounded `OutputLineBuffer` (which drops and counts what does not fit).
    var hasOutputCredit: Bool { outputBytesSent - outputBytesHandled < outputWindowBytes }

    mutating func handle(_ event: Event) -> [Action] {
        switch event {
        case .connected(let now):
            lastHeard = now
            lastHeartbeat = now
            return []
        case .received(let message, let now):
            lastHeard = now
            return received(message, now: now)
        case .undecodable(let now):
            lastHeard = now
            rejectedFrames += 1
            return []
        case .tick(let now, let parentAlive):
            return tick(now: now, parentAlive: parentAlive)
        case .finished(let started, let results, let linesDue):
            return finished(started: started, results: results, linesDue: linesDue)
        case .outputSent(let bytes):
            outputBytesSent += bytes
            return []
        case .signalled:
            return [.exit(.signalled)]
        case .stuck(let sequence):
            return [.exit(.stuck(sequence))]
        case .failed(let message):
            return [.exit(.failed(message))]
        }
    }

    private mutating func received(_ message: WireMessage, now: UInt64) -> [Action] {
        switch message {
        case .assign(let assignments):
            return draining ? [.giveBack(assignments.map(\.sequence))] : [.run(assignments)]
        case .drain(let graceMilliseconds, let cancelRunning):
            var actions: [Action] = []
            if !draining {
                draining = true
                actions.append(.stopTakingTasks)
            }
            if cancelRunning {
                actions.append(.cancelRunning)
                killAt = now + UInt64(graceMilliseconds) * 1_000_000
            }
            return actions
        case .reclaim(let count):
            // Always answered, even with nothing, so the coordinator knows the reclaim is settled.
            return [.reclaim(draining ? 0 : Int(count))]
        case .shutdown:
            return [.exit(.told)]
        case .outputCredit(let handledBytes):
            let hadCredit = hasOutputCredit
            outputBytesHandled = max(outputBytesHandled, min(handledBytes, outputBytesSent))
            return !hadCredit && hasOutputCredit && (!heldResults.isEmpty || !heldStarts.isEmpty) ? [.takeOutbox] : []
        default:
            return []
        }
    }

    private mutating func tick(now: UInt64, parentAlive: Bool) -> [Action] {
        var actions: [Action] = []
        if now - lastHeartbeat >= heartbeatNanoseconds {
            lastHeartbeat = now
            actions.append(.heartbeat)
        }
        if let deadline = killAt, now >= deadline {
            killAt = nil
            actions.append(.killChildren)
        }
        if !parentAlive {
            actions.append(.exit(.parentGone))
        } else if now > lastHeard, now - lastHeard > silenceLimitNanoseconds {
            actions.append(.exit(.coordinatorSilent))
        }
        return actions
    }

    /// Results go out at once, unless output streams and the coordinator has not handled enough of it: then they
    /// wait with their lines. A task's lines are all buffered before its result is, so sending the lines first
    /// keeps every task's lines ahead of its result.
    private mutating func finished(started: [StartedTask], results: [TaskResult], linesDue: Bool) -> [Action] {
        var actions: [Action] = []
        var (started, results) = (started, results)
        if streamsOutput {
            heldStarts += started
            heldResults += results
            guard hasOutputCredit else { return [] }
            if linesDue || !heldResults.isEmpty { actions.append(.sendOutputLines) }
            (started, results) = (heldStarts, heldResults)
            heldStarts = []
            heldResults = []
        }
        if !started.isEmpty || !results.isEmpty { actions.append(.sendResults(started: started, results: results)) }
        return actions
    }
}
