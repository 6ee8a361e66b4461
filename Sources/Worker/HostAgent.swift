#if canImport(Glibc)
import Glibc
#endif
import ChildProcess
import Clock
import ProcessSignals

/// `jobrun worker --connect tcp://…` on another machine: keeps one worker process per core (or `--workers N`)
/// registered with a coordinator, starting a new one whenever one ends, with backoff while the coordinator is
/// away, and exits after `idleExitSeconds` without a coordinator.
///
/// A worker process that loses its coordinator (no heartbeat for `heartbeat_misses` periods) exits with status 1;
/// its replacement registers again and waits for a coordinator at the same endpoint, so a coordinator restarted
/// there (with `--resume`) gets the host back. The idle window counts from the last time a worker process ended
/// after serving (its job over, or its coordinator lost); each replacement waits for a welcome only as long as
/// the window has left.
///
/// Threads: everything runs on the calling thread, which spawns and reaps the worker processes and waits on a
/// signal pipe. Each worker process exits by itself when this agent dies (it watches its parent).
public final class HostAgent {
    /// What the agent runs and how long it waits.
    public struct Configuration: Sendable {
        /// The program and arguments that start one worker process (without `--registration-timeout`).
        public var workerCommand: [String]
        /// Worker processes kept running.
        public var workers: Int
        /// Exit after this long without any worker serving a coordinator; `nil` waits forever.
        public var idleExitSeconds: Double?
        /// Exit once a coordinator ends its job (a launcher-started agent serves one job).
        public var once: Bool
        /// The coordinator's register endpoint, for messages.
        public var endpoint: String

        public init(workerCommand: [String], workers: Int, idleExitSeconds: Double?, once: Bool, endpoint: String) {
            self.workerCommand = workerCommand
            self.workers = workers
            self.idleExitSeconds = idleExitSeconds
            self.once = once
            self.endpoint = endpoint
        }
    }

    /// How the last worker process that had served a coordinator ended.
    private enum LastService {
        /// No worker has served a coordinator yet.
        case none
        /// The coordinator ended its job and told the worker so.
        case jobEnded
        /// The worker lost its coordinator (no heartbeats), or had to be replaced mid-job.
        case lost
    }

    private struct Slot {
        var process: SpawnedProcess?
        var startAt: UInt64 = 0
        var failures = 0
    }

    private let configuration: Configuration
    private var slots: [Slot]
    private var lastService = LastService.none
    private var lastServed: UInt64

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.slots = Array(repeating: Slot(), count: max(configuration.workers, 1))
        self.lastServed = Clocks.monotonicNanoseconds()
    }

    /// Runs until idle for `idleExitSeconds`, until the job ends with `once`, or until SIGTERM, SIGINT or SIGHUP
    /// (not under `nohup`); returns the exit status: 0 after serving (for an idle exit: the last coordinator ended its
    /// job), 1 for an idle exit after losing the coordinator mid-job with none coming back, 2 when no coordinator was
    /// ever served (or one refused these workers).
    public func run() -> Int32 {
        SignalPipe.ignore(SIGPIPE)
        let stopSignals = SignalPipe.honouringNohup([SIGTERM, SIGINT, SIGHUP])
        guard let signals = SignalPipe.install(for: stopSignals + [SIGCHLD]) else {
            WorkerRuntime.report("jobrun worker: cannot create the signal pipe: \(String(cString: strerror(errno)))")
            return 1
        }
        var status: Int32?
        while status == nil {
            let now = Clocks.monotonicNanoseconds()
            for index in slots.indices where slots[index].process == nil && now >= slots[index].startAt && !idle(now) {
                start(index, registrationMilliseconds: registrationMilliseconds(now))
            }
            var items = [PollFileDescriptor(signals.fileDescriptor)]
            _ = poll(&items, 1, 200)
            if signals.drain().contains(where: { $0 != SIGCHLD }) {
                status = lastService == .none ? 2 : 0
                break
            }
            status = reap()
        }
        stopAll()
        return status ?? 0
    }

    private func start(_ index: Int, registrationMilliseconds: Int) {
        guard let program = configuration.workerCommand.first else { return }
        var spawn = SpawnConfiguration(
            executable: program,
            arguments: Array(configuration.workerCommand.dropFirst())
                + ["--registration-timeout", String(registrationMilliseconds)]
                // A worker joining again leaves saying that no coordinator came back to this agent.
                + (lastService == .none ? [] : ["--rejoin"]))
        spawn.environment = ["JOBRUN_PARENT_PID": String(getpid())]
        spawn.captureOutput = false
        spawn.parentDeathSignal = SIGTERM
        do {
            slots[index].process = try SpawnedProcess.spawn(spawn)
        } catch {
            WorkerRuntime.report("jobrun worker: cannot start a worker process: \(error)")
            slots[index].startAt = Clocks.monotonicNanoseconds() + 5_000_000_000
        }
    }

    /// Reaps ended worker processes and schedules their replacements; returns an exit status when the agent
    /// should stop.
    private func reap() -> Int32? {
        let now = Clocks.monotonicNanoseconds()
        for index in slots.indices {
            guard let process = slots[index].process, let status = process.tryWait() else { continue }
            slots[index].process = nil
            switch status.exitCode {
            case 0?:
                // The coordinator ended its job and said so.
                lastService = .jobEnded
                lastServed = now
                slots[index].failures = 0
                if configuration.once {
                    return 0
                }
                slots[index].startAt = now
            case 1?, 3?:
                // Served, then lost the coordinator (or was replaced): register again after a second. Its
                // replacement waits for the coordinator to come back, so the backoff only grows for workers that
                // end without serving.
                lastService = .lost
                lastServed = now
                slots[index].failures = 1
                slots[index].startAt = now + Self.backoff(slots[index].failures)
            default:
                // Refused, or no coordinator answered within the idle window.
                slots[index].failures += 1
                slots[index].startAt = now + Self.backoff(slots[index].failures)
            }
        }
        if idle(now), !slots.contains(where: { $0.process != nil }) {
            let window = "\(Self.seconds(configuration.idleExitSeconds ?? 0)) s (--idle-exit); exiting"
            switch lastService {
            case .none:
                WorkerRuntime.report("jobrun worker: no coordinator answered at \(configuration.endpoint) within \(window)")
                return 2
            case .jobEnded:
                WorkerRuntime.report(
                    "jobrun worker: no new job from a coordinator at \(configuration.endpoint) within \(window)")
                return 0
            case .lost:
                WorkerRuntime.report(
                    "jobrun worker: lost the coordinator at \(configuration.endpoint) and none came back within \(window)")
                return 1
            }
        }
        return nil
    }

    /// How long a worker started now waits for a welcome: what is left of the idle window (at least 100 ms), or
    /// for ever without `--idle-exit`.
    private func registrationMilliseconds(_ now: UInt64) -> Int {
        guard let seconds = configuration.idleExitSeconds else { return Int(Int32.max) }
        let end = Double(lastServed) + seconds * 1e9
        return max(Int((end - Double(now)) / 1e6), 100)
    }

    /// Seconds as short text: `30`, `2.5`.
    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Whether no worker has served a coordinator for the whole idle window.
    private func idle(_ now: UInt64) -> Bool {
        guard let seconds = configuration.idleExitSeconds else { return false }
        return Double(now - lastServed) / 1e9 >= seconds
    }

    /// 1 s, doubling, at most 16 s.
    static func backoff(_ failures: Int) -> UInt64 {
        UInt64(1) << UInt64(min(max(failures - 1, 0), 4)) * 1_000_000_000
    }

    private func stopAll() {
        for slot in slots { slot.process?.signal(SIGTERM, wholeGroup: false) }
        let deadline = Clocks.monotonicNanoseconds() + 5_000_000_000
        while slots.contains(where: { $0.process != nil }) {
            for index in slots.indices where slots[index].process?.tryWait() != nil { slots[index].process = nil }
            if Clocks.monotonicNanoseconds() > deadline {
                for slot in slots { slot.process?.signal(SIGKILL, wholeGroup: false) }
                for index in slots.indices { _ = slots[index].process?.wait(); slots[index].process = nil }
            }
            usleep(5000)
        }
    }
}

/// A `pollfd` waiting for `descriptor` to become readable.
private func PollFileDescriptor(_ descriptor: Int32) -> pollfd {
    pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
}
