/// What `ProcessRunner.run` collected from a finished child: its exit status and, when output was
/// captured, the first `outputCap` bytes of each stream with the total each stream produced.
public struct ProcessOutput: Sendable {
    /// How the child ended.
    public var status: ExitStatus
    /// The kept bytes of standard output (at most `outputCap`).
    public var stdout: [UInt8]
    /// The kept bytes of standard error (at most `outputCap`).
    public var stderr: [UInt8]
    /// Whether standard output produced more bytes than were kept.
    public var stdoutTruncated: Bool
    /// Whether standard error produced more bytes than were kept.
    public var stderrTruncated: Bool
    /// All bytes the child wrote to standard output, kept or not.
    public var stdoutBytes: Int
    /// All bytes the child wrote to standard error, kept or not.
    public var stderrBytes: Int
    /// The process tree's memory use and leftovers, when the child ran in a `ProcessTree`.
    public var memory: MemoryUse?

    /// Creates an output record from its parts.
    public init(
        status: ExitStatus, stdout: [UInt8], stderr: [UInt8],
        stdoutTruncated: Bool, stderrTruncated: Bool, stdoutBytes: Int, stderrBytes: Int,
        memory: MemoryUse? = nil
    ) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncated = stdoutTruncated
        self.stderrTruncated = stderrTruncated
        self.stdoutBytes = stdoutBytes
        self.stderrBytes = stderrBytes
        self.memory = memory
    }
}
