/// Where a job's tasks come from: a checked task file, a JSONL stream on a pipe, or `jobrun run`'s command
/// template over its inputs. The coordinator reads every source the same way and does not care which it is.
///
/// A source never blocks in `next()` for longer than one read that its descriptor said was ready: when it
/// needs input that has not arrived, it answers `.waiting`, and the caller polls `readinessDescriptor` before
/// asking again. Memory stays bounded whatever the input (every line and value has a size limit). Not
/// thread-safe: one caller at a time.
public protocol TaskSource: AnyObject {
    /// The next task, or why there is none now.
    func next() -> TaskSourceEvent
    /// The descriptor to poll for reading after `.waiting`; `nil` for sources that never wait.
    var readinessDescriptor: Int32? { get }
    /// How many tasks the source holds, when that is known before reading them (a checked file).
    var knownTaskCount: Int? { get }
    /// Stops reading and releases the input; `next()` then returns `.end`.
    func close()
}

/// What a `TaskSource` has next.
public enum TaskSourceEvent {
    /// A task, with its defaults applied and checked.
    case task(TaskDefinition)
    /// Nothing yet: poll `readinessDescriptor` and ask again.
    case waiting
    /// No more tasks.
    case end
    /// The input is wrong at this place; nothing after it is read.
    case problem(TaskFileProblem)
}

extension TaskFileReader: TaskSource {
    /// The next task of the file; a file never makes its reader wait.
    public func next() -> TaskSourceEvent {
        do {
            return try nextTask().map(TaskSourceEvent.task) ?? .end
        } catch {
            return .problem(error)
        }
    }

    public var readinessDescriptor: Int32? { nil }
}
