import JSONValue
import Settings
import ChildProcess
import WireProtocol
import ZeroMQ

/// The coordinator's side of one registered worker: its task socket and what it has done.
final class WorkerConnection {
    let id: UInt32
    let identity: WorkerIdentity
    let slots: Int
    /// IO-bound tasks it keeps in flight.
    let ioConcurrency: Int
    /// This worker's own PUSH socket (bound), carrying its tasks and the coordinator's heartbeats.
    let socket: ZMQSocket
    var outbound = OutboundQueue()
    /// Whether the worker has connected its sockets (sent `ready`).
    var isReady = false
    /// Tasks recorded from this worker.
    var recorded = 0
    /// Bytes of `output` frames handled from this worker, returned to it as credit (`outputCredit`).
    var outputBytesHandled: UInt64 = 0
    /// What a remote worker declared in its `hello` (labels, its host's GPUs, resources and memory).
    var offer = HostOffer()

    init(id: UInt32, identity: WorkerIdentity, slots: Int, ioConcurrency: Int, socket: ZMQSocket) {
        self.id = id
        self.identity = identity
        self.slots = slots
        self.ioConcurrency = ioConcurrency
        self.socket = socket
    }
}

/// A worker process the coordinator started itself.
struct LocalWorkerProcess {
    let process: SpawnedProcess
    /// Set when the process registered.
    var workerID: UInt32?
    /// Set once it has exited and been reaped.
    var exitStatus: ExitStatusDescription?
    /// Its job slot, 1 to the number of local workers (`JOBRUN_SLOT` in its tasks' environment, `{%}`); a
    /// replacement takes the slot of the worker it replaces.
    var slot = 1
}

/// A reaped process's status in words, e.g. `exited with status 1`, `killed by SIGKILL`.
struct ExitStatusDescription {
    let text: String
    init(_ status: ChildProcess.ExitStatus) {
        if let code = status.exitCode {
            text = "exited with status \(code)"
        } else {
            text = "killed by \(status.signalName ?? "signal \(status.signal ?? 0)")"
        }
    }
}
