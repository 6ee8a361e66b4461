import TaskFile
import Testing

@testable import ParallelCommand

struct CommandTemplateTests {
    /// Inputs that the shell would otherwise split, expand or run.
    static let hostile = [
        "a b", "it's", "\"q\"", "$HOME", "`id`", "$(id)", "a;b", "*", "?", "[a]", "tab\there", "-n", "--", "ünï",
        "", "\\", "new\nline", "~", "#", "a&b", "a|b", "<x>", "'", "''", "{}",
    ]

    @Test(arguments: hostile)
    func quotedValueIsOneWordOfTheSameBytes(_ value: String) {
        let quoted = ShellQuote.quote(value)
        #expect(ShellWords.split(quoted) == [value])
    }

    @Test("bytes that are not UTF-8 are quoted as printf escapes inside the same word")
    func rawBytesAreOneWord() {
        let value = LosslessText.decode([0x61, 0x27, 0xFF, 0xFE, 0x20, 0x62])
        #expect(ShellQuote.quote(value) == #"'a'\'''"$(printf '\377\376')"' b'"#)
        #expect(ShellQuote.quote(LosslessText.decode([0x80])) == #""$(printf '\200')""#)
    }

    @Test func plainValuesStayBare() {
        #expect(ShellQuote.quote("file-1.txt") == "file-1.txt")
        #expect(ShellQuote.quote("a b") == "'a b'")
        #expect(ShellQuote.quote("") == "''")
        #expect(ShellQuote.quote("it's") == #"'it'\''s'"#)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let words: [String]
        let inputs: [String]
        let shell: String
        let exec: [String]?
        var testDescription: String { words.joined(separator: " ") }
    }

    static let rows: [Row] = [
        Row(words: ["gzip"], inputs: ["a b.txt"], shell: "gzip 'a b.txt'", exec: ["gzip", "a b.txt"]),
        Row(words: ["echo"], inputs: ["x"], shell: "echo x", exec: nil),
        Row(words: ["/bin/echo", "{.}"], inputs: ["d/f.txt"], shell: "/bin/echo d/f", exec: ["/bin/echo", "d/f"]),
        Row(words: ["cp", "{}", "{/.}.bak"], inputs: ["$x/y.c"], shell: "cp '$x/y.c' y.bak", exec: ["cp", "$x/y.c", "y.bak"]),
        Row(words: ["diff", "{1}", "{2}"], inputs: ["a", "b c"], shell: "diff a 'b c'", exec: ["diff", "a", "b c"]),
        Row(words: ["cat", "{}"], inputs: ["a", "b"], shell: "cat a b", exec: ["cat", "a", "b"]),
        Row(words: ["cat", "x{}"], inputs: ["a", "b"], shell: "cat xa b", exec: nil),
        Row(words: ["tool", "-n", "{#}"], inputs: ["a"], shell: "tool -n 7", exec: ["tool", "-n", "7"]),
        Row(words: ["echo $HOME", "{}"], inputs: ["a"], shell: "echo $HOME a", exec: nil),
        Row(words: ["sleep", "{3}"], inputs: ["a"], shell: "sleep ''", exec: ["sleep", ""]),
        Row(words: ["X=1", "prog"], inputs: ["a"], shell: "X=1 prog a", exec: nil),
        Row(words: ["prog", "{%}"], inputs: ["a"], shell: "prog \"${JOBRUN_SLOT:-1}\"", exec: nil),
        Row(words: ["prog", "*.c"], inputs: ["a"], shell: "prog *.c a", exec: nil),
    ]

    @Test(arguments: rows)
    func fillsInTheCommand(_ row: Row) {
        let template = CommandTemplate(words: row.words)
        let jobNumber = 7
        #expect(template.shellCommand(inputs: row.inputs, jobNumber: jobNumber) == row.shell)
        #expect(template.execArguments(inputs: row.inputs, jobNumber: jobNumber) == row.exec)
    }

    @Test(arguments: hostile)
    func execArgumentsAreWhatTheShellWouldPass(_ value: String) {
        let template = CommandTemplate(words: ["prog", "-x", "{}", "{/}"])
        let shell = template.shellCommand(inputs: [value], jobNumber: 1)
        #expect(ShellWords.split(shell) == template.execArguments(inputs: [value], jobNumber: 1))
    }
}

/// A reference splitter for the quoting `ShellQuote` produces (bare plain words, single-quoted strings, and
/// backslash-escaped quotes), so tests can check that a quoted value comes back as the same bytes.
enum ShellWords {
    static func split(_ line: String) -> [String]? {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quoted = false
        var escaped = false
        for scalar in line.unicodeScalars {
            if escaped {
                current.unicodeScalars.append(scalar)
                escaped = false
            } else if quoted {
                if scalar == "'" { quoted = false } else { current.unicodeScalars.append(scalar) }
            } else if scalar == "'" {
                quoted = true
                inWord = true
            } else if scalar == "\\" {
                escaped = true
                inWord = true
            } else if scalar == " " {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                guard ShellQuote.isPlain(UInt8(truncatingIfNeeded: scalar.value)) || scalar.value > 127 else { return nil }
                current.unicodeScalars.append(scalar)
                inWord = true
            }
        }
        guard !quoted, !escaped else { return nil }
        if inWord { words.append(current) }
        return words
    }
}
