import ArgumentParser
import Coordinator
import TaskFile
import Worker

/// Options that shape scheduling: pools, what this host's local workers offer, and the free-memory floor.
struct WorkflowOptions: ParsableArguments {
    @Option(
        name: .customLong("pool"),
        help: ArgumentHelp(
            "A pool tasks join with \"pool\": at most LIMIT of them run at once, and at most PER_SECOND start in any "
                + "second (repeatable).", valueName: "NAME=LIMIT[/PER_SECOND]"))
    var pools: [String] = []

    @OptionGroup
    var host: HostOfferOptions

    @Option(name: .long, help: ArgumentHelp(
            "Start no task on a host while its free memory is below SIZE (512M, 2G).", valueName: "SIZE"))
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
        let offered = try host.parsed()
        var memfreeBytes: UInt64?
        if let memfree {
            guard let bytes = (try? ByteSize(parsing: memfree))?.bytes else {
                throw ValidationError("--memfree \(memfree): expected a size such as 512M or 2G")
            }
            memfreeBytes = bytes
        }
        return (poolLimits, offered.resources, offered.labels, memfreeBytes)
    }

    /// Applies the options to a job.
    func apply(to configuration: inout JobConfiguration) throws {
        let options = try parsed()
        configuration.pools = options.pools
        configuration.resources = options.resources
        configuration.labels = options.labels
        configuration.gpus = host.gpus
        configuration.memfreeBytes = options.memfree
    }
}
