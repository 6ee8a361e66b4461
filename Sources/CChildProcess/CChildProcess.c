// See include/CChildProcess.h for why each function exists.
#define _GNU_SOURCE
#include "CChildProcess.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

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

// The child's stack: 64 KiB covers the system call wrappers and lazy symbol binding. Each thread keeps one for
// every child it starts (the thread is suspended while its child uses it), so a spawn maps and unmaps nothing: an
// unmap would interrupt every other core running a thread of this process to flush its address translations.
#define CHILD_STACK_SIZE (64 * 1024)

static pthread_key_t stack_key;
static int stack_key_made;
static pthread_once_t stack_key_once = PTHREAD_ONCE_INIT;

static void unmap_stack(void *stack) {
    munmap(stack, CHILD_STACK_SIZE);
}

static void make_stack_key(void) {
    stack_key_made = pthread_key_create(&stack_key, unmap_stack) == 0;
}

// The calling thread's child stack, mapped on first use and unmapped when the thread exits. `*owned` is set when
// the stack could not be kept for the thread and the caller must unmap it after use. NULL with errno set on failure.
static void *thread_child_stack(int *owned) {
    *owned = 0;
    pthread_once(&stack_key_once, make_stack_key);
    void *stack = stack_key_made ? pthread_getspecific(stack_key) : NULL;
    if (stack != NULL) {
        return stack;
    }
    stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED) {
        return NULL;
    }
    if (!stack_key_made || pthread_setspecific(stack_key, stack) != 0) {
        *owned = 1;
    }
    return stack;
}

#if defined(__x86_64__)
// clone3(args) whose child calls body(argument) on the stack given in args and exits with what it returns (the
// body here never returns). Written in assembly because the child starts on a new stack in the middle of this
// function: no C code may run in it before the call. Returns the child's pid in the parent, or -errno.
static long clone3_calling(struct clone_args *args, int (*body)(void *), void *argument) {
    register long number __asm__("rax") = SYS_clone3;
    register struct clone_args *args_register __asm__("rdi") = args;
    register size_t size __asm__("rsi") = sizeof *args;
    // r8 and r9 survive the system call (only rax, rcx and r11 change), so the child still finds them.
    register void *argument_register __asm__("r8") = argument;
    register int (*body_register)(void *) __asm__("r9") = body;
    __asm__ volatile(
        "syscall\n\t"
        "test %%rax, %%rax\n\t"
        "jnz 1f\n\t"
        // The child: no caller frame, a 16-byte aligned stack, then body(argument) and exit(its result).
        "xor %%ebp, %%ebp\n\t"
        "and $-16, %%rsp\n\t"
        "mov %%r8, %%rdi\n\t"
        "call *%%r9\n\t"
        "mov %%eax, %%edi\n\t"
        "mov %[exit_number], %%eax\n\t"
        "syscall\n\t"
        "hlt\n"
        "1:\n\t"
        : "+r"(number)
        : "r"(args_register), "r"(size), "r"(argument_register), "r"(body_register), [exit_number] "i"(SYS_exit)
        : "rcx", "r11", "memory");
    return number;
}
#define HAVE_CLONE3_CALLING 1
#endif

// Set once clone3 turned out to be missing (Linux before 5.3) or too old for CLONE_INTO_CGROUP (before 5.7).
static atomic_int clone3_unusable;

int cchildprocess_spawn(
    pid_t *pid, int *pidfd, int *failed_step, const char *path, char *const argv[], char *const envp[],
    const int stdio[3], const char *working_directory, int new_process_group, int death_signal, int cgroup_fd,
    const int *join_fds, int join_count) {
    // Room for the caller's groups plus the cgroup2 group when it must be joined by a write.
    int joins[CCHILDPROCESS_MAX_JOINS + 1];
    if (join_count < 0 || join_count > CCHILDPROCESS_MAX_JOINS) {
        *failed_step = CCHILDPROCESS_STEP_SETUP;
        return EINVAL;
    }
    for (int index = 0; index < join_count; index++) {
        joins[index] = join_fds[index];
    }
    struct child_request request = {
        .path = path,
        .argv = argv,
        .envp = envp,
        .stdio = {stdio[0], stdio[1], stdio[2]},
        .working_directory = working_directory,
        .new_process_group = new_process_group,
        .death_signal = death_signal,
        .join_fds = joins,
        .join_count = join_count,
        .parent = getpid(),
        .error = 0,
        .failed_step = 0,
    };
    if (pidfd != NULL) {
        *pidfd = -1;
    }

    int owned_stack;
    void *stack = thread_child_stack(&owned_stack);
    if (stack == NULL) {
        *failed_step = CCHILDPROCESS_STEP_SETUP;
        return errno;
    }

    // Block signals so none of the parent's handlers runs in the child before it resets them.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t child = -1;
    int clone_error = 0;
    int child_pidfd = -1;
#ifdef HAVE_CLONE3_CALLING
    // clone3 starts the child inside its control group (no write to cgroup.procs, which takes a lock every fork on
    // the machine waits for) and returns a pidfd with it. Any failure falls back to clone below, which also tells
    // a failure to join the group apart from a failure to fork.
    if ((cgroup_fd >= 0 || pidfd != NULL) && !atomic_load_explicit(&clone3_unusable, memory_order_relaxed)) {
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.flags = CLONE_VM | CLONE_VFORK;
        args.exit_signal = SIGCHLD;
        args.stack = (uint64_t)(uintptr_t)stack;
        args.stack_size = CHILD_STACK_SIZE;
        if (pidfd != NULL) {
            args.flags |= CLONE_PIDFD;
            args.pidfd = (uint64_t)(uintptr_t)&child_pidfd;
        }
        if (cgroup_fd >= 0) {
            args.flags |= CLONE_INTO_CGROUP;
            args.cgroup = (uint64_t)cgroup_fd;
        }
        long result = clone3_calling(&args, child_main, &request);
        if (result > 0) {
            child = (pid_t)result;
        } else if (result == -ENOSYS || result == -E2BIG) {
            atomic_store_explicit(&clone3_unusable, 1, memory_order_relaxed);
        }
    }
#endif
    int procs_fd = -1;
    if (child < 0) {
        child_pidfd = -1;
        if (cgroup_fd >= 0) {
            procs_fd = openat(cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
            if (procs_fd < 0) {
                int error = errno;
                pthread_sigmask(SIG_SETMASK, &previous, NULL);
                if (owned_stack) {
                    munmap(stack, CHILD_STACK_SIZE);
                }
                *failed_step = CCHILDPROCESS_STEP_CGROUP;
                return error;
            }
            joins[request.join_count++] = procs_fd;
        }
        // The stack grows down on every architecture jobrun runs on, so the child starts at the top.
        child = clone(child_main, (char *)stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
        clone_error = errno;
    }
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (procs_fd >= 0) {
        close(procs_fd);
    }
    if (owned_stack) {
        munmap(stack, CHILD_STACK_SIZE);
    }

    if (child < 0) {
        *failed_step = CCHILDPROCESS_STEP_SETUP;
        return clone_error;
    }
    if (request.error != 0) {
        if (child_pidfd >= 0) {
            close(child_pidfd);
        }
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        *failed_step = request.failed_step;
        return request.error;
    }
    *pid = child;
    if (pidfd != NULL) {
        *pidfd = child_pidfd >= 0 ? child_pidfd : cchildprocess_pidfd_open(child);
    }
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
