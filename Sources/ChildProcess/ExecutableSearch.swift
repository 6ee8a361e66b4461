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
    ///
    /// Every candidate is written into one reused buffer and checked through it: making a `String` of each (and a C
    /// copy of it for `stat`) cost more than the `stat` itself, and a task that names its command without a slash
    /// pays the search at every start.
    static func find(_ name: String, searchPath: String, workingDirectory: String?) -> Outcome {
        var firstNotExecutable: String?
        let nameBytes = name.utf8
        let directoryBytes = workingDirectory.map { Array($0.utf8) }
        var candidate: [UInt8] = []
        var checked: [UInt8] = []
        candidate.reserveCapacity(256)
        checked.reserveCapacity(256)
        for entry in searchPath.utf8.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false) {
            candidate.removeAll(keepingCapacity: true)
            if entry.isEmpty {
                candidate.append(contentsOf: "./".utf8)
            } else {
                candidate.append(contentsOf: entry)
                if entry.last != UInt8(ascii: "/") { candidate.append(UInt8(ascii: "/")) }
            }
            candidate.append(contentsOf: nameBytes)
            // The path as seen here: under the working directory when the candidate is relative.
            checked.removeAll(keepingCapacity: true)
            if let directoryBytes, candidate.first != UInt8(ascii: "/") {
                checked.append(contentsOf: directoryBytes)
                if directoryBytes.last != UInt8(ascii: "/") { checked.append(UInt8(ascii: "/")) }
            }
            checked.append(contentsOf: candidate)
            checked.append(0)
            switch checked.withUnsafeBufferPointer({ Self.check($0.baseAddress!) }) {
            case .missing:
                continue
            case .executable:
                return .found(String(decoding: candidate, as: UTF8.self))
            case .notExecutable:
                if firstNotExecutable == nil { firstNotExecutable = String(decoding: candidate, as: UTF8.self) }
            }
        }
        return firstNotExecutable.map(Outcome.notExecutable) ?? .notFound
    }

    private enum Check { case missing, notExecutable, executable }

    /// Whether the NUL-terminated `path` is missing (or a directory), a file without execute permission, or one
    /// with it.
    private static func check(_ path: UnsafePointer<UInt8>) -> Check {
        path.withMemoryRebound(to: CChar.self, capacity: 1) { path in
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFDIR else { return .missing }
            return access(path, X_OK) == 0 ? .executable : .notExecutable
        }
    }

    /// `path` as this process must name it to reach the file the child will see after changing
    /// to `workingDirectory`.
    static func pathAsSeenHere(_ path: String, workingDirectory: String?) -> String {
        guard let workingDirectory, !path.hasPrefix("/") else { return path }
        return workingDirectory.hasSuffix("/") ? workingDirectory + path : workingDirectory + "/" + path
    }
}
