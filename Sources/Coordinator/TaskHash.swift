import TaskFile

/// The fingerprint of a task's definition kept in its result line (`task_hash`), so `--resume` can tell whether a
/// recorded task is still the same task.
///
/// It covers the id and what runs (command, arguments, environment, working directory, stdin), not `retries` or
/// `timeout`: changing how patiently a task is run does not make an earlier success invalid. FNV-1a, 64 bits, over
/// the canonical wire form (environment keys sorted), as 16 lowercase hex digits.
enum TaskHash {
    static func of(id: TaskID, spec: TaskSpec) -> String {
        if spec.retries == nil, spec.timeout == nil { return of(id: id, wireForm: spec.serializedJSON) }
        var definition = spec
        definition.retries = nil
        definition.timeout = nil
        return of(id: id, wireForm: definition.serializedJSON)
    }

    /// The hash of a task whose wire form (`TaskSpec.serializedJSON`) has no `retries` or `timeout`.
    static func of(id: TaskID, wireForm: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        for byte in id.key.utf8 { mix(byte) }
        mix(0)
        for byte in wireForm { mix(byte) }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
