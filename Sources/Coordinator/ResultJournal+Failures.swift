extension ResultJournal {
    /// Whether the earlier run recorded the task with `key` as failed or timed out.
    func recordsFailure(key: String) -> Bool {
        guard let status = entries[key]?.status else { return false }
        return status == "failed" || status == "timeout"
    }
}
