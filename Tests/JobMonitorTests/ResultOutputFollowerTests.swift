#if canImport(Glibc)
import Glibc
#endif
import JobMonitor
import Testing

@Suite("task output from the results file")
struct ResultOutputFollowerTests {
    @Test("stdout and stderr lines tagged by task id, whole result lines only")
    func follow() throws {
        let scratch = ScratchDirectory()
        let path = scratch.file("results.jsonl")
        scratch.write("results.jsonl", #"{"id":"early","status":"ok","stdout":"before\n"}"# + "\n")
        let follower = try ResultOutputFollower(path: path, fromEnd: true)
        #expect(follower.newLines().isEmpty)
        let descriptor = open(path, O_WRONLY | O_APPEND)
        defer { close(descriptor) }
        FileText.writeAll(Array((#"{"id":7,"status":"ok","stdout":"one\ntwo\n","stderr":"warn"}"# + "\n" + #"{"id":"b","st"#).utf8), to: descriptor)
        #expect(follower.newLines() == ["[7] one", "[7] two", "[7 stderr] warn"])
        FileText.writeAll(Array((#"atus":"failed","stdout":"","stderr":"x\n\ny\n","stderr_truncated":true,"stderr_bytes":99999}"# + "\n").utf8), to: descriptor)
        #expect(follower.newLines() == ["[b stderr] x", "[b stderr] ", "[b stderr] y", "[b stderr] … (cut at the output cap; 99999 bytes in all)"])
        let replay = try ResultOutputFollower(path: path, fromEnd: false)
        #expect(replay.newLines().first == "[early] before")
    }
}
