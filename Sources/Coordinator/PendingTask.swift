import JSONValue
import TaskFile

/// A task loaded from the source and not yet recorded: what is sent to run it, and what its result line needs.
struct PendingTask: Sendable {
    let id: TaskID
    let spec: [UInt8]
    /// The hash of the task's definition, written into its result line for `--resume`.
    let hash: TaskHash
    /// The input values a command template was filled with (`jobrun run`).
    var inputs: [String] = []

    /// The task's spec as sent, with the GPUs it was given in `CUDA_VISIBLE_DEVICES` and `JOBRUN_GPUS`.
    static func specBytes(_ wire: [UInt8], gpus: [Int]) -> [UInt8] {
        guard !gpus.isEmpty, var spec = try? TaskSpec(json: JSONParser.parse(wire)) else { return wire }
        let list = gpus.map(String.init).joined(separator: ",")
        spec.environment["CUDA_VISIBLE_DEVICES"] = list
        spec.environment["JOBRUN_GPUS"] = list
        return spec.serializedJSON
    }
}
