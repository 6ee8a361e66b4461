#if canImport(Glibc)
import Glibc
#endif
public import JobRun

/// The entry point of a custom worker program: jobrun's built-in kinds plus your own handlers.
///
/// ```swift
/// import JobRun
/// import Worker
///
/// exit(WorkerMain.run(handlers: [WordCountHandler()]))
/// ```
///
/// Run jobs on it with `jobrun submit tasks.json --worker-command PATH`: the coordinator starts
/// `PATH worker --connect ENDPOINT --slots N --io-concurrency N --http-connections-per-host N`.
public enum WorkerMain {
    /// Parses the worker arguments (`worker` first is optional), runs the worker, and returns its exit status.
    public static func run(handlers: [any TaskHandler], arguments: [String] = CommandLine.arguments) -> Int32 {
        var registry = HandlerRegistry.builtIn
        for handler in handlers { registry.register(handler) }
        var options = Array(arguments.dropFirst())
        if options.first == "worker" { options.removeFirst() }
        var endpoint: String?
        var configuration = WorkerConfiguration.fromEnvironment(registerEndpoint: "", handlers: registry)
        while let option = options.first {
            options.removeFirst()
            guard let value = options.first else { return usage("\(option) needs a value") }
            options.removeFirst()
            switch option {
            case "--connect": endpoint = value
            case "--slots", "--io-concurrency", "--http-connections-per-host":
                guard let number = Int(value), number >= 1 else { return usage("\(option) takes a whole number >= 1") }
                if option == "--slots" { configuration.slots = number }
                if option == "--io-concurrency" { configuration.ioConcurrency = number }
                if option == "--http-connections-per-host" { configuration.httpConnectionsPerHost = number }
            default: return usage("unknown option \(option)")
            }
        }
        guard let endpoint else { return usage("--connect ENDPOINT is required") }
        configuration.registerEndpoint = endpoint
        return WorkerRuntime(configuration: configuration).run()
    }

    private static func usage(_ problem: String) -> Int32 {
        WorkerRuntime.report(
            "worker: \(problem)\nusage: \(CommandLine.arguments.first ?? "worker") [worker] --connect ENDPOINT "
                + "[--slots N] [--io-concurrency N] [--http-connections-per-host N]")
        return 2
    }
}

extension WorkerConfiguration {
    /// A configuration taking the token and parent pid a coordinator passes to the workers it starts
    /// (`JOBRUN_TOKEN`, `JOBRUN_PARENT_PID`). Both are removed from the environment once read, so the tasks this
    /// worker runs never see the job's token (with it, a task could register fake workers).
    public static func fromEnvironment(registerEndpoint: String, handlers: HandlerRegistry) -> WorkerConfiguration {
        let variable = { (name: String) in getenv(name).map { String(cString: $0) } }
        let configuration = WorkerConfiguration(
            registerEndpoint: registerEndpoint, token: variable("JOBRUN_TOKEN") ?? "",
            parentPID: variable("JOBRUN_PARENT_PID").flatMap { Int32($0) }, handlers: handlers)
        unsetenv("JOBRUN_TOKEN")
        unsetenv("JOBRUN_PARENT_PID")
        return configuration
    }
}
