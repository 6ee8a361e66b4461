#if canImport(Glibc)
import Glibc
#endif
import SystemIO

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
        let bytes: [UInt8]
        do {
            bytes = try WholeFile.read(path, limit: Self.maximumFileBytes)
        } catch {
            if case .tooLarge = error.reason {
                throw SettingsError(
                    path: path, line: nil,
                    message: "larger than \(Self.maximumFileBytes) bytes, which no settings file needs; is it the right file?")
            }
            throw SettingsError(
                path: path, line: nil, message: "cannot read the settings file: \(String(cString: strerror(error.code)))")
        }
        let text = String(decoding: bytes, as: UTF8.self)
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
            if key == "metrics" {
                do throws(MetricsAddress.ParseError) {
                    metrics = try MetricsAddress(parsing: parts[1].trimmingSpaces())
                } catch {
                    throw SettingsError(path: path, line: lineNumber, message: "`metrics`: \(error.message)")
                }
                continue
            }
            let valueText = parts[1].trimmingSpaces().replacing("_", with: "")
            if let advice = Self.retiredKeys[key] {
                warnings.append("\(path):\(lineNumber): `\(key)` no longer has any effect: \(advice)")
                continue
            }
            guard let keyPath = Self.keys[key] else {
                let known = (Self.keys.keys + ["metrics"]).sorted().joined(separator: ", ")
                throw SettingsError(path: path, line: lineNumber, message: "unknown key `\(key)`; known keys: \(known)")
            }
            let minimum = Self.minimums[key] ?? 0
            let maximum = Self.maximums[key] ?? Self.defaultMaximum
            let digits = valueText.drop { $0 == "-" || $0 == "+" }
            if Int(valueText) == nil, !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit) {
                throw SettingsError(
                    path: path, line: lineNumber, message: "`\(key)` must be from \(minimum) to \(maximum), found \(valueText)")
            }
            guard let value = Int(valueText) else {
                throw SettingsError(path: path, line: lineNumber, message: "`\(key)` must be a whole number, found `\(valueText)`")
            }
            guard value >= minimum else {
                throw SettingsError(path: path, line: lineNumber, message: "`\(key)` must be at least \(minimum), found \(value)")
            }
            guard value <= maximum else {
                throw SettingsError(path: path, line: lineNumber, message: "`\(key)` must be at most \(maximum), found \(value)")
            }
            self[keyPath: keyPath] = value
        }
    }

    /// The largest settings file read; reading stops just past it, so an endless file (a device, a pipe) is refused.
    static let maximumFileBytes = 1 << 20
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
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
