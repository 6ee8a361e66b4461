import Clock

/// One job found in the state directory, with its metadata and whether its coordinator is alive.
public struct JobRecord: Sendable {
    /// The job's directory.
    public let directory: JobDirectory
    /// Its `job.json`, when readable.
    public let metadata: JobMetadata?
    /// Why `job.json` could not be read.
    public let metadataProblem: String?
    /// Whether the coordinator process recorded in `job.json` is still running.
    public let coordinatorAlive: Bool

    /// Reads a job's metadata and checks its coordinator process.
    public init(directory: JobDirectory, nowMicroseconds: Int64 = Clocks.realTimeMicroseconds()) {
        self.directory = directory
        do {
            let metadata = try JobMetadata.read(from: directory)
            self.metadata = metadata
            metadataProblem = nil
            if metadata.pid == 0 {
                // A detached job whose coordinator has not recorded itself yet.
                coordinatorAlive = metadata.state == .starting && nowMicroseconds - metadata.createdMicroseconds < 10_000_000
            } else {
                coordinatorAlive = ProcessProbe.isRunning(pid: metadata.pid, startTime: metadata.pidStartTime)
            }
        } catch {
            metadata = nil
            metadataProblem = error.description
            coordinatorAlive = false
        }
    }

    /// The job id.
    public var id: String { directory.id }

    /// Whether the job is running (or starting) and its coordinator can be reached.
    public var isLive: Bool { (metadata?.state.isActive ?? false) && coordinatorAlive }

    /// Whether the job was running (or starting) when its coordinator died.
    public var coordinatorDied: Bool { (metadata?.state.isActive ?? false) && !coordinatorAlive }

    /// The state to show: the recorded one, `died` when the coordinator is gone without having ended the job,
    /// `unknown` when `job.json` cannot be read.
    public var displayState: String {
        guard let metadata else { return "unknown" }
        return coordinatorDied ? "died" : metadata.state.rawValue
    }
}

/// The jobs recorded in a state directory, and how a user's job argument picks one.
public struct JobCatalog: Sendable {
    /// Where the jobs are.
    public let stateDirectory: StateDirectory

    /// The catalog of `stateDirectory`.
    public init(stateDirectory: StateDirectory = .standard()) {
        self.stateDirectory = stateDirectory
    }

    /// Every job, oldest first.
    public func records() -> [JobRecord] {
        stateDirectory.jobIDs().map { JobRecord(directory: stateDirectory.job($0)) }
    }

    /// The job a user named: its full id, or a unique prefix or suffix of one (the last four hex digits are
    /// enough); the newest job when `query` is nil.
    ///
    /// - Throws: `MonitorError` saying no job matches (listing the known ones) or several do (listing them).
    public func resolve(_ query: String?) throws(MonitorError) -> JobRecord {
        let ids = stateDirectory.jobIDs()
        guard let query, !query.isEmpty else {
            guard let newest = ids.last else { throw MonitorError("no jobs recorded in \(stateDirectory.path) yet; start one with `jobrun submit FILE`") }
            return JobRecord(directory: stateDirectory.job(newest))
        }
        if ids.contains(query) { return JobRecord(directory: stateDirectory.job(query)) }
        let matches = ids.filter { $0.hasPrefix(query) || $0.hasSuffix(query) }
        if matches.count == 1 { return JobRecord(directory: stateDirectory.job(matches[0])) }
        if matches.count > 1 {
            throw MonitorError("job \"\(query)\" is ambiguous: it matches \(matches.joined(separator: ", ")); give more of the id")
        }
        // A job can be named by its task file's name, when one job alone has it.
        let named = ids.filter { JobRecord(directory: stateDirectory.job($0)).metadata?.name == query }
        if named.count == 1 { return JobRecord(directory: stateDirectory.job(named[0])) }
        if named.count > 1 {
            throw MonitorError("\(named.count) jobs ran \"\(query)\": \(named.joined(separator: ", ")); give the id of one")
        }
        throw MonitorError(unknownJobMessage(query, ids: ids))
    }

    /// The message for an unknown job id: where jobs were looked for and the most recent known ones.
    func unknownJobMessage(_ query: String, ids: [String]) -> String {
        guard !ids.isEmpty else {
            return "no job \"\(query)\": no jobs are recorded in \(stateDirectory.path) (set JOBRUN_STATE_DIR if they are elsewhere)"
        }
        var lines = ["no job \"\(query)\" in \(stateDirectory.path); known jobs (newest last):"]
        let shown = ids.suffix(20)
        if ids.count > shown.count { lines.append("  … \(ids.count - shown.count) older jobs (see `jobrun status`)") }
        for id in shown {
            let record = JobRecord(directory: stateDirectory.job(id))
            lines.append("  \(id)  \(record.metadata?.name ?? "?")  \(record.displayState)")
        }
        return lines.joined(separator: "\n")
    }
}
