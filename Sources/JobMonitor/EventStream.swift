import JSONValue
import ZeroMQ

/// A live connection to a running coordinator: its event publisher (SUB) and its control endpoint (snapshots).
///
/// The subscriber connects before the first snapshot is requested, so every event after the snapshot either
/// arrives or shows up as a gap in the sequence numbers (then the caller asks for a new snapshot).
/// Threads: use an instance from one thread; `close()` it when done.
final class EventStream {
    private let context: ZMQContext
    private let subscriber: ZMQSocket
    private let client: ControlClient
    private let controlEndpoint: String

    init(eventsEndpoint: String, controlEndpoint: String) throws(MonitorError) {
        do {
            context = try ZMQContext()
            subscriber = try ZMQSocket(context: context, type: .sub)
            try subscriber.setReceiveHighWaterMark(0)
            try subscriber.setMaxMessageSize(-1)
            try subscriber.subscribe([])
            try subscriber.connect(eventsEndpoint)
            client = try ControlClient(context: context)
            self.controlEndpoint = controlEndpoint
        } catch let error as MonitorError {
            throw error
        } catch {
            throw MonitorError("cannot connect to the job's events on \(eventsEndpoint): \(error)")
        }
    }

    /// The coordinator's current state, and the reply as sent.
    func snapshot(timeoutMilliseconds: Int) throws(MonitorError) -> (JobState, JSONObject) {
        let reply = try client.request("snapshot", endpoint: controlEndpoint, timeoutMilliseconds: timeoutMilliseconds)
        return (try JobState(snapshot: reply), reply)
    }

    /// Waits up to `timeoutMilliseconds` for published chunks and returns all that are queued (each holds one or
    /// more NDJSON lines); empty on timeout.
    func receive(timeoutMilliseconds: Int) throws(MonitorError) -> [[UInt8]] {
        do {
            var items = [PollItem(socket: subscriber, events: .readable)]
            _ = try zmqPoll(&items, timeoutMilliseconds: timeoutMilliseconds)
            var chunks: [[UInt8]] = []
            while chunks.count < 1000, let chunk = try subscriber.receive(dontWait: true) { chunks.append(chunk) }
            return chunks
        } catch {
            throw MonitorError("receiving the job's events failed: \(error)")
        }
    }

    func close() {
        subscriber.close()
        context.terminate()
    }
}
