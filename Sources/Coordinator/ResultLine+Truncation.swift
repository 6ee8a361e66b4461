extension ResultLine {
    /// Whether a worker's result body says its stdout or stderr was cut at the output cap (`"stdout_truncated":true`
    /// or `"stderr_truncated":true`, which the worker writes after the captured text).
    static func saysTruncated(_ body: [UInt8]) -> Bool {
        let marker = Array(#"_truncated":true"#.utf8)
        guard body.count >= marker.count else { return false }
        // The marker follows the captured output, near the end of the body.
        let searchFrom = body.count > 4096 ? body.count - 4096 : 0
        var index = searchFrom
        while index + marker.count <= body.count {
            if body[index] == marker[0], Array(body[index..<(index + marker.count)]) == marker { return true }
            index += 1
        }
        return false
    }
}
