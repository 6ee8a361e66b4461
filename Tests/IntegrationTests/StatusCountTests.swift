import Foundation
import JSONValue
import Testing

/// Every view of a job (`cancel`, `status`, `tail`, `report`) counts each result status as itself and says how many
/// tasks never started: a cancelled task is not a failure.
@Suite("status counts: cancel, status, tail and report tell ok, failed, cancelled and not started apart", .serialized)
struct StatusCountTests {
    @Test("a job cancelled mid-run: every view shows its ok, failed, cancelled and unstarted tasks separately")
    func cancelledJob() throws {
        let watch = try WatchTests.Watch()
        let config = try watch.scratch.write("fast.conf", "interrupt_grace_ms = 200\nkill_grace_ms = 200\n")
        let lines = [
            #"{"id": "good", "shell": "echo fine"}"#,
            #"{"id": "bad", "shell": "echo broken >&2; exit 3"}"#,
        ] + (0..<20).map { #"{"id": "long-\#($0)", "shell": "sleep 30"}"# }
        let file = try watch.scratch.write("mixed.jsonl", lines.joined(separator: "\n"))
        let id = try watch.detach(file, ["--config", config])
        #expect(watch.waitForState(id, "running"))
        #expect(StopTests.waitUntil(timeout: 30) {
            let results = (try? watch.scratch.results("mixed.results.jsonl")) ?? [:]
            return results[#""good""#] != nil && results[#""bad""#] != nil
        })
        // Both workers hold a long task before the cancel, so some tasks end cancelled.
        #expect(StopTests.waitUntil(timeout: 30) { (try? watch.run(["tail", id, "--once"]))?.stdout.contains("slowest running: long-") == true })

        let cancel = try watch.run(["cancel", id], timeout: 60)
        #expect(cancel.status == 0, "\(cancel.stdout)\(cancel.stderr)")
        let results = try watch.scratch.results("mixed.results.jsonl")
        let byStatus = Dictionary(grouping: results.values, by: { $0["status"]?.stringValue ?? "?" }).mapValues(\.count)
        let cancelled = byStatus["cancelled"] ?? 0
        let notStarted = 22 - results.count
        #expect(byStatus["ok"] == 1 && byStatus["failed"] == 1, "\(byStatus)")
        #expect(cancelled >= 1 && notStarted >= 1, "\(byStatus)")
        let phrase = "1 ok, 1 failed, \(cancelled) cancelled, \(notStarted) not started"
        #expect(cancel.stdout.contains("job \(id) interrupted: \(results.count)/22 done (\(phrase))"), "\(cancel.stdout)")

        let status = try watch.run(["status", id])
        #expect(status.stdout.contains(phrase), "\(status.stdout)")
        let statusJSON = try watch.run(["status", id, "--json"])
        let object = try #require(try JSONParser.parse(statusJSON.stdout).objectValue)
        let statuses = try #require(object["statuses"]?.objectValue)
        #expect(statuses["ok"] == 1 && statuses["failed"] == 1)
        #expect(statuses["cancelled"]?.intValue == cancelled && statuses["not_started"]?.intValue == notStarted, "\(statusJSON.stdout)")
        #expect(try watch.metadata(id)["statuses"]?.objectValue?["cancelled"]?.intValue == cancelled)

        let tail = try watch.run(["tail", id])
        #expect(tail.stdout.contains("\(results.count)/22 done, 1 failed, \(cancelled) cancelled, \(notStarted) not started"), "\(tail.stdout)")
        let events = try watch.run(["tail", id, "--json"]).stdout.split(separator: "\n")
        let last = try #require(events.last)
        let ended = try #require(try JSONParser.parse(String(last)).objectValue)
        #expect(ended["event"] == "job_ended")
        #expect(ended["statuses"]?.objectValue?["cancelled"]?.intValue == cancelled, "\(ended)")

        let report = try watch.run(["report", id])
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("<th>Tasks</th><td>\(results.count) of 22 done: \(phrase)</td>"), "\(report.stdout.prefix(3000))")
        let histogram = try #require(report.stdout.components(separatedBy: "<svg class=\"histogram\"").last)
        #expect(histogram.contains("<rect class=\"cancelled\""), "cancelled bars in their own colour")
        #expect(histogram.contains("<title>1 failed,"))
    }

    @Test("a running job whose tasks wait for a pool: status, status --json and the report say why")
    func waitingReasons() throws {
        let watch = try WatchTests.Watch()
        let config = try watch.scratch.write("fast.conf", "interrupt_grace_ms = 200\nkill_grace_ms = 200\n")
        let lines = (0..<4).map { #"{"id": "call-\#($0)", "shell": "sleep 30", "pool": "api"}"# }
        let file = try watch.scratch.write("calls.jsonl", lines.joined(separator: "\n"))
        let id = try watch.detach(file, ["--config", config, "--pool", "api=1"])
        #expect(watch.waitForState(id, "running"))
        var status = try watch.run(["status", id])
        #expect(StopTests.waitUntil(timeout: 30) {
            status = (try? watch.run(["status", id])) ?? status
            return status.stdout.contains("waiting: 3 for pool places")
        }, "\(status.stdout)")
        let statusJSON = try watch.run(["status", id, "--json"])
        let object = try #require(try JSONParser.parse(statusJSON.stdout).objectValue)
        #expect(object["waiting"]?.stringValue?.contains("3 for pool places") == true, "\(statusJSON.stdout)")
        let report = try watch.run(["report", id])
        #expect(report.stdout.contains("<th>Waiting</th><td>waiting: 3 for pool places"), "\(report.stdout.prefix(3000))")
        #expect(try watch.run(["cancel", id], timeout: 60).status == 0)
        // Once the job is over nothing waits any more.
        let ended = try watch.run(["status", id])
        #expect(!ended.stdout.contains("waiting:"), "\(ended.stdout)")
    }
}
