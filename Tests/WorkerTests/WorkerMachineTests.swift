import Testing
import WireProtocol
@testable import Worker

/// The worker's decisions, driven directly with a manual clock (nanoseconds).
@Suite("the worker's state machine")
struct WorkerMachineTests {
    static let ms: UInt64 = 1_000_000

    static func machine(streaming: Bool = false, window: UInt64 = 1000) -> WorkerMachine {
        let welcome = Welcome(
            workerID: 7, taskEndpoint: "inproc://t", resultEndpoint: "inproc://r", heartbeatMilliseconds: 100,
            heartbeatMisses: 3, outputCapBytes: 1024, killGraceMilliseconds: 500, streamOutput: streaming)
        var machine = WorkerMachine(welcome: welcome, outputWindowBytes: window)
        #expect(machine.handle(.connected(now: 0)).isEmpty)
        return machine
    }

    static func task(_ sequence: UInt64) -> TaskAssignment { TaskAssignment(sequence: sequence, attempt: 1, spec: []) }

    static func result(_ sequence: UInt64) -> TaskResult {
        TaskResult(sequence: sequence, attempt: 1, outcome: .ok, startedAtMicroseconds: 0, durationMicroseconds: 0, body: [])
    }

    @Test("heartbeats every period, and only then", arguments: [
        (UInt64(50), false), (99, false), (100, true), (150, true),
    ])
    func heartbeat(afterMilliseconds: UInt64, beats: Bool) {
        var machine = Self.machine()
        let actions = machine.handle(.tick(now: afterMilliseconds * Self.ms, parentAlive: true))
        #expect(actions.contains(.heartbeat) == beats)
        // The next one is a whole period later.
        #expect(!machine.handle(.tick(now: afterMilliseconds * Self.ms + 1, parentAlive: true)).contains(.heartbeat))
    }

    @Test("a coordinator silent for its misses times the period is presumed gone; any frame keeps it alive")
    func silence() {
        var machine = Self.machine()
        #expect(!machine.handle(.tick(now: 300 * Self.ms, parentAlive: true)).contains(.exit(.coordinatorSilent)))
        #expect(machine.handle(.tick(now: 301 * Self.ms, parentAlive: true)).contains(.exit(.coordinatorSilent)))

        var heard = Self.machine()
        _ = heard.handle(.undecodable(now: 250 * Self.ms))
        #expect(heard.rejectedFrames == 1)
        #expect(!heard.handle(.tick(now: 500 * Self.ms, parentAlive: true)).contains(.exit(.coordinatorSilent)))
        _ = heard.handle(.received(.heartbeat(workerID: 0, availableMemoryBytes: nil), now: 540 * Self.ms))
        #expect(!heard.handle(.tick(now: 800 * Self.ms, parentAlive: true)).contains(.exit(.coordinatorSilent)))
        #expect(heard.handle(.tick(now: 841 * Self.ms, parentAlive: true)).contains(.exit(.coordinatorSilent)))
    }

    @Test("a local worker whose coordinator process is gone exits")
    func parentGone() {
        var machine = Self.machine()
        #expect(machine.handle(.tick(now: 1, parentAlive: false)) == [.exit(.parentGone)])
    }

    @Test("assignments run until a drain; after it they are given back, and a reclaim takes none")
    func drain() {
        var machine = Self.machine()
        #expect(machine.handle(.received(.assign([Self.task(1), Self.task(2)]), now: 1)) == [.run([Self.task(1), Self.task(2)])])
        #expect(machine.handle(.received(.reclaim(count: 3), now: 2)) == [.reclaim(3)])
        #expect(machine.handle(.received(.drain(graceMilliseconds: 500, cancelRunning: false), now: 3)) == [.stopTakingTasks])
        #expect(machine.draining)
        #expect(machine.handle(.received(.assign([Self.task(3)]), now: 4)) == [.giveBack([3])])
        #expect(machine.handle(.received(.reclaim(count: 3), now: 5)) == [.reclaim(0)])
        // A second drain changes nothing; nothing is killed without cancelRunning.
        #expect(machine.handle(.received(.drain(graceMilliseconds: 500, cancelRunning: false), now: 6)).isEmpty)
        #expect(!machine.handle(.tick(now: 90 * Self.ms, parentAlive: true)).contains(.killChildren))
    }

    @Test("a drain that cancels running tasks kills what is left once the grace is over, once")
    func cancelThenKill() {
        var machine = Self.machine()
        let actions = machine.handle(.received(.drain(graceMilliseconds: 200, cancelRunning: true), now: 10 * Self.ms))
        #expect(actions == [.stopTakingTasks, .cancelRunning])
        #expect(!machine.handle(.tick(now: 209 * Self.ms, parentAlive: true)).contains(.killChildren))
        #expect(machine.handle(.tick(now: 210 * Self.ms, parentAlive: true)).contains(.killChildren))
        #expect(!machine.handle(.tick(now: 220 * Self.ms, parentAlive: true)).contains(.killChildren))
    }

    @Test("shutdown, SIGTERM, a stuck handler and a socket failure each end the worker with their reason")
    func exits() {
        var machine = Self.machine()
        #expect(machine.handle(.received(.shutdown, now: 1)) == [.exit(.told)])
        #expect(machine.handle(.signalled) == [.exit(.signalled)])
        #expect(machine.handle(.stuck(9)) == [.exit(.stuck(9))])
        #expect(machine.handle(.failed("poll")) == [.exit(.failed("poll"))])
    }

    @Test("without streamed output, results go out as they come")
    func resultsAtOnce() {
        var machine = Self.machine()
        let started = [StartedTask(sequence: 2, attempt: 1)]
        #expect(machine.handle(.finished(started: started, results: [Self.result(1)], linesDue: true))
            == [.sendResults(started: started, results: [Self.result(1)])])
        #expect(machine.handle(.finished(started: [], results: [], linesDue: false)).isEmpty)
    }

    @Test("with streamed output, results follow their lines and wait while the coordinator has a window unhandled")
    func resultsBehindOutput() {
        var machine = Self.machine(streaming: true, window: 1000)
        #expect(machine.handle(.finished(started: [], results: [Self.result(1)], linesDue: false))
            == [.sendOutputLines, .sendResults(started: [], results: [Self.result(1)])])
        // Lines due alone go out; no empty results message.
        #expect(machine.handle(.finished(started: [], results: [], linesDue: true)) == [.sendOutputLines])
        // A window's worth unhandled: results are held...
        _ = machine.handle(.outputSent(bytes: 1000))
        #expect(!machine.hasOutputCredit)
        #expect(machine.handle(.finished(started: [], results: [Self.result(2)], linesDue: true)).isEmpty)
        #expect(machine.handle(.finished(started: [], results: [Self.result(3)], linesDue: false)).isEmpty)
        // ...a credit for part of it is not enough, a credit beyond what was sent counts only what was sent...
        #expect(machine.handle(.received(.outputCredit(handledBytes: 0), now: 1)).isEmpty)
        #expect(!machine.hasOutputCredit)
        // ...and once credit is back the outbox is taken and the held results go, in order, after the lines.
        #expect(machine.handle(.received(.outputCredit(handledBytes: 5000), now: 2)) == [.takeOutbox])
        #expect(machine.hasOutputCredit)
        #expect(machine.handle(.finished(started: [], results: [Self.result(4)], linesDue: false))
            == [.sendOutputLines, .sendResults(started: [], results: [Self.result(2), Self.result(3), Self.result(4)])])
        // Credit returning with nothing held asks for nothing.
        _ = machine.handle(.outputSent(bytes: 2000))
        #expect(machine.handle(.received(.outputCredit(handledBytes: 3000), now: 3)).isEmpty)
    }
}
