import TaskFile
import WireProtocol

/// Packs a worker's starts and finished results into `results` messages that each fit the coordinator's frame limit
/// (`max_frame_bytes`, from its `Welcome`). ZeroMQ drops a frame over the limit without telling either side, so a
/// result too big for any frame is replaced by a failure that names its size and the limit: every task still ends
/// with a recorded result. Pure: the socket loop only sends what it returns.
enum ResultPacking {
    /// Bytes a `results` frame needs besides its results' bodies: the header and worker id, plus per start and per
    /// result their numbers (generous varint sizes).
    static let frameOverhead = 16
    static let startOverhead = 16
    static let resultOverhead = 40

    /// `result` itself, or a failure (`error`, not retried) when its body does not fit a frame of `maxFrameBytes`.
    static func fitting(_ result: TaskResult, maxFrameBytes: Int) -> TaskResult {
        let room = maxFrameBytes - frameOverhead - resultOverhead
        guard result.body.count > room else { return result }
        let size = ByteSize(bytes: UInt64(result.body.count))
        let limit = ByteSize(bytes: UInt64(maxFrameBytes))
        let failure = ResultBody.failure(
            .error,
            "its result is \(size) (\(result.body.count) bytes), more than the coordinator accepts in one message "
                + "(max_frame_bytes = \(maxFrameBytes), \(limit)); write large output to a file and return its path, "
                + "or raise max_frame_bytes in the settings",
            retryable: false)
        var replaced = result
        replaced.outcome = failure.outcome
        replaced.retryable = failure.retryable
        replaced.body = failure.body
        return replaced
    }

    /// The messages that carry `started` and `finished`, in order, each at most about `preferredBytes` (smaller when
    /// the frame limit is) and never over `maxFrameBytes`. Starts ride in the first message.
    static func messages(
        workerID: UInt32, started: [StartedTask], finished: [TaskResult], maxFrameBytes: Int, preferredBytes: Int
    ) -> [WireMessage] {
        let budget = min(preferredBytes, maxFrameBytes) - frameOverhead
        var messages: [WireMessage] = []
        var pendingStarts = started
        var batch: [TaskResult] = []
        var bytes = 0
        func close() {
            messages.append(.results(workerID: workerID, started: pendingStarts, batch))
            pendingStarts = []
            batch = []
            bytes = 0
        }
        // Starts alone may overflow a frame when there are very many; they go out in their own messages first.
        while pendingStarts.count * startOverhead > budget {
            let count = max(budget / startOverhead, 1)
            messages.append(.results(workerID: workerID, started: Array(pendingStarts.prefix(count)), []))
            pendingStarts.removeFirst(count)
        }
        bytes = pendingStarts.count * startOverhead
        for result in finished {
            let fitted = fitting(result, maxFrameBytes: maxFrameBytes)
            let size = fitted.body.count + resultOverhead
            if !batch.isEmpty || !pendingStarts.isEmpty, bytes + size > budget { close() }
            batch.append(fitted)
            bytes += size
        }
        if !batch.isEmpty || !pendingStarts.isEmpty { close() }
        return messages
    }
}
