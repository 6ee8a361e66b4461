#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import Settings
import WireProtocol

/// The worker processes this coordinator starts on its own host: it starts them (and replacements), knows which
/// registered as which worker, reaps them, and makes them exit at the end of the job.
///
/// Threads: used on the coordinator's thread only.
final class LocalWorkerPool {
    private let configuration: JobConfiguration
    private var settings: Settings { configuration.settings }
    /// Given to local workers in their environment: a `hello` without it does not come from one of them.
    let token: String
    private(set) var processes: [LocalWorkerProcess] = []

    init(configuration: JobConfiguration) {
        self.configuration = configuration
        self.token = Self.randomToken()
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
        let taken = Set(processes.filter { $0.exitStatus == nil }.map(\.slot))
        let slot = (1...).first { !taken.contains($0) }!
        spawn.environment = ["JOBRUN_TOKEN": token, "JOBRUN_PARENT_PID": String(getpid()), "JOBRUN_SLOT": String(slot)]
        spawn.captureOutput = false
        // Main-thread spawn: the worker hears SIGTERM if this process dies, even by SIGKILL.
        spawn.parentDeathSignal = SIGTERM
        do {
            processes.append(LocalWorkerProcess(process: try SpawnedProcess.spawn(spawn), slot: slot))
        } catch {
            throw CoordinatorError("cannot start a worker: \(error)")
        }
    }

    /// Why a local `hello` is refused (a wrong token, or a process this coordinator did not start); `nil` to admit it.
    func refusalReason(for hello: Hello) -> String? {
        if hello.token != token { return "unknown worker token; workers join a job through the coordinator that started them" }
        if !processes.contains(where: { $0.process.pid == hello.pid && $0.workerID == nil }) {
            return "process \(hello.pid) is not a worker this coordinator started, or it registered already"
        }
        return nil
    }

    /// Notes that process `pid` registered as worker `id`.
    func registered(pid: Int32, as id: UInt32) {
        if let index = processes.firstIndex(where: { $0.process.pid == pid && $0.workerID == nil }) {
            processes[index].workerID = id
        }
    }

    /// Whether worker `id` is a process this coordinator started.
    func isLocal(_ id: UInt32) -> Bool { processes.contains { $0.workerID == id } }

    /// A local process that exited, as `reap()` found it.
    struct Exit {
        /// The worker it registered as, if it did.
        let workerID: UInt32?
        let pid: Int32
        let status: ExitStatusDescription
    }

    /// Reaps the local worker processes that exited since the last call.
    func reap() -> [Exit] {
        var exits: [Exit] = []
        for index in processes.indices where processes[index].exitStatus == nil {
            guard let status = processes[index].process.tryWait() else { continue }
            let description = ExitStatusDescription(status)
            processes[index].exitStatus = description
            exits.append(Exit(workerID: processes[index].workerID, pid: processes[index].process.pid, status: description))
        }
        return exits
    }

    /// Kills the running process of worker `id` (it stopped answering).
    func kill(workerID id: UInt32) {
        if let local = processes.first(where: { $0.workerID == id && $0.exitStatus == nil }) {
            local.process.signal(SIGKILL, wholeGroup: false)
        }
    }

    /// Whether any local process has exited (only then can task processes have been re-parented here).
    var anyExited: Bool { processes.contains { $0.exitStatus != nil } }

    /// The local processes still running.
    var runningPIDs: Set<Int32> { Set(processes.filter { $0.exitStatus == nil }.map(\.process.pid)) }

    /// Sends SIGTERM to the running processes that are not ready workers (`isReady` says which are): those still
    /// starting when the job ended, which treat it as `shutdown`.
    func terminateUnready(isReady: (UInt32) -> Bool) {
        for local in processes where local.exitStatus == nil {
            if !(local.workerID.map(isReady) ?? false) { local.process.signal(SIGTERM, wholeGroup: false) }
        }
    }

    /// Waits up to 3 s for the local workers to exit, then kills those left; `flush` runs every turn (queued
    /// `shutdown` messages still need sending).
    func waitForExit(flush: () -> Void) {
        let deadline = Clocks.monotonicNanoseconds() + 3_000_000_000
        var killed = false
        while processes.contains(where: { $0.exitStatus == nil }) {
            flush()
            for index in processes.indices where processes[index].exitStatus == nil {
                if let status = processes[index].process.tryWait() {
                    processes[index].exitStatus = ExitStatusDescription(status)
                }
            }
            if !killed, Clocks.monotonicNanoseconds() > deadline {
                for local in processes where local.exitStatus == nil { local.process.signal(SIGKILL, wholeGroup: false) }
                killed = true
            }
            usleep(1000)
        }
    }

    static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        if let random = fopen("/dev/urandom", "r") {
            _ = fread(&bytes, 1, bytes.count, random)
            fclose(random)
        }
        return bytes.map { String($0, radix: 16) }.joined()
    }
}
