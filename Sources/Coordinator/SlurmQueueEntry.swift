/// One line of `squeue --noheader --format=%i|%T|%N|%L` about a worker job: id, state, node and time left.
/// Pure value, safe from any thread.
public struct SlurmQueueEntry: Sendable, Equatable {
    public var jobID: String
    /// Slurm's long state name: `PENDING`, `RUNNING`, `COMPLETING`, `CANCELLED`, `TIMEOUT`, ...
    public var state: String
    /// The node it runs on (empty while pending).
    public var node: String
    /// Seconds until its time limit; `nil` for no limit or while unknown.
    public var secondsLeft: Int?

    public init(jobID: String, state: String, node: String, secondsLeft: Int?) {
        self.jobID = jobID
        self.state = state
        self.node = node
        self.secondsLeft = secondsLeft
    }

    /// The format string this type parses.
    public static let squeueFormat = "%i|%T|%N|%L"

    /// Parses squeue's output; lines that do not have four fields are skipped (squeue prints nothing else here).
    public static func parse(_ output: String) -> [SlurmQueueEntry] {
        output.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map {
                String($0).trimmingCharacters(in: " \t\r")
            }
            guard fields.count == 4, !fields[0].isEmpty else { return nil }
            return SlurmQueueEntry(jobID: fields[0], state: fields[1], node: fields[2], secondsLeft: seconds(fields[3]))
        }
    }

    /// Slurm's time text (`[days-]hours:minutes:seconds`, `minutes:seconds`, `UNLIMITED`, `INVALID`) in seconds.
    public static func seconds(_ text: String) -> Int? {
        var days = 0
        var rest = Substring(text)
        if let dash = rest.firstIndex(of: "-") {
            guard let value = Int(rest[..<dash]) else { return nil }
            days = value
            rest = rest[rest.index(after: dash)...]
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.count <= 3, parts.allSatisfy({ $0 != nil && $0! >= 0 }) else { return nil }
        var total = 0
        for part in parts { total = total * 60 + part! }
        if parts.count == 1 { total *= 60 }  // a bare number is minutes
        return days * 86_400 + total
    }

    /// Whether the job still holds (or waits for) its node.
    public var isAlive: Bool { ["PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "RESIZING", "SUSPENDED", "REQUEUED"].contains(state) }

    /// Whether its agent may be running now.
    public var isRunning: Bool { state == "RUNNING" || state == "CONFIGURING" && !node.isEmpty }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
