public import JSONValue

/// `http-get`: fetches `args.urls` concurrently and returns, per URL, its status, byte count, SHA-256 of the body,
/// attempts and the error if any. Optional: `concurrency` (default: the worker's IO limit), `timeout_ms` per request
/// (30,000), `max_bytes` per body (16 MiB), `retries` for transient failures — connection refused or reset, timeouts,
/// 5xx — with exponential backoff (2). The task fails when any URL still fails; its result lists every URL either way.
public struct HTTPGetHandler: TaskHandler {
    public let name = "http-get"
    public let resources = TaskResources.io
    public init() {}

    public func validate(_ arguments: JSONValue) throws(ArgumentError) {
        _ = try HTTPFetchOptions(ArgumentReader(arguments, kind: name, allowed: HTTPFetchOptions.allowed))
    }

    public func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue {
        let options = try HTTPFetchOptions(ArgumentReader(arguments, kind: name, allowed: HTTPFetchOptions.allowed))
        let outcomes = await context.fetchAll(options)
        try Task.checkCancellation()
        let result: JSONValue = ["urls": .array(outcomes.map { $0.json() })]
        let failed = outcomes.filter { !$0.succeeded }
        if let first = failed.first {
            throw TaskFailure("\(failed.count) of \(outcomes.count) URLs failed; first: \(first.url): \(first.error ?? "")", result: result)
        }
        return result
    }
}
