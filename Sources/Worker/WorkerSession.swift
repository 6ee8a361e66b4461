#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import Dispatch
import Synchronization
import JobRun
import ProcessSignals
import WireProtocol
import ZeroMQ

/// A registered worker's life: its sockets, its slot runners and the loop that connects them.
final class WorkerSession {
    private let welcome: Welcome
    private let configuration: WorkerConfiguration
    private let outbox: ResultOutbox
    private let signals: SignalPipe
    /// CPU-bound tasks not yet started, taken in order by the slot runners (a `reclaim` can take them back).
    private let inbox = TaskInbox()
    /// IO-bound tasks, started at once up to the IO concurrency.
    private let ioInbox = TaskInbox()
    private let services: WorkerServices
    private let children = RunningChildren()
    /// Tasks' output lines waiting to be sent, when the job streams output.
    private let outputLines: OutputLineBuffer?
    private let executor: TaskExecutor
    /// A task whose handler ignored its timeout for the whole kill grace; its CPU thread may never return.
    private let stuckTask: StuckTask
    private var runners: [Task<Void, Never>] = []
    private var draining = false
    private var lastHeardFromCoordinator: UInt64 = 0
    private var lastHeartbeatSent: UInt64 = 0
    private var cancelDeadline: UInt64?
    private var outbound = OutboundQueue()
    /// Frames from the coordinator that did not decode, dropped (reported when the worker exits).
    private var rejectedFrames = 0
    /// Bytes of `output` frames sent, and how many of them the coordinator has handled (its `outputCredit`).
    private var outputBytesSent: UInt64 = 0
    private var outputBytesHandled: UInt64 = 0
    /// Starts and results taken from the outbox while output waits for credit: they follow their tasks' lines.
    private var heldStarts: [StartedTask] = []
    private var heldResults: [TaskResult] = []

    /// Results are sent in messages of at most about this many bytes.
    private static let resultMessageBytes = 1 << 20
    /// The longest progress message sent, in bytes.
    private static let progressMessageBytes = 4096

    init(welcome: Welcome, configuration: WorkerConfiguration, workerName: String, outbox: ResultOutbox, signals: SignalPipe) {
        self.welcome = welcome
        self.configuration = configuration
        self.outbox = outbox
        self.signals = signals
        let stuckTask = StuckTask()
        self.stuckTask = stuckTask
        let services = WorkerServices(
            cpuSlots: configuration.slots, ioConcurrency: configuration.ioConcurrency,
            httpConnectionsPerHost: configuration.httpConnectionsPerHost,
            progress: { sequence, fraction, message in
                let permille = fraction.map { UInt32(($0 * 1000).rounded()) }
                // A progress message is a short note; a huge one must not make its frame too big to send.
                let note = String(decoding: (message ?? "").utf8.prefix(Self.progressMessageBytes), as: UTF8.self)
                outbox.progress(ProgressReport(sequence: sequence, permille: permille, message: note))
            }
        )
        self.services = services
        let outputLines = welcome.streamOutput ? OutputLineBuffer(wake: { outbox.wakeUp() }) : nil
        self.outputLines = outputLines
        self.executor = TaskExecutor(
            handlers: configuration.handlers, workerName: workerName, outputCap: Int(welcome.outputCapBytes),
            killGraceMilliseconds: Int(welcome.killGraceMilliseconds), children: children, outputLines: outputLines,
            stuck: { sequence in
                stuckTask.note(sequence)
                outbox.wakeUp()
            },
            services: services
        )
    }

    private enum Exit: Equatable {
        case told, coordinatorSilent, parentGone, signalled, stuck(UInt64), failed(String)
    }

    func run(context: ZMQContext) -> Int32 {
        let tasks: ZMQSocket
        let results: ZMQSocket
        do {
            tasks = try ZMQSocket(context: context, type: .pull)
            results = try ZMQSocket(context: context, type: .push)
            try results.setSendHighWaterMark(0)
            try tasks.setMaxMessageSize(Int64(256 << 20))
            try configuration.secure(tasks)
            try configuration.secure(results)
            try tasks.connect(welcome.taskEndpoint)
            try results.connect(welcome.resultEndpoint)
            try results.send(WireMessage.ready(workerID: welcome.workerID).encoded())
        } catch {
            WorkerRuntime.report("jobrun worker: cannot connect to the coordinator: \(error)")
            return 1
        }
        startRunners()
        let exit = loop(tasks: tasks, results: results)
        stopRunners()
        ProcessTree.removeOwnGroups()
        if rejectedFrames > 0 {
            WorkerRuntime.report("jobrun worker: dropped \(rejectedFrames) message(s) from the coordinator that did not decode")
        }
        // Report whatever finished while stopping; the coordinator may still be listening. Not after SIGTERM: then
        // the host is going away (a batch system ending its job signals every process at once) and what ended
        // while stopping was killed with it; those tasks go back to the queue when this worker is lost.
        if exit != .signalled { flushResults(to: results, linesDue: true) }
        try? outbound.flush(on: results)
        tasks.close()
        results.close()
        switch exit {
        case .told: return 0
        case .signalled: return 0
        case .stuck(let sequence):
            WorkerRuntime.report(
                "jobrun worker: task \(sequence) ignored its timeout for the whole kill grace; exiting so a new worker "
                    + "replaces this one")
            return 3
        case .parentGone, .coordinatorSilent:
            WorkerRuntime.report("jobrun worker: \(exit == .parentGone ? "coordinator process exited" : "coordinator stopped answering"); exiting")
            return 1
        case .failed(let message):
            WorkerRuntime.report("jobrun worker: \(message)")
            return 1
        }
    }

    /// Starts one runner per CPU slot, taking CPU-bound tasks in order, and one dispatcher that starts IO-bound
    /// tasks side by side, at most `ioConcurrency` at once.
    private func startRunners() {
        let executor = self.executor
        let outbox = self.outbox
        for _ in 0..<max(configuration.slots, 1) {
            let inbox = self.inbox
            runners.append(
                Task.detached {
                    while let task = await inbox.next() {
                        outbox.started(StartedTask(sequence: task.sequence, attempt: task.assignment.attempt))
                        outbox.append(await executor.execute(task))
                    }
                }
            )
        }
        let ioInbox = self.ioInbox
        let budget = AsyncLimiter(limit: configuration.ioConcurrency)
        runners.append(
            Task.detached {
                await withDiscardingTaskGroup { group in
                    while let task = await ioInbox.next() {
                        await budget.acquire()
                        group.addTask {
                            defer { budget.release() }
                            outbox.started(StartedTask(sequence: task.sequence, attempt: task.assignment.attempt))
                            outbox.append(await executor.execute(task))
                        }
                    }
                }
            }
        )
    }

    /// Cancels what still runs, gives children a grace to exit, waits for the runners (bounded), and closes the
    /// shared HTTP client.
    private func stopRunners() {
        _ = inbox.close()
        _ = ioInbox.close()
        for runner in runners { runner.cancel() }
        children.signalAll(SIGTERM)
        let graceEnd = Clocks.monotonicNanoseconds() + 2_000_000_000
        while !children.isEmpty, Clocks.monotonicNanoseconds() < graceEnd { usleep(10_000) }
        children.signalAll(SIGKILL)
        guard services.hasHTTPClient else { return }
        let closed = DispatchSemaphore(value: 0)
        let services = self.services
        Task.detached {
            await services.shutdown()
            closed.signal()
        }
        _ = closed.wait(timeout: .now() + 2)
    }

    private func loop(tasks: ZMQSocket, results: ZMQSocket) -> Exit {
        let periodNanoseconds = UInt64(welcome.heartbeatMilliseconds) * 1_000_000
        let silenceLimit = periodNanoseconds * UInt64(max(welcome.heartbeatMisses, 2))
        lastHeardFromCoordinator = Clocks.monotonicNanoseconds()
        var items = [
            PollItem(socket: tasks, events: .readable),
            PollItem(fileDescriptor: outbox.fileDescriptor, events: .readable),
            PollItem(fileDescriptor: signals.fileDescriptor, events: .readable),
            PollItem(socket: results, events: []),
        ]
        while true {
            items[3] = PollItem(socket: results, events: outbound.isEmpty ? [] : .writable)
            let linesDueIn = hasOutputCredit ? outputLines?.nanosecondsUntilDue(now: Clocks.monotonicNanoseconds()) : nil
            do {
                _ = try zmqPoll(&items, timeoutMilliseconds: min(100, linesDueIn.map { Int($0 / 1_000_000) + 1 } ?? 100))
            } catch {
                return .failed("poll failed: \(error)")
            }
            let now = Clocks.monotonicNanoseconds()
            if items[2].returnedEvents.contains(.readable), !signals.drain().isEmpty { return .signalled }
            let creditBefore = hasOutputCredit
            if items[0].returnedEvents.contains(.readable) {
                switch receiveAll(from: tasks, results: results, now: now) {
                case .some(let exit): return exit
                case .none: break
                }
            }
            let creditReturned = !creditBefore && hasOutputCredit
            let linesDue = outputLines?.nanosecondsUntilDue(now: now) == 0
            if items[1].returnedEvents.contains(.readable) || outbox.hasStarts || linesDue || creditReturned {
                // A SIGTERM that came with these results (a batch system stopping this host: it signals the worker
                // and its task processes at once) means the tasks died with the host; they are not sent as failures
                // but go back to the queue when this worker is lost.
                if !signals.drain().isEmpty { return .signalled }
                flushResults(to: results, linesDue: linesDue)
            }
            if let sequence = stuckTask.sequence { return .stuck(sequence) }
            if items[3].returnedEvents.contains(.writable) { try? outbound.flush(on: results) }
            if now - lastHeartbeatSent >= periodNanoseconds {
                lastHeartbeatSent = now
                let available = configuration.reportsAvailableMemory ? HostFacts.availableMemoryBytes() : nil
                enqueue(.heartbeat(workerID: welcome.workerID, availableMemoryBytes: available), on: results)
            }
            if let parent = configuration.parentPID, getppid() != parent { return .parentGone }
            if now - lastHeardFromCoordinator > silenceLimit { return .coordinatorSilent }
            if let deadline = cancelDeadline, now >= deadline {
                children.signalAll(SIGKILL)
                cancelDeadline = nil
            }
        }
    }

    /// Handles every queued message from the coordinator; returns an exit when one says to stop.
    private func receiveAll(from tasks: ZMQSocket, results: ZMQSocket, now: UInt64) -> Exit? {
        while true {
            let frame: [UInt8]
            do {
                guard let received = try tasks.receive(dontWait: true) else { return nil }
                frame = received
            } catch {
                return .failed("receiving from the coordinator failed: \(error)")
            }
            lastHeardFromCoordinator = now
            guard let message = try? WireMessage(decoding: frame) else {
                rejectedFrames += 1
                continue
            }
            switch message {
            case .assign(let assignments):
                if draining {
                    giveBack(assignments.map(\.sequence), results: results)
                    continue
                }
                var computing: [PreparedTask] = []
                var waiting: [PreparedTask] = []
                for assignment in assignments {
                    let task = PreparedTask(assignment)
                    if task.resources(configuration.handlers) == .io { waiting.append(task) } else { computing.append(task) }
                }
                let refused = (computing.isEmpty ? [] : inbox.push(computing)) + (waiting.isEmpty ? [] : ioInbox.push(waiting))
                if !refused.isEmpty { giveBack(refused.map(\.sequence), results: results) }
            case .drain(let grace, let cancelRunning):
                if !draining {
                    draining = true
                    giveBack((inbox.close() + ioInbox.close()).map(\.sequence), results: results)
                }
                if cancelRunning {
                    for runner in runners { runner.cancel() }
                    children.signalAll(SIGTERM)
                    cancelDeadline = now + UInt64(grace) * 1_000_000
                }
            case .reclaim(let count):
                // Always answer, even with nothing, so the coordinator knows the reclaim is settled.
                let taken = draining ? [] : inbox.takeLast(Int(count))
                enqueue(.returned(workerID: welcome.workerID, sequences: taken.map(\.sequence)), on: results)
            case .shutdown:
                return .told
            case .outputCredit(let handledBytes):
                outputBytesHandled = max(outputBytesHandled, min(handledBytes, outputBytesSent))
            default:
                break
            }
        }
    }

    private func giveBack(_ sequences: [UInt64], results: ZMQSocket) {
        guard !sequences.isEmpty else { return }
        enqueue(.returned(workerID: welcome.workerID, sequences: sequences), on: results)
    }

    /// The coordinator's frame limit: a bigger frame would be dropped by ZeroMQ without a word.
    private var maxFrameBytes: Int { Int(clamping: welcome.maxFrameBytes) }

    private func enqueue(_ message: WireMessage, on results: ZMQSocket) {
        let frame = message.encoded()
        guard frame.count <= maxFrameBytes else {
            // Results are packed to fit (see ResultPacking); anything else this big is a fault worth saying out loud.
            WorkerRuntime.report(
                "jobrun worker: not sending a message of \(frame.count) bytes, over the coordinator's max_frame_bytes of "
                    + "\(maxFrameBytes)")
            return
        }
        if case .output = message { outputBytesSent += UInt64(frame.count) }
        do {
            try outbound.send(frame, on: results)
        } catch {
            WorkerRuntime.report("jobrun worker: cannot send to the coordinator: \(error)")
        }
    }

    /// Whether output lines may go out: the coordinator has handled all but less than a window of them. Until it
    /// has, lines wait in the bounded `OutputLineBuffer` (which drops and counts what does not fit).
    private var hasOutputCredit: Bool { outputBytesSent - outputBytesHandled < WireMessage.outputWindowBytes }

    /// Sends every start and finished result, in messages of bounded size, after the output lines when they are
    /// due or a result goes out.
    ///
    /// Results are taken before lines: a task's lines are all buffered before its result is, so every line of a
    /// result taken here is taken too, and goes out ahead of it. Without output credit, starts and results are held
    /// back with the lines.
    private func flushResults(to results: ZMQSocket, linesDue: Bool = false) {
        let reports = outbox.takeProgress()
        if !reports.isEmpty { enqueue(.progress(workerID: welcome.workerID, reports), on: results) }
        var (started, finished) = outbox.takeAll()
        if let outputLines {
            heldStarts += started
            heldResults += finished
            guard hasOutputCredit else { return }
            if linesDue || !heldResults.isEmpty {
                for batch in OutputLineBuffer.batches(outputLines.take()) {
                    enqueue(.output(workerID: welcome.workerID, Array(batch)), on: results)
                }
            }
            (started, finished) = (heldStarts, heldResults)
            heldStarts = []
            heldResults = []
        }
        guard !finished.isEmpty || !started.isEmpty else { return }
        for message in ResultPacking.messages(
            workerID: welcome.workerID, started: started, finished: finished, maxFrameBytes: maxFrameBytes,
            preferredBytes: Self.resultMessageBytes)
        {
            enqueue(message, on: results)
        }
    }
}

/// The first task found stuck past its timeout, shared between the executor's timers and the socket thread.
final class StuckTask: Sendable {
    private let first = Mutex<UInt64?>(nil)

    func note(_ sequence: UInt64) { first.withLock { $0 = $0 ?? sequence } }

    var sequence: UInt64? { first.withLock { $0 } }
}
