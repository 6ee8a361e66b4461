#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import JobRunKit
import ProcessSignals
import SystemIO
import WireProtocol
import ZeroMQ

/// A worker process: registers with a coordinator, runs the tasks it is sent, and reports results.
///
/// Threads: the thread calling `run()` owns every ZeroMQ socket and runs the `zmq_poll` loop; tasks run in slot
/// runners, each on a `SlotThread` of its own (IO-bound ones on the IO event loop), and hand results back through
/// the `ResultOutbox`, whose pipe wakes the loop. The worker exits when told to, when its coordinator stays silent
/// for `heartbeatMisses` periods, when its parent process changes (local workers), or on SIGTERM.
public final class WorkerRuntime {
    private let configuration: WorkerConfiguration
    private let host: String
    private let pid: Int32

    public init(configuration: WorkerConfiguration) {
        self.configuration = configuration
        self.host = WorkerRuntime.hostName()
        self.pid = getpid()
    }

    /// Runs until the worker should exit and returns the process exit status
    /// (0 when the coordinator said so, 1 when it was lost, 2 when it refused this worker or never answered).
    public func run() -> Int32 {
        DescriptorLimit.raiseToHardLimit()
        SignalPipe.ignore(SIGINT)  // the coordinator decides what Ctrl-C means for its tasks
        SignalPipe.ignore(SIGPIPE)
        let stopSignals: [Int32]
        if configuration.parentPID != nil {
            // The coordinator or host agent that started this worker decides what a hang-up means (under `nohup`:
            // nothing); it stops its workers itself.
            SignalPipe.ignore(SIGHUP)
            stopSignals = [SIGTERM]
        } else {
            stopSignals = SignalPipe.honouringNohup([SIGTERM, SIGHUP])
        }
        guard let signals = SignalPipe.install(for: stopSignals), let outbox = ResultOutbox() else {
            return fail("cannot create its wake-up descriptors: \(String(cString: strerror(errno)))", status: 1)
        }
        let context: ZMQContext
        do {
            context = try ZMQContext()
        } catch {
            return fail("cannot start ZeroMQ: \(error)", status: 1)
        }
        defer { context.terminate() }
        let welcome: Welcome
        switch register(context: context, signals: signals) {
        case .success(var answer):
            // A coordinator listening on all interfaces is reached at the address this worker registered with.
            answer.taskEndpoint = WorkerConfiguration.reachable(answer.taskEndpoint, registeredAt: configuration.registerEndpoint)
            answer.resultEndpoint = WorkerConfiguration.reachable(
                answer.resultEndpoint, registeredAt: configuration.registerEndpoint)
            welcome = answer
        case .failure(let refusal): return fail(refusal.message, status: refusal.status)
        }
        let session = WorkerSession(
            welcome: welcome, configuration: configuration, workerName: "\(host):\(pid)",
            outbox: outbox, signals: signals
        )
        return session.run(context: context)
    }

    struct Refusal: Error {
        var message: String
        var status: Int32
    }

    /// Sends `hello` on the register channel and waits for the coordinator's answer.
    ///
    /// A worker on another host asks again on a fresh socket every `helloRetryMilliseconds`: a coordinator that
    /// died after its `hello` arrived would otherwise leave it waiting for an answer that never comes, even once a
    /// new coordinator listens at the same address. (A local worker's coordinator is its parent; it does not retry.)
    private func register(context: ZMQContext, signals: SignalPipe) -> Result<Welcome, Refusal> {
        do {
            var offer = configuration.offer
            if configuration.reportsAvailableMemory { offer.availableMemoryBytes = HostFacts.availableMemoryBytes() }
            let hello = Hello(
                host: host, pid: pid, slots: UInt32(configuration.slots),
                ioConcurrency: UInt32(clamping: configuration.ioConcurrency), token: configuration.token, offer: offer)
            let deadline = Clocks.monotonicNanoseconds() + UInt64(configuration.registrationTimeoutMilliseconds) * 1_000_000
            let retryNanoseconds = configuration.token.isEmpty ? UInt64(Self.helloRetryMilliseconds) * 1_000_000 : UInt64.max
            while Clocks.monotonicNanoseconds() < deadline {
                let socket = try ZMQSocket(context: context, type: .dealer)
                defer { socket.close() }
                try socket.setLinger(milliseconds: 0)
                try socket.setMaxMessageSize(1 << 20)
                try configuration.secure(socket)
                try socket.connect(configuration.registerEndpoint)
                try socket.send(WireMessage.hello(hello).encoded())
                let now = Clocks.monotonicNanoseconds()
                let askAgainAt = now + min(retryNanoseconds, deadline > now ? deadline - now : 0)
                var items = [PollItem(socket: socket, events: .readable), PollItem(fileDescriptor: signals.fileDescriptor, events: .readable)]
                while Clocks.monotonicNanoseconds() < askAgainAt {
                    if parentChanged { return .failure(Refusal(message: "its coordinator exited before answering", status: 1)) }
                    _ = try zmqPoll(&items, timeoutMilliseconds: 100)
                    if items[1].returnedEvents.contains(.readable), !signals.drain().isEmpty {
                        // The coordinator ends workers that are still starting when its job is over.
                        return .failure(Refusal(message: "", status: 0))
                    }
                    while let frame = try socket.receive(dontWait: true) {
                        switch try? WireMessage(decoding: frame) {
                        case .welcome(let welcome)?: return .success(welcome)
                        case .refusal(let reason)?:
                            return .failure(Refusal(message: "the coordinator refused this worker: \(reason)", status: 2))
                        default: continue
                        }
                    }
                }
            }
            if configuration.rejoining { return .failure(Refusal(message: "", status: 2)) }
            return .failure(
                Refusal(
                    message: "no answer from a coordinator at \(configuration.registerEndpoint) within "
                        + "\(configuration.registrationTimeoutMilliseconds) ms; is `jobrun submit` running there?"
                        + (configuration.curve == nil
                            ? "" : " If it is, --server-key may not be its public key, or this host's public key is not in "
                                + "its authorized_keys (it logs the keys it rejects)"),
                    status: 2
                )
            )
        } catch {
            return .failure(Refusal(message: "cannot register at \(configuration.registerEndpoint): \(error)", status: 2))
        }
    }

    /// How long a worker on another host waits for an answer to `hello` before asking again.
    static let helloRetryMilliseconds = 5_000

    private var parentChanged: Bool {
        guard let parent = configuration.parentPID else { return false }
        return getppid() != parent
    }

    private func fail(_ message: String, status: Int32) -> Int32 {
        if message.isEmpty { return status }
        WorkerRuntime.report("jobrun worker \(host):\(pid): \(message)")
        return status
    }

    static func report(_ line: String) { StandardError.writeLine(line) }

    /// This host's name as workers report it: under Slurm the node's Slurm name (`SLURMD_NODENAME`, what squeue
    /// shows, and what tells apart several Slurm nodes on one machine), else the system's host name.
    static func hostName() -> String {
        if let node = getenv("SLURMD_NODENAME"), node.pointee != 0 { return String(cString: node) }
        return HostName.current()
    }
}
