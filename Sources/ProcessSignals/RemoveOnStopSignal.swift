#if canImport(Glibc)
import Glibc
#endif

/// The paths the handler removes, made before the handler is installed (a handler may not allocate).
nonisolated(unsafe) private var pathsToRemove: [UnsafeMutablePointer<CChar>] = []

/// Removes a few paths when a stop signal ends the process before its event loop can clean up, then lets the signal
/// end the process as it would have.
///
/// For work done before a `SignalPipe` exists: the coordinator makes its runtime directory and starts its workers
/// before it checks the task file, and a Ctrl-C during a long check must not leave that directory behind. The
/// handler calls only `unlink`, `rmdir`, `sigaction` and `raise` (async-signal-safe). Blocked signals are unblocked,
/// as the job's loop would. Installing a `SignalPipe` later replaces these handlers.
public enum RemoveOnStopSignal {
    /// Removes `paths` in order when one of `signals` arrives: files are unlinked, directories (empty by then)
    /// removed. `signals` are the ones the job's loop will handle later (see `SignalPipe.honouringNohup`).
    public static func arm(paths: [String], signals: [Int32]) {
        for path in pathsToRemove { free(path) }
        pathsToRemove = paths.compactMap { strdup($0) }
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for number in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { signalNumber in
                for path in pathsToRemove where unlink(path) != 0 { rmdir(path) }
                var fallback = sigaction()
                fallback.__sigaction_handler.sa_handler = SIG_DFL
                sigemptyset(&fallback.sa_mask)
                sigaction(signalNumber, &fallback, nil)
                raise(signalNumber)
            }
            sigemptyset(&action.sa_mask)
            sigaction(number, &action, nil)
            sigaddset(&unblock, number)
        }
        // As `SignalPipe.install` does: whoever started us may have blocked them, and the mask survives exec.
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
    }
}
