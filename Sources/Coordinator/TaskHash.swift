import TaskFile

/// The fingerprint of a task's definition kept in its result line (`task_hash`), so `--resume` can tell whether a
/// recorded task is still the same task.
///
/// It covers the id and what runs (command, arguments, environment, working directory, stdin), not `retries` or
/// `timeout`: changing how patiently a task is run does not make an earlier success invalid. FNV-1a, 64 bits, over
/// the canonical wire form (environment keys sorted), as 16 lowercase hex digits.
enum TaskHash {
    static func of(id: TaskID, spec: TaskSpec) -> String {
        var definition = spec
        definition.retries = nil
        definition.timeout = nil
        var bytes = Array(id.key.utf8)
        bytes.append(0)
        definition.appendJSON(to: &bytes)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
