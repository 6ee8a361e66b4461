#ifndef JOBRUN_CCHILDPROCESS_H
#define JOBRUN_CCHILDPROCESS_H

// The few process-spawning calls the `ChildProcess` module cannot make from Swift: they are
// declared by glibc only under _GNU_SOURCE, or must run in a child between clone and execve.

#include <spawn.h>
#include <stddef.h>
#include <sys/types.h>

/// `stdio` entry: the child keeps the parent's descriptor.
#define CCHILDPROCESS_INHERIT (-1)
/// `stdio` entry: the child gets /dev/null.
#define CCHILDPROCESS_DEV_NULL (-2)

/// Which step of `cchildprocess_spawn_with_death_signal` failed in the child: signal dispositions,
/// process group, death signal or descriptors; changing to the working directory; execve itself.
#define CCHILDPROCESS_STEP_SETUP 1
#define CCHILDPROCESS_STEP_CHDIR 2
#define CCHILDPROCESS_STEP_EXEC 3
#define CCHILDPROCESS_STEP_CGROUP 4

/// pipe2(fds, O_CLOEXEC). Exists because Swift's Glibc module does not declare pipe2, and pipe()
/// followed by fcntl(FD_CLOEXEC) would let a child spawned by another thread in between inherit
/// the descriptors. Returns 0, or -1 with errno set.
int cchildprocess_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addchdir_np. Exists because glibc declares it only under _GNU_SOURCE,
/// which Swift's Glibc module does not define. Returns 0 or an errno value.
int cchildprocess_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// Starts `path` like posix_spawn (clone with CLONE_VM | CLONE_VFORK, so no page tables are copied)
/// and also sets PR_SET_PDEATHSIG in the child. Exists because posix_spawn has no hook to run
/// prctl between clone and execve, and Swift cannot run code in a vfork-style child.
///
/// The child: resets every signal to its default action; joins a new process group when
/// `new_process_group` is non-zero; gets `death_signal` when the thread that called this function
/// exits; installs `stdio[i]` (a descriptor >= 3, CCHILDPROCESS_INHERIT or CCHILDPROCESS_DEV_NULL)
/// as descriptor i; changes to `working_directory` when it is not NULL; unblocks every signal;
/// writes "0" to each of the `join_count` descriptors in `join_fds` (open cgroup.procs files), so it
/// joins those control groups before the program runs; and executes `path` (no PATH search) with
/// `argv` and `envp`. A `death_signal` of 0 sets no parent-death signal.
///
/// Returns 0 and stores the pid, or returns an errno value and stores the failed step (a child that
/// failed has already been reaped).
int cchildprocess_spawn_with_death_signal(
    pid_t *pid, int *failed_step, const char *path, char *const argv[], char *const envp[],
    const int stdio[3], const char *working_directory, int new_process_group, int death_signal,
    const int *join_fds, int join_count);

/// prctl(PR_SET_CHILD_SUBREAPER, 1): processes orphaned below this one (a dead worker's task processes) are
/// re-parented to it instead of to init, so it can find and stop them. Exists because prctl is variadic, which
/// Swift cannot call. Returns 0 or an errno value.
int cchildprocess_become_subreaper(void);

/// mallopt settings that make the C allocator keep freed memory for reuse (no trimming, no mmap for buffers
/// under 64 MiB), for a process that fills and empties large buffers many times a second. Exists because
/// <malloc.h> is not part of Swift's Glibc module.
void cchildprocess_keep_freed_memory(void);

/// pidfd_open(pid, 0): a descriptor that becomes readable when the process `pid` ends, so a poll loop
/// can notice the end of a child while its output pipes are still held open by other processes.
/// Exists because glibc before 2.36 has no wrapper. Returns the descriptor, or -1 with errno set.
int cchildprocess_pidfd_open(pid_t pid);

/// How many times `byte` occurs in the `count` bytes at `bytes`. Exists because the worker counts the newlines of
/// every chunk of a task's output it drops, and a byte loop in Swift is slow in debug builds.
size_t cchildprocess_count_byte(const void *bytes, size_t count, unsigned char byte);

#endif
