/// Why some bytes are not valid JSON, and where.
///
/// `line` and `column` are 1-based; the column counts Unicode scalars from the start of the line (UTF-8
/// continuation bytes are not counted, so `é` is one column), which is what text editors show for most text.
/// `offset` is the 0-based byte offset of the problem in the input.
///
/// The details live in one shared immutable box, so the error is a single reference wide: the parser's
/// recursive functions throw it, and a small error keeps their stack frames small.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error's details (immutable, hence `Sendable`).
    private final class Details: Sendable {
        let message: String
        let offset: Int
        let line: Int
        let column: Int
        let needsMoreInput: Bool

        init(message: String, offset: Int, line: Int, column: Int, needsMoreInput: Bool) {
            self.message = message
            self.offset = offset
            self.line = line
            self.column = column
            self.needsMoreInput = needsMoreInput
        }
    }

    private let details: Details

    /// What was expected and what was found, e.g. `expected ',' or '}' after object member, found 'x'`.
    public var message: String { details.message }
    /// The 0-based byte offset of the problem.
    public var offset: Int { details.offset }
    /// The 1-based line of the problem.
    public var line: Int { details.line }
    /// The 1-based column of the problem, in Unicode scalars.
    public var column: Int { details.column }
    /// Whether the input ended in the middle of a value, so that more input could complete it. Set only by the
    /// prefix parsers for input that is not final; streaming readers use it to read more and try again.
    package var needsMoreInput: Bool { details.needsMoreInput }

    /// Creates an error.
    public init(message: String, offset: Int, line: Int, column: Int) {
        self.init(message: message, offset: offset, line: line, column: column, needsMoreInput: false)
    }

    package init(message: String, offset: Int, line: Int, column: Int, needsMoreInput: Bool) {
        details = Details(
            message: message, offset: offset, line: line, column: column, needsMoreInput: needsMoreInput)
    }

    /// Whether both errors say the same thing at the same place.
    public static func == (lhs: JSONSyntaxError, rhs: JSONSyntaxError) -> Bool {
        lhs.message == rhs.message && lhs.offset == rhs.offset && lhs.line == rhs.line && lhs.column == rhs.column
            && lhs.needsMoreInput == rhs.needsMoreInput
    }

    /// `line L, column C: message`.
    public var description: String { "line \(line), column \(column): \(message)" }

    /// The same error moved to a position in a larger text, where the input that was parsed started at
    /// `offset`, line `line`, column `column` of that text.
    package func relocated(offset base: Int, line baseLine: Int, column baseColumn: Int) -> JSONSyntaxError {
        JSONSyntaxError(
            message: message,
            offset: base + offset,
            line: line == 1 ? baseLine : baseLine + line - 1,
            column: line == 1 ? baseColumn + column - 1 : column,
            needsMoreInput: needsMoreInput
        )
    }
}
