import ProcessSignals
import ZeroMQ

/// The coordinator's own endpoints: the private directory its `ipc://` sockets live in, the ZeroMQ context, the
/// socket workers register on and the one every result arrives on.
///
/// They exist before the task file is checked, so the local workers can start (a process start, a runtime's start-up
/// and a registration each) while the coordinator reads the file.
final class JobEndpoints {
    let runtime: RuntimeDirectory
    let context: ZMQContext
    /// Where workers say `hello` (a router: each gets its welcome back).
    let register: ZMQSocket
    /// Where every worker's results, output and heartbeats arrive.
    let results: ZMQSocket
    /// The sockets' names in the runtime directory.
    static let registerName = "register", resultsName = "results"

    init(maxFrameBytes: Int) throws {
        runtime = try RuntimeDirectory()
        do {
            context = try ZMQContext()
        } catch {
            runtime.remove()
            throw error
        }
        var opened: [ZMQSocket] = []
        do {
            let register = try ZMQSocket(context: context, type: .router)
            opened.append(register)
            let results = try ZMQSocket(context: context, type: .pull)
            opened.append(results)
            try register.setMaxMessageSize(1 << 20)
            try results.setMaxMessageSize(Int64(maxFrameBytes))
            try results.setReceiveHighWaterMark(0)
            try register.bind(runtime.endpoint(Self.registerName))
            try results.bind(runtime.endpoint(Self.resultsName))
            self.register = register
            self.results = results
        } catch {
            // The context ends only once every socket of it is closed.
            for socket in opened { socket.close() }
            context.terminate()
            runtime.remove()
            throw error
        }
    }

    var registerEndpoint: String { runtime.endpoint(Self.registerName) }

    /// Until the job's loop handles signals itself, a stop signal removes the directory (the workers hear of it by
    /// their parent-death signal).
    func removeOnStopSignal(_ signals: [Int32]) {
        let files = [Self.registerName, Self.resultsName, RuntimeDirectory.pidFileName]
        RemoveOnStopSignal.arm(paths: files.map { runtime.path + "/" + $0 } + [runtime.path], signals: signals)
    }

    /// Closes both sockets, ends the context (every other socket of it must be closed already) and removes the
    /// directory.
    func close() {
        register.close()
        results.close()
        context.terminate()
        runtime.remove()
    }
}
