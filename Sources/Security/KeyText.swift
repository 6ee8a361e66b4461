import ZeroMQ

/// The text formats of jobrun's key files: one key per line, `#` starting a comment line (a 40-character key
/// may itself start with `#`, and is still a key).
///
/// Pure functions, safe from any thread.
enum KeyText {
    /// The lines that carry content (trimmed, not blank, not comments), with their 1-based line numbers.
    static func contentLines(_ text: String) -> [(line: Int, text: Substring)] {
        var lines: [(Int, Substring)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = raw.drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            let content = trimmed.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }
            let line = trimmed.prefix(content.count)
            // Z85 keys may start with `#`: a line is a comment only when its first word is not a key.
            if line.isEmpty || (line.hasPrefix("#") && !Z85.isKey(String(firstWord(line)))) { continue }
            lines.append((index + 1, line))
        }
        return lines
    }

    /// The first word of a content line (the key; what follows is a comment such as a host name).
    static func firstWord(_ line: Substring) -> Substring {
        line.prefix { $0 != " " && $0 != "\t" }
    }
}
