import TaskFile

/// The fingerprint of a task's definition kept in its result line (`task_hash`), so `--resume` can tell whether a
/// recorded task is still the same task.
///
/// It covers the id and what runs (command, arguments, environment, working directory, stdin), not `retries`,
/// `timeout` or `memory`: changing how patiently a task is run does not make an earlier success invalid. FNV-1a, 64 bits, over
/// the canonical wire form (environment keys sorted), written as 16 lowercase hex digits.
struct TaskHash: Equatable, Sendable {
    let value: UInt64

    init(id: TaskID, spec: TaskSpec) {
        if spec.retries == nil, spec.timeout == nil, spec.memoryLimitBytes == nil {
            self.init(id: id, wireForm: spec.serializedJSON)
            return
        }
        var definition = spec
        definition.retries = nil
        definition.timeout = nil
        definition.memoryLimitBytes = nil
        self.init(id: id, wireForm: definition.serializedJSON)
    }

    /// The hash of a task whose wire form (`TaskSpec.serializedJSON`) has no `retries`, `timeout` or `memory`.
    init(id: TaskID, wireForm: [UInt8]) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        for byte in id.key.utf8 { mix(byte) }
        mix(0)
        for byte in wireForm { mix(byte) }
        value = hash
    }

    /// The hash written as `text` in a results file; `nil` unless it is 16 lowercase hex digits.
    init?(text: String) {
        let digits = Array(text.utf8)
        guard digits.count == 16 else { return nil }
        var hash: UInt64 = 0
        for digit in digits {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): hash = hash << 4 | UInt64(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): hash = hash << 4 | UInt64(digit - UInt8(ascii: "a") + 10)
            default: return nil
            }
        }
        value = hash
    }

    /// Appends the 16 hex digits (written to a stack buffer and appended at once: every result line has them).
    func appendHex(to bytes: inout [UInt8]) {
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            for index in 0..<16 {
                let nibble = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF
                raw[index] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            }
            bytes.append(contentsOf: raw)
        }
    }
}
