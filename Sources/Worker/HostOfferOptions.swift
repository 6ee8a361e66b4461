public import ArgumentParser
import ChildProcess
public import WireProtocol

/// What a host's workers offer tasks beyond CPU slots: labels, custom resources and GPUs. `submit` and `run` declare
/// them for their local workers; `worker --connect` for the workers of its host, sending them when they register.
public struct HostOfferOptions: ParsableArguments {
    public init() {}

    @Option(
        name: .customLong("resources"),
        help: ArgumentHelp(
            "Custom resources of this host, shared by its workers; tasks take them with \"resources\".",
            valueName: "NAME=N[,NAME=N...]"))
    public var resources: [String] = []

    @Option(
        name: .customLong("label"),
        help: ArgumentHelp(
            "Labels of this host's workers; a task with \"requires\" runs only on a worker with those labels.",
            valueName: "KEY=VALUE[,KEY=VALUE...]"))
    public var labels: [String] = []

    @Option(name: .long, help: "GPUs of this host (default: the count of /dev/nvidia0, /dev/nvidia1, ...).")
    public var gpus: Int?

    public func validate() throws {
        _ = try parsed()
    }

    /// The labels and resource amounts, or a `ValidationError` naming the bad option and saying what it takes.
    public func parsed() throws -> (resources: [String: Int], labels: [String: String]) {
        var amounts: [String: Int] = [:]
        for (name, value) in try Self.pairs(resources, option: "--resources", example: "licence=2") {
            let limit = Int(HostOffer.maximumResourceAmount)
            guard let amount = Int(value), (0...limit).contains(amount) else {
                throw ValidationError("--resources \(name)=\(value): the amount must be a whole number from 0 to \(limit)")
            }
            amounts[name] = amount
        }
        var labelValues: [String: String] = [:]
        for (name, value) in try Self.pairs(labels, option: "--label", example: "zone=eu,disk=ssd") { labelValues[name] = value }
        if let gpus, !(0...Int(HostOffer.maximumGPUs)).contains(gpus) {
            throw ValidationError("--gpus must be from 0 to \(HostOffer.maximumGPUs), got \(gpus)")
        }
        return (amounts, labelValues)
    }

    /// What a worker registering from this host declares: the options, GPUs counted when `--gpus` is not given, and
    /// the host's physical memory.
    public func hostOffer() throws -> HostOffer {
        let options = try parsed()
        return HostOffer(
            labels: options.labels, resources: options.resources.mapValues { UInt32($0) },
            gpus: UInt32(gpus ?? HostFacts.gpuCount()), memoryBytes: HostFacts.totalMemoryBytes())
    }

    /// `offer` as `worker` arguments, for the worker processes a host agent starts: they all declare the same.
    public static func arguments(for offer: HostOffer) -> [String] {
        var arguments = ["--gpus", String(offer.gpus)]
        if !offer.labels.isEmpty {
            arguments += ["--label", offer.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")]
        }
        if !offer.resources.isEmpty {
            arguments += [
                "--resources", offer.resources.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
            ]
        }
        return arguments
    }

    /// `a=1,b=2` lists as name-value pairs: each name and value 1 to `HostOffer.maximumNameBytes` bytes, no `=` in
    /// either (task files cannot name such a label), at most `HostOffer.maximumEntries` names per option.
    static func pairs(_ lists: [String], option: String, example: String) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        var names: Set<Substring> = []
        let limit = HostOffer.maximumNameBytes
        for list in lists {
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !parts[1].contains("=") else {
                    throw ValidationError("\(option) \(list): expected NAME=VALUE pairs separated by commas, as in \(example)")
                }
                guard parts[0].utf8.count <= limit, parts[1].utf8.count <= limit else {
                    throw ValidationError("\(option) \(item.prefix(40))...: names and values are at most \(limit) bytes")
                }
                names.insert(parts[0])
                guard names.count <= HostOffer.maximumEntries else {
                    throw ValidationError("\(option): at most \(HostOffer.maximumEntries) names, got more")
                }
                pairs.append((String(parts[0]), String(parts[1])))
            }
        }
        return pairs
    }
}
