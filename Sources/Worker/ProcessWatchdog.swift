#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Stops one exec/shell task's process group when its timeout passes: SIGTERM, then SIGKILL after the grace.
final class ProcessWatchdog: Sendable {
    private let firedFlag = Mutex(false)
    private let timer = Mutex<Task<Void, Never>?>(nil)

    init(sequence: UInt64, seconds: Double, graceMilliseconds: Int, children: RunningChildren) {
        let task = Task { [self] in
            do {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                self.firedFlag.withLock { $0 = true }
                children.signal(SIGTERM, sequence: sequence)
                try await Task.sleep(nanoseconds: UInt64(graceMilliseconds) * 1_000_000)
                children.signal(SIGKILL, sequence: sequence)
            } catch {
                // Disarmed: the process ended in time.
            }
        }
        timer.withLock { $0 = task }
    }

    /// Whether the timeout passed and the process was told to stop.
    var fired: Bool { firedFlag.withLock { $0 } }

    /// Stops the timer (the process has ended).
    func disarm() {
        timer.withLock { $0?.cancel() }
    }
}
