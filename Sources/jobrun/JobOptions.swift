import ArgumentParser
import Coordinator
import Scheduler
import Settings
import TaskFile

/// The options `jobrun run` and `jobrun submit` share: each task's timeout and retries, when the job halts, how much
/// of a task's output its result keeps, and the settings file. Declared and checked here once, so both commands
/// accept and refuse the same values with the same messages.
///
/// Numbers are read with `.unconditional` parsing: `--retries -1` is the value -1, refused by the range check, not
/// a missing value followed by an unknown option.
struct JobOptions: ParsableArguments {
    @Option(
        name: .long, parsing: .unconditional,
        help: "Seconds a task may run before it is stopped, for tasks without their own `timeout`.")
    var timeout: Double?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Retries for a failed task that does not set its own `retries` (default 0).")
    var retries: Int?

    @Option(name: .long, help: "Stop early: now|soon,fail|success|done=N or =P% (GNU parallel's meaning), e.g. now,fail=1.")
    var halt: String?

    @Option(name: .long, help: "Keep at most this much of each task's stdout and stderr (512K, 10M; 0: as much as a result message carries).")
    var outputCap: String?

    @Option(name: .long, help: "Settings file replacing the built-in defaults (see config/jobrun.conf).")
    var config: String?

    /// Timeouts are measured in milliseconds; a shorter one could not be honoured.
    static let minimumTimeout = 0.001
    /// The longest timeout, as for a task's own `timeout`.
    static let maximumTimeout = 31_536_000.0
    /// The most retries a task may have, as for a task's own `retries`.
    static let maximumRetries = 1000

    func validate() throws {
        if let retries, !(0...Self.maximumRetries).contains(retries) {
            throw ValidationError("--retries must be from 0 to \(Self.maximumRetries), got \(retries)")
        }
        if let timeout, !(timeout >= Self.minimumTimeout && timeout <= Self.maximumTimeout) {
            throw ValidationError(
                "--timeout must be a number of seconds from \(Self.minimumTimeout) (the timer's resolution) to "
                    + "\(Int(Self.maximumTimeout)) (a year), got \(timeout)")
        }
        if let halt {
            do throws(HaltPolicyError) {
                _ = try HaltPolicy.parse(halt)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    /// The settings: the built-in defaults, or `--config`'s file with its warnings printed.
    ///
    /// - Returns: nil, once standard error says why, when the file cannot be read or has errors.
    func settings() -> Settings? {
        guard let config else { return Settings() }
        do {
            let settings = try Settings(contentsOf: config)
            for warning in settings.warnings { printError("jobrun: warning: \(warning)") }
            return settings
        } catch {
            printError("jobrun: \(error)")
            return nil
        }
    }

    /// Sets the job's default timeout and retries and its halt condition (checked by `validate()`).
    func apply(to configuration: inout JobConfiguration) {
        configuration.defaultRetries = retries ?? 0
        configuration.defaultTimeout = timeout
        configuration.halt = halt.flatMap { try? HaltPolicy.parse($0) }
    }

    /// Sets `output_cap_bytes` from `--output-cap` (0: as much as one result message carries); false, once
    /// standard error says why, when the size cannot be understood or is more than `settings` lets a result carry.
    func applyOutputCap(to settings: inout Settings) -> Bool {
        guard let text = outputCap else { return true }
        let largest = max((settings.maxFrameBytes - (64 << 10)) / 2, 0)
        guard let bytes = (try? ByteSize(parsing: text, minimum: ByteSize(bytes: 0))).map({ Int($0.bytes) }) else {
            printError("jobrun: --output-cap \(text): expected a size such as 512K, 10M or 0 (no cap)")
            return false
        }
        guard bytes <= largest else {
            printError("jobrun: --output-cap \(text) is more than a result message carries (max_frame_bytes = "
                + "\(settings.maxFrameBytes)); use at most \(largest >> 10)K, or raise max_frame_bytes in a --config file")
            return false
        }
        settings.outputCapBytes = bytes == 0 ? largest : bytes
        return true
    }
}
