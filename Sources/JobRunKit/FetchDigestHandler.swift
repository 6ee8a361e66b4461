public import JSONValue

/// `fetch-digest`: fetches `args.urls` concurrently (IO, no CPU slot), then computes `sha256-chain` over each body
/// with `args.rounds` on a CPU slot: d1 = SHA-256 of the body's bytes, d(k+1) = SHA-256 of the 32 raw bytes of dk.
/// Returns `{"digests": [{"url", "bytes", "digest"}]}`. Accepts `http-get`'s options too. Fails if any URL fails.
public struct FetchDigestHandler: TaskHandler {
    public let name = "fetch-digest"
    public let resources = TaskResources.io
    public init() {}

    private static let allowed = HTTPFetchOptions.allowed.union(["rounds"])

    public func validate(_ arguments: JSONValue) throws(ArgumentError) {
        let reader = try ArgumentReader(arguments, kind: name, allowed: Self.allowed)
        _ = try HTTPFetchOptions(reader)
        _ = try reader.integer("rounds", atLeast: 1)
    }

    public func run(_ arguments: JSONValue, context: TaskContext) async throws -> JSONValue {
        let reader = try ArgumentReader(arguments, kind: name, allowed: Self.allowed)
        let options = try HTTPFetchOptions(reader)
        let rounds = try reader.integer("rounds", atLeast: 1)
        context.reportProgress(fraction: 0, message: "fetching \(options.urls.count) URLs")
        let outcomes = await context.fetchAll(options)
        try Task.checkCancellation()
        let failed = outcomes.filter { !$0.succeeded }
        if let first = failed.first {
            let result: JSONValue = ["urls": .array(outcomes.map { $0.json(includeDigest: false) })]
            throw TaskFailure("\(failed.count) of \(outcomes.count) URLs failed; first: \(first.url): \(first.error ?? "")", result: result)
        }
        var digests: [JSONValue] = []
        for (index, outcome) in outcomes.enumerated() {
            context.reportProgress(fraction: Double(index) / Double(outcomes.count), message: "hashing \(outcome.url)")
            let body = outcome.body
            let digest = try await context.compute { SHA256ChainHandler.chain(seed: body, rounds: rounds) }
            digests.append(["url": .string(outcome.url), "bytes": .number(JSONNumber(body.count)), "digest": .string(digest)])
        }
        return ["digests": .array(digests)]
    }
}
