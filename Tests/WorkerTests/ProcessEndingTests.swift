import ChildProcess
import Glibc
import Testing
import WireProtocol
@testable import Worker

@Suite("how an exec/shell task ended")
struct ProcessEndingTests {
    static let none: MemoryUse? = nil

    @Test("each ending gets its class", arguments: [
        (ChildProcess.ExitStatus.exited(0), none, TaskOutcome?.none, TaskOutcome.ok),
        (.exited(3), none, nil, .exit),
        (.killed(by: SIGSEGV), none, nil, .signal),
        // A timeout is a timeout, even when the command then exits 0 on SIGTERM.
        (.exited(0), none, .timeout, .timeout),
        (.killed(by: SIGKILL), none, .timeout, .timeout),
        (.exited(143), none, .cancelled, .cancelled),
        (.killed(by: SIGKILL), MemoryUse(limitBytes: 32 << 20, peakBytes: 33 << 20, overLimit: true), nil, .memory),
        (.exited(137), MemoryUse(killedByKernel: true), nil, .memory),
        // Without a memory group: a SIGKILL nobody here sent while the kernel killed for memory.
        (.killed(by: SIGKILL), { var use = MemoryUse(); use.kernelKilledSomethingMeanwhile = true; return use }(), nil, .memory),
        (.killed(by: SIGKILL), { var use = MemoryUse(stoppedByCaller: true); use.kernelKilledSomethingMeanwhile = true; return use }(), nil, .signal),
        (.killed(by: SIGKILL), MemoryUse(), nil, .signal),
        (.exited(0), MemoryUse(strayProcessesStopped: 2), nil, .ok),
    ])
    func classify(status: ChildProcess.ExitStatus, memory: MemoryUse?, stopped: TaskOutcome?, expected: TaskOutcome) {
        #expect(ProcessEnding.classify(status, memory: memory, stoppedBecause: stopped).0 == expected)
    }

    @Test("a stop signal jobrun did not send may mean the host is going down; other endings are reported at once", arguments: [
        (ChildProcess.ExitStatus.killed(by: SIGTERM), none, TaskOutcome?.none, true),
        (.killed(by: SIGHUP), none, nil, true),
        (.killed(by: SIGINT), none, nil, true),
        (.killed(by: SIGKILL), MemoryUse(), nil, true),
        (.killed(by: SIGSEGV), none, nil, false),
        (.exited(143), none, nil, false),
        (.killed(by: SIGTERM), none, .timeout, false),
        (.killed(by: SIGTERM), none, .cancelled, false),
        (.killed(by: SIGKILL), MemoryUse(stoppedByCaller: true), nil, false),
        (.killed(by: SIGKILL), MemoryUse(limitBytes: 32 << 20, peakBytes: 33 << 20, overLimit: true), nil, false),
    ])
    func diedWithHost(status: ChildProcess.ExitStatus, memory: MemoryUse?, stopped: TaskOutcome?, expected: Bool) {
        #expect(ProcessEnding.mayHaveDiedWithHost(status, memory: memory, stoppedBecause: stopped) == expected)
    }

    @Test("a memory failure names the limit and the peak")
    func memoryMessage() {
        let (_, message) = ProcessEnding.classify(
            .killed(by: SIGKILL), memory: MemoryUse(limitBytes: 512 << 20, peakBytes: 530 << 20, overLimit: true),
            stoppedBecause: nil)
        #expect(message == "command went over its memory limit of 512 MiB (peak 530 MiB) and was stopped, with everything it started")
    }
}

@Suite("results packed into frames the coordinator accepts")
struct ResultPackingTests {
    static func result(_ sequence: UInt64, bytes: Int) -> TaskResult {
        TaskResult(sequence: sequence, attempt: 1, outcome: .ok, startedAtMicroseconds: 0, durationMicroseconds: 0,
                   body: Array(#"{"result":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: bytes) + Array(#""}"#.utf8))
    }

    @Test("every frame fits the limit; a result too big for any frame becomes a failure naming its size and the limit")
    func fits() {
        let limit = 65_536
        let results = [Self.result(1, bytes: 100), Self.result(2, bytes: 70_000), Self.result(3, bytes: 40_000), Self.result(4, bytes: 40_000)]
        let started = (0..<10_000).map { StartedTask(sequence: UInt64($0), attempt: 1) }
        let messages = ResultPacking.messages(workerID: 1, started: started, finished: results, maxFrameBytes: limit, preferredBytes: 1 << 20)
        var seen: [TaskResult] = []
        var starts = 0
        for message in messages {
            #expect(message.encoded().count <= limit)
            guard case .results(_, let s, let r) = message else { Issue.record("not results: \(message)"); continue }
            seen += r
            starts += s.count
        }
        #expect(starts == started.count)
        #expect(seen.map(\.sequence) == [1, 2, 3, 4])
        #expect(seen[0] == results[0] && seen[2] == results[2])
        #expect(seen[1].outcome == .error && !seen[1].retryable)
        let text = String(decoding: seen[1].body, as: UTF8.self)
        #expect(text.contains("70013 bytes") && text.contains("max_frame_bytes = 65536"), "\(text)")
    }

    @Test("results that fit travel unchanged, batched")
    func batches() {
        let results = (0..<100).map { Self.result(UInt64($0), bytes: 10) }
        let messages = ResultPacking.messages(workerID: 2, started: [], finished: results, maxFrameBytes: 64 << 20, preferredBytes: 1 << 20)
        #expect(messages == [.results(workerID: 2, started: [], results)])
        #expect(ResultPacking.messages(workerID: 2, started: [], finished: [], maxFrameBytes: 64 << 20, preferredBytes: 1 << 20).isEmpty)
    }
}
