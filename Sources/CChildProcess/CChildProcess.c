// See include/CChildProcess.h for why each function exists.
#define _GNU_SOURCE
#include "CChildProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int cchildprocess_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

int cchildprocess_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

// Everything the child needs, shared with the suspended parent (CLONE_VM). The child reports a
// failure through `error` and `failed_step` before it exits.
struct child_request {
    const char *path;
    char *const *argv;
    char *const *envp;
    int stdio[3];
    const char *working_directory;
    int new_process_group;
    int death_signal;
    const int *join_fds;
    int join_count;
    pid_t parent;
    volatile int error;
    volatile int failed_step;
};

// Records why the child could not start and ends it without running atexit handlers or flushing
// stdio buffers that belong to the parent.
static _Noreturn void child_fail(struct child_request *request, int step) {
    request->error = errno;
    request->failed_step = step;
    _exit(127);
}

// Runs in the child on its own stack while the parent thread is suspended. It shares the parent's
// memory, so it only makes system calls: no allocation, no locks. Every signal is blocked on entry.
static int child_main(void *argument) {
    struct child_request *request = argument;

    // Default actions for every signal: ignored ones would survive execve, and a handler of the
    // parent must never run here. glibc's internal signals (32, 33) refuse the change, which is
    // harmless: only glibc itself sends them, and never to this new process.
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    for (int sig = 1; sig < _NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void)sigaction(sig, &default_action, NULL);
        }
    }

    if (request->new_process_group && setpgid(0, 0) != 0) {
        child_fail(request, CCHILDPROCESS_STEP_SETUP);
    }
    if (request->death_signal != 0) {
        if (prctl(PR_SET_PDEATHSIG, request->death_signal) != 0) {
            child_fail(request, CCHILDPROCESS_STEP_SETUP);
        }
        // The parent may have died before prctl took effect; then nobody will send the signal.
        if (getppid() != request->parent) {
            _exit(127);
        }
    }
    // Join the control groups before the program runs, so everything it starts is born inside them.
    // Writing "0" to a cgroup.procs file moves the writing process.
    for (int index = 0; index < request->join_count; index++) {
        if (write(request->join_fds[index], "0", 1) != 1) {
            child_fail(request, CCHILDPROCESS_STEP_CGROUP);
        }
    }

    // Sources are >= 3 (the caller guarantees it), so installing 0, 1, 2 in order clobbers none.
    for (int target = 0; target < 3; target++) {
        int source = request->stdio[target];
        if (source == CCHILDPROCESS_INHERIT) {
            continue;
        }
        if (source == CCHILDPROCESS_DEV_NULL) {
            int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
            if (null_fd < 0) {
                child_fail(request, CCHILDPROCESS_STEP_SETUP);
            }
            source = null_fd;
        }
        if (dup2(source, target) < 0) {
            child_fail(request, CCHILDPROCESS_STEP_SETUP);
        }
        if (source != request->stdio[target]) {
            (void)close(source);
        }
    }

    if (request->working_directory != NULL && chdir(request->working_directory) != 0) {
        child_fail(request, CCHILDPROCESS_STEP_CHDIR);
    }

    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);

    execve(request->path, request->argv, request->envp);
    child_fail(request, CCHILDPROCESS_STEP_EXEC);
}

int cchildprocess_spawn_with_death_signal(
    pid_t *pid, int *failed_step, const char *path, char *const argv[], char *const envp[],
    const int stdio[3], const char *working_directory, int new_process_group, int death_signal,
    const int *join_fds, int join_count) {
    struct child_request request = {
        .path = path,
        .argv = argv,
        .envp = envp,
        .stdio = {stdio[0], stdio[1], stdio[2]},
        .working_directory = working_directory,
        .new_process_group = new_process_group,
        .death_signal = death_signal,
        .join_fds = join_fds,
        .join_count = join_count,
        .parent = getpid(),
        .error = 0,
        .failed_step = 0,
    };

    // The child's stack. 64 KiB covers the system call wrappers and lazy symbol binding.
    const size_t stack_size = 64 * 1024;
    void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        *failed_step = CCHILDPROCESS_STEP_SETUP;
        return errno;
    }

    // Block signals so none of the parent's handlers runs in the child before it resets them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    // The stack grows down on every architecture jobrun runs on, so the child starts at the top.
    pid_t child = clone(child_main, (char *)stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD,
                        &request);
    int clone_error = errno;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    munmap(stack, stack_size);

    if (child < 0) {
        *failed_step = CCHILDPROCESS_STEP_SETUP;
        return clone_error;
    }
    if (request.error != 0) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        *failed_step = request.failed_step;
        return request.error;
    }
    *pid = child;
    return 0;
}

int cchildprocess_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : errno;
}

void cchildprocess_keep_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_TOP_PAD, 8 << 20);
}

int cchildprocess_pidfd_open(pid_t pid) {
    return (int)syscall(SYS_pidfd_open, pid, 0);
}

size_t cchildprocess_count_byte(const void *bytes, size_t count, unsigned char byte) {
    const unsigned char *at = bytes;
    size_t found = 0;
    for (size_t index = 0; index < count; index++) {
        found += at[index] == byte;
    }
    return found;
}
