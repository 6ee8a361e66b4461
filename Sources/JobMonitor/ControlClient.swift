#if canImport(Glibc)
import Glibc
#endif
public import JSONValue
public import ZeroMQ

/// Sends requests to a running coordinator's control endpoint (see `JobEventRecorder`) and waits for replies.
///
/// Each request uses a fresh DEALER socket, so a coordinator that died or never answers costs one timeout and
/// leaves nothing queued behind. Threads: use an instance from one thread.
public final class ControlClient {
    private let context: ZMQContext
    private let ownsContext: Bool

    /// A client with its own ZeroMQ context, or sharing `context` (whose owner terminates it).
    ///
    /// - Throws: `MonitorError` when libzmq cannot create a context.
    public init(context: ZMQContext? = nil) throws(MonitorError) {
        if let context {
            self.context = context
            ownsContext = false
        } else {
            do {
                self.context = try ZMQContext()
            } catch {
                throw MonitorError("cannot create a ZeroMQ context: \(error)")
            }
            ownsContext = true
        }
    }

    deinit {
        if ownsContext { context.terminate() }
    }

    /// Sends `{"request": name}` to `endpoint` and returns the reply object.
    ///
    /// - Throws: `MonitorError` naming the endpoint when there is no reply within `timeoutMilliseconds`, or the reply
    ///   is not a JSON object, or it is an error reply.
    public func request(_ name: String, endpoint: String, timeoutMilliseconds: Int) throws(MonitorError) -> JSONObject {
        do {
            let socket = try ZMQSocket(context: context, type: .dealer)
            defer { socket.close() }
            try socket.setMaxMessageSize(256 << 20)
            try socket.connect(endpoint)
            let body = JSONValue.object(JSONObject([("request", .string(name))])).serialized
            guard try socket.send(body, dontWait: true) else {
                throw MonitorError("cannot send a \(name) request to \(endpoint)")
            }
            var items = [PollItem(socket: socket, events: .readable)]
            _ = try zmqPoll(&items, timeoutMilliseconds: timeoutMilliseconds)
            guard items[0].returnedEvents.contains(.readable), let reply = try socket.receive(dontWait: true) else {
                throw MonitorError("the coordinator did not answer a \(name) request on \(endpoint) within \(timeoutMilliseconds) ms")
            }
            let value: JSONValue
            do {
                value = try JSONParser.parse(reply)
            } catch {
                throw MonitorError("the coordinator's reply on \(endpoint) is not JSON: \(error)")
            }
            guard let object = value.objectValue else { throw MonitorError("the coordinator's reply on \(endpoint) is not a JSON object") }
            if object["reply"]?.stringValue == "error" {
                throw MonitorError("the coordinator refused the \(name) request: \(object["message"]?.stringValue ?? "no reason given")")
            }
            return object
        } catch let error as MonitorError {
            throw error
        } catch {
            throw MonitorError("cannot reach the coordinator on \(endpoint): \(error)")
        }
    }

    /// Asks for a snapshot and decodes it.
    ///
    /// - Throws: `MonitorError` as `request` does, or when the snapshot lacks a field.
    public func snapshot(endpoint: String, timeoutMilliseconds: Int) throws(MonitorError) -> JobState {
        try JobState(snapshot: try request("snapshot", endpoint: endpoint, timeoutMilliseconds: timeoutMilliseconds))
    }
}
