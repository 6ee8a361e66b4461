#if canImport(Glibc)
import Glibc
#endif

/// A problem in a settings file, naming the file and line.
public struct SettingsError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let line: Int?
    public let message: String

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

extension Settings {
    /// Reads settings from a file of `key = value` lines; `#` starts a comment, blank lines are ignored.
    ///
    /// Keys not in the file keep their defaults. Unknown keys, malformed lines and out-of-range values are
    /// errors naming the file and line.
    public init(contentsOf path: String) throws(SettingsError) {
        guard let text = Self.readFile(path) else {
            throw SettingsError(path: path, line: nil, message: "cannot read the settings file: \(String(cString: strerror(errno)))")
        }
        guard text.utf8.count <= Self.maxFileBytes else {
            throw SettingsError(
                path: path, line: nil,
                message: "the settings file is larger than \(Self.maxFileBytes >> 10) KiB; is this the right file?")
        }
        try self.init(parsing: text, path: path)
    }

    /// Parses settings text; `path` only labels errors.
    public init(parsing text: String, path: String) throws(SettingsError) {
        self.init()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let content = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let trimmed = content.trimmingSpaces()
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw SettingsError(path: path, line: lineNumber, message: "expected `key = value`, found `\(trimmed)`")
            }
            let key = String(parts[0].trimmingSpaces())
            let valueText = parts[1].trimmingSpaces().replacing("_", with: "")
            guard let keyPath = Self.keys[key] else {
                let known = Self.keys.keys.sorted().joined(separator: ", ")
                throw SettingsError(path: path, line: lineNumber, message: "unknown key `\(key)`; known keys: \(known)")
            }
            guard let value = Int(valueText) else {
                throw SettingsError(path: path, line: lineNumber, message: "`\(key)` must be a whole number, found `\(valueText)`")
            }
            let minimum = Self.minimums[key] ?? 0
            guard value >= minimum else {
                throw SettingsError(path: path, line: lineNumber, message: "`\(key)` must be at least \(minimum), found \(value)")
            }
            self[keyPath: keyPath] = value
        }
    }

    /// The largest settings file read (a few dozen keys fit in a few KiB): `/dev/zero` is an error, not a leak.
    static let maxFileBytes = 1 << 20

    /// The file's text, reading at most one byte more than `maxFileBytes`.
    private static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count > 0 { bytes.append(contentsOf: buffer[0..<count]) }
            if count < buffer.count || bytes.count > maxFileBytes { break }
        }
        if ferror(file) != 0 { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
