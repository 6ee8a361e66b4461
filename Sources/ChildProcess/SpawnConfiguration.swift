/// What to start and how: the executable, its arguments and environment, where its standard
/// streams go, and how it relates to this process.
///
/// A value type with no behaviour of its own; `SpawnedProcess.spawn` and `ProcessRunner.run`
/// validate it and report problems as `SpawnError`.
public struct SpawnConfiguration: Sendable {
    /// The program to run. A name without `/` is searched in `PATH` (the `PATH` of `environment` when
    /// it sets one, else this process's); a path with `/` is used as given and, when relative, is
    /// resolved against `workingDirectory` (as in `cd dir && ./tool`).
    public var executable: String
    /// The arguments after `argv[0]`.
    public var arguments: [String]
    /// The child's `argv[0]`; `nil` means `executable`.
    public var argv0: String?
    /// Variables added to, or replacing, this process's environment. Names must be non-empty and
    /// contain neither `=` nor NUL. This process's environment is read at spawn time, so no thread
    /// may call `setenv`, `unsetenv` or `putenv` while children are being started.
    public var environment: [String: String]
    /// The child's working directory; `nil` keeps this process's. Checked before spawning so a
    /// missing or non-directory path gets its own message.
    public var workingDirectory: String?
    /// Bytes fed to the child's standard input, which is then closed; `nil` (or empty) gives it
    /// `/dev/null`. Only `ProcessRunner.run` can feed bytes.
    public var stdin: [UInt8]?
    /// `true`: stdout and stderr are read into `ProcessOutput` (only `ProcessRunner.run` can do
    /// this). `false`: the child writes to this process's stdout and stderr.
    public var captureOutput: Bool
    /// Bytes kept per stream when capturing; the rest is still read (so the child never blocks)
    /// and counted, then dropped. Values below zero count as zero.
    public var outputCap: Int
    /// Whether the child leads a new process group: then `SpawnedProcess.signal(_:wholeGroup:)` reaches
    /// its whole process tree, and a Ctrl-C on the terminal does not reach it.
    public var newProcessGroup: Bool
    /// A signal the child gets when the thread that spawned it exits (Linux `PR_SET_PDEATHSIG`),
    /// which includes this whole process dying. Note that it is per *thread*: spawn from a thread
    /// that lives as long as the child should (the main thread, or a dedicated one), never from a
    /// pool thread that may be retired. `nil` (the default) sets nothing and uses `posix_spawn`;
    /// a signal uses an equivalent `clone(CLONE_VM | CLONE_VFORK)` path.
    public var parentDeathSignal: Int32?
    /// The tree the child and everything it starts belong to (`ProcessRunner.run` only): the run then ends when
    /// the child ends, stopping what it left running, and the tree's memory limit applies. `nil`: only the child
    /// is waited for, and its output pipes until every holder closed them.
    public var processTree: ProcessTree?
    /// Whether the child starts a new session (`setsid`), which also makes it a process group leader: it has no
    /// controlling terminal, so no terminal signal (Ctrl-C, a closed terminal's hang-up) reaches it. Not with
    /// `parentDeathSignal`.
    public var newSession = false
    /// A file the child's stdout and stderr are both appended to, instead of this process's (`SpawnedProcess.spawn`
    /// only). Created with mode 0600 when missing; never opened through a symbolic link.
    public var outputFile: String?

    /// The default bytes kept per captured stream: 64 KiB.
    public static let defaultOutputCap = 65536

    /// Creates a configuration; every parameter but `executable` has a default: no arguments, the
    /// inherited environment and directory, stdin from `/dev/null`, output captured up to 64 KiB per
    /// stream, the parent's process group, and no parent-death signal.
    public init(
        executable: String,
        arguments: [String] = [],
        argv0: String? = nil,
        environment: [String: String] = [:],
        workingDirectory: String? = nil,
        stdin: [UInt8]? = nil,
        captureOutput: Bool = true,
        outputCap: Int = SpawnConfiguration.defaultOutputCap,
        newProcessGroup: Bool = false,
        parentDeathSignal: Int32? = nil
    ) {
        self.executable = executable
        self.arguments = arguments
        self.argv0 = argv0
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.stdin = stdin
        self.captureOutput = captureOutput
        self.outputCap = outputCap
        self.newProcessGroup = newProcessGroup
        self.parentDeathSignal = parentDeathSignal
    }
}
