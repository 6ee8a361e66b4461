import Clock

/// What `jobrun submit` was asked to run, as the job's metadata records it.
public struct JobSubmission: Sendable {
    /// The task file, as given.
    public var taskFile: String
    /// The results path, as given (`-` for standard output).
    public var outputPath: String
    /// The `--config` settings file, as given.
    public var settingsPath: String?
    /// Local worker processes.
    public var workers: Int
    /// Slots per worker.
    public var slots: Int
    /// Whether tasks' output lines are streamed (`--stream-output`).
    public var streamOutput: Bool

    /// Describes a submission.
    public init(taskFile: String, outputPath: String, settingsPath: String?, workers: Int, slots: Int, streamOutput: Bool = false) {
        self.taskFile = taskFile
        self.outputPath = outputPath
        self.settingsPath = settingsPath
        self.workers = workers
        self.slots = slots
        self.streamOutput = streamOutput
    }

    /// The metadata of a job `id` running this submission, with absolute paths, in state `starting`.
    public func metadata(id: String, detached: Bool, createdMicroseconds: Int64 = Clocks.realTimeMicroseconds()) -> JobMetadata {
        JobMetadata(
            id: id, taskFile: FileText.absolute(taskFile), settingsPath: settingsPath.map(FileText.absolute),
            resultsPath: FileText.absolute(outputPath), workers: workers, slots: slots, detached: detached,
            streamOutput: streamOutput, createdMicroseconds: createdMicroseconds
        )
    }
}

/// How `jobrun submit` makes a job watchable: a state directory and a recorder for every job.
public enum JobWatch {
    /// The recorder for a job run in this process: a new job directory in the foreground, or the directory the
    /// `--detach` launcher prepared (`jobID`). A new directory prunes the oldest finished ones beyond
    /// `StateDirectory.keptJobs()`. When the directory cannot be made, a warning says so and the job runs unwatched
    /// (`nil`).
    public static func recorder(
        for submission: JobSubmission, jobID: String?, stateDirectory: StateDirectory = .standard()
    ) -> JobEventRecorder? {
        do {
            if let jobID {
                let directory = stateDirectory.job(jobID)
                let metadata = (try? JobMetadata.read(from: directory)) ?? submission.metadata(id: jobID, detached: true)
                return try JobEventRecorder(directory: directory, metadata: metadata)
            }
            let directory = try stateDirectory.createJob()
            stateDirectory.prune(keeping: StateDirectory.keptJobs())
            return try JobEventRecorder(directory: directory, metadata: submission.metadata(id: directory.id, detached: false))
        } catch {
            FileText.standardError("jobrun: warning: this job cannot be watched (jobrun status/tail/cancel): \(error)\n")
            return nil
        }
    }
}
