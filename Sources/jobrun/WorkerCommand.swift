import ArgumentParser
import JobRun
import Worker
#if canImport(Glibc)
import Glibc
#endif

/// `jobrun worker --connect ENDPOINT`: a worker process serving one coordinator.
struct WorkerCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve tasks for a coordinator (jobrun submit starts these itself)."
    )

    @Option(name: .long, help: "The coordinator's register endpoint.")
    var connect: String

    @Option(name: .long, help: "CPU-bound tasks run at once.")
    var slots: Int = 1

    func validate() throws {
        if slots < 1 { throw ValidationError("--slots must be at least 1, got \(slots)") }
    }

    func runWithStatus() -> Int32 {
        let environment = { (name: String) in getenv(name).map { String(cString: $0) } }
        let configuration = WorkerConfiguration(
            registerEndpoint: connect,
            slots: slots,
            token: environment("JOBRUN_TOKEN") ?? "",
            parentPID: environment("JOBRUN_PARENT_PID").flatMap { Int32($0) },
            handlers: .builtIn
        )
        return WorkerRuntime(configuration: configuration).run()
    }
}
