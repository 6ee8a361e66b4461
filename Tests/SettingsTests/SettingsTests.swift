#if canImport(Glibc)
import Glibc
#endif
import Settings
import Testing

@Suite("Settings file")
struct SettingsTests {
    /// The repository's config/jobrun.conf.
    static let shippedPath = String(#filePath.dropLast("Tests/SettingsTests/SettingsTests.swift".count)) + "config/jobrun.conf"

    @Test("config/jobrun.conf documents exactly the built-in defaults")
    func shippedFileMatchesDefaults() throws {
        #expect(try Settings(contentsOf: Self.shippedPath) == Settings())
    }

    @Test("config/jobrun.conf sets every key there is, each with a comment")
    func shippedFileCoversEveryKey() throws {
        let text = try #require(try? String(contentsOfFileAtPath: Self.shippedPath))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (index, line) in lines.enumerated() where !line.hasPrefix("#") && line.contains("=") {
            #expect(index > 0 && lines[index - 1].hasPrefix("#"), "key line without a comment: \(line)")
        }
        var settings = Settings()
        settings.maxBatch = 7
        let changed = try Settings(parsing: "max_batch = 7\n", path: "x")
        #expect(changed == settings)
    }

    @Test("a file overrides only what it sets")
    func partialOverride() throws {
        let settings = try Settings(parsing: "# comment\nheartbeat_ms = 250  # faster\n\nmax_batch=64\n", path: "s.conf")
        #expect(settings.heartbeatMilliseconds == 250)
        #expect(settings.maxBatch == 64)
        #expect(settings.outputCapBytes == Settings().outputCapBytes)
    }

    @Test("bad lines are errors naming the file and line", arguments: [
        ("max_batch = ten\n", "s.conf:1: `max_batch` must be a whole number, found `ten`"),
        ("\nmax_bacth = 3\n", "s.conf:2: unknown key `max_bacth`"),
        ("heartbeat_ms\n", "s.conf:1: expected `key = value`, found `heartbeat_ms`"),
        ("max_batch = 0\n", "s.conf:1: `max_batch` must be at least 1, found 0"),
    ])
    func errors(text: String, expected: String) {
        do {
            _ = try Settings(parsing: text, path: "s.conf")
            Issue.record("accepted bad settings: \(text)")
        } catch {
            #expect(error.description.hasPrefix(expected), "\(error.description)")
        }
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        #expect(throws: SettingsError.self) { try Settings(contentsOf: "/nonexistent/jobrun.conf") }
    }
}

extension String {
    init(contentsOfFileAtPath path: String) throws {
        struct Unreadable: Error {}
        guard let file = fopen(path, "r") else { throw Unreadable() }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            bytes += chunk[0..<count]
            if count < chunk.count { break }
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}
