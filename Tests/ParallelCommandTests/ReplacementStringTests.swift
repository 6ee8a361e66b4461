import Testing

@testable import ParallelCommand

/// The path transforms, against what GNU parallel 20221122 prints for the same values.
struct ReplacementStringTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let value: String
        let noExtension: String
        let basename: String
        let dirname: String
        let basenameNoExtension: String
        var testDescription: String { "\"\(value)\"" }
    }

    static let rows: [Row] = [
        Row(value: "a.b/c.d", noExtension: "a.b/c", basename: "c.d", dirname: "a.b", basenameNoExtension: "c"),
        Row(value: ".bashrc", noExtension: "", basename: ".bashrc", dirname: ".", basenameNoExtension: ""),
        Row(value: "/x/", noExtension: "/x/", basename: "", dirname: "/", basenameNoExtension: ""),
        Row(value: "x/", noExtension: "x/", basename: "", dirname: ".", basenameNoExtension: ""),
        Row(value: "a.tar.gz", noExtension: "a.tar", basename: "a.tar.gz", dirname: ".", basenameNoExtension: "a.tar"),
        Row(value: "", noExtension: "", basename: "", dirname: ".", basenameNoExtension: ""),
        Row(value: "/", noExtension: "/", basename: "", dirname: "/", basenameNoExtension: ""),
        Row(value: "a..b", noExtension: "a.", basename: "a..b", dirname: ".", basenameNoExtension: "a."),
        Row(value: "x.", noExtension: "x", basename: "x.", dirname: ".", basenameNoExtension: "x"),
        Row(value: "/p/q.r", noExtension: "/p/q", basename: "q.r", dirname: "/p", basenameNoExtension: "q"),
    ]

    @Test(arguments: rows)
    func transformsMatchGNUParallel(_ row: Row) {
        typealias T = ReplacementString.Transform
        #expect(T.whole.apply(row.value) == row.value)
        #expect(T.noExtension.apply(row.value) == row.noExtension)
        #expect(T.basename.apply(row.value) == row.basename)
        #expect(T.dirname.apply(row.value) == row.dirname)
        #expect(T.basenameNoExtension.apply(row.value) == row.basenameNoExtension)
    }

    @Test(arguments: [
        ("{}", ReplacementString.input(position: nil, .whole)), ("{.}", .input(position: nil, .noExtension)),
        ("{/}", .input(position: nil, .basename)), ("{//}", .input(position: nil, .dirname)),
        ("{/.}", .input(position: nil, .basenameNoExtension)), ("{#}", .jobNumber), ("{%}", .slot),
        ("{2}", .input(position: 2, .whole)), ("{12/.}", .input(position: 12, .basenameNoExtension)),
        ("{1//}", .input(position: 1, .dirname)),
    ])
    func parsesEachForm(_ text: String, _ expected: ReplacementString) {
        let parsed = ReplacementString.parse(prefixOf: Substring(text + "tail"))
        #expect(parsed?.0 == expected)
        #expect(parsed?.1 == text.count)
    }

    @Test(arguments: ["{", "{x}", "{0}", "{-1}", "{1.x}", "{ }", "{{}", "{..}", "{1234567}"])
    func leavesOtherBracesAlone(_ text: String) {
        #expect(ReplacementString.parse(prefixOf: Substring(text)) == nil)
    }
}
