import ArgumentParser
import Coordinator
import TaskFile

/// Options that shape scheduling: pools, and what this host's local workers offer.
struct WorkflowOptions: ParsableArguments {
    @Option(
        name: .customLong("pool"),
        help: ArgumentHelp(
            "A pool tasks join with \"pool\": at most LIMIT of them run at once, and at most PER_SECOND start in any "
                + "second (repeatable).", valueName: "NAME=LIMIT[/PER_SECOND]"))
    var pools: [String] = []

    @Option(
        name: .customLong("resources"),
        help: ArgumentHelp(
            "Custom resources of this host, shared by its local workers; tasks take them with \"resources\".",
            valueName: "NAME=N[,NAME=N...]"))
    var resources: [String] = []

    @Option(
        name: .customLong("label"),
        help: ArgumentHelp(
            "Labels of the local workers; a task with \"requires\" runs only on a worker with those labels.",
            valueName: "KEY=VALUE[,KEY=VALUE...]"))
    var labels: [String] = []

    @Option(name: .long, help: "GPUs of this host (default: the count of /dev/nvidia0, /dev/nvidia1, ...).")
    var gpus: Int?

    @Option(name: .long, help: ArgumentHelp("Start no task while this host's free memory is below SIZE (512M, 2G).", valueName: "SIZE"))
    var memfree: String?

    func validate() throws {
        _ = try parsed()
    }

    /// The options as the job's settings, or a `ValidationError` naming the bad one.
    func parsed() throws -> (pools: [String: PoolLimit], resources: [String: Int], labels: [String: String], memfree: UInt64?) {
        var poolLimits: [String: PoolLimit] = [:]
        for text in pools {
            switch PoolLimit.parse(option: text) {
            case .success(let pool): poolLimits[pool.name] = pool.limit
            case .failure(let error): throw ValidationError(error.description)
            }
        }
        var amounts: [String: Int] = [:]
        for (name, value) in try Self.pairs(resources, option: "--resources", example: "licence=2") {
            guard let amount = Int(value), (0...1_000_000).contains(amount) else {
                throw ValidationError("--resources \(name)=\(value): the amount must be a whole number from 0 to 1000000")
            }
            amounts[name] = amount
        }
        var labelValues: [String: String] = [:]
        for (name, value) in try Self.pairs(labels, option: "--label", example: "zone=eu,disk=ssd") { labelValues[name] = value }
        if let gpus, !(0...1024).contains(gpus) { throw ValidationError("--gpus must be from 0 to 1024, got \(gpus)") }
        var memfreeBytes: UInt64?
        if let memfree {
            guard let bytes = (try? ByteSize(parsing: memfree))?.bytes else {
                throw ValidationError("--memfree \(memfree): expected a size such as 512M or 2G")
            }
            memfreeBytes = bytes
        }
        return (poolLimits, amounts, labelValues, memfreeBytes)
    }

    /// Applies the options to a job.
    func apply(to configuration: inout JobConfiguration) throws {
        let options = try parsed()
        configuration.pools = options.pools
        configuration.resources = options.resources
        configuration.labels = options.labels
        configuration.gpus = gpus
        configuration.memfreeBytes = options.memfree
    }

    /// `a=1,b=2` lists as name-value pairs, each name and value non-empty.
    static func pairs(_ lists: [String], option: String, example: String) throws -> [(String, String)] {
        var pairs: [(String, String)] = []
        for list in lists {
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                    throw ValidationError("\(option) \(list): expected NAME=VALUE pairs separated by commas, as in \(example)")
                }
                pairs.append((String(parts[0]), String(parts[1])))
            }
        }
        return pairs
    }
}
