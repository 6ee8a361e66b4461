import Testing

import Settings

struct ByteSizeTests {
    @Test(arguments: [("0", 0), ("512", 512), ("64K", 65_536), ("10M", 10 << 20), ("1G", 1 << 30), ("2MiB", 2 << 20), ("3kb", 3072)])
    func parses(_ text: String, _ bytes: Int) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "M", "-1", "1.5M", "10X", "99999999999999999999", "2T"])
    func rejects(_ text: String) {
        #expect(ByteSize.parse(text, limit: 1 << 40 - 1) == nil)
    }
}

struct SettingsFileLimitTests {
    @Test func endlessSettingsFileIsAnError() {
        #expect(throws: SettingsError.self) { try Settings(contentsOf: "/dev/zero") }
    }
}
