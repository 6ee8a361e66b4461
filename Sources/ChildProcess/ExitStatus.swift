import Glibc

/// How a child process ended: with an exit code, or killed by a signal.
///
/// Both fields are `nil` only when the status was lost because something outside this module
/// reaped the child (for example a `waitpid(-1, ...)` elsewhere in the process).
public struct ExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// The code passed to `exit`, when the process exited.
    public var exitCode: Int32?
    /// The signal number that terminated the process, when it was killed.
    public var signal: Int32?

    /// Creates a status from its parts.
    public init(exitCode: Int32?, signal: Int32?) {
        self.exitCode = exitCode
        self.signal = signal
    }

    /// A process that exited with `code`.
    public static func exited(_ code: Int32) -> ExitStatus {
        ExitStatus(exitCode: code, signal: nil)
    }

    /// A process terminated by `signal`.
    public static func killed(by signal: Int32) -> ExitStatus {
        ExitStatus(exitCode: nil, signal: signal)
    }

    /// Decodes a `waitpid` status word (the `WIFEXITED` / `WIFSIGNALED` macros, which Swift
    /// cannot import).
    init(waitStatus: Int32) {
        let low = waitStatus & 0x7f
        if low == 0 {
            self.init(exitCode: (waitStatus >> 8) & 0xff, signal: nil)
        } else {
            self.init(exitCode: nil, signal: low)
        }
    }

    /// The signal's name, such as `"SIGKILL"`, when the process was killed by a signal with a
    /// standard name.
    public var signalName: String? {
        signal.flatMap(ExitStatus.name(ofSignal:))
    }

    /// Whether the process exited with code 0.
    public var succeeded: Bool { exitCode == 0 }

    /// `exit code 3`, `signal 9 (SIGKILL)`, or `unknown (reaped elsewhere)`.
    public var description: String {
        if let exitCode { return "exit code \(exitCode)" }
        if let signal {
            if let name = signalName { return "signal \(signal) (\(name))" }
            return "signal \(signal)"
        }
        return "unknown (reaped elsewhere)"
    }

    /// The standard name of a Linux signal number (`9` -> `"SIGKILL"`), or `nil` for numbers
    /// without one (real-time signals, out-of-range values).
    public static func name(ofSignal signal: Int32) -> String? {
        switch signal {
        case SIGHUP: "SIGHUP"
        case SIGINT: "SIGINT"
        case SIGQUIT: "SIGQUIT"
        case SIGILL: "SIGILL"
        case SIGTRAP: "SIGTRAP"
        case SIGABRT: "SIGABRT"
        case SIGBUS: "SIGBUS"
        case SIGFPE: "SIGFPE"
        case SIGKILL: "SIGKILL"
        case SIGUSR1: "SIGUSR1"
        case SIGSEGV: "SIGSEGV"
        case SIGUSR2: "SIGUSR2"
        case SIGPIPE: "SIGPIPE"
        case SIGALRM: "SIGALRM"
        case SIGTERM: "SIGTERM"
        case SIGSTKFLT: "SIGSTKFLT"
        case SIGCHLD: "SIGCHLD"
        case SIGCONT: "SIGCONT"
        case SIGSTOP: "SIGSTOP"
        case SIGTSTP: "SIGTSTP"
        case SIGTTIN: "SIGTTIN"
        case SIGTTOU: "SIGTTOU"
        case SIGURG: "SIGURG"
        case SIGXCPU: "SIGXCPU"
        case SIGXFSZ: "SIGXFSZ"
        case SIGVTALRM: "SIGVTALRM"
        case SIGPROF: "SIGPROF"
        case SIGWINCH: "SIGWINCH"
        case SIGIO: "SIGIO"
        case SIGPWR: "SIGPWR"
        case SIGSYS: "SIGSYS"
        default: nil
        }
    }
}
