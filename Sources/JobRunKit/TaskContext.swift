import ChildProcess

/// What a running task can use besides its arguments: its identity and the worker's services — CPU slots, HTTP,
/// files, child processes, timers, bounded concurrent subtasks and progress reports.
///
/// Every IO operation is async and honours cancellation (a task's timeout or the job's cancellation). A context is
/// handed to `TaskHandler.run` and is valid for that call only.
public struct TaskContext: Sendable {
    /// The task's position in the task file, from 0 (stable across attempts).
    public let sequence: UInt64
    /// Which execution of the task this is, from 1.
    public let attempt: Int
    let services: WorkerServices

    /// Creates a context; workers do this for every task.
    public init(sequence: UInt64, attempt: Int, services: WorkerServices) {
        self.sequence = sequence
        self.attempt = attempt
        self.services = services
    }

    /// Runs a CPU-bound closure on one of the worker's CPU slots (never the cooperative pool) and returns its value.
    /// Waits for a free slot first. The closure cannot be interrupted: check nothing, keep it to one computation.
    public func compute<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try Task.checkCancellation()
        return try await services.cpu.run(body)
    }

    /// Waits for `milliseconds` without holding a thread or a CPU slot; throws `CancellationError` if cancelled.
    public func sleep(milliseconds: Int) async throws {
        try await Task.sleep(nanoseconds: UInt64(max(milliseconds, 0)) * 1_000_000)
    }

    /// Fetches `url` with GET through the worker's shared, pooled HTTP client.
    /// - Throws: `HTTPFetchError` (invalid URL, body over `maxBytes`, timeout, connection failure) or
    ///   `CancellationError`. A non-2xx status is not an error: check `status`.
    public func httpGet(
        _ url: String, headers: [(String, String)] = [], maxBytes: Int = 16 << 20, timeoutMilliseconds: Int = 30_000
    ) async throws -> HTTPResponse {
        try await services.http.get(url, headers: headers, maxBytes: maxBytes, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Reads a whole file (on a thread of its own, not a CPU slot).
    ///
    /// - Throws: `TaskFailure` naming the file when it cannot be read or has more than `maxBytes` bytes (so a
    ///   device or an endless pipe cannot exhaust the worker's memory).
    public func readFile(_ path: String, maxBytes: Int = 1 << 30) async throws -> [UInt8] {
        try Task.checkCancellation()
        return try await BlockingCall.run { try FileIO.read(path, maxBytes: maxBytes) }
    }

    /// Writes `bytes` to a file, replacing it (on a thread of its own).
    public func writeFile(_ path: String, _ bytes: [UInt8]) async throws {
        try Task.checkCancellation()
        try await BlockingCall.run { try FileIO.write(bytes, to: path) }
    }

    /// Runs a program to completion and returns its exit status and captured output (each stream capped at
    /// `outputCap` bytes). Waiting holds no CPU slot. Cancellation sends SIGTERM to the child's process group, then
    /// SIGKILL after a second.
    public func run(
        _ argv: [String], environment: [String: String] = [:], workingDirectory: String? = nil, stdin: [UInt8]? = nil,
        outputCap: Int = 65_536
    ) async throws -> ProcessOutput {
        guard let program = argv.first else { throw TaskFailure("run: empty argv", retryable: false) }
        var configuration = SpawnConfiguration(executable: program, arguments: Array(argv.dropFirst()))
        configuration.environment = environment
        configuration.workingDirectory = workingDirectory
        configuration.stdin = stdin
        configuration.outputCap = outputCap
        configuration.newProcessGroup = true
        return try await ChildRun.run(configuration, blocking: BlockingCall.run)
    }

    /// Runs `body` for every input concurrently — at most `concurrency` at once, and never more than the worker's
    /// IO limit across all its tasks — and returns each outcome in input order (the analogue of `asyncio.gather`
    /// with `return_exceptions=True`). Cancelling the task cancels every subtask.
    public func gather<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], concurrency: Int? = nil, _ body: @escaping @Sendable (Input) async throws -> Output
    ) async -> [Result<Output, any Error>] {
        let limiter = AsyncLimiter(limit: min(concurrency ?? services.ioConcurrency, services.ioConcurrency))
        let shared = services.ioLimiter
        return await withTaskGroup(of: (Int, Result<Output, any Error>).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask {
                    await limiter.acquire()
                    defer { limiter.release() }
                    await shared.acquire()
                    defer { shared.release() }
                    do {
                        try Task.checkCancellation()
                        return (index, .success(try await body(input)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var outcomes = [Result<Output, any Error>?](repeating: nil, count: inputs.count)
            for await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.map { $0 ?? .failure(CancellationError()) }
        }
    }

    /// Reports how far the task has come (`fraction` from 0 to 1) and what it is doing; shown in the coordinator's
    /// progress display. Cheap: call it as often as useful.
    public func reportProgress(fraction: Double? = nil, message: String? = nil) {
        services.progress(sequence, fraction.map { min(max($0, 0), 1) }, message)
    }
}
