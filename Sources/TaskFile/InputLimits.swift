/// The size limits on everything jobrun reads from its inputs, so that no input, however long or endless
/// (`/dev/zero`, a line without an end), makes it grow without bound.
public enum InputLimits {
    /// The longest line of a JSONL task file or of a `jobrun run` input, and the largest single task in a JSON
    /// task file: 16 MiB. Beyond it reading stops with an error naming the line.
    public static let maxLineBytes = 16 << 20
    /// The most bytes of `jobrun run` input sources held in memory at once (every source but the first, which
    /// streams): 256 MiB.
    public static let maxHeldInputBytes = 256 << 20
}
