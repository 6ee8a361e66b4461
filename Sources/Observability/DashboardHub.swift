import Clock
import JobMonitor
import JSONValue
import NIOCore
import NIOHTTP1

/// The live dashboard's side of the server: follows the job's event log into a `JobState`, draws the report's
/// summary, timeline and worker rows with `ReportBuilder` (the same drawing as `jobrun report`), and pushes them
/// to every open `/events` stream as server-sent events.
///
/// It reads the event log the coordinator's recorder writes, so it observes exactly the events `jobrun tail`
/// sees and costs the coordinator nothing; with no viewer open it reads nothing. Updates go out at most twice a
/// second and only when something changed; a viewer too slow to take one misses it (the next carries the whole
/// state again).
///
/// Threads: `@unchecked Sendable` because every mutable field is touched only on `eventLoop`: the HTTP handlers
/// run there, and `start`/`finish` hop there.
final class DashboardHub: @unchecked Sendable {
    let eventLoop: any EventLoop
    private let eventLogPath: String?
    private let jobID: String
    private let metrics: JobMetrics
    private var state = JobState(keepFinishedTasks: true)
    private var reader: EventLogReader?
    private var logOffset = 0
    private var clients: [ObjectIdentifier: any Channel] = [:]
    private var lastSent: [UInt8] = []
    private var sinceKeepAlive = 0
    private var timer: RepeatedTask?
    /// Open `/events` streams at most; more viewers get 503.
    static let maxClients = 32
    static let updateInterval = TimeAmount.milliseconds(500)

    init(eventLoop: any EventLoop, eventLogPath: String?, jobID: String, metrics: JobMetrics) {
        self.eventLoop = eventLoop
        self.eventLogPath = eventLogPath
        self.jobID = jobID
        self.metrics = metrics
        self.reader = eventLogPath.map { EventLogReader(path: $0) }
    }

    /// Starts the periodic updates.
    func start() {
        eventLoop.execute {
            self.timer = self.eventLoop.scheduleRepeatedTask(initialDelay: Self.updateInterval, delay: Self.updateInterval) { _ in
                self.update()
            }
        }
    }

    /// Sends the final state and an `ended` event, then closes every stream. Waits until done.
    func finish() {
        try? eventLoop.submit {
            self.timer?.cancel()
            self.timer = nil
            if !self.clients.isEmpty {
                self.update()
                let ending = self.metrics.snapshot.ending ?? "ended"
                self.broadcast(Array("event: ended\ndata: \(ending)\n\n".utf8))
            }
            for channel in self.clients.values { channel.close(promise: nil) }
            self.clients.removeAll()
        }.wait()
    }

    var canAdd: Bool {
        eventLoop.preconditionInEventLoop()
        return clients.count < Self.maxClients
    }

    /// A new `/events` stream: it gets the current state at once.
    func add(_ channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        clients[ObjectIdentifier(channel)] = channel
        catchUp()
        write(message(), to: channel)
    }

    func remove(_ channel: any Channel) {
        eventLoop.preconditionInEventLoop()
        clients.removeValue(forKey: ObjectIdentifier(channel))
    }

    /// The dashboard page, drawn with the current state so it shows something before the first update.
    func page() -> String {
        eventLoop.preconditionInEventLoop()
        catchUp()
        var html = ReportBuilder.pageHead(title: "jobrun: \(jobID) (live)")
        html += "\n<style>#live { color: #3a9d5d; } #live.off { color: #8a8a8a; }</style></head><body>\n"
        html += "<p class=\"sub\" id=\"live\">live: updates as the job runs</p>\n"
        for (name, section) in sections() {
            if name == "timeline" { html += "<h2>Timeline</h2>\n" }
            if name == "workers" { html += "<h2>Workers</h2>\n" }
            html += "<div id=\"\(name)\">\(section)</div>\n"
        }
        html += "<script>\n" + Self.script + "</script>\n</body></html>\n"
        return html
    }

    // MARK: - Internals

    private func update() {
        guard !clients.isEmpty else { return }
        catchUp()
        let next = message()
        if next != lastSent {
            broadcast(next)
            sinceKeepAlive = 0
        } else {
            sinceKeepAlive += 1
            // A comment line now and then finds viewers that went away without closing.
            if sinceKeepAlive >= 30 {
                broadcast(Array(": keep-alive\n\n".utf8))
                sinceKeepAlive = 0
            }
        }
    }

    /// Applies the events logged since the last read.
    private func catchUp() {
        guard var current = reader else { return }
        if let offset = current.scan(from: logOffset, while: { event, _ in
            state.apply(event)
            return true
        }) {
            logOffset = offset
        }
        reader = current
    }

    private func sections() -> [(name: String, html: String)] {
        var shown = state
        if eventLogPath == nil {
            // No event log: the counts come from the metrics.
            let snapshot = metrics.snapshot
            let ok = snapshot.finished["ok"] ?? 0
            shown.update(JobState.Totals(
                total: snapshot.total, succeeded: ok, failed: snapshot.finishedCount - ok,
                workers: snapshot.workersByHost.values.reduce(0, +), busyWorkers: snapshot.busyWorkers,
                elapsedMicroseconds: 0), at: Clocks.realTimeMicroseconds())
            shown.ending = snapshot.ending
        }
        let display = shown.ending ?? (shown.info == nil && eventLogPath != nil ? "starting" : "running")
        return ReportBuilder(state: shown, jobID: jobID, displayState: display, metadata: nil).liveSections()
    }

    /// One `update` event carrying every section as JSON.
    private func message() -> [UInt8] {
        let parts = sections().map { ($0.name, JSONValue.string($0.html)) }
        var bytes = Array("event: update\ndata: ".utf8)
        bytes += JSONValue.object(JSONObject(parts)).serialized
        bytes += Array("\n\n".utf8)
        return bytes
    }

    private func broadcast(_ bytes: [UInt8]) {
        lastSent = bytes
        for channel in clients.values { write(bytes, to: channel) }
    }

    private func write(_ bytes: [UInt8], to channel: any Channel) {
        // A viewer that cannot take more now skips this update; the next one has the whole state.
        guard channel.isWritable else { return }
        let part = HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: bytes)))
        channel.writeAndFlush(part, promise: nil)
    }

    /// The page's only script: follow `/events` and swap in each section. No network beyond this server.
    static let script = """
        (function () {
          var status = document.getElementById("live");
          if (!window.EventSource) { status.textContent = "this browser cannot follow the job live: reload to update"; return; }
          var source = new EventSource("events");
          source.addEventListener("update", function (event) {
            var parts = JSON.parse(event.data);
            for (var name in parts) { var element = document.getElementById(name); if (element) { element.innerHTML = parts[name]; } }
          });
          source.addEventListener("ended", function (event) {
            status.textContent = "the job ended (" + event.data + ")"; status.className = "off"; source.close();
          });
          source.onerror = function () { status.textContent = "not connected to the job (it may have ended)"; status.className = "off"; };
        })();

        """
}
