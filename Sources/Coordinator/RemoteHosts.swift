#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import Scheduler
import Settings
import SystemIO
import WireProtocol
import ZeroMQ

/// A worker agent started on another host through the launch template.
struct HostLaunch {
    let host: HostSpec
    let process: SpawnedProcess
    /// Where the launcher's stdout and stderr go (in the private runtime directory).
    let logPath: String
    var exitStatus: ExitStatusDescription?
}

/// Workers on other machines (`--listen`): the TCP side they join through, the `--hosts` launchers and the Slurm
/// launcher that start them, and whether more of them may still arrive.
///
/// Threads: used on the coordinator's thread only.
final class RemoteHosts {
    let configuration: JobConfiguration
    private var settings: Settings { configuration.settings }
    let tally: JobTally
    /// The TCP side (`--listen`), once it listens.
    private(set) var listener: RemoteListener?
    /// Worker agents started on other hosts (`--hosts`).
    private(set) var launches: [HostLaunch] = []
    /// Host agents started through Slurm (`--slurm`, `--slurm-jobs`).
    var slurm: SlurmLauncher?
    /// What was last told to the scheduler about remote workers joining.
    private var remoteWorkersExpected = false
    private(set) var runtime: RuntimeDirectory?

    init(configuration: JobConfiguration, tally: JobTally) {
        self.configuration = configuration
        self.tally = tally
    }

    /// With `--listen`: binds the TCP side, says how to join, and starts the `--hosts` launchers.
    func startListening(context: ZMQContext, runtime: RuntimeDirectory) throws {
        self.runtime = runtime
        guard let network = configuration.network else { return }
        let listener = try RemoteListener(context: context, configuration: network, maxFrameBytes: settings.maxFrameBytes)
        self.listener = listener
        if !configuration.quiet {
            let security = network.insecure ? "plain TCP (--insecure)" : "CURVE"
            tally.progress.message("jobrun: listening for workers on \(listener.registerEndpoint) (\(security)); on other machines run:")
            tally.progress.message("  " + listener.workerCommandLine(program: network.workerProgram))
        }
        for host in network.hosts { launch(on: host, listener: listener) }
        do {
            try startSlurm(listener: listener)
        } catch {
            // The listener's sockets must close before the context ends, or ending it waits for ever.
            listener.close()
            self.listener = nil
            throw error
        }
    }

    /// The register endpoint as other hosts reach it: the listen address, or this host's name when listening on
    /// every interface.
    func agentEndpoint(_ listener: RemoteListener) -> String {
        let port = listener.registerEndpoint[listener.registerEndpoint.index(after: listener.registerEndpoint.lastIndex(of: ":")!)...]
        var address = listener.configuration.bindAddress
        if address == "0.0.0.0" || address == "*" { address = HostName.current() }
        return "tcp://\(address):\(port)"
    }

    /// The coordinator's public key in hex for agents' `--server-key`; `nil` with `--insecure`.
    var serverKeyHex: String? {
        configuration.network?.keys.flatMap { Z85.decode($0.publicKey) }.map(Self.hex)
    }

    /// Starts the launch template for one host; a failure to start is reported and the job goes on.
    private func launch(on host: HostSpec, listener: RemoteListener) {
        guard let network = configuration.network, let runtime else { return }
        let command = network.launchTemplate.command(
            host: host.name, program: network.workerProgram, endpoint: agentEndpoint(listener), workers: host.workers,
            slots: configuration.slotsPerWorker, serverKeyHex: serverKeyHex)
        let logPath = runtime.path + "/launch-\(launches.count).log"
        var spawn = SpawnConfiguration(executable: "/bin/sh", arguments: ["-c", "exec >\(logPath) 2>&1; exec \(command)"])
        spawn.captureOutput = false
        spawn.newProcessGroup = true
        spawn.parentDeathSignal = SIGTERM
        do {
            launches.append(HostLaunch(host: host, process: try SpawnedProcess.spawn(spawn), logPath: logPath))
        } catch {
            tally.progress.message("jobrun: host \(host.name): cannot start the launcher: \(error)")
        }
    }

    /// Answers the TCP side's authentication requests, if its ZAP socket (the third of `items`) is readable.
    func answerAuthentication(_ items: ArraySlice<PollItem>) throws {
        guard let listener else { return }
        if items.count > 2, items[items.startIndex + 2].returnedEvents.contains(.readable) {
            for message in try listener.answerAuthentication() { tally.progress.message(message) }
        }
    }

    /// Says when the first worker of a host registers.
    func noteRemoteWorker(_ identity: WorkerIdentity, identities: [UInt32: WorkerIdentity]) {
        guard !configuration.quiet, identities.values.filter({ $0.host == identity.host }).count == 1 else { return }
        tally.progress.message("jobrun: host \(identity.host) joined (worker \(identity.name))")
    }

    /// Reports launchers that exited: a failure with the launcher's output; the job goes on with the hosts that
    /// came up.
    func reapLaunchers(identities: [UInt32: WorkerIdentity], jobEnded: Bool) {
        for index in launches.indices where launches[index].exitStatus == nil {
            guard let status = launches[index].process.tryWait() else { continue }
            let description = ExitStatusDescription(status)
            launches[index].exitStatus = description
            guard !jobEnded else { continue }
            let host = launches[index].host.name
            let served = identities.values.contains { $0.host == host }
            if status.exitCode != 0 || !served {
                let output = Self.tail(ofFile: launches[index].logPath)
                tally.progress.message(
                    "jobrun: host \(host): the launcher \(description.text)"
                        + (output.isEmpty ? "" : "; its output:\n" + output.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")))
            }
        }
    }

    /// Whether workers may still arrive from other machines, when that changed since it was last told to the
    /// scheduler (`force`: at the start, which also tells it that every source of workers is now known); `nil`
    /// when there is nothing new to tell.
    func remoteWorkersExpectedChange(force: Bool = false, identities: [UInt32: WorkerIdentity], jobEnded: Bool) -> Bool? {
        guard force || configuration.network != nil else { return nil }
        // Launchers that ended are reported (with their output) before they stop counting as a source of workers.
        if configuration.network != nil { reapLaunchers(identities: identities, jobEnded: jobEnded) }
        let expected = remoteWorkersMayJoin
        guard force || expected != remoteWorkersExpected else { return nil }
        remoteWorkersExpected = expected
        return expected
    }

    /// Whether workers may still arrive from other machines: always with `--listen` and no `--hosts` (workers
    /// started by hand join whenever they come); with `--hosts`, while a launcher still runs.
    var remoteWorkersMayJoin: Bool {
        guard let network = configuration.network else { return false }
        if let slurm { return slurm.workersMayJoin }
        if network.hosts.isEmpty { return true }
        reapLaunchersQuietly()
        return launches.contains { $0.exitStatus == nil }
    }

    private func reapLaunchersQuietly() {
        for index in launches.indices where launches[index].exitStatus == nil {
            if let status = launches[index].process.tryWait() { launches[index].exitStatus = ExitStatusDescription(status) }
        }
    }

    /// Whether a launcher has exited (its remote-shell children may have been re-parented here).
    var anyLauncherExited: Bool { launches.contains { $0.exitStatus != nil } }

    /// Processes this side started that still run: launchers and Slurm commands.
    var childPIDs: Set<Int32> {
        Set(launches.filter { $0.exitStatus == nil }.map(\.process.pid)).union(slurm?.childPIDs ?? [])
    }

    /// Stops what is left at the end of the job: launchers, Slurm worker jobs, the TCP side.
    func stop() {
        stopLaunchers()
        slurm?.stop()
        listener?.close()
    }

    /// Stops launchers still running at the end of the job (their remote agents exit on their own).
    private func stopLaunchers() {
        for launch in launches where launch.exitStatus == nil { launch.process.signal(SIGTERM, wholeGroup: true) }
        let deadline = Clocks.monotonicNanoseconds() + 2_000_000_000
        while launches.contains(where: { $0.exitStatus == nil }), Clocks.monotonicNanoseconds() < deadline {
            reapLaunchersQuietly()
            usleep(5000)
        }
        for launch in launches where launch.exitStatus == nil { launch.process.signal(SIGKILL, wholeGroup: true) }
        reapLaunchersQuietly()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// The last few KiB of a file as text (a launcher's output), trimmed.
    static func tail(ofFile path: String) -> String {
        guard let file = fopen(path, "r") else { return "" }
        defer { fclose(file) }
        fseek(file, 0, SEEK_END)
        let size = ftell(file)
        let keep = min(size, 4096)
        fseek(file, size - keep, SEEK_SET)
        var bytes = [UInt8](repeating: 0, count: keep)
        let count = fread(&bytes, 1, keep, file)
        var text = String(decoding: bytes.prefix(count), as: UTF8.self)
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }

    /// One summary line of hosts with `--listen`: workers, tasks recorded and lost workers per host, and hosts
    /// whose launcher failed; `nil` without `--listen`.
    func hostSummary(roster: WorkerRoster, statistics: JobStatistics) -> String? {
        guard configuration.network != nil else { return nil }
        var perHost: [String: (workers: Int, tasks: Int, lost: Int)] = [:]
        for (id, identity) in roster.identities {
            var entry = perHost[identity.host] ?? (0, 0, 0)
            entry.workers += 1
            entry.tasks += statistics.recordedByWorker[id] ?? 0
            if roster.workers[id] == nil { entry.lost += 1 }
            perHost[identity.host] = entry
        }
        var parts = perHost.keys.sorted().map { host in
            let entry = perHost[host]!
            return "\(host) \(entry.workers) workers \(entry.tasks) tasks" + (entry.lost > 0 ? " (\(entry.lost) lost)" : "")
        }
        for launch in launches where !perHost.keys.contains(launch.host.name) && launch.exitStatus != nil {
            parts.append("\(launch.host.name) never came up")
        }
        return parts.isEmpty ? nil : "jobrun: hosts: " + parts.joined(separator: ", ")
    }
}
