import ChildProcess
import Settings
import Clock
import JSONValue
import TaskFile
import WireProtocol

/// Composes one line of the results file from the coordinator's facts and the worker's result body.
///
/// Field order is fixed: `id`, `status`, `attempts`, `worker`, `host`, `started_at`, `duration_ms`, then the body's
/// members (`result`, or `exit_code`/`signal`/`stdout`/`stderr`/..., and `error` when failed).
enum ResultLine {
    /// Appends the line for `result`. `body` must already be validated as a JSON object.
    static func append(
        id: TaskID, status: ResultStatus, result: TaskResult, body: [UInt8], worker: WorkerIdentity, taskHash: TaskHash,
        timestamps: inout TimestampWriter, to line: inout [UInt8]
    ) {
        JSONWriter.appendText(#"{"id":"#, to: &line)
        JSONWriter.append(id.original, to: &line)
        JSONWriter.appendText(#","status":""#, to: &line)
        JSONWriter.appendText(status.text, to: &line)
        JSONWriter.appendText(#"","attempts":"#, to: &line)
        appendDecimal(UInt64(result.attempt), to: &line)
        JSONWriter.appendText(#","worker":"#, to: &line)
        line.append(contentsOf: worker.nameJSON)
        JSONWriter.appendText(#","host":"#, to: &line)
        line.append(contentsOf: worker.hostJSON)
        JSONWriter.appendText(#","started_at":""#, to: &line)
        timestamps.append(microseconds: result.startedAtMicroseconds, to: &line)
        JSONWriter.appendText(#"","duration_ms":"#, to: &line)
        appendMilliseconds(result.durationMicroseconds, to: &line)
        // The body is `{...}`: splice its members after ours.
        let members = body[1..<(body.count - 1)]
        if members.contains(where: { !isJSONWhitespace($0) }) {
            line.append(UInt8(ascii: ","))
            line.append(contentsOf: members)
        }
        appendHash(taskHash, to: &line)
    }

    /// Appends the line for a task recorded as failed because its workers kept dying (`failure`: `worker-lost`).
    static func appendPoison(
        id: TaskID, attempts: UInt32, deaths: Int, message: String, worker: WorkerIdentity, taskHash: TaskHash,
        timestamps: inout TimestampWriter, to line: inout [UInt8]
    ) {
        JSONWriter.appendText(#"{"id":"#, to: &line)
        JSONWriter.append(id.original, to: &line)
        JSONWriter.appendText(#","status":"failed","attempts":"#, to: &line)
        appendDecimal(UInt64(attempts), to: &line)
        JSONWriter.appendText(#","worker":"#, to: &line)
        line.append(contentsOf: worker.nameJSON)
        JSONWriter.appendText(#","host":"#, to: &line)
        line.append(contentsOf: worker.hostJSON)
        JSONWriter.appendText(#","started_at":""#, to: &line)
        timestamps.append(microseconds: Clocks.realTimeMicroseconds(), to: &line)
        JSONWriter.appendText(#"","duration_ms":0.000,"failure":"worker-lost","deaths":"#, to: &line)
        appendDecimal(UInt64(deaths), to: &line)
        JSONWriter.appendText(#","error":"#, to: &line)
        JSONWriter.appendString(message, to: &line)
        appendHash(taskHash, to: &line)
    }

    /// Appends the line for a task that never ran: `skipped` (failure `dependency`) or `failed` (failure
    /// `unschedulable`), with no worker.
    static func appendUnrun(
        id: TaskID, status: StaticString, failure: StaticString, message: String, taskHash: TaskHash,
        timestamps: inout TimestampWriter, to line: inout [UInt8]
    ) {
        JSONWriter.appendText(#"{"id":"#, to: &line)
        JSONWriter.append(id.original, to: &line)
        JSONWriter.appendText(#","status":""#, to: &line)
        JSONWriter.appendText(status, to: &line)
        JSONWriter.appendText(#"","attempts":0,"worker":null,"host":null,"started_at":""#, to: &line)
        timestamps.append(microseconds: Clocks.realTimeMicroseconds(), to: &line)
        JSONWriter.appendText(#"","duration_ms":0.000,"failure":""#, to: &line)
        JSONWriter.appendText(failure, to: &line)
        JSONWriter.appendText(#"","error":"#, to: &line)
        JSONWriter.appendString(message, to: &line)
        appendHash(taskHash, to: &line)
    }

    /// Ends a line with `"task_hash"` and the closing brace.
    private static func appendHash(_ taskHash: TaskHash, to line: inout [UInt8]) {
        JSONWriter.appendText(#","task_hash":""#, to: &line)
        taskHash.appendHex(to: &line)
        JSONWriter.appendText(#""}"#, to: &line)
    }

    /// Microseconds as milliseconds with three decimals, e.g. `12.345`.
    static func appendMilliseconds(_ microseconds: UInt64, to line: inout [UInt8]) {
        appendDecimal(microseconds / 1000, to: &line)
        line.append(UInt8(ascii: "."))
        let fraction = microseconds % 1000
        line.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        line.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        line.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Whether a worker's body is a well-formed JSON object, safe to splice into a line.
    static func isValidBody(_ body: [UInt8]) -> Bool {
        guard body.first == UInt8(ascii: "{"), body.last == UInt8(ascii: "}") else { return false }
        return body.withUnsafeBytes { raw in (try? JSONParser.validate(raw)) != nil }
    }
}

/// A result line's `status`.
enum ResultStatus {
    case ok, failed, timeout, cancelled

    /// The status for how a task ended.
    init(_ outcome: TaskOutcome) {
        switch outcome {
        case .ok: self = .ok
        case .timeout: self = .timeout
        case .cancelled: self = .cancelled
        case .exit, .signal, .error, .memory: self = .failed
        }
    }

    /// The status as written: `ok`, `failed`, `timeout` or `cancelled`.
    var text: StaticString {
        switch self {
        case .ok: "ok"
        case .failed: "failed"
        case .timeout: "timeout"
        case .cancelled: "cancelled"
        }
    }
}

/// How a worker is named in result lines and messages.
struct WorkerIdentity {
    /// `host:pid`.
    let name: String
    let host: String
    let nameJSON: [UInt8]
    let hostJSON: [UInt8]

    init(host: String, pid: Int32) {
        self.host = host
        self.name = "\(host):\(pid)"
        var nameBytes: [UInt8] = []
        JSONWriter.appendString(name, to: &nameBytes)
        var hostBytes: [UInt8] = []
        JSONWriter.appendString(host, to: &hostBytes)
        nameJSON = nameBytes
        hostJSON = hostBytes
    }
}
