import CChildProcess  // Its headers own the zero initializers of the C structs used here (sigset_t, stat...).
import Glibc
import SystemIO

/// A validated `SpawnConfiguration` turned into what the kernel needs: the path to execute, and
/// `argv` / `envp` as C arrays. Building it checks the working directory and searches `PATH`, so
/// most mistakes are reported here, before any process exists.
struct LaunchPlan: ~Copyable {
    /// The executable as configured, for messages.
    let executable: String
    /// The path handed to `execve` (relative paths are resolved in the child's directory).
    let path: String
    /// The working directory, if one was configured.
    let workingDirectory: String?
    let argv: CStringArray
    /// The copied environment, or `nil` to pass this process's `environ` unchanged.
    let environment: CStringArray?

    /// Validates `configuration` and prepares the C data.
    ///
    /// Throws `SpawnError` for a bad working directory, an executable not found in `PATH`,
    /// NUL bytes in arguments or variables, and malformed variable names.
    init(_ configuration: SpawnConfiguration) throws(SpawnError) {
        let executable = configuration.executable
        guard !executable.isEmpty else {
            throw .invalid(executable, "the executable name is empty")
        }
        guard !executable.utf8.contains(0) else {
            throw .invalid(executable, "the executable name contains a NUL byte")
        }
        if let directory = configuration.workingDirectory {
            try LaunchPlan.checkWorkingDirectory(directory)
        }

        let argvStrings = [configuration.argv0 ?? executable] + configuration.arguments
        if let index = CStringArray.firstIndexContainingNul(argvStrings) {
            let which = index == 0 ? "argv0" : "argument \(index)"
            throw .invalid(executable, "\(which) contains a NUL byte, which a command line cannot carry")
        }
        let environment = try LaunchPlan.environmentArray(configuration.environment, executable: executable)

        if executable.utf8.contains(UInt8(ascii: "/")) {
            path = executable
        } else {
            let searchPath =
                configuration.environment["PATH"]
                ?? EnvironmentVariable.value("PATH")
                ?? ExecutableSearch.defaultSearchPath
            switch ExecutableSearch.find(
                executable, searchPath: searchPath, workingDirectory: configuration.workingDirectory)
            {
            case .found(let found): path = found
            case .notExecutable(let candidate): throw .notExecutableInPath(executable, candidate: candidate)
            case .notFound: throw .notFoundInPath(executable)
            }
        }

        self.executable = executable
        self.workingDirectory = configuration.workingDirectory
        self.argv = CStringArray(copying: argvStrings)
        self.environment = environment
    }

    /// Throws the matching `SpawnError` unless `directory` is an accessible directory.
    static func checkWorkingDirectory(_ directory: String) throws(SpawnError) {
        guard !directory.utf8.contains(0) else {
            throw SpawnError(
                errorNumber: EINVAL, message: "working directory \(quoted(directory)) contains a NUL byte")
        }
        var info = stat()
        guard stat(directory, &info) == 0 else {
            throw .workingDirectory(directory, errorNumber: errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw .workingDirectory(directory, errorNumber: ENOTDIR)
        }
        guard access(directory, X_OK) == 0 else {
            throw .workingDirectory(directory, errorNumber: errno)
        }
    }

    /// `environ` with `overrides` replacing or adding variables; `nil` when there is nothing to
    /// override, so the common case copies nothing. The kept `environ` entries are borrowed, which
    /// is safe as long as no other thread calls `setenv`/`unsetenv`/`putenv` meanwhile.
    static func environmentArray(
        _ overrides: [String: String], executable: String
    ) throws(SpawnError) -> CStringArray? {
        guard !overrides.isEmpty else { return nil }
        var entries: [String] = []
        entries.reserveCapacity(overrides.count)
        for (name, value) in overrides {
            guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "=")), !name.utf8.contains(0) else {
                throw .invalid(
                    executable,
                    "environment variable name \(quoted(name)) is invalid (it must be non-empty, without '=' or NUL)"
                )
            }
            guard !value.utf8.contains(0) else {
                throw .invalid(executable, "environment variable \(name) contains a NUL byte in its value")
            }
            entries.append(name + "=" + value)
        }

        var kept: [UnsafeMutablePointer<CChar>] = []
        let inheritedEnvironment: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
        if let inherited = inheritedEnvironment {
            var index = 0
            while let entry = inherited[index] {
                index += 1
                if !overrides.keys.contains(where: { LaunchPlan.entry(entry, definesVariable: $0) }) {
                    kept.append(entry)
                }
            }
        }
        return CStringArray(borrowing: kept, copying: entries)
    }

    /// Whether the C string `entry` (`NAME=value`) defines `name`.
    private static func entry(_ entry: UnsafeMutablePointer<CChar>, definesVariable name: String) -> Bool {
        var offset = 0
        for byte in name.utf8 {
            guard UInt8(bitPattern: entry[offset]) == byte else { return false }
            offset += 1
        }
        return entry[offset] == CChar(UInt8(ascii: "="))
    }

    /// The `envp` to pass: the copy, or this process's `environ`.
    var environmentPointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        switch environment {
        case .some(let copy): copy.pointers
        case .none: environ
        }
    }

    /// The error for a failed `execve` (or a failed spawn whose step is unknown): a working directory
    /// that vanished since the check is reported as such, anything else as an exec failure.
    func launchError(_ errorNumber: Int32, failedInChdir: Bool = false) -> SpawnError {
        if let workingDirectory {
            if failedInChdir {
                return .workingDirectory(workingDirectory, errorNumber: errorNumber)
            }
            do {
                try LaunchPlan.checkWorkingDirectory(workingDirectory)
            } catch {
                return error
            }
        }
        return .execFailed(
            executable, path: path,
            checkPath: ExecutableSearch.pathAsSeenHere(path, workingDirectory: workingDirectory),
            errorNumber: errorNumber)
    }
}
