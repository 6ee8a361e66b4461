import Scheduler
import Testing
import WireProtocol

/// Hosts other than the coordinator's: what their workers declared when they registered, and the free memory they
/// report, place tasks per host (manual clock, no sockets).
@Suite("Remote hosts' declarations and free memory")
struct RemoteHostTests {
    static let gigabyte: UInt64 = 1 << 30

    @Test("--memfree holds back only the host whose reported free memory is below it, until it recovers")
    func memfreePerHost() {
        let tasks = (0..<6).map { LoadedTask(sequence: UInt64($0)) }
        var harness = SchedulerHarness(tasks, configuration: .init(memfreeBytes: Self.gigabyte))
        harness.send(.hostMemory(host: "coord", freeBytes: 2 * Self.gigabyte))
        harness.send(.hostMemory(host: "remote", freeBytes: 100 << 20))
        harness.send(.workerJoined(workerID: 1, slots: 1, replaceable: true, capacity: WorkerCapacity(host: "coord")))
        harness.send(.workerJoined(workerID: 2, slots: 1, capacity: WorkerCapacity(host: "remote", offer: HostOffer())))
        #expect(harness.held[1]?.isEmpty == false)
        #expect(harness.held[2] == nil, "nothing starts on the host below --memfree")
        #expect(harness.state.waitingCounts.lowMemoryHosts == [LowMemoryHost(host: "remote", freeBytes: 100 << 20)])

        harness.advance(milliseconds: 1000)
        let recovered = harness.send(.hostMemory(host: "remote", freeBytes: 3 * Self.gigabyte))
        #expect(SchedulerHarness.dispatchedTo(recovered) == [2])
        #expect(harness.state.waitingCounts.lowMemoryHosts.isEmpty)

        harness.advance(milliseconds: 1000)
        harness.send(.hostMemory(host: "coord", freeBytes: 1 << 20))
        let first = harness.held[1]!.first!.sequence
        #expect(!SchedulerHarness.dispatchedTo(harness.finish(first)).contains(1), "the coordinator's host is low now")
        #expect(harness.state.waitingCounts.lowMemoryHosts == [LowMemoryHost(host: "coord", freeBytes: 1 << 20)])
    }

    @Test("a host that has not reported its free memory yet starts tasks, as the coordinator's own does")
    func unknownFigure() {
        var harness = SchedulerHarness([LoadedTask(sequence: 0)], configuration: .init(memfreeBytes: Self.gigabyte))
        harness.send(.hostMemory(host: "other", freeBytes: 1 << 20))
        let joined = harness.send(.workerJoined(workerID: 7, slots: 1, capacity: WorkerCapacity(host: "new", offer: HostOffer())))
        #expect(SchedulerHarness.sent(joined) == [0])
        #expect(harness.state.waitingCounts.lowMemoryHosts.isEmpty, "a host without workers holds nothing up")
    }

    @Test("a low host whose workers are all gone is no longer named as holding tasks back")
    func goneHostNotNamed() {
        var harness = SchedulerHarness([LoadedTask(sequence: 0)], configuration: .init(memfreeBytes: Self.gigabyte))
        harness.send(.workerJoined(workerID: 2, slots: 1, capacity: WorkerCapacity(host: "remote", offer: HostOffer())))
        harness.send(.hostMemory(host: "remote", freeBytes: 1 << 20))
        harness.send(.workerExited(workerID: 2))
        harness.send(.workerJoined(workerID: 3, slots: 1, capacity: WorkerCapacity(host: "elsewhere", offer: HostOffer())))
        #expect(harness.state.waitingCounts.lowMemoryHosts.isEmpty)
    }

    @Test("two workers of one remote host never get the same GPU; a GPU given back goes to the next task")
    func sharedGPUs() {
        let tasks = (0..<3).map { LoadedTask(sequence: UInt64($0), demand: TaskDemand(gpus: 1)) }
        var harness = SchedulerHarness(tasks)
        let offer = HostOffer(gpus: 2)
        harness.send(.workerJoined(workerID: 1, slots: 2, capacity: WorkerCapacity(host: "gpu-host", offer: offer)))
        harness.send(.workerJoined(workerID: 2, slots: 2, capacity: WorkerCapacity(host: "gpu-host", offer: offer)))
        let granted = harness.held.values.flatMap { $0 }.map(\.gpus)
        #expect(granted.count == 2)
        #expect(Set(granted) == [[0], [1]])
        let onZero = harness.held.values.flatMap { $0 }.first { $0.gpus == [0] }!.sequence
        let next = harness.finish(onZero)
        #expect(next.contains { if case .dispatch(_, let sent) = $0 { sent == [DispatchedTask(sequence: 2, attempt: 1, gpus: [0])] } else { false } })
    }

    @Test("labels and resources only a remote worker declared place tasks on it, never on the local worker")
    func declaredLabelsAndResources() {
        let tasks = [
            LoadedTask(sequence: 0, demand: TaskDemand(requires: ["zone": "eu"])),
            LoadedTask(sequence: 1, demand: TaskDemand(resources: ["licence": 1])),
            LoadedTask(sequence: 2, demand: TaskDemand(resources: ["licence": 1])),
            LoadedTask(sequence: 3),
        ]
        var harness = SchedulerHarness(tasks)
        harness.send(.workerJoined(workerID: 1, slots: 4, replaceable: true, capacity: WorkerCapacity(host: "coord")))
        let offer = HostOffer(labels: ["zone": "eu"], resources: ["licence": 1], memoryBytes: 8 * Self.gigabyte)
        harness.send(.workerJoined(workerID: 2, slots: 4, capacity: WorkerCapacity(host: "eu-1", offer: offer)))
        let remote = Set((harness.held[2] ?? []).map(\.sequence))
        let local = Set((harness.held[1] ?? []).map(\.sequence))
        #expect(remote.isSuperset(of: [0, 1]))
        #expect(local.isDisjoint(with: [0, 1, 2]))
        #expect(!remote.contains(2), "one licence: the second task waits for it")
        #expect(harness.finish(1).contains { if case .dispatch(2, let sent) = $0 { sent.map(\.sequence) == [2] } else { false } })
    }

    @Test("memory reservations are admitted against the physical memory a remote host declared")
    func declaredMemory() {
        let tasks = (0..<2).map { LoadedTask(sequence: UInt64($0), demand: TaskDemand(memoryBytes: 3 * Self.gigabyte)) }
        var harness = SchedulerHarness(tasks)
        let offer = HostOffer(memoryBytes: 4 * Self.gigabyte)
        #expect(SchedulerHarness.sent(harness.send(.workerJoined(workerID: 5, slots: 2, capacity: WorkerCapacity(host: "r", offer: offer)))) == [0])
        #expect(SchedulerHarness.sent(harness.finish(0)) == [1])
    }
}
