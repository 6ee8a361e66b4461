import Testing

@testable import ParallelCommand

struct ParallelArgumentsTests {
    @Test func noSeparatorReadsStandardInput() throws {
        let parsed = try ParallelArguments(parsing: ["gzip", "-9"])
        #expect(parsed.command == ["gzip", "-9"])
        #expect(parsed.groups == [[.file("-")]])
        #expect(parsed.streamsStandardInput)
    }

    @Test func sourcesAndLinks() throws {
        let parsed = try ParallelArguments(parsing: [
            "echo", ":::", "a", "b", "::::", "f1", "f2", ":::+", "1", "2", "::::+", "g",
        ])
        #expect(parsed.command == ["echo"])
        #expect(parsed.groups == [[.values(["a", "b"])], [.file("f1")], [.file("f2"), .values(["1", "2"]), .file("g")]])
        #expect(!parsed.streamsStandardInput)
    }

    @Test func emptyValuesAreAnEmptySource() throws {
        #expect(try ParallelArguments(parsing: ["echo", ":::"]).groups == [[.values([])]])
    }

    @Test(arguments: [
        [":::+", "a"], ["echo", "::::"], ["echo", "::::", "-", "::::", "-"],
    ])
    func rejects(_ words: [String]) {
        #expect(throws: ParallelArgumentError.self) { try ParallelArguments(parsing: words) }
    }
}
