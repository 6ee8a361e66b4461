import ChildProcess
import Testing

@Suite("splitting a child's output into lines")
struct OutputLineSplitterTests {
    /// Feeds `chunks` to a splitter (then end of file) and returns the lines it delivered.
    static func split(_ chunks: [String], maxLineBytes: Int = OutputLineSplitter.defaultMaxLineBytes) -> [OutputLine] {
        var splitter = OutputLineSplitter(stream: .stdout, maxLineBytes: maxLineBytes)
        var lines: [OutputLine] = []
        for chunk in chunks { splitter.append(Array(chunk.utf8)) { lines.append($0) } }
        splitter.finish { lines.append($0) }
        return lines
    }

    static func texts(_ lines: [OutputLine]) -> [String] { lines.map { String(decoding: $0.bytes, as: UTF8.self) } }

    @Test("a line written in pieces comes out whole, once its newline arrives")
    func partialLines() {
        var splitter = OutputLineSplitter(stream: .stderr)
        var lines: [OutputLine] = []
        splitter.append(Array("ha".utf8)) { lines.append($0) }
        splitter.append(Array("lf".utf8)) { lines.append($0) }
        #expect(lines.isEmpty)
        splitter.append(Array(" line\nnext".utf8)) { lines.append($0) }
        #expect(lines == [OutputLine(stream: .stderr, bytes: Array("half line".utf8))])
        splitter.append(Array("\n".utf8)) { lines.append($0) }
        #expect(Self.texts(lines) == ["half line", "next"])
    }

    @Test("several lines in one chunk, empty lines kept, newline dropped")
    func manyLinesInOneChunk() {
        #expect(Self.texts(Self.split(["a\n\nb\nc\n"])) == ["a", "", "b", "c"])
    }

    @Test("a carriage return before the newline is kept as written")
    func carriageReturnKept() {
        #expect(Self.texts(Self.split(["dos\r\nunix\n", "bare\rcr\n"])) == ["dos\r", "unix", "bare\rcr"])
    }

    @Test("an unterminated last line is delivered at end of file; nothing more when the output ended with a newline")
    func finalUnterminatedLine() {
        #expect(Self.texts(Self.split(["one\ntw", "o"])) == ["one", "two"])
        #expect(Self.texts(Self.split(["one\n"])) == ["one"])
        #expect(Self.split([]).isEmpty)
    }

    @Test("a line over the limit comes in pieces of the limit, all marked cut but the last")
    func longLineIsCut() {
        let lines = Self.split([String(repeating: "x", count: 10), String(repeating: "y", count: 15) + "\nshort\n"], maxLineBytes: 8)
        #expect(Self.texts(lines) == ["xxxxxxxx", "xxyyyyyy", "yyyyyyyy", "y", "short"])
        #expect(lines.map(\.cut) == [true, true, true, false, false])
    }

    @Test("a line of exactly the limit is not cut, even when its newline comes in the next chunk")
    func lineOfExactlyTheLimit() {
        let lines = Self.split(["12345678", "\n"], maxLineBytes: 8)
        #expect(Self.texts(lines) == ["12345678"])
        #expect(lines.map(\.cut) == [false])
    }

    @Test("a cut never splits a UTF-8 character")
    func cutKeepsCharactersWhole() {
        // "aaaaaa" then é (2 bytes) and € (3 bytes): a cut at 8 bytes would split the €.
        let lines = Self.split(["aaaaaaé€b\n"], maxLineBytes: 8)
        #expect(Self.texts(lines) == ["aaaaaaé", "€b"])
        #expect(lines.allSatisfy { String(validating: $0.bytes, as: UTF8.self) != nil })
    }

    @Test("a blob without newlines never holds more than the limit")
    func blobStaysBounded() {
        var splitter = OutputLineSplitter(stream: .stdout, maxLineBytes: 1024)
        var delivered = 0
        let chunk = [UInt8](repeating: 0, count: 4000)
        for _ in 0..<100 {
            splitter.append(chunk) { line in
                #expect(line.bytes.count <= 1024 && line.cut)
                delivered += line.bytes.count
            }
        }
        splitter.finish { delivered += $0.bytes.count }
        #expect(delivered == 400_000)
    }

    @Test("a real child: lines of stdout and stderr, each stream in order, and the capture unchanged", arguments: backends)
    func childLines(deathSignal: Int32?) throws {
        let script = "printf 'o1\\no'; printf 'e1\\n' >&2; sleep 0.05; printf '2\\n'; printf 'e2' >&2; printf 'o3'"
        let collected = Shared<[OutputLine]>([])
        let output = try ProcessRunner.run(shell(script, deathSignal: deathSignal), onLine: { line in collected.update { $0.append(line) } })
        #expect(output.stdoutText == "o1\no2\no3")
        #expect(output.stderrText == "e1\ne2")
        let lines = collected.value
        #expect(Self.texts(lines.filter { $0.stream == .stdout }) == ["o1", "o2", "o3"])
        #expect(Self.texts(lines.filter { $0.stream == .stderr }) == ["e1", "e2"])
        #expect(!lines.contains { $0.cut })
    }

    @Test("a real child's long line is cut at 64 KiB while the capture keeps its own cap")
    func childLongLine() throws {
        var configuration = shell("head -c 150000 /dev/zero | tr '\\0' x; echo; echo after")
        configuration.outputCap = 1000
        let collected = Shared<[OutputLine]>([])
        let output = try ProcessRunner.run(configuration, onLine: { line in collected.update { $0.append(line) } })
        #expect(output.stdout.count == 1000 && output.stdoutBytes == 150_007 && output.stdoutTruncated)
        let lines = collected.value
        #expect(lines.map(\.bytes.count) == [65536, 65536, 150_000 - 2 * 65536, 5])
        #expect(lines.map(\.cut) == [true, true, false, false])
    }
}
