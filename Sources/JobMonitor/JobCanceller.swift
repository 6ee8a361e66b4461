#if canImport(Glibc)
import Glibc
#endif
import Clock
import JSONValue
import Coordinator

/// `jobrun cancel`: asks a running job's coordinator to stop, as a Ctrl-C in its terminal would, and waits for it to
/// end. A second cancel, like a second Ctrl-C, stops the running tasks at once.
///
/// The request goes to the control endpoint; when that does not answer but the coordinator process is alive, it
/// gets SIGINT instead. Threads: runs on the calling thread; progress goes to standard output.
public struct JobCanceller {
    /// The job to cancel.
    public let record: JobRecord

    /// A canceller for `record`.
    public init(record: JobRecord) {
        self.record = record
    }

    /// Sends the cancel request and, unless `waitSeconds` is 0, waits that long at most for the job to end.
    ///
    /// - Returns: 0 when the job ended (or the request was sent and not waited for), 1 when it is not running or
    ///   did not end in time.
    public func run(waitSeconds: Double) -> Int32 {
        guard let metadata = record.metadata else {
            FileText.standardError("jobrun: job \(record.id) cannot be cancelled: \(record.metadataProblem ?? "its job.json is missing")\n")
            return 1
        }
        guard record.isLive else {
            FileText.standardError("jobrun: job \(record.id) (\(metadata.name)) is not running: it is \(record.displayState); nothing to cancel\n")
            return 1
        }
        var how = ""
        if let endpoint = metadata.controlEndpoint,
            let reply = try? ControlClient().request("cancel", endpoint: endpoint, timeoutMilliseconds: 2000)
        {
            let count = reply["cancel_requests"]?.intValue ?? 1
            how = count > 1 ? "stopping its running tasks now" : "no new tasks start; running tasks may finish within the interrupt grace"
        } else if kill(metadata.pid, SIGINT) == 0 {
            how = "its control endpoint did not answer, so the coordinator (pid \(metadata.pid)) got SIGINT"
        } else {
            FileText.standardError("jobrun: cannot reach job \(record.id): no answer on its control endpoint and SIGINT to pid \(metadata.pid) failed: \(FileText.lastErrorText())\n")
            return 1
        }
        FileText.standardOutput("jobrun: cancelling job \(record.id) (\(metadata.name)): \(how)\n")
        guard waitSeconds > 0 else { return 0 }
        let deadline = Clocks.monotonicNanoseconds() + UInt64(waitSeconds * 1e9)
        var current = JobRecord(directory: record.directory)
        while current.isLive, Clocks.monotonicNanoseconds() < deadline {
            usleep(50_000)
            current = JobRecord(directory: record.directory)
        }
        if current.isLive {
            FileText.standardError("jobrun: job \(record.id) is still running after \(DisplayFormat.decimal(waitSeconds)) s; run `jobrun cancel \(record.id)` again to stop its running tasks now\n")
            return 1
        }
        let final = current.metadata ?? metadata
        FileText.standardOutput(
            "jobrun: job \(record.id) \(current.displayState): \(final.recorded)/\(final.total) done "
                + "(\(final.statuses.phrase(notStarted: final.notStarted))); results in \(final.resultsPath)\n")
        return 0
    }
}
