/// One job's state directory: its metadata, event log, coordinator log and (while it runs) socket files.
///
/// A value naming paths; nothing is created or read until a caller does so. Safe to share between threads.
public struct JobDirectory: Sendable, Equatable {
    /// The job's id, which is also the directory's name.
    public let id: String
    /// The directory's path.
    public let path: String

    /// Names the directory `path` of job `id`.
    public init(id: String, path: String) {
        self.id = id
        self.path = path
    }

    /// `job.json`: what the job is and where it stands (see `JobMetadata`).
    public var metadataPath: String { path + "/job.json" }
    /// `events.ndjson`: one JSON event a line, appended while the job runs.
    public var eventLogPath: String { path + "/events.ndjson" }
    /// `coordinator.log`: standard output and error of a detached coordinator.
    public var coordinatorLogPath: String { path + "/coordinator.log" }

    /// The path of a socket file in this directory, when it fits in a Unix socket address (107 bytes);
    /// `nil` when the directory's path is too long and the sockets must live elsewhere.
    public func socketPath(_ name: String) -> String? {
        let candidate = path + "/" + name
        return candidate.utf8.count <= 100 ? candidate : nil
    }
}
