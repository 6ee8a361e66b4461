import CChildProcess  // Its headers own the zero initializers of the C structs used here (sigset_t, stat...).
import Glibc

/// Why a child process could not be started, as the system error number and a message that names
/// the executable or directory at fault, for example
/// `cannot start "nosuchcmd": command not found in PATH`.
///
/// Thrown before the child runs any of its own code: failures of the program itself show up in
/// its `ExitStatus` instead.
public struct SpawnError: Error, Sendable, CustomStringConvertible {
    /// The `errno` value behind the failure (`ENOENT`, `EACCES`, `EINVAL` for a bad configuration...).
    public var errorNumber: Int32
    /// A complete sentence fragment for the user: what failed, where, and why.
    public var message: String

    /// Creates an error from an errno value and a message.
    public init(errorNumber: Int32, message: String) {
        self.errorNumber = errorNumber
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

extension SpawnError {
    /// The executable name was not found in any directory of the search path.
    static func notFoundInPath(_ name: String) -> SpawnError {
        SpawnError(errorNumber: ENOENT, message: "cannot start \(quoted(name)): command not found in PATH")
    }

    /// The executable name was found in the search path, but only as files without execute permission.
    static func notExecutableInPath(_ name: String, candidate: String) -> SpawnError {
        SpawnError(
            errorNumber: EACCES,
            message: "cannot start \(quoted(name)): \(quoted(candidate)) is not executable (permission denied)"
        )
    }

    /// The working directory is missing, not a directory, or not accessible.
    static func workingDirectory(_ path: String, errorNumber: Int32) -> SpawnError {
        let reason =
            switch errorNumber {
            case ENOENT: "does not exist"
            case ENOTDIR: "is not a directory"
            case EACCES: "is not accessible (permission denied)"
            default: "cannot be used: \(errorText(errorNumber))"
            }
        return SpawnError(errorNumber: errorNumber, message: "working directory \(quoted(path)) \(reason)")
    }

    /// The configuration cannot be expressed to the kernel (NUL bytes, bad variable names...).
    static func invalid(_ executable: String, _ reason: String) -> SpawnError {
        SpawnError(errorNumber: EINVAL, message: "cannot start \(quoted(executable)): \(reason)")
    }

    /// A resource needed for the child (a pipe, a process slot...) could not be had.
    static func system(_ executable: String, _ what: String, errorNumber: Int32) -> SpawnError {
        SpawnError(
            errorNumber: errorNumber,
            message: "cannot start \(quoted(executable)): \(what) failed: \(errorText(errorNumber))"
        )
    }

    /// `execve` (or the spawn as a whole) failed with `errorNumber`. `path` is what was executed,
    /// `checkPath` the same file as seen from this process (for a relative path and a working
    /// directory), used to tell a missing file from a missing `#!` interpreter.
    static func execFailed(
        _ executable: String, path: String, checkPath: String, errorNumber: Int32
    ) -> SpawnError {
        let subject = path == executable ? quoted(executable) : "\(quoted(executable)) (\(path))"
        var info = stat()
        let exists = stat(checkPath, &info) == 0
        let isDirectory = exists && (info.st_mode & S_IFMT) == S_IFDIR
        let reason =
            switch errorNumber {
            case ENOENT where exists:
                "its interpreter was not found (check the #! line)"
            case ENOENT: "no such file"
            case EACCES where isDirectory: "it is a directory"
            case EACCES where exists: "permission denied (not executable)"
            case EACCES: "permission denied (a directory on the path is not searchable)"
            case ENOEXEC: "not a valid executable (add a #! line, or run it through a shell)"
            case ENOTDIR: "a component of the path is not a directory"
            case ETXTBSY: "the file is open for writing (text file busy)"
            case E2BIG: "the arguments and environment are too large"
            case ENAMETOOLONG: "the path is too long"
            case ELOOP: "too many levels of symbolic links"
            case EAGAIN: "the process limit is reached (try again later)"
            default: errorText(errorNumber)
            }
        return SpawnError(errorNumber: errorNumber, message: "cannot start \(subject): \(reason)")
    }
}

/// `"text"` with the characters that would make a message ambiguous escaped.
func quoted(_ text: String) -> String {
    var result = "\""
    for character in text.unicodeScalars {
        switch character {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\0": result += "\\0"
        default: result.unicodeScalars.append(character)
        }
    }
    return result + "\""
}

/// The system's description of an errno value, starting lower-case to fit inside a message.
func errorText(_ errorNumber: Int32) -> String {
    guard let cText = strerror(errorNumber) else { return "error \(errorNumber)" }
    var text = String(cString: cText)
    if let first = text.first, first.isUppercase, !text.dropFirst().prefix(1).contains(where: \.isUppercase) {
        text = first.lowercased() + text.dropFirst()
    }
    return text
}
