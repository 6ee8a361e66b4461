/// A command line with GNU parallel's replacement strings, filled in once per job.
///
/// The words are joined with spaces into one shell command, as GNU parallel does, so shell syntax in them keeps
/// its meaning; every substituted input is quoted, so it arrives as exactly the bytes given. A command without
/// any replacement string gets the inputs appended. A pure value: no IO.
public struct CommandTemplate: Sendable {
    enum Piece: Sendable, Equatable {
        case literal(String)
        case replacement(ReplacementString)
    }

    /// The command's words as given.
    public let words: [String]
    private let pieces: [[Piece]]
    /// Whether any word holds a replacement string (if not, the inputs are appended).
    public let hasReplacement: Bool
    /// Whether the command can run without a shell (see `execArguments`).
    public let runsWithoutShell: Bool

    /// A template over `words` (the command and its arguments, at least one word).
    public init(words: [String]) {
        self.words = words
        pieces = words.map(Self.split)
        hasReplacement = pieces.contains { $0.contains { if case .replacement = $0 { true } else { false } } }
        runsWithoutShell = Self.isPlainCommand(pieces)
    }

    /// The shell command for a job with these input values (one per input source) and 1-based job number.
    public func shellCommand(inputs: [String], jobNumber: Int) -> String {
        var command = ""
        for (index, word) in pieces.enumerated() {
            if index > 0 { command += " " }
            for piece in word {
                switch piece {
                case .literal(let text): command += text
                case .replacement(let replacement): command += Self.shellText(replacement, inputs, jobNumber)
                }
            }
        }
        if !hasReplacement {
            for input in inputs { command += " " + ShellQuote.quote(input) }
        }
        return command
    }

    /// The argument vector that does what `shellCommand` does without a shell, or `nil` when the command needs
    /// one. A command runs without a shell only when it is a program (not a shell builtin, keyword or
    /// assignment) and its own words hold nothing the shell would interpret; then the shell would only split the
    /// words and remove the quotes around the inputs, and running the program directly saves a process.
    public func execArguments(inputs: [String], jobNumber: Int) -> [String]? {
        guard runsWithoutShell else { return nil }
        var arguments: [String] = []
        arguments.reserveCapacity(words.count + inputs.count)
        for word in pieces {
            if word.count == 1, case .replacement(.input(nil, let transform)) = word[0] {
                // `{}` as a word of its own is one word per input.
                arguments.append(contentsOf: inputs.map(transform.apply))
                continue
            }
            var argument = ""
            for piece in word {
                switch piece {
                case .literal(let text): argument += text
                case .replacement(.input(nil, let transform)):
                    // Inside a longer word, several inputs would split it: leave that to the shell.
                    guard inputs.count == 1 else { return nil }
                    argument += transform.apply(inputs[0])
                case .replacement(.input(let position?, let transform)):
                    argument += transform.apply(position <= inputs.count ? inputs[position - 1] : "")
                case .replacement(.jobNumber): argument += String(jobNumber)
                case .replacement(.slot): return nil
                }
            }
            arguments.append(argument)
        }
        if !hasReplacement { arguments.append(contentsOf: inputs) }
        return arguments
    }

    private static func shellText(_ replacement: ReplacementString, _ inputs: [String], _ jobNumber: Int) -> String {
        switch replacement {
        case .input(nil, let transform):
            return inputs.map { ShellQuote.quote(transform.apply($0)) }.joined(separator: " ")
        case .input(let position?, let transform):
            return ShellQuote.quote(transform.apply(position <= inputs.count ? inputs[position - 1] : ""))
        case .jobNumber:
            return String(jobNumber)
        case .slot:
            // The slot is known only where the job runs: the worker sets it in the environment.
            return "\"${JOBRUN_SLOT:-1}\""
        }
    }

    /// A word cut into literal text and replacement strings.
    static func split(_ word: String) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(word)
        while let first = rest.first {
            if first == "{", let parsed = ReplacementString.parse(prefixOf: rest) {
                if !literal.isEmpty { pieces.append(.literal(literal)) }
                literal = ""
                pieces.append(.replacement(parsed.0))
                rest = rest.dropFirst(parsed.1)
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty || pieces.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    private static func isPlainCommand(_ pieces: [[Piece]]) -> Bool {
        guard let first = pieces.first, first.count == 1, case .literal(let program) = first[0] else { return false }
        guard !shellWords.contains(program), !program.contains("=") else { return false }
        for word in pieces {
            for piece in word {
                switch piece {
                case .literal(let text):
                    guard !text.isEmpty, text.utf8.allSatisfy(ShellQuote.isPlain) else { return false }
                case .replacement(.slot):
                    return false
                case .replacement:
                    continue
                }
            }
        }
        return true
    }

    /// The builtins and keywords of `/bin/sh` (dash and POSIX), which behave differently from, or do not exist
    /// as, programs.
    static let shellWords: Set<String> = [
        ".", ":", "[", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo", "eval", "exec", "exit",
        "export", "false", "fg", "getopts", "hash", "jobs", "kill", "local", "printf", "pwd", "read", "readonly",
        "return", "set", "shift", "test", "times", "trap", "true", "type", "ulimit", "umask", "unalias", "unset",
        "wait", "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done", "in",
        "!", "{", "}", "function", "select", "time",
    ]
}
