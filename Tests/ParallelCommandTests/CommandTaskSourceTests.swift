import Foundation
import Testing
import TaskFile

@testable import ParallelCommand

/// Jobs from input sources, in GNU parallel's order, read from real files.
struct CommandTaskSourceTests {
    static func jobs(_ words: [String]) throws -> [(inputs: [String], id: String, command: TaskCommand)] {
        let source = try CommandTaskSource(arguments: try ParallelArguments(parsing: words))
        var found: [(inputs: [String], id: String, command: TaskCommand)] = []
        for _ in 0..<1000 {
            switch source.next() {
            case .task(let task): found.append((task.inputs, task.id.key, task.spec.command))
            case .end: return found
            case .waiting, .problem: Issue.record("unexpected event reading \(words)"); return found
            }
        }
        Issue.record("no end")
        return found
    }

    @Test func everyCombinationFirstSourceSlowest() throws {
        let jobs = try Self.jobs(["echo", ":::", "a", "b", ":::", "1", "2", "3"])
        #expect(jobs.map(\.inputs) == [["a", "1"], ["a", "2"], ["a", "3"], ["b", "1"], ["b", "2"], ["b", "3"]])
        #expect(jobs.map(\.id) == ["1", "2", "3", "4", "5", "6"])
        #expect(jobs.first?.command == .shell("echo a 1"))
    }

    @Test func linkedSourcesStopAtTheShorter() throws {
        let jobs = try Self.jobs(["echo", ":::", "a", "b", "c", ":::+", "1", "2", ":::", "x", "y"])
        #expect(jobs.map(\.inputs) == [["a", "1", "x"], ["a", "1", "y"], ["b", "2", "x"], ["b", "2", "y"]])
    }

    @Test func filesAreReadALineAnInput() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inputs-\(UUID().uuidString)").path
        try "one two\n\n$three\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let jobs = try Self.jobs(["/bin/echo", "{}", "{#}", "::::", path])
        #expect(jobs.map(\.command) == [
            .exec(["/bin/echo", "one two", "1"]), .exec(["/bin/echo", "", "2"]), .exec(["/bin/echo", "$three", "3"]),
        ])
        let second = try Self.jobs(["echo", ":::", "x", "::::", path])
        #expect(second.map(\.inputs) == [["x", "one two"], ["x", ""], ["x", "$three"]])
    }

    @Test func anEmptySourceMeansNoJobs() throws {
        #expect(try Self.jobs(["echo", ":::", "a", ":::"]).isEmpty)
        #expect(try Self.jobs(["echo", ":::"]).isEmpty)
    }

    @Test func aMissingFileIsAProblemNamingIt() {
        #expect(throws: TaskFileProblem.self) {
            try CommandTaskSource(arguments: try ParallelArguments(parsing: ["echo", "::::", "/nonexistent/inputs"]))
        }
    }
}
