import CChildProcess  // Its headers own the zero initializers of the C structs used here (sigset_t, stat...).
import Glibc

/// Keeps `SIGPIPE` from killing this process while the calling thread writes to a child's stdin:
/// blocks it on this thread, and on `end()` discards the one a failed write raised, then restores
/// the thread's signal mask. `SIGPIPE` from a pipe write goes to the writing thread, so other
/// threads are unaffected. The caller still sees `EPIPE` from `write` and stops writing.
struct SigpipeGuard {
    private var previousMask = sigset_t()
    private let wasBlocked: Bool

    /// Blocks `SIGPIPE` on the calling thread.
    init() {
        var pipeOnly = sigset_t()
        sigemptyset(&pipeOnly)
        sigaddset(&pipeOnly, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeOnly, &previousMask)
        wasBlocked = sigismember(&previousMask, SIGPIPE) == 1
    }

    /// Discards a pending `SIGPIPE` if a write raised one, then restores the mask. When the thread
    /// had `SIGPIPE` blocked already, the signal is left pending for its owner.
    mutating func end(sawBrokenPipe: Bool) {
        guard !wasBlocked else { return }
        if sawBrokenPipe {
            var pipeOnly = sigset_t()
            sigemptyset(&pipeOnly)
            sigaddset(&pipeOnly, SIGPIPE)
            var pending = sigset_t()
            if sigpending(&pending) == 0, sigismember(&pending, SIGPIPE) == 1 {
                var noWait = timespec(tv_sec: 0, tv_nsec: 0)
                while sigtimedwait(&pipeOnly, nil, &noWait) < 0 && errno == EINTR {}
            }
        }
        pthread_sigmask(SIG_SETMASK, &previousMask, nil)
    }
}
