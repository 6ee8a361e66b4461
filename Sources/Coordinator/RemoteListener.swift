#if canImport(Glibc)
import Glibc
#endif
import Security
import SystemIO
import ZeroMQ

/// The coordinator's TCP side (`--listen`): the register and result sockets for remote workers, their per-worker
/// task sockets, and the ZAP handler that admits only authorized worker keys.
///
/// Threads: owned by the coordinator's event-loop thread like every socket. The ZAP handler is answered from
/// that loop; libzmq holds a connecting worker's handshake until then.
final class RemoteListener {
    let configuration: NetworkConfiguration
    /// Answers libzmq's authentication requests; `nil` with `--insecure`.
    private let zap: ZMQSocket?
    /// ROUTER for remote workers' `hello`.
    let register: ZMQSocket
    /// PULL for remote workers' results.
    let results: ZMQSocket
    /// The bound register endpoint (port resolved).
    let registerEndpoint: String
    /// The bound result endpoint (ephemeral port).
    let resultEndpoint: String
    /// Rejected peers already reported, so a worker retrying does not repeat the message.
    private var reported: Set<String> = []
    /// The authorized worker keys, reread when their file changes.
    private var authorized: AuthorizedKeysReloader

    init(context: ZMQContext, configuration: NetworkConfiguration, maxFrameBytes: Int) throws {
        self.configuration = configuration
        authorized = AuthorizedKeysReloader(configuration.authorizedKeys)
        if !configuration.insecure {
            // Bound before any CURVE socket: without a handler libzmq would admit every client.
            let zap = try ZMQSocket(context: context, type: .rep)
            try zap.bind(ZAPRequest.endpoint)
            self.zap = zap
        } else {
            zap = nil
        }
        register = try ZMQSocket(context: context, type: .router)
        results = try ZMQSocket(context: context, type: .pull)
        try register.setMaxMessageSize(1 << 20)
        try results.setMaxMessageSize(Int64(maxFrameBytes))
        try results.setReceiveHighWaterMark(0)
        try Self.secure(register, configuration)
        try Self.secure(results, configuration)
        do {
            try register.bind(configuration.listenEndpoint)
        } catch {
            throw CoordinatorError("cannot listen on \(configuration.listenEndpoint): \(error)")
        }
        try results.bind("tcp://\(configuration.bindAddress):*")
        registerEndpoint = try register.lastEndpoint()
        resultEndpoint = try results.lastEndpoint()
    }

    /// The sockets the event loop polls for reading: register, results, then the ZAP handler if any.
    var pollItems: [PollItem] {
        var items = [PollItem(socket: register, events: .readable), PollItem(socket: results, events: .readable)]
        if let zap { items.append(PollItem(socket: zap, events: .readable)) }
        return items
    }

    /// A new task socket for one remote worker, bound to an ephemeral port of the listen address; returns its
    /// endpoint.
    func bindTaskSocket(_ socket: ZMQSocket) throws -> String {
        try Self.secure(socket, configuration)
        try socket.bind("tcp://\(configuration.bindAddress):*")
        return try socket.lastEndpoint()
    }

    /// Answers queued authentication requests; returns a message for each newly rejected worker.
    func answerAuthentication() throws -> [String] {
        guard let zap else { return [] }
        var messages: [String] = []
        for _ in 0..<64 {
            guard let frames = try zap.receiveMultipart(dontWait: true) else { break }
            guard let request = ZAPRequest(frames: frames) else {
                // Not a ZAP request: answer anyway, so the REP socket can take the next one.
                try zap.sendMultipart([Array("1.0".utf8), frames.count > 1 ? frames[1] : [], Array("500".utf8), [], [], []])
                continue
            }
            let key = request.curvePublicKey
            var note: String?
            let allowed = key.map { authorized.admits($0, note: &note) } ?? false
            if let note { messages.append(note) }
            try zap.sendMultipart(
                request.reply(allowed: allowed, userID: key ?? "", reason: "worker key not in the authorized keys"))
            if !allowed, reported.insert("\(request.address) \(key ?? "")").inserted {
                let fingerprint = key.map { KeyFiles.fingerprint(ofPublicKey: $0) } ?? "(no key)"
                messages.append(
                    "jobrun: rejected a worker at \(request.address): key \(fingerprint) is not in "
                        + "\(configuration.authorizedKeys?.path ?? "the authorized keys"); to admit it, add its public key "
                        + "\(key ?? "") as a line there")
            }
        }
        return messages
    }

    /// The line to run on other machines to serve this coordinator.
    func workerCommandLine(program: String) -> String {
        var host = configuration.bindAddress
        if host == "0.0.0.0" || host == "*" || host == "[::]" || host == "::" { host = HostName.current() }
        let port = registerEndpoint[registerEndpoint.index(after: registerEndpoint.lastIndex(of: ":")!)...]
        var line = "\(program) worker --connect tcp://\(host):\(port)"
        if let keys = configuration.keys { line += " --server-key=" + LaunchTemplate.quote(keys.publicKey) } else { line += " --insecure" }
        return line
    }

    func close() {
        register.close()
        results.close()
        zap?.close()
    }

    private static func secure(_ socket: ZMQSocket, _ configuration: NetworkConfiguration) throws {
        guard let keys = configuration.keys, !configuration.insecure else { return }
        try socket.makeCurveServer(keys: keys, domain: "jobrun")
        try socket.setHandshakeInterval(milliseconds: 10_000)
    }
}
