public import JSONValue

/// `sleep`: waits `args.ms` milliseconds, then returns `{"slept_ms": N}`. A true async wait: it holds no thread
/// and no CPU slot, so a worker keeps hundreds of sleeps in flight.
public struct SleepHandler: TaskHandler {
    public let name = "sleep"
    public let resources = TaskResources.io
    public init() {}

    public func validate(_ arguments: JSONValue) throws(ArgumentError) {
        _ = try Self.milliseconds(in: arguments)
    }

    public func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue {
        let milliseconds = try Self.milliseconds(in: arguments)
        try await context.sleep(milliseconds: milliseconds)
        return ["slept_ms": .number(JSONNumber(milliseconds))]
    }

    private static func milliseconds(in arguments: JSONValue) throws(ArgumentError) -> Int {
        let object = try ArgumentReader(arguments, kind: "sleep", allowed: ["ms"])
        return try object.integer("ms", atLeast: 0)
    }
}
