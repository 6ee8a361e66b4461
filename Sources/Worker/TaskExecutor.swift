import ChildProcess
import Clock
import JSONValue
import JobRun
import TaskFile
import WireProtocol

/// Runs one assigned task, whatever its kind, and turns its outcome into a `TaskResult`.
///
/// Built-in and registered kinds run through their `TaskHandler`; exec and shell tasks run as child processes
/// on the slot's CPU thread (they hold the slot while they run). Nothing here throws: every failure becomes a
/// failed result with an `error` sentence.
struct TaskExecutor: Sendable {
    let handlers: HandlerRegistry
    let workerName: String
    let outputCap: Int
    let children: RunningChildren

    func execute(_ assignment: TaskAssignment, cpu: CPUThread) async -> TaskResult {
        let startedAt = Clocks.realTimeMicroseconds()
        let start = Clocks.monotonicNanoseconds()
        let outcome = await outcome(of: assignment, cpu: cpu)
        let elapsed = (Clocks.monotonicNanoseconds() - start) / 1000
        return TaskResult(
            sequence: assignment.sequence, attempt: assignment.attempt, succeeded: outcome.succeeded,
            startedAtMicroseconds: startedAt, durationMicroseconds: elapsed, body: outcome.body
        )
    }

    private func outcome(of assignment: TaskAssignment, cpu: CPUThread) async -> ResultBody {
        let spec: TaskSpec
        do {
            spec = try TaskSpec(json: try JSONParser.parse(assignment.spec))
        } catch {
            return .failure("worker \(workerName) could not read the task sent by the coordinator: \(error)")
        }
        switch spec.command {
        case .run(let kind, let arguments):
            return await runHandler(kind: kind, arguments: arguments, assignment: assignment, cpu: cpu)
        case .exec(let argv):
            return await runProcess(argv: argv, spec: spec, sequence: assignment.sequence, cpu: cpu)
        case .shell(let command):
            return await runProcess(argv: ["/bin/sh", "-c", command], spec: spec, sequence: assignment.sequence, cpu: cpu)
        }
    }

    private func runHandler(kind: String, arguments: JSONValue, assignment: TaskAssignment, cpu: CPUThread) async -> ResultBody {
        guard let handler = handlers[kind] else {
            let offered = handlers.names.joined(separator: ", ")
            return .failure("worker \(workerName) has no task kind \"\(kind)\"; it offers: \(offered)")
        }
        do {
            try handler.validate(arguments)
            let context = TaskContext(sequence: assignment.sequence, attempt: Int(assignment.attempt), cpu: cpu)
            return .success(try await handler.run(arguments, context: context))
        } catch is CancellationError {
            return .failure("cancelled before it finished")
        } catch {
            return .failure("\(error)")
        }
    }

    private func runProcess(argv: [String], spec: TaskSpec, sequence: UInt64, cpu: CPUThread) async -> ResultBody {
        var configuration = SpawnConfiguration(executable: argv[0], arguments: Array(argv.dropFirst()))
        configuration.environment = spec.environment
        configuration.workingDirectory = spec.workingDirectory
        configuration.stdin = spec.stdin.map { Array($0.utf8) }
        configuration.captureOutput = true
        configuration.outputCap = outputCap
        configuration.newProcessGroup = true
        let children = self.children
        let launch = configuration
        do {
            let output = try await cpu.run { () throws -> ProcessOutput in
                defer { children.remove(sequence: sequence) }
                return try ProcessRunner.run(launch) { children.add($0, sequence: sequence) }
            }
            return .process(output)
        } catch {
            return .failure("\(error)")
        }
    }
}
