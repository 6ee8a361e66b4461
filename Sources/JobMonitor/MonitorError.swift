/// A problem watching a job (its state directory, event log or control endpoint), with a message for the user.
///
/// The message says what was wrong, where (a path or an endpoint) and, when there is one, what to do.
public struct MonitorError: Error, Sendable, CustomStringConvertible {
    /// The whole message.
    public let description: String

    /// Creates an error with a complete message.
    public init(_ description: String) { self.description = description }
}
