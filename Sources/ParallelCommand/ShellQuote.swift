/// Quoting for `/bin/sh`: a quoted value reaches the command as exactly the bytes given, whatever they are
/// (spaces, quotes, `$`, backquotes, `;`, globs, tabs, newlines, a leading dash, the empty string).
public enum ShellQuote {
    /// `value` as one shell word: left bare when every character is plainly safe, otherwise in single quotes,
    /// with each single quote written as `'\''`. The empty string is `''`.
    public static func quote(_ value: String) -> String {
        if !value.isEmpty, value.utf8.allSatisfy(isPlain) { return value }
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
