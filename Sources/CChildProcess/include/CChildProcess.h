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

/// Which step of `cchildprocess_spawn` failed in the child: signal dispositions,
/// process group, death signal or descriptors; changing to the working directory; execve itself; joining a
/// control group.
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

/// How many groups `cchildprocess_spawn` can join by writing to their `cgroup.procs`.
#define CCHILDPROCESS_MAX_JOINS 4

/// Starts `path` like posix_spawn (a child sharing the parent's memory while the calling thread waits, so no page
/// tables are copied), with what posix_spawn cannot do between the fork and the exec: a parent-death signal, and
/// starting inside control groups. Exists because Swift cannot run code in such a child.
///
/// The child: resets every signal to its default action; joins a new process group when
/// `new_process_group` is non-zero; gets `death_signal` when the thread that called this function
/// exits; installs `stdio[i]` (a descriptor >= 3, CCHILDPROCESS_INHERIT or CCHILDPROCESS_DEV_NULL)
/// as descriptor i; changes to `working_directory` when it is not NULL; unblocks every signal;
/// and executes `path` (no PATH search) with `argv` and `envp`. A `death_signal` of 0 sets no parent-death signal.
///
/// Control groups, so that everything the program starts is born inside them: `cgroup_fd`, when not -1, is an
/// open cgroup2 directory the child starts in (clone3 with CLONE_INTO_CGROUP where the kernel has it, Linux 5.7;
/// elsewhere the child writes to the group's cgroup.procs before it executes); and the child writes "0" to each
/// of the `join_count` (at most CCHILDPROCESS_MAX_JOINS) descriptors in `join_fds`, open cgroup.procs files of
/// cgroup v1 groups.
///
/// `pidfd`, when not NULL, receives a close-on-exec pidfd of the child (from clone3, else pidfd_open), or -1 where
/// the kernel has none; the caller closes it.
///
/// Returns 0 and stores the pid, or returns an errno value and stores the failed step (a child that
/// failed has already been reaped).
int cchildprocess_spawn(
    pid_t *pid, int *pidfd, int *failed_step, const char *path, char *const argv[], char *const envp[],
    const int stdio[3], const char *working_directory, int new_process_group, int death_signal, int cgroup_fd,
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
