import Observability
import Settings
import Testing

@Suite("metrics: addresses, snapshots, the exposition")
struct ObservabilityUnitTests {
    @Test("--metrics values: loopback unless another address is named", arguments: [
        ("9464", "127.0.0.1", 9464), (":9464", "127.0.0.1", 9464), ("0.0.0.0:80", "0.0.0.0", 80),
        ("[::1]:9464", "::1", 9464), ("metrics.example:0", "metrics.example", 0),
    ])
    func parsesAddresses(text: String, host: String, port: Int) throws {
        let address = try MetricsAddress(parsing: text)
        #expect(address.host == host && address.port == port)
    }

    @Test("bad --metrics values are refused with what was expected", arguments: ["", "abc", "1:2:3", "host:70000", "host:-1", "[::1", "[::1]9464", "a/b:1", "host:"])
    func refusesAddresses(text: String) {
        #expect(throws: MetricsAddress.ParseError.self) { try MetricsAddress(parsing: text) }
    }

    @Test("the settings key takes the same values and names the line of a bad one")
    func settingsKey() throws {
        let settings = try Settings(parsing: "max_batch = 10\nmetrics = 9464\n", path: "x.conf")
        #expect(settings.metrics == MetricsAddress(host: "127.0.0.1", port: 9464))
        #expect(throws: SettingsError.self) { try Settings(parsing: "\nmetrics = nowhere\n", path: "x.conf") }
        do {
            _ = try Settings(parsing: "\nmetrics = nowhere\n", path: "x.conf")
        } catch {
            #expect(error.description.contains("x.conf:2"))
        }
    }

    @Test("pending is what is neither finished, skipped nor running, never negative")
    func pending() {
        var snapshot = MetricsSnapshot()
        snapshot.total = 10
        snapshot.finished = ["ok": 3, "failed": 1]
        snapshot.skipped = 2
        snapshot.running = 1
        #expect(snapshot.pending == 3)
        snapshot.running = 9
        #expect(snapshot.pending == 0)
    }

    @Test("a rendered exposition holds the published counts, and counters only grow")
    func exposition() {
        let metrics = JobMetrics()
        var snapshot = MetricsSnapshot()
        snapshot.total = 5
        snapshot.finished = ["ok": 2, "timeout": 1]
        snapshot.running = 1
        snapshot.workersByHost = ["alpha": 2, "beta\"quoted": 1]
        snapshot.retries = 4
        metrics.publish(snapshot, durationsMicroseconds: [1_000, 2_000_000, 30_000])
        let text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(text.contains("jobrun_job_tasks 5"))
        #expect(text.contains(#"jobrun_tasks_finished_total{status="ok"} 2"#))
        #expect(text.contains(#"jobrun_tasks_finished_total{status="timeout"} 1"#))
        #expect(text.contains("jobrun_tasks_pending 1"))
        #expect(text.contains(#"jobrun_workers{host="beta\"quoted"} 1"#))
        #expect(text.contains("jobrun_task_retries_total 4"))
        #expect(text.contains("jobrun_task_duration_seconds_count 3"))
        #expect(text.contains(#"jobrun_task_duration_seconds_bucket{le="0.05"} 2"#))
        snapshot.workersByHost = ["alpha": 1]
        snapshot.finished["ok"] = 3
        metrics.publish(snapshot, durationsMicroseconds: [5])
        let later = String(decoding: metrics.render(), as: UTF8.self)
        #expect(later.contains(#"jobrun_tasks_finished_total{status="ok"} 3"#))
        #expect(later.contains(#"jobrun_workers{host="beta\"quoted"} 0"#))
        #expect(later.contains("jobrun_task_duration_seconds_count 4"))
    }
}
