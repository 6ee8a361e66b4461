#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import JSONValue
import JobRunKit
import TaskFile
import WireProtocol

/// Runs one assigned task, whatever its kind, and turns its outcome into a `TaskResult`.
///
/// Built-in and registered kinds run through their `TaskHandler`; exec and shell tasks run as child processes
/// on the slot's CPU thread (they hold the slot while they run), each in its own `ProcessTree`: the task ends when
/// its process ends, and whatever it left running is stopped then. A task's `timeout` stops it: every process of
/// its tree gets SIGTERM, then SIGKILL after the kill grace; a handler is cancelled. A `memory` limit holds the
/// whole tree. Nothing here throws: every failure
/// becomes a failed result with its class and an `error` sentence.
struct TaskExecutor: Sendable {
    let handlers: HandlerRegistry
    let workerName: String
    let outputCap: Int
    let killGraceMilliseconds: Int
    let children: RunningChildren
    /// Where exec/shell tasks' output lines go as they are written, when the job streams output.
    let outputLines: OutputLineBuffer?
    /// Called when a handler ignored its timeout's cancellation for the whole kill grace: the worker must be
    /// replaced, since the slot's CPU thread may never come back.
    let stuck: @Sendable (UInt64) -> Void

    let services: WorkerServices

    /// Runs `task`. `onSlotThread`: the caller runs on a `SlotThread` of its own, which a command's run may block
    /// instead of waiting on a CPU thread.
    func execute(_ task: PreparedTask, onSlotThread: Bool = false) async -> TaskResult {
        let assignment = task.assignment
        let startedAt = Clocks.realTimeMicroseconds()
        let start = Clocks.monotonicNanoseconds()
        let outcome = await outcome(of: task, onSlotThread: onSlotThread)
        let elapsed = (Clocks.monotonicNanoseconds() - start) / 1000
        return TaskResult(
            sequence: assignment.sequence, attempt: assignment.attempt, outcome: outcome.outcome,
            retryable: outcome.retryable, startedAtMicroseconds: startedAt, durationMicroseconds: elapsed,
            body: outcome.body
        )
    }

    private func outcome(of task: PreparedTask, onSlotThread: Bool) async -> ResultBody {
        let spec: TaskSpec
        switch task.spec {
        case .success(let decoded): spec = decoded
        case .failure(let error):
            return .failure(
                .error, "worker \(workerName) could not read the task sent by the coordinator: \(error)", retryable: false)
        }
        let assignment = task.assignment
        switch spec.command {
        case .run(let kind, let arguments):
            return await runHandler(kind: kind, arguments: arguments, timeout: spec.timeout, assignment: assignment)
        case .exec(let argv):
            return await runProcess(argv: argv, spec: spec, assignment: assignment, onSlotThread: onSlotThread)
        case .shell(let command):
            return await runProcess(
                argv: ["/bin/sh", "-c", command], spec: spec, assignment: assignment, onSlotThread: onSlotThread)
        }
    }

    private func runHandler(
        kind: String, arguments: JSONValue, timeout: Double?, assignment: TaskAssignment
    ) async -> ResultBody {
        guard let handler = handlers[kind] else {
            let offered = handlers.names.joined(separator: ", ")
            return .failure(.error, "worker \(workerName) has no task kind \"\(kind)\"; it offers: \(offered)", retryable: false)
        }
        do {
            try handler.validate(arguments)
        } catch {
            return .failure(.error, "\(error)", retryable: false)
        }
        let context = TaskContext(sequence: assignment.sequence, attempt: Int(assignment.attempt), services: services)
        let sequence = assignment.sequence
        let stuck = self.stuck
        let timed = await runWithTimeout(seconds: timeout, graceMilliseconds: killGraceMilliseconds, stuck: { stuck(sequence) }) {
            try await handler.run(arguments, context: context)
        }
        switch timed {
        case .timedOut:
            return .failure(.timeout, "ran past its timeout of \(Self.seconds(timeout)) and was cancelled", retryable: true)
        case .finished(.success(let value)):
            return .success(value)
        case .finished(.failure(let error)):
            if error is CancellationError || Task.isCancelled {
                return .failure(.cancelled, "cancelled before it finished", retryable: false)
            }
            if let failure = error as? TaskFailure {
                return .failure(.error, failure.description, retryable: failure.retryable, result: failure.result)
            }
            return .failure(.error, "\(error)", retryable: true)
        }
    }

    /// Runs a command. It holds a CPU slot for its whole run unless the task says `"io": true`.
    private func runProcess(argv: [String], spec: TaskSpec, assignment: TaskAssignment, onSlotThread: Bool) async -> ResultBody {
        let sequence = assignment.sequence
        var configuration = SpawnConfiguration(executable: argv[0], arguments: Array(argv.dropFirst()))
        configuration.environment = spec.environment
        configuration.workingDirectory = spec.workingDirectory
        configuration.stdin = spec.stdin.map { Array($0.utf8) }
        configuration.captureOutput = true
        configuration.outputCap = outputCap
        configuration.newProcessGroup = true
        let tree = ProcessTree(label: "\(sequence)-\(assignment.attempt)", memoryLimitBytes: spec.memoryLimitBytes)
        configuration.processTree = tree
        let children = self.children
        let launch = configuration
        let watchdog = spec.timeout.map { seconds in
            ProcessWatchdog(sequence: sequence, seconds: seconds, graceMilliseconds: killGraceMilliseconds, children: children)
        }
        defer { watchdog?.disarm() }
        let outputLines = self.outputLines
        do {
            let wait = { @Sendable () throws -> ProcessOutput in
                defer { children.remove(sequence: sequence) }
                let sink = outputLines.map { TaskOutputSink(buffer: $0, sequence: sequence, attempt: assignment.attempt) }
                return try ProcessRunner.run(launch, started: { children.add($0, tree: tree, sequence: sequence) }, sink: sink)
            }
            let output =
                if spec.io { try await BlockingCall.run(wait) } else if onSlotThread {
                    try await services.cpu.runHoldingSlot(wait)
                } else { try await services.cpu.run(wait) }
            let stoppedBecause: TaskOutcome? =
                watchdog?.fired == true ? .timeout : (children.isCancelling ? .cancelled : nil)
            if ProcessEnding.mayHaveDiedWithHost(output.status, memory: output.memory, stoppedBecause: stoppedBecause) {
                // When the host is going down the worker's own SIGTERM arrives within this wait and the worker
                // stops without sending this result; otherwise (cancellation included) it is sent as it is.
                try? await Task.sleep(for: .milliseconds(ProcessEnding.hostStopGraceMilliseconds))
            }
            return .process(output, stoppedBecause: stoppedBecause)
        } catch {
            // A command that cannot start will not start next time either.
            return .failure(.error, "\(error)", retryable: false)
        }
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "?" }
        return value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
