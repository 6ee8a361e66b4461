#if canImport(Glibc)
import Glibc
#endif
import Security
import Testing
import ZeroMQ

/// A fresh directory under /tmp, removed (with the files tests name) by `remove`.
struct ScratchDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/jobrun-security-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        try #require(made != nil)
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func write(_ name: String, _ text: String, mode: mode_t = 0o644) {
        let descriptor = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, mode)
        var copy = text
        copy.withUTF8 { _ = Glibc.write(descriptor, $0.baseAddress, $0.count) }
        fchmod(descriptor, mode)
        close(descriptor)
    }

    func mode(_ name: String) -> mode_t {
        var info = stat()
        stat(path + "/" + name, &info)
        return info.st_mode & 0o777
    }

    func remove(_ names: [String]) {
        for name in names { unlink(path + "/" + name) }
        rmdir(path + "/keys")
        rmdir(path)
    }
}

@Suite("Key files")
struct KeyFilesTests {
    @Test("generate writes a private secret key and a public key that load back")
    func generateAndLoad() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove(["keys/jobrun.key", "keys/jobrun.pub"]) }
        let pair = try KeyFiles.generate(in: scratch.path + "/keys")
        #expect(scratch.mode("keys/jobrun.key") == 0o600)
        #expect(scratch.mode("keys") == 0o700)
        #expect(try KeyFiles.loadKeyPair(scratch.path + "/keys/jobrun.key") == pair)
        #expect(try KeyFiles.publicKey(textOrPath: scratch.path + "/keys/jobrun.pub") == pair.publicKey)
        #expect(try KeyFiles.publicKey(textOrPath: pair.publicKey) == pair.publicKey)
        let again = #expect(throws: SecurityError.self) { try KeyFiles.generate(in: scratch.path + "/keys") }
        #expect(again?.description.contains("exists already") == true)
        let replaced = try KeyFiles.generate(in: scratch.path + "/keys", replace: true)
        #expect(replaced != pair)
    }

    @Test("a secret key readable by group or others is refused, naming the file and the fix")
    func looseModeRefused() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove(["loose.key"]) }
        let pair = try CurveKeyPair.generate()
        scratch.write("loose.key", pair.secretKey + "\n", mode: 0o640)
        let error = #expect(throws: SecurityError.self) { try KeyFiles.loadKeyPair(scratch.path + "/loose.key") }
        #expect(error?.description.contains("loose.key") == true)
        #expect(error?.description.contains("0640") == true)
        #expect(error?.description.contains("chmod 600") == true)
    }

    @Test("a key file without a key names its line")
    func badKeyFile() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove(["bad.key", "empty.key"]) }
        scratch.write("bad.key", "# comment\n\nnot-a-key\n", mode: 0o600)
        scratch.write("empty.key", "# only a comment\n", mode: 0o600)
        let bad = #expect(throws: SecurityError.self) { try KeyFiles.loadKeyPair(scratch.path + "/bad.key") }
        #expect(bad?.description.contains("bad.key:3:") == true)
        #expect(throws: SecurityError.self) { try KeyFiles.loadKeyPair(scratch.path + "/empty.key") }
        #expect(throws: SecurityError.self) { try KeyFiles.publicKey(textOrPath: scratch.path + "/missing.pub") }
    }

    @Test("authorized_keys takes one key a line with comments and reports bad lines")
    func authorizedKeys() throws {
        let first = try CurveKeyPair.generate().publicKey
        let second = try CurveKeyPair.generate().publicKey
        let keys = try AuthorizedKeys(text: "# workers\n\(first) alpha\n  \n\(second)\t  beta host\n", path: "auth")
        #expect(keys.contains(first) && keys.contains(second))
        #expect(keys.keys[first] == "alpha" && keys.keys[second] == "beta host")
        #expect(!keys.contains(try CurveKeyPair.generate().publicKey))
        let error = #expect(throws: SecurityError.self) { try AuthorizedKeys(text: "\(first)\nnonsense\n", path: "auth") }
        #expect(error?.description.hasPrefix("auth:2:") == true)
    }

    @Test("the configuration directory follows JOBRUN_CONFIG_DIR")
    func configurationDirectory() {
        let custom = ["JOBRUN_CONFIG_DIR": "/tmp/jobrun-config-test", "HOME": "/home/someone"]
        #expect(KeyFiles.configurationDirectory { custom[$0] } == "/tmp/jobrun-config-test")
        let unset = ["HOME": "/home/someone"]
        #expect(KeyFiles.configurationDirectory { unset[$0] } == "/home/someone/.config/jobrun")
        let empty = ["JOBRUN_CONFIG_DIR": "", "HOME": ""]
        #expect(KeyFiles.configurationDirectory { empty[$0] } == "/root/.config/jobrun")
    }

    @Test("fingerprints are stable and differ between keys")
    func fingerprint() throws {
        let key = try CurveKeyPair.generate().publicKey
        #expect(KeyFiles.fingerprint(ofPublicKey: key) == KeyFiles.fingerprint(ofPublicKey: key))
        #expect(KeyFiles.fingerprint(ofPublicKey: key).count == 23)
        #expect(KeyFiles.fingerprint(ofPublicKey: key) != KeyFiles.fingerprint(ofPublicKey: try CurveKeyPair.generate().publicKey))
    }
}

@Suite("Key text")
struct KeyTextTests {
    @Test("a key starting with # is a key, not a comment")
    func hashKey() throws {
        var key = try CurveKeyPair.generate().publicKey
        key = "#" + key.dropFirst()
        try #require(Z85.isKey(key))
        let keys = try AuthorizedKeys(text: "# a comment\n\(key) gamma\n#not a key either\n", path: "auth")
        #expect(keys.contains(key))
        #expect(keys.keys.count == 1)
    }
}
