#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import Dispatch
import Synchronization
import JobRunKit
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
    /// The slot runners' own threads.
    private var slotThreads: [SlotThread] = []
    /// Every decision; this class performs its actions.
    private var machine: WorkerMachine
    private var outbound = OutboundQueue()
    /// Starts and results taken from the outbox while stopping; they go out with the final flush.
    private var takenWhileStopping: (started: [StartedTask], results: [TaskResult]) = ([], [])

    /// Results are sent in messages of at most about this many bytes.
    private static let resultMessageBytes = 1 << 20
    /// The longest progress message sent, in bytes.
    private static let progressMessageBytes = 4096

    init(welcome: Welcome, configuration: WorkerConfiguration, workerName: String, outbox: ResultOutbox, signals: SignalPipe) {
        self.welcome = welcome
        self.machine = WorkerMachine(welcome: welcome)
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

    private typealias Exit = WorkerMachine.Exit

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
        if machine.rejectedFrames > 0 {
            WorkerRuntime.report("jobrun worker: dropped \(machine.rejectedFrames) message(s) from the coordinator that did not decode")
        }
        // Report whatever finished while stopping; the coordinator may still be listening. Not after SIGTERM: then
        // the host is going away (a batch system ending its job signals every process at once) and what ended
        // while stopping was killed with it; those tasks go back to the queue when this worker is lost.
        if exit != .signalled { _ = takeOutbox(results: results, linesDue: true) }
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
            let thread = SlotThread()
            if let thread { slotThreads.append(thread) }
            let onSlotThread = thread != nil
            runners.append(
                Task.detached(executorPreference: thread) {
                    while let task = await inbox.next() {
                        outbox.started(StartedTask(sequence: task.sequence, attempt: task.assignment.attempt))
                        let result = await executor.execute(task, onSlotThread: onSlotThread)
                        outbox.append(result, heldAt: inbox.hasQueued ? Clocks.monotonicNanoseconds() : nil)
                    }
                }
            )
        }
        let ioInbox = self.ioInbox
        let budget = AsyncLimiter(limit: configuration.ioConcurrency)
        let services = self.services
        runners.append(
            Task.detached {
                await withDiscardingTaskGroup { group in
                    while let task = await ioInbox.next() {
                        await budget.acquire()
                        // On the IO event loop, with the connections it waits on (see `EventLoopExecutor`).
                        group.addTask(executorPreference: services.ioExecutor) {
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
        // Each child that ends appends its result to the outbox, whose descriptor wakes this wait.
        waitOnOutbox(upToNanoseconds: Self.stopGraceNanoseconds) { children.isEmpty }
        children.signalAll(SIGKILL)
        for thread in slotThreads { thread.stop() }
        guard services.hasHTTPClient else { return }
        let closed = Atomic<Bool>(false)
        let services = self.services
        let outbox = self.outbox
        Task.detached {
            await services.shutdown()
            closed.store(true, ordering: .releasing)
            outbox.wakeUp()
        }
        waitOnOutbox(upToNanoseconds: Self.stopGraceNanoseconds) { closed.load(ordering: .acquiring) }
    }

    /// How long stopping waits for children to leave after SIGTERM, and for the HTTP client to close.
    private static let stopGraceNanoseconds: UInt64 = 2_000_000_000

    /// Polls the outbox's descriptor until `done` holds or the time is up (the outbox wakes it as tasks end).
    private func waitOnOutbox(upToNanoseconds limit: UInt64, until done: () -> Bool) {
        let end = Clocks.monotonicNanoseconds() + limit
        var item = pollfd(fd: outbox.fileDescriptor, events: Int16(POLLIN), revents: 0)
        while !done() {
            let now = Clocks.monotonicNanoseconds()
            guard now < end else { return }
            _ = poll(&item, 1, Int32(min((end - now) / 1_000_000 + 1, 1000)))
            let (started, finished) = outbox.takeAll()
            takenWhileStopping.started += started
            takenWhileStopping.results += finished
        }
    }

    private func loop(tasks: ZMQSocket, results: ZMQSocket) -> Exit {
        var items = [
            PollItem(socket: tasks, events: .readable),
            PollItem(fileDescriptor: outbox.fileDescriptor, events: .readable),
            PollItem(fileDescriptor: signals.fileDescriptor, events: .readable),
            PollItem(socket: results, events: []),
        ]
        if let exit = perform(machine.handle(.connected(now: Clocks.monotonicNanoseconds())), results: results) { return exit }
        while true {
            items[3] = PollItem(socket: results, events: outbound.isEmpty ? [] : .writable)
            let before = Clocks.monotonicNanoseconds()
            let linesDueIn = machine.hasOutputCredit ? outputLines?.nanosecondsUntilDue(now: before) : nil
            // While the runners have queued work they may hold results; this thread then wakes within the hold time.
            let resultsDueIn = inbox.hasQueued ? ResultOutbox.holdNanoseconds : outbox.nanosecondsUntilDue(now: before)
            let dueIn = [linesDueIn, resultsDueIn].compactMap { $0 }.min()
            do {
                _ = try zmqPoll(&items, timeoutMilliseconds: min(100, dueIn.map { Int($0 / 1_000_000) + 1 } ?? 100))
            } catch {
                return .failed("poll failed: \(error)")
            }
            let now = Clocks.monotonicNanoseconds()
            var events: [WorkerMachine.Event] = []
            if items[2].returnedEvents.contains(.readable), !signals.drain().isEmpty { events.append(.signalled) }
            if items[0].returnedEvents.contains(.readable) { events += receiveAll(from: tasks, now: now) }
            // Checked again just before results are taken: a SIGTERM that came with them (a batch system stopping
            // this host signals the worker and its task processes at once) means the tasks died with the host; they
            // are not sent as failures but go back to the queue when this worker is lost.
            if !signals.drain().isEmpty { events.append(.signalled) }
            if let sequence = stuckTask.sequence { events.append(.stuck(sequence)) }
            for event in events {
                if let exit = perform(machine.handle(event), results: results) { return exit }
            }
            let linesDue = outputLines?.nanosecondsUntilDue(now: now) == 0
            // Held results go with whatever woke this thread, or when due.
            if items[1].returnedEvents.contains(.readable) || outbox.hasStarts || linesDue || outbox.hasResults {
                if let exit = takeOutbox(results: results, linesDue: linesDue) { return exit }
            }
            if items[3].returnedEvents.contains(.writable) { try? outbound.flush(on: results) }
            let parentAlive = configuration.parentPID.map { getppid() == $0 } ?? true
            if let exit = perform(machine.handle(.tick(now: now, parentAlive: parentAlive)), results: results) { return exit }
        }
    }

    /// Decodes every queued message from the coordinator into events.
    private func receiveAll(from tasks: ZMQSocket, now: UInt64) -> [WorkerMachine.Event] {
        var events: [WorkerMachine.Event] = []
        while true {
            let frame: [UInt8]
            do {
                guard let received = try tasks.receive(dontWait: true) else { return events }
                frame = received
            } catch {
                return events + [.failed("receiving from the coordinator failed: \(error)")]
            }
            if let message = try? WireMessage(decoding: frame) {
                events.append(.received(message, now: now))
            } else {
                events.append(.undecodable(now: now))
            }
        }
    }

    /// Performs the machine's actions; returns the exit when one says to stop.
    private func perform(_ actions: [WorkerMachine.Action], results: ZMQSocket) -> Exit? {
        for action in actions {
            switch action {
            case .run(let assignments):
                var computing: [PreparedTask] = []
                var waiting: [PreparedTask] = []
                for assignment in assignments {
                    let task = PreparedTask(assignment)
                    if task.resources(configuration.handlers) == .io { waiting.append(task) } else { computing.append(task) }
                }
                let refused = (computing.isEmpty ? [] : inbox.push(computing)) + (waiting.isEmpty ? [] : ioInbox.push(waiting))
                giveBack(refused.map(\.sequence), results: results)
            case .giveBack(let sequences):
                giveBack(sequences, results: results)
            case .stopTakingTasks:
                giveBack((inbox.close() + ioInbox.close()).map(\.sequence), results: results)
            case .cancelRunning:
                for runner in runners { runner.cancel() }
                children.signalAll(SIGTERM)
            case .killChildren:
                children.signalAll(SIGKILL)
            case .reclaim(let count):
                let taken = count > 0 ? inbox.takeLast(count) : []
                enqueue(.returned(workerID: welcome.workerID, sequences: taken.map(\.sequence)), on: results)
            case .heartbeat:
                let available = configuration.reportsAvailableMemory ? HostFacts.availableMemoryBytes() : nil
                enqueue(.heartbeat(workerID: welcome.workerID, availableMemoryBytes: available), on: results)
            case .takeOutbox:
                if let exit = takeOutbox(results: results, linesDue: false) { return exit }
            case .sendOutputLines:
                for batch in OutputLineBuffer.batches(outputLines?.take() ?? []) {
                    enqueue(.output(workerID: welcome.workerID, Array(batch)), on: results)
                }
            case .sendResults(let started, let finished):
                for message in ResultPacking.messages(
                    workerID: welcome.workerID, started: started, finished: finished, maxFrameBytes: maxFrameBytes,
                    preferredBytes: Self.resultMessageBytes)
                {
                    enqueue(message, on: results)
                }
            case .exit(let exit):
                return exit
            }
        }
        return nil
    }

    /// Sends progress reports, and hands the outbox's starts and results (with any taken while stopping) to the
    /// machine, which decides whether they go now or wait behind their output lines.
    private func takeOutbox(results: ZMQSocket, linesDue: Bool) -> Exit? {
        let reports = outbox.takeProgress()
        if !reports.isEmpty { enqueue(.progress(workerID: welcome.workerID, reports), on: results) }
        let (started, finished) = outbox.takeAll()
        let event = WorkerMachine.Event.finished(
            started: takenWhileStopping.started + started, results: takenWhileStopping.results + finished, linesDue: linesDue)
        takenWhileStopping = ([], [])
        return perform(machine.handle(event), results: results)
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
        if case .output = message { _ = machine.handle(.outputSent(bytes: UInt64(frame.count))) }
        do {
            try outbound.send(frame, on: results)
        } catch {
            WorkerRuntime.report("jobrun worker: cannot send to the coordinator: \(error)")
        }
    }
}

/// The first task found stuck past its timeout, shared between the executor's timers and the socket thread.
final class StuckTask: Sendable {
    private let first = Mutex<UInt64?>(nil)

    func note(_ sequence: UInt64) { first.withLock { $0 = $0 ?? sequence } }

    var sequence: UInt64? { first.withLock { $0 } }
}
