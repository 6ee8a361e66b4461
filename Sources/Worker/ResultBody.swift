import ChildProcess
import JSONValue
import TaskFile
import WireProtocol

/// The members of a result line that the worker fills in, encoded as one compact JSON object, with how the
/// task ended.
///
/// Failed tasks carry `failure` (the class: `exit`, `signal`, `timeout`, `error`, `cancelled`, `memory`) and `error`
/// (a sentence) as their last members.
struct ResultBody: Sendable {
    var outcome: TaskOutcome
    var retryable: Bool
    var body: [UInt8]

    /// A handler's return value: `{"result": ...}`.
    static func success(_ value: JSONValue) -> ResultBody {
        var bytes: [UInt8] = Array(#"{"result":"#.utf8)
        JSONWriter.append(value, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return ResultBody(outcome: .ok, retryable: false, body: bytes)
    }

    /// A task that failed before or instead of producing output: `{"failure": ..., "error": "..."}`, with the
    /// handler's partial `result` first when it gave one.
    static func failure(_ outcome: TaskOutcome, _ message: String, retryable: Bool, result: JSONValue? = nil) -> ResultBody {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        if let result {
            bytes.append(contentsOf: #""result":"#.utf8)
            JSONWriter.append(result, to: &bytes)
        }
        appendFailure(outcome, message, to: &bytes, first: result == nil)
        bytes.append(UInt8(ascii: "}"))
        return ResultBody(outcome: outcome, retryable: retryable, body: bytes)
    }

    /// A finished child process: exit code or signal, captured output, and the failure unless it exited 0.
    /// `stoppedBecause` names why jobrun itself stopped it (timeout, cancel), which decides the class.
    static func process(_ output: ProcessOutput, stoppedBecause: TaskOutcome? = nil) -> ResultBody {
        var bytes: [UInt8] = Array(#"{"exit_code":"#.utf8)
        if let code = output.status.exitCode {
            bytes.append(contentsOf: String(code).utf8)
        } else {
            bytes.append(contentsOf: "null".utf8)
        }
        if let signal = output.status.signal {
            bytes.append(contentsOf: #","signal":"#.utf8)
            JSONWriter.appendString(output.status.signalName ?? String(signal), to: &bytes)
        }
        // Bytes that are not UTF-8 are kept as `LosslessText` escapes, so `jobrun run` prints them as they were.
        bytes.append(contentsOf: #","stdout":"#.utf8)
        JSONWriter.appendString(LosslessText.decode(output.stdout), to: &bytes)
        bytes.append(contentsOf: #","stderr":"#.utf8)
        JSONWriter.appendString(LosslessText.decode(output.stderr), to: &bytes)
        if output.stdoutTruncated {
            bytes.append(contentsOf: #","stdout_truncated":true,"stdout_bytes":\#(output.stdoutBytes)"#.utf8)
        }
        if output.stderrTruncated {
            bytes.append(contentsOf: #","stderr_truncated":true,"stderr_bytes":\#(output.stderrBytes)"#.utf8)
        }
        if let strays = output.memory?.strayProcessesStopped, strays > 0 {
            bytes.append(contentsOf: #","stopped_leftover_processes":\#(strays)"#.utf8)
        }
        let (outcome, reason) = ProcessEnding.classify(output.status, memory: output.memory, stoppedBecause: stoppedBecause)
        if outcome != .ok { appendFailure(outcome, reason, to: &bytes, first: false) }
        bytes.append(UInt8(ascii: "}"))
        // Going over its own limit happens again on a retry; an out-of-memory kill of the host may not.
        let retryable = outcome != .cancelled && !(outcome == .memory && output.memory?.overLimit == true)
        return ResultBody(outcome: outcome, retryable: retryable, body: bytes)
    }

    private static func appendFailure(_ outcome: TaskOutcome, _ message: String, to bytes: inout [UInt8], first: Bool) {
        bytes.append(contentsOf: (first ? #""failure":"# : #","failure":"#).utf8)
        JSONWriter.appendString(outcome.name, to: &bytes)
        bytes.append(contentsOf: #","error":"#.utf8)
        JSONWriter.appendString(message, to: &bytes)
    }
}
