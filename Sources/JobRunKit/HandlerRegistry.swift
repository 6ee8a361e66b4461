/// The task kinds a worker offers, by name.
public struct HandlerRegistry: Sendable {
    private var handlers: [String: any TaskHandler] = [:]

    /// Creates a registry of the given handlers; a later handler with the same name replaces an earlier one.
    public init(_ handlers: [any TaskHandler] = []) {
        for handler in handlers { register(handler) }
    }

    /// The built-in kinds: `echo`, `fetch-digest`, `http-get`, `sha256-chain`, `sleep`.
    public static let builtIn = HandlerRegistry([
        EchoHandler(), SHA256ChainHandler(), SleepHandler(), HTTPGetHandler(), FetchDigestHandler(),
    ])

    /// Adds or replaces a handler.
    public mutating func register(_ handler: any TaskHandler) {
        handlers[handler.name] = handler
    }

    /// The handler for a kind, if registered.
    public subscript(name: String) -> (any TaskHandler)? { handlers[name] }

    /// Every registered kind's name, sorted.
    public var names: [String] { handlers.keys.sorted() }
}
