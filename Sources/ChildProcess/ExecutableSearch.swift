import CChildProcess  // Its headers own the zero initializers of the C structs used here (sigset_t, stat...).
import Glibc

/// Finds a command name in a `PATH`-style list of directories, as `execvp` would: the first
/// regular file with execute permission wins.
enum ExecutableSearch {
    /// The outcome of a search.
    enum Outcome: Equatable {
        /// The path to execute (relative when the `PATH` entry is relative).
        case found(String)
        /// Only files without execute permission matched; the first one.
        case notExecutable(String)
        case notFound
    }

    /// The search path used when neither the configuration nor this process sets `PATH`.
    static let defaultSearchPath = "/usr/local/bin:/usr/bin:/bin"

    /// Searches `searchPath` (`:`-separated; an empty entry means the current directory) for
    /// `name`. Relative entries are checked against `workingDirectory` when one is given, because
    /// the child resolves them after changing to it.
    static func find(_ name: String, searchPath: String, workingDirectory: String?) -> Outcome {
        var firstNotExecutable: String?
        for entry in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate: String
            if entry.isEmpty {
                candidate = "./" + name
            } else if entry.hasSuffix("/") {
                candidate = entry + name
            } else {
                candidate = entry + "/" + name
            }
            let checkPath = pathAsSeenHere(candidate, workingDirectory: workingDirectory)
            var info = stat()
            guard stat(checkPath, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else { continue }
            if access(checkPath, X_OK) == 0 {
                return .found(candidate)
            }
            if firstNotExecutable == nil {
                firstNotExecutable = candidate
            }
        }
        return firstNotExecutable.map(Outcome.notExecutable) ?? .notFound
    }

    /// `path` as this process must name it to reach the file the child will see after changing
    /// to `workingDirectory`.
    static func pathAsSeenHere(_ path: String, workingDirectory: String?) -> String {
        guard let workingDirectory, !path.hasPrefix("/") else { return path }
        return workingDirectory.hasSuffix("/") ? workingDirectory + path : workingDirectory + "/" + path
    }
}
