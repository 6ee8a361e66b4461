/// A `jobrun run` command line after the options: the command's words and its input sources, split at GNU
/// parallel's separators `:::` (values), `::::` (files, one input a line, `-` for standard input) and their
/// linking forms `:::+` and `::::+`. Pure: nothing is read.
public struct ParallelArguments: Sendable, Equatable {
    /// One input source.
    public enum Source: Sendable, Equatable {
        /// The values given after `:::`.
        case values([String])
        /// A file read one input a line (`-` is standard input).
        case file(String)
    }

    /// The command and its arguments, before the first separator; empty when the inputs are the commands.
    public var command: [String]
    /// The input sources in order, as groups of linked sources: every combination of one element from each
    /// group is a job (the first group varying slowest); the sources of a group go element by element.
    public var groups: [[Source]]

    /// Splits `words`; with no separator at all, the input is standard input, one input a line.
    ///
    /// - Throws: a message when a separator has nothing after it that it needs, or `:::+` has no source before it.
    public init(parsing words: [String]) throws(ParallelArgumentError) {
        let separators: Set<String> = [":::", ":::+", "::::", "::::+"]
        guard let first = words.firstIndex(where: separators.contains) else {
            command = words
            groups = [[.file("-")]]
            return
        }
        command = Array(words[..<first])
        groups = []
        var index = first
        while index < words.count {
            let separator = words[index]
            var end = index + 1
            while end < words.count, !separators.contains(words[end]) { end += 1 }
            let operands = Array(words[(index + 1)..<end])
            let links = separator.hasSuffix("+")
            if links, groups.isEmpty {
                throw ParallelArgumentError("\(separator) links a source to the one before it, but there is none before it")
            }
            if separator.hasPrefix("::::") {
                if operands.isEmpty { throw ParallelArgumentError("\(separator) needs at least one file (- for standard input)") }
                for (offset, path) in operands.enumerated() {
                    if links && offset == 0 { groups[groups.count - 1].append(.file(path)) } else { groups.append([.file(path)]) }
                }
            } else if links {
                groups[groups.count - 1].append(.values(operands))
            } else {
                groups.append([.values(operands)])
            }
            index = end
        }
        let stdinReaders = groups.joined().filter { $0 == .file("-") }.count
        if stdinReaders > 1 { throw ParallelArgumentError("standard input (-) can be an input source only once") }
    }

    /// Whether the first source streams from standard input.
    public var streamsStandardInput: Bool { groups.first?.first == .file("-") }
}

/// A `jobrun run` command line that cannot be understood.
public struct ParallelArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
