#if canImport(Glibc)
import Glibc
#endif
import Scheduler
import Settings
import WireProtocol
import ZeroMQ

/// The workers connected to this job: it admits those that say `hello` (local ones by their token, remote ones
/// through the registration gate), gives each its own task socket, sends them messages, and forgets them when
/// they are lost.
///
/// Threads: used on the coordinator's thread, which owns every socket here.
final class WorkerRoster {
    private let configuration: JobConfiguration
    private var settings: Settings { configuration.settings }
    private let tally: JobTally
    private let localWorkers: LocalWorkerPool
    /// Set when the job's sockets exist (`open`).
    private var context: ZMQContext?
    private var runtime: RuntimeDirectory?
    /// The TCP side for workers on other machines (`--listen`), once it listens.
    var remote: RemoteListener?
    private(set) var workers: [UInt32: WorkerConnection] = [:]
    /// Every worker that ever registered, kept after it is lost so its late results can still be recorded.
    var identities: [UInt32: WorkerIdentity] = [:]
    /// Why a worker is about to be reported lost (its exit status), by id.
    var lossDetails: [UInt32: String] = [:]
    /// Bounds registrations waiting to become ready (a flood of `hello`s must not use up file descriptors).
    private var registrationGate = RegistrationGate()
    /// Worker ids start at a random number, so a worker still talking to a coordinator that died (whose ids started
    /// elsewhere) is not taken for one of this coordinator's workers when it restarts at the same address.
    private var nextWorkerID = UInt32.random(in: 1...0x7FFF_FFFF)

    init(configuration: JobConfiguration, tally: JobTally, localWorkers: LocalWorkerPool) {
        self.configuration = configuration
        self.tally = tally
        self.localWorkers = localWorkers
    }

    /// Gives the roster the job's ZeroMQ context and runtime directory, where task sockets are made.
    func open(context: ZMQContext, runtime: RuntimeDirectory) {
        self.context = context
        self.runtime = runtime
    }

    /// Admits workers that say `hello` with this job's token, giving each its own task socket.
    func receiveRegistrations(on register: ZMQSocket, remote isRemote: Bool = false) throws {
        for _ in 0..<64 {
            guard let frames = try register.receiveMultipart(dontWait: true) else { return }
            guard frames.count == 2, case .hello(let hello)? = try? WireMessage(decoding: frames[1]) else {
                tally.statistics.rejectedFrames += 1
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
                tally.progress.message("jobrun: refused a worker (\(hello.host) pid \(hello.pid)): \(reason)")
                continue
            }
            if isRemote { dropUnusedRegistration(host: hello.host, pid: hello.pid) }
            if isRemote, case .refuse(let reason) = registrationGate.decide(now: .monotonicNow()) {
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
                registrationGate.descriptorsExhausted(now: .monotonicNow())
                refuseRegistration(frames[0], on: register, reason: "the coordinator cannot open a socket for it: \(error)")
                continue
            }
            nextWorkerID += 1
            if isRemote { registrationGate.admitted(id, now: .monotonicNow()) }
            let connection = WorkerConnection(
                id: id, identity: WorkerIdentity(host: hello.host, pid: hello.pid), slots: Int(max(hello.slots, 1)),
                ioConcurrency: Int(max(hello.ioConcurrency, 1)), socket: socket
            )
            if isRemote { connection.offer = hello.offer }
            workers[id] = connection
            if !isRemote { localWorkers.registered(pid: hello.pid, as: id) }
            let welcome = Welcome(
                workerID: id, taskEndpoint: taskEndpoint,
                resultEndpoint: isRemote ? remote?.resultEndpoint ?? "" : runtime!.endpoint(JobEndpoints.resultsName),
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
        tally.statistics.refusedRegistrations += 1
        _ = try? register.sendMultipart([peer, WireMessage.refusal(reason: reason).encoded()])
        if tally.statistics.refusedRegistrations == 1 { tally.progress.message("jobrun: refused a worker registration: \(reason)") }
    }

    /// Drops registrations that did not become ready in time (their sockets are closed).
    func dropExpiredRegistrations() {
        for id in registrationGate.expired(now: .monotonicNow()) {
            guard let worker = workers[id], !worker.isReady else { continue }
            worker.socket.close()
            workers[id] = nil
            identities[id] = nil
            tally.statistics.refusedRegistrations += 1
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
        return localWorkers.refusalReason(for: hello)
    }

    /// Worker `id` sent `ready`: it counts as a worker from now on. Returns its connection, or `nil` when it is
    /// unknown or was ready already.
    func markReady(_ id: UInt32) -> WorkerConnection? {
        guard let worker = workers[id], !worker.isReady else { return nil }
        worker.isReady = true
        registrationGate.settled(id)
        // Only a worker that became ready counts as one (a registration that never does is forgotten).
        identities[id] = worker.identity
        return worker
    }

    /// Forgets worker `id` (lost, or it died before it was ready), closing its socket; returns its connection.
    @discardableResult
    func remove(_ id: UInt32) -> WorkerConnection? {
        guard let worker = workers.removeValue(forKey: id) else { return nil }
        worker.socket.close()
        return worker
    }

    /// Worker `id` is lost, as the scheduler decided: it is forgotten, and the user and observers hear why.
    func loseWorker(_ id: UInt32, requeued: Int, reason: LossReason, jobEnded: Bool) {
        guard let worker = remove(id) else { return }
        tally.statistics.workersLost += 1
        tally.statistics.requeued += requeued
        let why: String
        switch reason {
        case .exited, .stopped: why = lossDetails.removeValue(forKey: id) ?? "exited"
        case .silent:
            why = "stopped answering for \(settings.heartbeatMilliseconds * settings.heartbeatMisses) ms"
            localWorkers.kill(workerID: id)
        }
        if !jobEnded {
            tally.progress.message("jobrun: worker \(worker.identity.name) \(why); \(requeued) of its tasks went back to the queue")
        }
        for observer in configuration.observers {
            observer.workerLost(name: worker.identity.name, reason: why, requeued: requeued)
        }
    }

    func send(_ message: WireMessage, to worker: WorkerConnection) {
        do {
            try worker.outbound.send(message.encoded(), on: worker.socket)
        } catch {
            tally.progress.message("jobrun: cannot send to worker \(worker.identity.name): \(error)")
        }
    }

    /// Sends what waits in the connected workers' queues, as far as their sockets take it now.
    func flushQueued() {
        for worker in workers.values where !worker.outbound.isEmpty { try? worker.outbound.flush(on: worker.socket) }
    }

    /// Tells every worker to exit: connected ones get `shutdown`; local processes that are not ready workers (still
    /// starting when the job ended) get SIGTERM, which a worker treats the same way.
    func askWorkersToStop() {
        let shutdown = WireMessage.shutdown.encoded()
        for worker in workers.values where worker.isReady {
            try? worker.outbound.send(shutdown, on: worker.socket)
        }
        localWorkers.terminateUnready { workers[$0]?.isReady == true }
    }

    /// Closes every worker's task socket (at the end of the job, before the context ends).
    func closeAll() {
        for worker in workers.values { worker.socket.close() }
    }
}
