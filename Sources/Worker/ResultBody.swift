import ChildProcess
import JSONValue

/// The members of a result line that the worker fills in, encoded as one compact JSON object.
struct ResultBody: Sendable {
    var succeeded: Bool
    var body: [UInt8]

    /// A handler's return value: `{"result": ...}`.
    static func success(_ value: JSONValue) -> ResultBody {
        var bytes: [UInt8] = Array(#"{"result":"#.utf8)
        JSONWriter.append(value, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return ResultBody(succeeded: true, body: bytes)
    }

    /// A task that failed before or instead of producing output: `{"error": "..."}`.
    static func failure(_ message: String) -> ResultBody {
        var bytes: [UInt8] = Array(#"{"error":"#.utf8)
        JSONWriter.appendString(message, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return ResultBody(succeeded: false, body: bytes)
    }

    /// A finished child process: exit code or signal, captured output, and an error sentence unless it exited 0.
    static func process(_ output: ProcessOutput) -> ResultBody {
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
        bytes.append(contentsOf: #","stdout":"#.utf8)
        JSONWriter.appendString(String(decoding: output.stdout, as: UTF8.self), to: &bytes)
        bytes.append(contentsOf: #","stderr":"#.utf8)
        JSONWriter.appendString(String(decoding: output.stderr, as: UTF8.self), to: &bytes)
        if output.stdoutTruncated {
            bytes.append(contentsOf: #","stdout_truncated":true,"stdout_bytes":\#(output.stdoutBytes)"#.utf8)
        }
        if output.stderrTruncated {
            bytes.append(contentsOf: #","stderr_truncated":true,"stderr_bytes":\#(output.stderrBytes)"#.utf8)
        }
        let succeeded = output.status.exitCode == 0
        if !succeeded {
            let reason: String
            if let code = output.status.exitCode {
                reason = "command exited with status \(code)"
            } else {
                reason = "command was killed by signal \(output.status.signalName ?? "\(output.status.signal ?? 0)")"
            }
            bytes.append(contentsOf: #","error":"#.utf8)
            JSONWriter.appendString(reason, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return ResultBody(succeeded: succeeded, body: bytes)
    }
}
