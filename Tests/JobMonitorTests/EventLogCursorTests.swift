import Foundation
@testable import JobMonitor
import JSONValue
import Testing

@Suite("catching up from the event log")
struct EventLogCursorTests {
    /// A log of 30 events: odd ones are output lines `l1`, `l3`, … of task 7, even ones finished tasks.
    static func log(_ scratch: ScratchDirectory) -> String {
        var encoder = EventEncoder()
        for number in 1...30 {
            if number % 2 == 1 {
                encoder.output(id: .number(JSONNumber(7)), stream: number % 4 == 1 ? "stdout" : "stderr", line: "l\(number)", at: Int64(number))
            } else {
                encoder.taskFinished(finished(.number(JSONNumber(number))), at: Int64(number))
            }
        }
        scratch.write("events.ndjson", String(decoding: encoder.take(), as: UTF8.self) + #"{"seq":31,"t_us":31,"ev"#)
        return scratch.file("events.ndjson")
    }

    @Test("output lines between two event numbers, tagged; later reads go on where the last stopped")
    func outputInRanges() {
        let scratch = ScratchDirectory()
        var cursor = EventLogCursor(path: Self.log(scratch))
        #expect(cursor.catchUp(after: 0, upTo: 6, output: true) == ["[7] l1", "[7 stderr] l3", "[7] l5"])
        // Events 7 to 10 came live; a gap then skipped 11 to 20.
        #expect(
            cursor.catchUp(after: 10, upTo: 20, output: true)
                == ["[7 stderr] l11", "[7] l13", "[7 stderr] l15", "[7] l17", "[7 stderr] l19"])
    }

    @Test("with --json every event of the range comes back as its line; an unfinished last line is left for later")
    func jsonLines() throws {
        let scratch = ScratchDirectory()
        var cursor = EventLogCursor(path: Self.log(scratch))
        let lines = cursor.catchUp(after: 27, upTo: 40, output: false)
        let numbers = try lines.map { try #require(try JSONParser.parse($0).objectValue?["seq"]?.intValue) }
        #expect(numbers == [28, 29, 30])
    }

    @Test("on joining, only the last lines are kept")
    func recentOnly() {
        let scratch = ScratchDirectory()
        var cursor = EventLogCursor(path: Self.log(scratch))
        #expect(cursor.catchUp(after: 0, upTo: 30, output: true, keepingLast: 2) == ["[7 stderr] l27", "[7] l29"])
        #expect(cursor.catchUp(after: 30, upTo: 40, output: true).isEmpty)
    }

    @Test("a scan stops where the caller says and reports the offset to go on from")
    func scanOffsets() {
        let scratch = ScratchDirectory()
        var reader = EventLogReader(path: Self.log(scratch))
        var seen: [Int] = []
        let stop = reader.scan(from: 0) { event, _ in
            guard event.sequence <= 3 else { return false }
            seen.append(event.sequence)
            return true
        }
        #expect(seen == [1, 2, 3])
        var rest: [Int] = []
        let end = reader.scan(from: stop ?? -1) { event, _ in
            rest.append(event.sequence)
            return true
        }
        #expect(rest == Array(4...30))
        let size = try? FileManager.default.attributesOfItem(atPath: scratch.file("events.ndjson"))[.size] as? Int
        #expect(end != nil && end! + #"{"seq":31,"t_us":31,"ev"#.utf8.count == size, "the unfinished last line is not consumed")
    }
}
