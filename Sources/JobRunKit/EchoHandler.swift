public import JSONValue

/// `echo`: returns `args.value` unchanged (`null` when absent). The cheapest task there is, for measuring dispatch.
public struct EchoHandler: TaskHandler {
    public let name = "echo"
    public init() {}

    public func validate(_ arguments: JSONValue) throws(ArgumentError) {
        guard let object = arguments.objectValue else {
            throw ArgumentError(field: "", message: "expected an object, got \(arguments.typeName)")
        }
        for key in object.keys where key != "value" {
            throw ArgumentError(field: key, message: "unknown argument; echo takes only `value`")
        }
    }

    public func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue {
        arguments.objectValue?["value"] ?? .null
    }
}
