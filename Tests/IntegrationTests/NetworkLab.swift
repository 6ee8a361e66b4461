import Foundation
import Testing

/// A small cluster on one machine: a coordinator network namespace joined to "host" namespaces by veth pairs,
/// each host with its own address and host name. Needs root (creating namespaces); `available` says whether
/// this machine can.
///
/// Every namespace and process a lab makes is removed by `tearDown()`: processes it started are killed by pid,
/// then the namespaces are deleted (which deletes their veth pairs).
final class NetworkLab {
    /// Whether namespaces can be made here (root, iproute2 installed, the kernel allows it).
    static let available: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") || FileManager.default.isExecutableFile(atPath: "/sbin/ip")
        else {
            print("NetworkLab: skipping multi-host tests: network namespaces need root and iproute2 (`ip`)")
            return false
        }
        let probe = "jrprobe\(getpid())"
        let made = (try? NetworkLab.command(["ip", "netns", "add", probe]).status) == 0
        _ = try? NetworkLab.command(["ip", "netns", "del", probe])
        if !made { print("NetworkLab: skipping multi-host tests: this kernel or container does not allow `ip netns add`") }
        return made
    }()

    /// The coordinator's namespace.
    let coordinator: String
    /// Host names, in order, with their namespace and addresses.
    private(set) var hosts: [Host] = []
    private var processes: [JobrunProcess] = []
    private let prefix: String

    struct Host {
        let name: String
        let namespace: String
        /// The host's address.
        let address: String
        /// The coordinator's address as this host reaches it.
        let coordinatorAddress: String
        /// The veth interface on the coordinator's side (for `tc netem`).
        let coordinatorInterface: String
        /// The veth interface on the host's side.
        let hostInterface: String
    }

    /// Makes the coordinator namespace and one namespace per name in `hostNames`, each on its own /24 of
    /// 10.(100 + tag).0.0/16; `tag` keeps labs of different tests apart.
    init(_ tag: Int, hostNames: [String]) throws {
        prefix = "jr\(getpid() % 10000)t\(tag)"
        coordinator = prefix + "c"
        try Self.run(["ip", "netns", "add", coordinator])
        try Self.run(["ip", "-n", coordinator, "link", "set", "lo", "up"])
        for (index, name) in hostNames.enumerated() {
            let namespace = prefix + "h\(index)"
            let subnet = "10.\(100 + tag).\(index + 1)"
            let outer = "\(prefix)c\(index)"
            let inner = "\(prefix)h\(index)"
            try Self.run(["ip", "netns", "add", namespace])
            try Self.run(["ip", "-n", namespace, "link", "set", "lo", "up"])
            try Self.run(["ip", "-n", coordinator, "link", "add", outer, "type", "veth", "peer", "name", inner, "netns", namespace])
            try Self.run(["ip", "-n", coordinator, "addr", "add", "\(subnet).1/24", "dev", outer])
            try Self.run(["ip", "-n", namespace, "addr", "add", "\(subnet).2/24", "dev", inner])
            try Self.run(["ip", "-n", coordinator, "link", "set", outer, "up"])
            try Self.run(["ip", "-n", namespace, "link", "set", inner, "up"])
            hosts.append(
                Host(
                    name: name, namespace: namespace, address: "\(subnet).2", coordinatorAddress: "\(subnet).1",
                    coordinatorInterface: outer, hostInterface: inner))
        }
    }

    /// Starts `arguments` in `namespace` under the host name `hostName` (its own UTS namespace).
    @discardableResult
    func start(_ arguments: [String], in namespace: String, hostName: String, environment: [String: String] = [:]) throws
        -> JobrunProcess
    {
        let process = JobrunProcess(
            executable: "/usr/bin/env",
            arguments: ["ip", "netns", "exec", namespace, "unshare", "--uts", "sh", "-c", "hostname \"$0\" && exec \"$@\"", hostName]
                + arguments, environment: environment)
        try process.start()
        processes.append(process)
        return process
    }

    /// SIGKILLs every process in a host's namespace, as when the machine dies.
    func killEverything(in namespace: String) throws {
        let pids = try Self.command(["ip", "netns", "pids", namespace]).output.split(separator: "\n").compactMap { Int32($0) }
        for pid in pids { kill(pid, SIGKILL) }
    }

    /// How `cut` takes a host off the network (its processes keep running).
    enum Cut {
        /// The coordinator's end of the veth pair goes down: the host's side loses its carrier.
        case linkDown
        /// nftables in the coordinator's namespace drops every packet to and from the host, as a partition that
        /// no one notices would.
        case dropAll
    }

    /// Cuts a host's link to the coordinator, mid-job.
    func cut(_ host: Host, _ how: Cut) throws {
        switch how {
        case .linkDown:
            try Self.run(["ip", "-n", coordinator, "link", "set", host.coordinatorInterface, "down"])
        case .dropAll:
            let nft = ["ip", "netns", "exec", coordinator, "nft"]
            let table = "jrcut_\(host.coordinatorInterface)"
            try Self.run(nft + ["add table inet \(table)"])
            try Self.run(nft + ["add chain inet \(table) in { type filter hook input priority 0 ; }"])
            try Self.run(nft + ["add chain inet \(table) out { type filter hook output priority 0 ; }"])
            try Self.run(nft + ["add rule inet \(table) in iifname \(host.coordinatorInterface) drop"])
            try Self.run(nft + ["add rule inet \(table) out oifname \(host.coordinatorInterface) drop"])
        }
    }

    /// Undoes `cut`.
    func restore(_ host: Host, _ how: Cut) throws {
        switch how {
        case .linkDown:
            try Self.run(["ip", "-n", coordinator, "link", "set", host.coordinatorInterface, "up"])
        case .dropAll:
            try Self.run(["ip", "netns", "exec", coordinator, "nft", "delete table inet jrcut_\(host.coordinatorInterface)"])
        }
    }

    /// Adds latency and loss on both ends of a host's link with `tc netem`; on a kernel without netem, drops
    /// `lossPercent` of packets with nftables and shapes the link with `tbf` (queueing delay) instead. Returns
    /// what it did, for the test's log.
    @discardableResult
    func degrade(_ host: Host, delay: String, lossPercent: Int) throws -> String {
        let sides = [(coordinator, host.coordinatorInterface), (host.namespace, host.hostInterface)]
        let netem = try Self.command(
            ["ip", "netns", "exec", coordinator, "tc", "qdisc", "add", "dev", host.coordinatorInterface, "root", "netem", "delay",
             delay, "loss", "\(lossPercent)%"])
        if netem.status == 0 {
            try Self.run(
                ["ip", "netns", "exec", host.namespace, "tc", "qdisc", "add", "dev", host.hostInterface, "root", "netem", "delay",
                 delay, "loss", "\(lossPercent)%"])
            return "netem: delay \(delay), loss \(lossPercent)% each way"
        }
        for (namespace, interface) in sides {
            let nft = ["ip", "netns", "exec", namespace, "nft"]
            try Self.run(nft + ["add table inet jrlab"])
            try Self.run(nft + ["add chain inet jrlab out { type filter hook output priority 0 ; }"])
            try Self.run(nft + ["add rule inet jrlab out oifname \(interface) numgen random mod 100 < \(lossPercent) drop"])
            try Self.run(
                ["ip", "netns", "exec", namespace, "tc", "qdisc", "add", "dev", interface, "root", "tbf", "rate", "20mbit", "burst",
                 "32kbit", "latency", delay])
        }
        return "no netem in this kernel (\(netem.output.trimmingCharacters(in: .whitespacesAndNewlines))): nftables drops "
            + "\(lossPercent)% each way, tbf shapes to 20 Mbit/s"
    }

    /// Kills every process this lab started or that still runs in its namespaces, then deletes the namespaces.
    func tearDown() {
        // What each process said, for the log: a job that never finishes is explained by its hosts' agents.
        for process in processes where !process.stderr.isEmpty || !process.isRunning {
            // `ip netns exec NS unshare --uts sh -c SCRIPT HOST PROGRAM COMMAND ...`: the host and the command.
            let arguments = process.process.arguments ?? []
            let command = arguments.count > 11 ? "\(arguments[9]): \(arguments[11])" : arguments.joined(separator: " ")
            let state = process.isRunning ? "running" : "exited \(process.process.terminationStatus)"
            print("[\(prefix)] \(command) (\(state)): \(process.stderr.suffix(1500))")
        }
        for process in processes { process.stop() }
        for namespace in [coordinator] + hosts.map(\.namespace) {
            try? killEverything(in: namespace)
            _ = try? Self.command(["ip", "netns", "del", namespace])
        }
    }

    static func run(_ arguments: [String]) throws {
        let result = try command(arguments)
        if result.status != 0 { throw LabError(description: "\(arguments.joined(separator: " ")) failed: \(result.output)") }
    }

    /// Runs a command to completion (bounded to 30 s) and returns its status and combined output.
    static func command(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = JobrunProcess(executable: "/usr/bin/env", arguments: arguments)
        try process.start()
        let outcome = try process.finish(timeout: 30)
        return (outcome.status, outcome.stdout + outcome.stderr)
    }

    struct LabError: Error, CustomStringConvertible {
        let description: String
    }
}
