extension ReportBuilder {
    /// A report of a job from its event log (as it stands, for a running job).
    ///
    /// - Returns: the report and warnings about skipped log lines.
    /// - Throws: `MonitorError` when the job has no event log (it never started) or its metadata is unreadable.
    public static func load(_ record: JobRecord) throws(MonitorError) -> (ReportBuilder, warnings: [String]) {
        guard let metadata = record.metadata else {
            throw MonitorError("job \(record.id) has no readable job.json: \(record.metadataProblem ?? "missing")")
        }
        var state = JobState(keepFinishedTasks: true)
        var reader = EventLogReader(path: record.directory.eventLogPath)
        guard reader.forEach({ event, _ in state.apply(event) }) else {
            throw MonitorError(
                "job \(record.id) (\(metadata.name)) has no event log at \(record.directory.eventLogPath): it is \(record.displayState) "
                    + "and no task ran; see \(record.directory.coordinatorLogPath) if it exists"
            )
        }
        var status = record.displayState
        if record.isLive { status += " (report as of the last event)" }
        return (ReportBuilder(state: state, jobID: record.id, displayState: status, metadata: metadata), reader.warnings())
    }
}
