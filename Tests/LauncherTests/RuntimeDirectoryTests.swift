#if canImport(Glibc)
import Glibc
#endif
@testable import Coordinator
import Foundation
import Testing

@Suite("where a coordinator's runtime directory goes")
struct RuntimeDirectoryTests {
    /// A scratch directory standing in for `/tmp`.
    private static func temporary() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jobrun-rtd-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private static func own(_ temporary: String) -> String { "\(temporary)/jobrun-runtime-\(getuid())" }

    @Test("$XDG_RUNTIME_DIR wins; else the user's own directory, made 0700 on first use and used again")
    func ownDirectory() throws {
        let temporary = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        #expect(RuntimeDirectory.base(runtime: "/run/user/1", temporary: temporary) == "/run/user/1")
        #expect(RuntimeDirectory.base(runtime: "", temporary: temporary) == Self.own(temporary))
        var status = stat()
        #expect(lstat(Self.own(temporary), &status) == 0)
        #expect(status.st_mode & 0o777 == 0o700)
        #expect(RuntimeDirectory.base(runtime: nil, temporary: temporary) == Self.own(temporary))
    }

    @Test("a planted link, a file, or a directory open to others is not used: the directories go to /tmp itself")
    func plantedPaths() throws {
        let temporary = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        let elsewhere = temporary + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        chmod(elsewhere, 0o700)
        #expect(symlink(elsewhere, Self.own(temporary)) == 0)
        #expect(RuntimeDirectory.base(runtime: nil, temporary: temporary) == temporary, "through a link")
        unlink(Self.own(temporary))
        #expect(FileManager.default.createFile(atPath: Self.own(temporary), contents: Data()))
        #expect(RuntimeDirectory.base(runtime: nil, temporary: temporary) == temporary, "a file")
        unlink(Self.own(temporary))
        #expect(mkdir(Self.own(temporary), 0o700) == 0)
        chmod(Self.own(temporary), 0o755)
        #expect(RuntimeDirectory.base(runtime: nil, temporary: temporary) == temporary, "open to others")
    }

    @Test("a directory another user made is not used", .enabled(if: getuid() == 0, "needs root to give it away"))
    func someoneElses() throws {
        let temporary = try Self.temporary()
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        #expect(mkdir(Self.own(temporary), 0o700) == 0)
        #expect(chown(Self.own(temporary), 65534, 65534) == 0)
        #expect(RuntimeDirectory.base(runtime: nil, temporary: temporary) == temporary)
    }
}
