@testable import ChildProcess
import Glibc
import Testing

/// Finding a command in a `PATH`-style list as `execvp` would, against real files.
@Suite("searching PATH for a command")
struct ExecutableSearchTests {
    @Test("the first executable regular file wins; directories and files without execute permission are passed over")
    func firstExecutableWins() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        for directory in ["a", "b", "c", "d"] { #expect(mkdir(scratch.path + "/" + directory, 0o755) == 0) }
        #expect(mkdir(scratch.path + "/a/tool", 0o755) == 0)  // a directory named like the command
        try scratch.write("b/tool", "#!/bin/sh\n", mode: 0o644)  // not executable
        try scratch.write("c/tool", "#!/bin/sh\n", mode: 0o755)
        try scratch.write("d/tool", "#!/bin/sh\n", mode: 0o755)
        let path = ["a", "b/", "c", "d"].map { scratch.path + "/" + $0 }.joined(separator: ":")
        #expect(ExecutableSearch.find("tool", searchPath: path, workingDirectory: nil) == .found(scratch.path + "/c/tool"))
        #expect(ExecutableSearch.find("tool", searchPath: "/nonexistent:" + path, workingDirectory: nil) == .found(scratch.path + "/c/tool"))
        let withoutExecutable = [scratch.path + "/a", scratch.path + "/b/"].joined(separator: ":")
        #expect(ExecutableSearch.find("tool", searchPath: withoutExecutable, workingDirectory: nil) == .notExecutable(scratch.path + "/b/tool"))
        #expect(ExecutableSearch.find("missing", searchPath: path, workingDirectory: nil) == .notFound)
        #expect(ExecutableSearch.find("tool", searchPath: "", workingDirectory: nil) == .notFound)
    }

    @Test("an empty entry is the current directory, and relative entries are checked under the working directory")
    func relativeEntries() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        #expect(mkdir(scratch.path + "/bin", 0o755) == 0)
        try scratch.write("bin/tool", "#!/bin/sh\n", mode: 0o755)
        try scratch.write("here", "#!/bin/sh\n", mode: 0o755)
        #expect(ExecutableSearch.find("tool", searchPath: "/nonexistent:bin", workingDirectory: scratch.path) == .found("bin/tool"))
        #expect(ExecutableSearch.find("tool", searchPath: "bin/", workingDirectory: scratch.path + "/") == .found("bin/tool"))
        #expect(ExecutableSearch.find("here", searchPath: "/nonexistent::bin", workingDirectory: scratch.path) == .found("./here"))
        #expect(ExecutableSearch.find("tool", searchPath: "bin", workingDirectory: "/nonexistent") == .notFound)
        // Absolute entries do not move with the working directory.
        #expect(ExecutableSearch.find("tool", searchPath: scratch.path + "/bin", workingDirectory: "/") == .found(scratch.path + "/bin/tool"))
    }

    @Test("names and entries outside ASCII are searched byte for byte")
    func nonASCII() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        #expect(mkdir(scratch.path + "/répertoire", 0o755) == 0)
        try scratch.write("répertoire/outil-é", "#!/bin/sh\n", mode: 0o755)
        #expect(ExecutableSearch.find("outil-é", searchPath: scratch.path + "/répertoire", workingDirectory: nil)
            == .found(scratch.path + "/répertoire/outil-é"))
    }
}
