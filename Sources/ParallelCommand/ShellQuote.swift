import TaskFile

/// Quoting for `/bin/sh`: a quoted value reaches the command as exactly the bytes given, whatever they are
/// (spaces, quotes, `$`, backquotes, `;`, globs, tabs, newlines, a leading dash, the empty string).
public enum ShellQuote {
    /// `value` as one shell word: left bare when every character is plainly safe, otherwise in single quotes,
    /// with each single quote written as `'\''`. The empty string is `''`.
    ///
    /// Bytes that are not UTF-8 (kept by `LosslessText`) cannot sit in the command's text, which travels as a
    /// string: each run of them becomes `"$(printf '\377\376')"`, which the shell turns back into the bytes (they are
    /// never newlines, which command substitution would strip). So `'a'"$(printf '\377')"'b'` is one word, `a\xffb`.
    public static func quote(_ value: String) -> String {
        if !value.isEmpty, value.utf8.allSatisfy(isPlain) { return value }
        guard LosslessText.hasRawBytes(value) else { return singleQuoted(value) }
        var quoted = ""
        var text = ""
        var raw: [UInt8] = []
        func flushRaw() {
            guard !raw.isEmpty else { return }
            quoted += "\"$(printf '" + raw.map { "\\" + String($0, radix: 8) }.joined() + "')\""
            raw.removeAll()
        }
        for scalar in value.unicodeScalars {
            if let byte = LosslessText.byte(of: scalar) {
                if !text.isEmpty { quoted += singleQuoted(text) }
                text = ""
                raw.append(byte)
            } else {
                flushRaw()
                text.unicodeScalars.append(scalar)
            }
        }
        flushRaw()
        if !text.isEmpty { quoted += singleQuoted(text) }
        return quoted
    }

    private static func singleQuoted(_ value: String) -> String {
        var quoted = "'"
        for character in value.unicodeScalars {
            if character == "'" {
                quoted += "'\\''"
            } else {
                quoted.unicodeScalars.append(character)
            }
        }
        return quoted + "'"
    }

    /// Whether `byte` means nothing special to the shell anywhere in a word (so a word of only these is itself).
    static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "/"), UInt8(ascii: ","),
            UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "@"), UInt8(ascii: "%"), UInt8(ascii: "^"):
            true
        default:
            false
        }
    }
}
