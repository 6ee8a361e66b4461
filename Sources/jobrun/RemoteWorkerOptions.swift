#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Security
import WireProtocol
import ZeroMQ
import Worker

/// `jobrun worker`'s options for a coordinator on another machine: keys, the host agent's worker count and
/// idle exit.
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
        if let workers, workers != "auto", !(1...SubmitCommand.maximumWorkers).contains(Int(workers) ?? 0) {
            throw ValidationError("--workers must be a number from 1 to \(SubmitCommand.maximumWorkers), or auto, got \(workers)")
        }
        if let idleExit, !(idleExit > 0 && idleExit <= SubmitCommand.maximumTimeout) {
            throw ValidationError(
                "--idle-exit must be a number of seconds above 0 and at most \(Int(SubmitCommand.maximumTimeout)) (a year), "
                    + "got \(idleExit)")
        }
        if let registrationTimeout, !(0...Int(Int32.max)).contains(registrationTimeout) {
            throw ValidationError("--registration-timeout must be from 0 to \(Int32.max) ms, got \(registrationTimeout)")
        }
        if insecure, serverKey != nil { throw ValidationError("--insecure turns CURVE off; it does not go with --server-key") }
    }
}

extension WorkerCommand {
    /// Runs one worker process, or with a `tcp://` coordinator a host agent keeping several registered.
    func runServing(_ base: WorkerConfiguration) -> Int32 {
        var configuration = base
        let remoteEndpoint = connect.hasPrefix("tcp://")
        if remoteEndpoint, !remote.insecure {
            guard let serverKey = remote.serverKey else {
                printError(
                    "jobrun worker: \(connect) needs --server-key (the coordinator's jobrun.pub, or the key `jobrun submit "
                        + "--listen` printed), or --insecure for a coordinator started with --insecure")
                return 2
            }
            do {
                let keys = try KeyFiles.loadKeyPair(remote.key ?? KeyFiles.configurationDirectory() + "/" + KeyFiles.secretKeyName)
                configuration.curve = CurveClientKeys(keys: keys, serverKey: try KeyFiles.publicKey(textOrPath: serverKey))
            } catch {
                printError("jobrun worker: \(error)\(remote.key == nil ? " (make a key pair with `jobrun keygen`)" : "")")
                return 2
            }
        }
        if let timeout = remote.registrationTimeout { configuration.registrationTimeoutMilliseconds = max(timeout, 100) }
        configuration.rejoining = remote.rejoin
        if remoteEndpoint {
            // Validated already; GPUs are counted here, once, so that every worker of the host declares the same.
            configuration.offer = (try? offer.hostOffer()) ?? HostOffer()
            configuration.reportsAvailableMemory = true
        }
        guard remoteEndpoint, !remote.single else { return WorkerRuntime(configuration: configuration).run() }
        var command = [SubmitCommand.executablePath(), "worker", "--connect", connect, "--slots", String(slots), "--single"]
        command += HostOfferOptions.arguments(for: configuration.offer)
        if remote.insecure { command.append("--insecure") }
        if let key = remote.key { command += ["--key", key] }
        if let serverKey = configuration.curve?.serverKey { command += ["--server-key", serverKey] }
        let count = remote.workers.flatMap { Int($0) } ?? Self.slurmCPUs() ?? SubmitCommand.coreCount()
        let agent = HostAgent(
            configuration: HostAgent.Configuration(
                workerCommand: command, workers: count, idleExitSeconds: remote.idleExit, once: remote.once,
                endpoint: connect))
        return agent.run()
    }
}

extension WorkerCommand {
    /// Inside a Slurm job or step, the CPUs Slurm gave this node (`SLURM_CPUS_ON_NODE`), which may be fewer than
    /// the machine has.
    static func slurmCPUs() -> Int? {
        guard let text = getenv("SLURM_CPUS_ON_NODE"), let count = Int(String(cString: text)), count > 0 else { return nil }
        return count
    }
}
