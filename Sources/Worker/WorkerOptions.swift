public import ArgumentParser
import ChildProcess
public import JobRunKit
import Security
import SystemIO
import WireProtocol
#if canImport(Glibc)
import Glibc
#endif

/// A worker process's command line, defined once for `jobrun worker` and for custom worker programs
/// (`WorkerMain`), so both accept, check and refuse the same options with the same messages.
///
/// With a `tcp://` coordinator and no `--single`, `run` becomes a host agent that keeps `--workers` worker processes
/// of this same program registered.
public struct WorkerOptions: ParsableArguments {
    /// The most worker processes one host agent runs (`--workers`), and the most local workers a job starts.
    public static let maximumWorkers = 100_000
    /// The most CPU-bound tasks one worker runs at once (`--slots`).
    public static let maximumSlots = 100_000
    /// The most IO-bound tasks one worker keeps in flight (`--io-concurrency`).
    public static let maximumIOConcurrency = 100_000
    /// The longest `--idle-exit` (a year, as for timeouts).
    public static let maximumIdleExitSeconds = 31_536_000.0

    public init() {}

    @Option(name: .long, help: "The coordinator's register endpoint.")
    public var connect: String

    @Option(name: .long, help: "CPU-bound tasks run at once.")
    public var slots: Int = 1

    @OptionGroup(title: "Coordinators on other machines")
    var remote: RemoteWorkerOptions

    @OptionGroup(title: "What this host offers tasks (with a tcp:// coordinator)")
    public var offer: HostOfferOptions

    @Option(name: .long, help: "IO-bound tasks kept in flight at once.")
    public var ioConcurrency: Int = 256

    @Option(name: .long, help: "Connections the HTTP client opens to one host at most.")
    public var httpConnectionsPerHost: Int = 8

    public func validate() throws {
        if !(1...Self.maximumSlots).contains(slots) {
            throw ValidationError("--slots must be from 1 to \(Self.maximumSlots), got \(slots)")
        }
        if !(1...Self.maximumIOConcurrency).contains(ioConcurrency) {
            throw ValidationError("--io-concurrency must be from 1 to \(Self.maximumIOConcurrency), got \(ioConcurrency)")
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

    /// Runs one worker process with `handlers`, or with a `tcp://` coordinator a host agent keeping several
    /// registered; returns the exit status. Problems go to standard error prefixed with `command` (`jobrun worker`).
    public func run(handlers: HandlerRegistry, command: String) -> Int32 {
        var configuration = WorkerConfiguration.fromEnvironment(registerEndpoint: connect, handlers: handlers)
        configuration.slots = slots
        configuration.ioConcurrency = ioConcurrency
        configuration.httpConnectionsPerHost = httpConnectionsPerHost
        let remoteEndpoint = connect.hasPrefix("tcp://")
        if remoteEndpoint, !remote.insecure {
            guard let serverKey = remote.serverKey else {
                StandardError.writeLine(
                    "\(command): \(connect) needs --server-key (the coordinator's jobrun.pub, or the key `jobrun submit "
                        + "--listen` printed), or --insecure for a coordinator started with --insecure")
                return 2
            }
            do {
                let keys = try KeyFiles.loadKeyPair(remote.key ?? KeyFiles.configurationDirectory() + "/" + KeyFiles.secretKeyName)
                configuration.curve = CurveClientKeys(keys: keys, serverKey: try KeyFiles.publicKey(textOrPath: serverKey))
            } catch {
                StandardError.writeLine("\(command): \(error)\(remote.key == nil ? " (make a key pair with `jobrun keygen`)" : "")")
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
        var arguments = [ProgramPath.current(), "worker", "--connect", connect, "--slots", String(slots), "--single"]
        arguments += HostOfferOptions.arguments(for: configuration.offer)
        if remote.insecure { arguments.append("--insecure") }
        if let key = remote.key { arguments += ["--key", key] }
        if let serverKey = configuration.curve?.serverKey { arguments += ["--server-key", serverKey] }
        let count = remote.workers.flatMap { Int($0) } ?? Self.slurmCPUs() ?? HostFacts.coreCount()
        let agent = HostAgent(
            configuration: HostAgent.Configuration(
                workerCommand: arguments, workers: count, idleExitSeconds: remote.idleExit, once: remote.once,
                endpoint: connect))
        return agent.run()
    }

    /// Inside a Slurm job or step, the CPUs Slurm gave this node (`SLURM_CPUS_ON_NODE`), which may be fewer than
    /// the machine has.
    static func slurmCPUs() -> Int? {
        guard let text = getenv("SLURM_CPUS_ON_NODE"), let count = Int(String(cString: text)), count > 0 else { return nil }
        return count
    }
}
