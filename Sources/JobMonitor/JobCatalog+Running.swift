extension JobCatalog {
    /// The newest job whose coordinator is running (what `jobrun cancel` with no id stops).
    ///
    /// - Throws: a message saying no job is running, naming the newest one and its state.
    public func newestRunning() throws(MonitorError) -> JobRecord {
        let ids = stateDirectory.jobIDs()
        for id in ids.reversed() {
            let record = JobRecord(directory: stateDirectory.job(id))
            if record.isLive { return record }
        }
        guard let newest = ids.last else {
            throw MonitorError("no jobs recorded in \(stateDirectory.path) yet; nothing to cancel")
        }
        let record = JobRecord(directory: stateDirectory.job(newest))
        throw MonitorError("no job is running; the newest, \(newest), is \(record.displayState)")
    }
}
