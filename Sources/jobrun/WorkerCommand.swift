import ArgumentParser
import JobRunKit
import Worker

/// `jobrun worker --connect ENDPOINT`: a worker process serving one coordinator. Its options are `WorkerOptions`,
/// which custom worker programs (`WorkerMain`) share.
struct WorkerCommand: StatusCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Serve tasks for a coordinator (jobrun submit starts these itself)."
    )

    @OptionGroup
    var options: WorkerOptions

    func runWithStatus() -> Int32 {
        options.run(handlers: .builtIn, command: "jobrun worker")
    }
}
