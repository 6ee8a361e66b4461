#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Scheduler
import Settings
import Clock
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

extension CoordinatorService {
    /// With `--listen`: binds the TCP side, says how to join, and starts the `--hosts` launchers.
    func startListening(context: ZMQContext) throws {
        guard let network = configuration.network else { return }
        let listener = try RemoteListener(context: context, configuration: network, maxFrameBytes: settings.maxFrameBytes)
        remote = listener
        if !configuration.quiet {
            let security = network.insecure ? "plain TCP (--insecure)" : "CURVE"
            progress.message("jobrun: listening for workers on \(listener.registerEndpoint) (\(security)); on other machines run:")
            progress.message("  " + listener.workerCommandLine(program: network.workerProgram))
        }
        for host in network.hosts { launch(on: host, listener: listener) }
        do {
            try startSlurm(listener: listener)
        } catch {
            // The listener's sockets must close before the context ends, or ending it waits for ever.
            listener.close()
            remote = nil
            throw error
        }
    }

    /// The register endpoint as other hosts reach it: the listen address, or this host's name when listening on
    /// every interface.
    func agentEndpoint(_ listener: RemoteListener) -> String {
        let port = listener.registerEndpoint[listener.registerEndpoint.index(after: listener.registerEndpoint.lastIndex(of: ":")!)...]
        var address = listener.configuration.bindAddress
        if address == "0.0.0.0" || address == "*" { address = RemoteListener.hostName() }
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
            progress.message("jobrun: host \(host.name): cannot start the launcher: \(error)")
        }
    }

    /// Handles the TCP side's sockets after a poll: authentication requests, registrations and results.
    func handleRemotePolled(_ items: ArraySlice<PollItem>) throws {
        guard let remote else { return }
        let start = items.startIndex
        if items.count > 2, items[start + 2].returnedEvents.contains(.readable) {
            for message in try remote.answerAuthentication() { progress.message(message) }
        }
        if items[start].returnedEvents.contains(.readable) { try receiveRegistrations(on: remote.register, remote: true) }
        if items[start + 1].returnedEvents.contains(.readable) { try receiveResults(on: remote.results) }
        reapLaunchers()
    }

    /// Says when the first worker of a host registers.
    func noteRemoteWorker(_ identity: WorkerIdentity) {
        guard !configuration.quiet, identities.values.filter({ $0.host == identity.host }).count == 1 else { return }
        progress.message("jobrun: host \(identity.host) joined (worker \(identity.name))")
    }

    /// Reports launchers that exited: a failure with the launcher's output; the job goes on with the hosts that
    /// came up.
    func reapLaunchers() {
        for index in launches.indices where launches[index].exitStatus == nil {
            guard let status = launches[index].process.tryWait() else { continue }
            let description = ExitStatusDescription(status)
            launches[index].exitStatus = description
            guard ending == nil else { continue }
            let host = launches[index].host.name
            let served = identities.values.contains { $0.host == host }
            if status.exitCode != 0 || !served {
                let output = Self.tail(ofFile: launches[index].logPath)
                progress.message(
                    "jobrun: host \(host): the launcher \(description.text)"
                        + (output.isEmpty ? "" : "; its output:\n" + output.split(separator: "\n").map { "  \($0)" }.joined(separator: "\n")))
            }
        }
    }

    /// Tells the scheduler whether workers may still arrive from other machines, when that changes (`force`: at the
    /// start, which also tells it that every source of workers is now known).
    func noteRemoteWorkersExpected(force: Bool = false) {
        guard force || configuration.network != nil else { return }
        // Launchers that ended are reported (with their output) before they stop counting as a source of workers.
        if configuration.network != nil { reapLaunchers() }
        let expected = remoteWorkersMayJoin
        guard force || expected != remoteWorkersExpected else { return }
        remoteWorkersExpected = expected
        perform(scheduler.handle(.remoteWorkersExpected(expected), now: now()), batch: nil)
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

    /// Stops launchers still running at the end of the job (their remote agents exit on their own).
    func stopLaunchers() {
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
}

extension CoordinatorService {
    /// One summary line of hosts with `--listen`: workers, tasks recorded and lost workers per host, and hosts
    /// whose launcher failed; `nil` without `--listen`.
    func hostSummary() -> String? {
        guard configuration.network != nil else { return nil }
        var perHost: [String: (workers: Int, tasks: Int, lost: Int)] = [:]
        for (id, identity) in identities {
            var entry = perHost[identity.host] ?? (0, 0, 0)
            entry.workers += 1
            entry.tasks += statistics.recordedByWorker[id] ?? 0
            if workers[id] == nil { entry.lost += 1 }
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
