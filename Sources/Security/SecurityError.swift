/// A problem with keys or key files, with a message saying what was wrong, where, and what to do.
public struct SecurityError: Error, Sendable, CustomStringConvertible, Equatable {
    public let description: String

    /// Wraps a complete, user-facing message.
    public init(_ description: String) { self.description = description }
}
