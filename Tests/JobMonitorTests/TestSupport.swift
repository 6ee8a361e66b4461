#if canImport(Glibc)
import Glibc
#endif
import JobMonitor
import JSONValue
import SystemIO

/// A scratch directory for one test, removed at the end.
final class ScratchDirectory {
    let path: String

    init() {
        var template = Array("/tmp/jobmonitor-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "cannot create a scratch directory")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { Self.remove(path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) {
        try? FileText.writeAtomically(Array(text.utf8), to: file(name))
    }

    func read(_ name: String) -> String {
        WholeFile.text(file(name), limit: 1 << 30) ?? ""
    }

    static func remove(_ path: String) {
        if FileText.isDirectory(path) {
            for name in FileText.names(in: path) { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}

/// A sample job description.
func sampleInfo(total: Int = 10, slots: Int = 1, started: Int64 = 1_000_000_000) -> JobState.Info {
    JobState.Info(
        jobID: "20261122-003512-a3f9", name: "tasks.json", taskFile: "/data/tasks.json", resultsPath: "/data/tasks.results.jsonl",
        total: total, workers: 2, slots: slots, pid: 4242, host: "build-7", startedMicroseconds: started
    )
}

/// A finished task with defaults.
func finished(
    _ id: JSONValue, status: String = "ok", worker: String = "build-7:1", started: Int64 = 1_000_000_000,
    duration: UInt64 = 1_000_000, error: String? = nil
) -> JobState.FinishedTask {
    JobState.FinishedTask(
        id: id, status: status, worker: worker, attempts: 1, startedMicroseconds: started, durationMicroseconds: duration,
        error: error ?? (status == "ok" ? nil : "command exited with status 1")
    )
}

/// Decodes every line an encoder produced.
func decodeAll(_ bytes: [UInt8]) throws -> [SequencedEvent] {
    try bytes.split(separator: UInt8(ascii: "\n")).map { try SequencedEvent(line: $0) }
}
