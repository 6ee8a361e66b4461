#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Coordinator
import Security

/// `jobrun submit`'s options for workers on other machines: `--listen`, keys, `--hosts` and the launcher.
struct NetworkOptions: ParsableArguments {
    @Option(name: .long, help: "Also serve workers on other machines at tcp://ADDRESS:PORT (CURVE-authenticated).")
    var listen: String?

    @Option(name: .long, help: "The coordinator's secret key file (default: ~/.config/jobrun/jobrun.key, made if missing).")
    var key: String?

    @Option(name: .long, help: "Worker public keys admitted, one a line (default: ~/.config/jobrun/authorized_keys).")
    var authorizedKeys: String?

    @Flag(name: .long, help: "Plain TCP without CURVE: any machine that reaches --listen may join. Trusted networks only.")
    var insecure = false

    @Option(name: .long, help: "Start workers on these hosts through the launch template: H[:N],... (needs --listen).")
    var hosts: String?

    @Option(name: .long, help: "Command that starts workers on a host; placeholders {host} {jobrun} {endpoint} {n} {slots} {security} (default: ~/.config/jobrun/launch_template, else ssh).")
    var launchTemplate: String?

    @Flag(name: .long, help: "Inside a Slurm allocation: start one host agent on every allocated node with one srun step.")
    var slurm = false

    @Option(name: .long, help: "Submit N Slurm worker jobs (sbatch, a whole node each), replaced if Slurm ends one mid-job.")
    var slurmJobs: Int?

    @Option(name: .long, parsing: .unconditional, help: "More sbatch options for --slurm-jobs, as one string: '-p short -t 2:00:00'.")
    var sbatchArgs: String?

    /// Whether workers come through Slurm.
    var usesSlurm: Bool { slurm || slurmJobs != nil }

    func validate() throws {
        if slurm, slurmJobs != nil { throw ValidationError("--slurm (inside an allocation) and --slurm-jobs (worker jobs) exclude each other") }
        if let slurmJobs, slurmJobs < 1 || slurmJobs > 10_000 { throw ValidationError("--slurm-jobs must be from 1 to 10000, got \(slurmJobs)") }
        if let sbatchArgs {
            guard slurmJobs != nil else { throw ValidationError("--sbatch-args goes with --slurm-jobs N") }
            do {
                _ = try SlurmMode.splitArguments(sbatchArgs)
            } catch {
                throw ValidationError(error.description)
            }
        }
        if slurm, getenv("SLURM_JOB_ID") == nil {
            throw ValidationError(
                "--slurm runs inside a Slurm allocation (salloc, or an sbatch script) and SLURM_JOB_ID is not set; "
                    + "from outside one, use --slurm-jobs N to submit worker jobs")
        }
        if hosts != nil, usesSlurm { throw ValidationError("--hosts and Slurm (--slurm, --slurm-jobs) exclude each other; choose one way to start workers") }
        if listen == nil, !usesSlurm {
            for (given, name) in [(key != nil, "--key"), (authorizedKeys != nil, "--authorized-keys"), (insecure, "--insecure"),
                (hosts != nil, "--hosts"), (launchTemplate != nil, "--launch-template")] where given {
                throw ValidationError("\(name) goes with --listen tcp://ADDRESS:PORT")
            }
        }
        if let hosts {
            do {
                _ = try HostSpec.parseList(hosts)
            } catch {
                throw ValidationError(error.description)
            }
        }
    }

    /// The coordinator's network configuration, or `nil` without `--listen`; `notes` collects what to tell the
    /// user (a key pair made, a warning for `--insecure`).
    func configuration(program: String, notes: inout [String]) throws(CoordinatorError) -> NetworkConfiguration? {
        var endpoint = listen
        if endpoint == nil, usesSlurm { endpoint = try SlurmMode.defaultListenEndpoint() }
        guard let listen = endpoint else { return nil }
        var network = try NetworkConfiguration.prepare(
            listen: listen, keyPath: key, authorizedKeysPath: authorizedKeys, insecure: insecure, notes: &notes)
        network.hosts = try hosts.map { (text) throws(CoordinatorError) in try HostSpec.parseList(text) } ?? []
        network.launchTemplate =
            launchTemplate.map(LaunchTemplate.init) ?? LaunchTemplate.configured(inDirectory: KeyFiles.configurationDirectory())
        network.workerProgram = program
        if slurm { network.slurm = .allocation }
        if let slurmJobs {
            var arguments: [String] = []
            if let sbatchArgs { arguments = try SlurmMode.splitArguments(sbatchArgs) }
            network.slurm = .workerJobs(count: slurmJobs, sbatchArguments: arguments)
        }
        return network
    }
}
