#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
public import JobRunKit
import SystemIO

/// The entry point of a custom worker program: jobrun's built-in kinds plus your own handlers.
///
/// ```swift
/// import JobRunKit
/// import Worker
///
/// exit(WorkerMain.run(handlers: [WordCountHandler()]))
/// ```
///
/// Run jobs on it with `jobrun submit tasks.json --worker-command PATH`: the coordinator starts
/// `PATH worker --connect ENDPOINT --slots N --io-concurrency N --http-connections-per-host N`. On other hosts, start
/// it as you would `jobrun worker`: it takes the same options (`WorkerOptions`), such as
/// `PATH worker --connect tcp://HOST:PORT --server-key jobrun.pub`.
public enum WorkerMain {
    /// Parses the worker arguments (`worker` first is optional) as `jobrun worker` does, runs the worker, and returns
    /// its exit status: 0 after `--help`, 2 with a message on standard error for bad options.
    public static func run(handlers: [any TaskHandler], arguments: [String] = CommandLine.arguments) -> Int32 {
        var registry = HandlerRegistry.builtIn
        for handler in handlers { registry.register(handler) }
        var options = Array(arguments.dropFirst())
        if options.first == "worker" { options.removeFirst() }
        let parsed: WorkerProgramCommand
        do {
            parsed = try WorkerProgramCommand.parse(options)
        } catch {
            let message = WorkerProgramCommand.fullMessage(for: error)
            if WorkerProgramCommand.exitCode(for: error) == .success {
                print(message)
                return 0
            }
            StandardError.writeLine("\(WorkerProgramCommand.programName): \(message)")
            return 2
        }
        return parsed.options.run(handlers: registry, command: "\(WorkerProgramCommand.programName) worker")
    }
}

/// A custom worker program's command line, for parsing and help: `WorkerOptions` under the program's own name.
struct WorkerProgramCommand: ParsableCommand {
    /// The program's file name, as it names itself in usage and messages.
    static var programName: String {
        String(CommandLine.arguments.first?.split(separator: "/").last ?? "worker")
    }

    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: programName, abstract: "Serve tasks for a coordinator.")
    }

    @OptionGroup
    var options: WorkerOptions
}

extension WorkerConfiguration {
    /// A configuration taking the token and parent pid a coordinator passes to the workers it starts
    /// (`JOBRUN_TOKEN`, `JOBRUN_PARENT_PID`). Both are removed from the environment once read, so the tasks this
    /// worker runs never see the job's token (with it, a task could register fake workers).
    ///
    /// A worker its coordinator started waits for its welcome as long as that coordinator lives (the wait ends when
    /// its parent changes): the coordinator starts its workers before it checks the task file, which can take long.
    public static func fromEnvironment(registerEndpoint: String, handlers: HandlerRegistry) -> WorkerConfiguration {
        let variable = EnvironmentVariable.value
        var configuration = WorkerConfiguration(
            registerEndpoint: registerEndpoint, token: variable("JOBRUN_TOKEN") ?? "",
            parentPID: variable("JOBRUN_PARENT_PID").flatMap { Int32($0) }, handlers: handlers)
        if configuration.parentPID != nil { configuration.registrationTimeoutMilliseconds = Int(Int32.max) }
        unsetenv("JOBRUN_TOKEN")
        unsetenv("JOBRUN_PARENT_PID")
        return configuration
    }
}
