import ArgumentParser

/// A worker's options for a coordinator on another machine: keys, the host agent's worker count and idle exit.
struct RemoteWorkerOptions: ParsableArguments {
    @Option(name: .long, help: "This host's secret key file (default: ~/.config/jobrun/jobrun.key).")
    var key: String?

    @Option(name: .long, help: "The coordinator's public key: its text, or a file such as its jobrun.pub.")
    var serverKey: String?

    @Flag(name: .long, help: "Plain TCP without CURVE, for a coordinator started with --insecure.")
    var insecure = false

    @Option(name: .long, help: "Worker processes to run on this host with a tcp:// coordinator (default: one per core).")
    var workers: String?

    @Option(name: .long, help: "Exit after this many seconds without a coordinator (default: wait forever).")
    var idleExit: Double?

    @Flag(name: .long, help: "Exit once a coordinator ends its job (how launchers start workers).")
    var once = false

    @Flag(name: .long, help: .hidden)
    var single = false

    @Option(name: .long, help: .hidden)
    var registrationTimeout: Int?

    /// Set by the host agent for a worker registering again after serving: the agent, not each worker, says when
    /// no coordinator came back.
    @Flag(name: .long, help: .hidden)
    var rejoin = false

    func validate() throws {
        if let workers, workers != "auto", !(1...WorkerOptions.maximumWorkers).contains(Int(workers) ?? 0) {
            throw ValidationError(
                "--workers must be a number from 1 to \(WorkerOptions.maximumWorkers), or auto, got \(workers)")
        }
        if let idleExit, !(idleExit > 0 && idleExit <= WorkerOptions.maximumIdleExitSeconds) {
            throw ValidationError(
                "--idle-exit must be a number of seconds above 0 and at most "
                    + "\(Int(WorkerOptions.maximumIdleExitSeconds)) (a year), got \(idleExit)")
        }
        if let registrationTimeout, !(0...Int(Int32.max)).contains(registrationTimeout) {
            throw ValidationError("--registration-timeout must be from 0 to \(Int32.max) ms, got \(registrationTimeout)")
        }
        if insecure, serverKey != nil { throw ValidationError("--insecure turns CURVE off; it does not go with --server-key") }
    }
}
