#if canImport(Glibc)
import JSONValue
import Settings
import Glibc
#endif
import ChildProcess
import Clock
import Scheduler
import WireProtocol
import ZeroMQ

extension CoordinatorService {
    /// Starts the local worker processes; they register on `registerEndpoint`.
    func startLocalWorkers(registerEndpoint: String) throws(CoordinatorError) {
        for _ in 0..<configuration.workerCount { try startLocalWorker(registerEndpoint: registerEndpoint) }
        perform(scheduler.handle(.localWorkersStarting(count: configuration.workerCount), now: now()), batch: nil)
    }

    /// Starts one local worker process.
    func startLocalWorker(registerEndpoint: String) throws(CoordinatorError) {
        guard let program = configuration.workerCommand.first else { throw CoordinatorError("no worker command") }
        var spawn = SpawnConfiguration(
            executable: program,
            arguments: Array(configuration.workerCommand.dropFirst())
                + [
                    "--connect", registerEndpoint, "--slots", String(configuration.slotsPerWorker),
                    "--io-concurrency", String(configuration.ioConcurrency ?? settings.ioConcurrency),
                    "--http-connections-per-host", String(settings.httpConnectionsPerHost),
                ]
        )
        let taken = Set(localProcesses.filter { $0.exitStatus == nil }.map(\.slot))
        let slot = (1...).first { !taken.contains($0) }!
        spawn.environment = ["JOBRUN_TOKEN": token, "JOBRUN_PARENT_PID": String(getpid()), "JOBRUN_SLOT": String(slot)]
        spawn.captureOutput = false
        // Main-thread spawn: the worker hears SIGTERM if this process dies, even by SIGKILL.
        spawn.parentDeathSignal = SIGTERM
        do {
            localProcesses.append(LocalWorkerProcess(process: try SpawnedProcess.spawn(spawn), slot: slot))
        } catch {
            throw CoordinatorError("cannot start a worker: \(error)")
        }
    }

    /// Starts a replacement for a lost local worker, as the scheduler decided.
    func spawnReplacement() {
        guard ending == nil, let runtime else { return }
        do {
            try startLocalWorker(registerEndpoint: runtime.endpoint("register"))
            statistics.workersReplaced += 1
        } catch {
            progress.message("jobrun: could not replace a lost worker: \(error)")
            perform(scheduler.handle(.localWorkerFailedToStart(cause: "could not be started: \(error)"), now: now()), batch: nil)
        }
    }

    /// Admits workers that say `hello` with this job's token, giving each its own task socket.
    func receiveRegistrations(on register: ZMQSocket, remote isRemote: Bool = false) throws {
        for _ in 0..<64 {
            guard let frames = try register.receiveMultipart(dontWait: true) else { return }
            guard frames.count == 2, case .hello(let hello)? = try? WireMessage(decoding: frames[1]) else {
                statistics.rejectedFrames += 1
                if frames.count == 2, let error = Self.decodingError(frames[1]) {
                    // A worker of another version, or one declaring more than a hello may carry, is told why.
                    var reason: String?
                    if case .unsupportedVersion = error { reason = Self.versionRefusal }
                    if reason == nil, WireMessage.isHello(frames[1]) { reason = "bad hello (\(error))" }
                    if let reason { try register.sendMultipart([frames[0], WireMessage.refusal(reason: reason).encoded()]) }
                }
                continue
            }
            if let reason = refusalReason(for: hello, remote: isRemote) {
                try register.sendMultipart([frames[0], WireMessage.refusal(reason: reason).encoded()])
                progress.message("jobrun: refused a worker (\(hello.host) pid \(hello.pid)): \(reason)")
                continue
            }
            if isRemote { dropUnusedRegistration(host: hello.host, pid: hello.pid) }
            if isRemote, case .refuse(let reason) = registrationGate.decide(now: now()) {
                refuseRegistration(frames[0], on: register, reason: reason)
                continue
            }
            let id = nextWorkerID
            let socket: ZMQSocket
            let taskEndpoint: String
            do {
                (socket, taskEndpoint) = try makeTaskSocket(id: id, remote: isRemote)
            } catch {
                // Most likely out of file descriptors (or ZeroMQ's socket limit): never fatal to the job.
                registrationGate.descriptorsExhausted(now: now())
                refuseRegistration(frames[0], on: register, reason: "the coordinator cannot open a socket for it: \(error)")
                continue
            }
            nextWorkerID += 1
            if isRemote { registrationGate.admitted(id, now: now()) }
            let connection = WorkerConnection(
                id: id, identity: WorkerIdentity(host: hello.host, pid: hello.pid), slots: Int(max(hello.slots, 1)),
                ioConcurrency: Int(max(hello.ioConcurrency, 1)), socket: socket
            )
            if isRemote { connection.offer = hello.offer }
            workers[id] = connection
            if !isRemote, let index = localProcesses.firstIndex(where: { $0.process.pid == hello.pid && $0.workerID == nil }) {
                localProcesses[index].workerID = id
            }
            let welcome = Welcome(
                workerID: id, taskEndpoint: taskEndpoint,
                resultEndpoint: isRemote ? remote?.resultEndpoint ?? "" : runtime!.endpoint("results"),
                heartbeatMilliseconds: UInt32(settings.heartbeatMilliseconds),
                heartbeatMisses: UInt32(settings.heartbeatMisses), outputCapBytes: UInt32(settings.outputCapBytes),
                killGraceMilliseconds: UInt32(settings.killGraceMilliseconds), streamOutput: configuration.streamOutput,
                maxFrameBytes: UInt64(settings.maxFrameBytes)
            )
            try register.sendMultipart([frames[0], WireMessage.welcome(welcome).encoded()])
        }
    }

    /// A task socket for worker `id`, bound (on the TCP side for a remote worker).
    private func makeTaskSocket(id: UInt32, remote isRemote: Bool) throws -> (ZMQSocket, String) {
        let socket = try ZMQSocket(context: context!, type: .push)
        do {
            try socket.setSendHighWaterMark(0)
            if isRemote, let remote { return (socket, try remote.bindTaskSocket(socket)) }
            let endpoint = runtime!.endpoint("w\(id)")
            try socket.bind(endpoint)
            return (socket, endpoint)
        } catch {
            socket.close()
            throw error
        }
    }

    /// Answers a `hello` with a refusal, counting it; the first refusal of a kind is also said on stderr.
    private func refuseRegistration(_ peer: [UInt8], on register: ZMQSocket, reason: String) {
        statistics.refusedRegistrations += 1
        _ = try? register.sendMultipart([peer, WireMessage.refusal(reason: reason).encoded()])
        if statistics.refusedRegistrations == 1 { progress.message("jobrun: refused a worker registration: \(reason)") }
    }

    /// Drops registrations that did not become ready in time (their sockets are closed).
    func dropExpiredRegistrations() {
        for id in registrationGate.expired(now: now()) {
            guard let worker = workers[id], !worker.isReady else { continue }
            worker.socket.close()
            workers[id] = nil
            identities[id] = nil
            statistics.refusedRegistrations += 1
        }
    }

    /// A remote worker that says `hello` again (the answer to its first may have been lost) replaces its earlier
    /// registration, if that never became ready.
    private func dropUnusedRegistration(host: String, pid: Int32) {
        let name = WorkerIdentity(host: host, pid: pid).name
        guard let unused = workers.values.first(where: { !$0.isReady && $0.identity.name == name }) else { return }
        unused.socket.close()
        workers[unused.id] = nil
        identities[unused.id] = nil
        registrationGate.settled(unused.id)
    }

    static let versionRefusal = "this coordinator speaks jobrun protocol version \(WireMessage.protocolVersion); "
        + "run the same jobrun version on both sides"

    static func decodingError(_ frame: [UInt8]) -> WireDecodingError? {
        do {
            _ = try WireMessage(decoding: frame)
            return nil
        } catch {
            return error
        }
    }

    private func refusalReason(for hello: Hello, remote isRemote: Bool) -> String? {
        if hello.protocolVersion != WireMessage.protocolVersion { return Self.versionRefusal }
        // Remote workers were admitted by their CURVE key (or --insecure) before any message arrived.
        if isRemote { return nil }
        if hello.token != token { return "unknown worker token; workers join a job through the coordinator that started them" }
        if !localProcesses.contains(where: { $0.process.pid == hello.pid && $0.workerID == nil }) {
            return "process \(hello.pid) is not a worker this coordinator started, or it registered already"
        }
        return nil
    }

    /// Reaps local worker processes that exited and tells the scheduler about registered ones; stops and reaps
    /// orphaned task processes.
    func reapLocalWorkers() {
        defer { stopOrphans() }
        for index in localProcesses.indices where localProcesses[index].exitStatus == nil {
            guard let status = localProcesses[index].process.tryWait() else { continue }
            let description = ExitStatusDescription(status)
            localProcesses[index].exitStatus = description
            let pid = localProcesses[index].process.pid
            if let id = localProcesses[index].workerID, let worker = workers[id], worker.isReady {
                lossDetails[id] = description.text
                perform(scheduler.handle(.workerExited(workerID: id, cause: description.text), now: now()), batch: nil)
            } else if localProcesses[index].workerID.map({ workers[$0] != nil }) ?? true {
                // It died before it could take tasks: it never joined the scheduler.
                if let id = localProcesses[index].workerID, let worker = workers.removeValue(forKey: id) { worker.socket.close() }
                guard ending == nil else { continue }
                progress.message("jobrun: worker process \(pid) \(description.text) before it was ready")
                perform(scheduler.handle(.localWorkerFailedToStart(cause: description.text), now: now()), batch: nil)
            }
        }
    }

    /// Stops processes orphaned by workers that died (their tasks' processes), which were re-parented here.
    /// Until one of our children has exited nothing can have been re-parented, so there is nothing to scan for.
    func stopOrphans() {
        guard localProcesses.contains(where: { $0.exitStatus != nil }) || launches.contains(where: { $0.exitStatus != nil })
        else { return }
        let known = Set(localProcesses.filter { $0.exitStatus == nil }.map(\.process.pid))
            .union(launches.filter { $0.exitStatus == nil }.map(\.process.pid))
            .union(slurm?.childPIDs ?? [])
        OrphanReaper.stopOrphans(keeping: known)
    }

    /// Tells every worker to exit and waits for local ones (bounded), killing any that linger.
    ///
    /// Connected workers get `shutdown`; local processes that never connected (still starting when the job ended)
    /// get SIGTERM, which a worker treats the same way.
    /// Tells every worker to exit (local workers that never registered get SIGTERM); `waitForWorkersToExit()`
    /// then waits for the local ones.
    func askWorkersToStop() {
        let shutdown = WireMessage.shutdown.encoded()
        for worker in workers.values where worker.isReady {
            try? worker.outbound.send(shutdown, on: worker.socket)
        }
        for local in localProcesses where local.exitStatus == nil {
            if local.workerID.flatMap({ workers[$0] })?.isReady != true { local.process.signal(SIGTERM, wholeGroup: false) }
        }
    }

    /// Waits up to 3 s for the local workers to exit, then kills those left, and stops orphaned task processes.
    func waitForWorkersToExit() {
        let deadline = Clocks.monotonicNanoseconds() + 3_000_000_000
        var killed = false
        while localProcesses.contains(where: { $0.exitStatus == nil }) {
            for worker in workers.values where !worker.outbound.isEmpty { try? worker.outbound.flush(on: worker.socket) }
            for index in localProcesses.indices where localProcesses[index].exitStatus == nil {
                if let status = localProcesses[index].process.tryWait() {
                    localProcesses[index].exitStatus = ExitStatusDescription(status)
                }
            }
            if !killed, Clocks.monotonicNanoseconds() > deadline {
                for local in localProcesses where local.exitStatus == nil { local.process.signal(SIGKILL, wholeGroup: false) }
                killed = true
            }
            usleep(1000)
        }
        stopOrphans()
    }
}
