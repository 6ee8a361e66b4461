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

    @OptionGroup(title: "Coordinators on other machines")
    var remote: RemoteWorkerOptions

    @OptionGroup(title: "What this host offers tasks (with a tcp:// coordinator)")
    var offer: HostOfferOptions

    @Option(name: .long, help: "IO-bound tasks kept in flight at once.")
    var ioConcurrency: Int = 256

    @Option(name: .long, help: "Connections the HTTP client opens to one host at most.")
    var httpConnectionsPerHost: Int = 8

    func validate() throws {
        if !(1...SubmitCommand.maximumSlots).contains(slots) {
            throw ValidationError("--slots must be from 1 to \(SubmitCommand.maximumSlots), got \(slots)")
        }
        if !(1...SubmitCommand.maximumIOConcurrency).contains(ioConcurrency) {
            throw ValidationError("--io-concurrency must be from 1 to \(SubmitCommand.maximumIOConcurrency), got \(ioConcurrency)")
        }
        if !connect.hasPrefix("tcp://"), !offer.labels.isEmpty || !offer.resources.isEmpty || offer.gpus != nil {
            throw ValidationError(
                "--label, --resources and --gpus declare what a host offers a tcp:// coordinator; for local workers give "
                    + "them to jobrun submit")
        }
        if httpConnectionsPerHost < 1 {
            throw ValidationError("--http-connections-per-host must be at least 1, got \(httpConnectionsPerHost)")
        }
    }

    func runWithStatus() -> Int32 {
        var configuration = WorkerConfiguration.fromEnvironment(registerEndpoint: connect, handlers: .builtIn)
        configuration.slots = slots
        configuration.ioConcurrency = ioConcurrency
        configuration.httpConnectionsPerHost = httpConnectionsPerHost
        return runServing(configuration)
    }
}
