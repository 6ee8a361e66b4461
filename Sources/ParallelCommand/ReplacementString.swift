/// One of GNU parallel's replacement strings: `{}` `{.}` `{/}` `{//}` `{/.}` `{#}` `{%}` and the positional
/// `{1}` `{1.}` `{1/}` `{1//}` `{1/.}`.
public enum ReplacementString: Sendable, Hashable {
    /// How an input value is transformed before it is put in the command.
    public enum Transform: String, Sendable, CaseIterable {
        /// `{}`: the value as given.
        case whole = ""
        /// `{.}`: without its extension (the last `.` and what follows it in the last path component).
        case noExtension = "."
        /// `{/}`: the last path component.
        case basename = "/"
        /// `{//}`: everything before the last path component (`.` when there is no `/`).
        case dirname = "//"
        /// `{/.}`: the last path component without its extension.
        case basenameNoExtension = "/."

        /// `value` transformed.
        public func apply(_ value: String) -> String {
            switch self {
            case .whole: value
            case .noExtension: Self.removeExtension(value)
            case .basename: Self.basename(value)
            case .dirname: Self.dirname(value)
            case .basenameNoExtension: Self.removeExtension(Self.basename(value))
            }
        }

        /// Removes a final `.xyz` when the last component has one, as GNU parallel does (`s:\.[^/.]*$::`).
        static func removeExtension(_ value: String) -> String {
            guard let dot = value.lastIndex(of: ".") else { return value }
            let tail = value[value.index(after: dot)...]
            return tail.contains("/") ? value : String(value[..<dot])
        }

        /// What follows the last `/` (`s:^.*/::`).
        static func basename(_ value: String) -> String {
            guard let slash = value.lastIndex(of: "/") else { return value }
            return String(value[value.index(after: slash)...])
        }

        /// Perl's `File::Basename::dirname`, which GNU parallel uses.
        static func dirname(_ value: String) -> String {
            var path = Substring(value)
            // Trailing slashes are not a component separator.
            while path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
            guard let slash = path.lastIndex(of: "/") else { return "." }
            var directory = path[..<slash]
            while directory.count > 1, directory.hasSuffix("/") { directory = directory.dropLast() }
            return directory.isEmpty ? "/" : String(directory)
        }
    }

    /// An input value: all of them (`nil` position, joined by spaces) or the 1-based `position`th source's.
    case input(position: Int?, Transform)
    /// `{#}`: the 1-based job number.
    case jobNumber
    /// `{%}`: the job slot, 1 to the number of jobs running at once.
    case slot

    /// The replacement string at the start of `text`, with its length in characters; `nil` when `text` does not
    /// start with one.
    static func parse(prefixOf text: Substring) -> (ReplacementString, Int)? {
        guard text.first == "{", let close = text.firstIndex(of: "}") else { return nil }
        let inner = text[text.index(after: text.startIndex)..<close]
        let length = inner.count + 2
        if inner == "#" { return (.jobNumber, length) }
        if inner == "%" { return (.slot, length) }
        let digits = inner.prefix { $0.isASCII && $0.isNumber }
        guard digits.count <= 6, let transform = Transform(rawValue: String(inner.dropFirst(digits.count))) else {
            return nil
        }
        if digits.isEmpty { return (.input(position: nil, transform), length) }
        guard let position = Int(digits), position >= 1 else { return nil }
        return (.input(position: position, transform), length)
    }
}
