import Glibc
import SystemIO
import Testing

/// Whole-file reads on real files: the size bound, the errors that name the file, and symbolic links.
@Suite struct WholeFileTests {
    /// A fresh directory under /tmp, removed with its files when the test ends.
    final class Scratch {
        let path: String

        init() throws {
            var template = Array("/tmp/jobrun-systemio-XXXXXX".utf8CString)
            let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
            path = String(cString: try #require(created))
        }

        deinit {
            guard let handle = opendir(path) else { return }
            while let entry = readdir(handle) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != ".", name != ".." { unlink(path + "/" + name) }
            }
            closedir(handle)
            rmdir(path)
        }
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        #expect(FullWrite.write(bytes, to: descriptor))
    }

    @Test func readsUpToTheLimitAndRefusesOneByteMore() throws {
        let scratch = try Scratch()
        let directory = scratch.path
        let path = directory + "/sixteen"
        let bytes = Array("0123456789abcdef".utf8)
        try Self.write(path, bytes)
        #expect(try WholeFile.read(path, limit: 16) == bytes)
        #expect(WholeFile.text(path, limit: 16) == "0123456789abcdef")
        let error = try #require(throws: WholeFile.ReadError.self) { try WholeFile.read(path, limit: 15) }
        #expect(error.reason == .tooLarge(limit: 15))
        #expect(error.description == "\(path) is larger than 15 bytes")
        #expect(WholeFile.text(path, limit: 15) == nil)
    }

    @Test func anEmptyFileIsEmptyEvenWithALimitOfZero() throws {
        let scratch = try Scratch()
        let directory = scratch.path
        let path = directory + "/empty"
        try Self.write(path, [])
        #expect(try WholeFile.read(path, limit: 0) == [])
    }

    @Test func anEndlessDeviceIsRefusedAtTheBound() throws {
        let error = try #require(throws: WholeFile.ReadError.self) { try WholeFile.read("/dev/zero", limit: 1 << 20) }
        #expect(error.reason == .tooLarge(limit: 1 << 20))
    }

    @Test func aMissingFileAndADirectoryNameThePathAndTheReason() throws {
        let scratch = try Scratch()
        let directory = scratch.path
        let missing = try #require(throws: WholeFile.ReadError.self) { try WholeFile.read(directory + "/none") }
        #expect(missing.reason == .cannotOpen)
        #expect(missing.description == "cannot open \(directory)/none: No such file or directory")
        let isDirectory = try #require(throws: WholeFile.ReadError.self) { try WholeFile.read(directory) }
        #expect(isDirectory.reason == .cannotRead)
        #expect(isDirectory.description == "cannot read \(directory): Is a directory")
    }

    @Test func aSymbolicLinkIsFollowedOnlyWhenAllowed() throws {
        let scratch = try Scratch()
        let directory = scratch.path
        try Self.write(directory + "/target", Array("42\n".utf8))
        #expect(symlink(directory + "/target", directory + "/link") == 0)
        #expect(try WholeFile.read(directory + "/link") == Array("42\n".utf8))
        let error = try #require(throws: WholeFile.ReadError.self) {
            try WholeFile.read(directory + "/link", followingLinks: false)
        }
        #expect(error.reason == .cannotOpen && error.code == ELOOP)
    }
}
