// The floor under W4: 2,000 runs of a program, 2 at a time, started the way jobrun's worker starts an exec task,
// with its guarantees added one at a time, so what each costs can be read off against xargs.
//
//   cc -O2 -o /tmp/spawn_floor scripts/bench.d/spawn_floor.c -lpthread
//   /tmp/spawn_floor MODE [PROGRAM] [CGROUP2-DIR]     (PROGRAM defaults to /bin/true; run as root for modes 3-5)
//
// MODE 0  one thread, fork + execve, 2 children at a time, wait(-1): what xargs -P 2 does
//      1  2 threads, each fork + execve + waitpid
//      2  2 threads, clone(CLONE_VM | CLONE_VFORK) on a kept stack + execve + waitpid
//      3  2 threads, clone3(CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP) into a reused group per thread
//      4  mode 3 + CLONE_PIDFD, poll on the pidfd
//      5  mode 4 + stdout and stderr pipes installed in the child and read to end of file
// Prints wall time and the parent's and children's CPU per run. x86-64 Linux 5.7 or later.
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS 2000
#define STACK_SIZE 65536

extern char **environ;
static int mode;
static const char *program = "/bin/true";
static char group_root[512];
static int group_fds[2] = {-1, -1};

struct request {
    char *const *argv;
    int out, err;
};

static int child_main(void *argument) {
    struct request *request = argument;
    if (request->out >= 0) {
        dup2(request->out, 1);
        dup2(request->err, 2);
    }
    execve(program, request->argv, environ);
    _exit(127);
}

// clone3 whose child runs body(argument) on the stack in args (as in jobrun's C helper).
static long clone3_calling(struct clone_args *args, int (*body)(void *), void *argument) {
    register long number __asm__("rax") = SYS_clone3;
    register struct clone_args *args_register __asm__("rdi") = args;
    register size_t size __asm__("rsi") = sizeof *args;
    register void *argument_register __asm__("r8") = argument;
    register int (*body_register)(void *) __asm__("r9") = body;
    __asm__ volatile(
        "syscall\n\ttest %%rax, %%rax\n\tjnz 1f\n\txor %%ebp, %%ebp\n\tand $-16, %%rsp\n\tmov %%r8, %%rdi\n\t"
        "call *%%r9\n\tmov %%eax, %%edi\n\tmov %[exit_number], %%eax\n\tsyscall\n\thlt\n1:\n\t"
        : "+r"(number)
        : "r"(args_register), "r"(size), "r"(argument_register), "r"(body_register), [exit_number] "i"(SYS_exit)
        : "rcx", "r11", "memory");
    return number;
}

static void *slot(void *argument) {
    int index = (int)(intptr_t)argument;
    void *stack = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    char number[16], buffer[65536];
    char *argv[] = {(char *)program, number, NULL};
    for (int run = 0; run < RUNS / 2; run++) {
        snprintf(number, sizeof number, "%d", index * (RUNS / 2) + run);
        struct request request = {argv, -1, -1};
        int out[2], err[2];
        if (mode >= 5) {
            pipe2(out, O_CLOEXEC);
            pipe2(err, O_CLOEXEC);
            request.out = out[1];
            request.err = err[1];
        }
        pid_t pid;
        int pidfd = -1;
        if (mode == 1) {
            pid = fork();
            if (pid == 0) child_main(&request);
        } else if (mode == 2) {
            pid = clone(child_main, (char *)stack + STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
        } else {
            struct clone_args args;
            memset(&args, 0, sizeof args);
            args.flags = CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP;
            args.exit_signal = SIGCHLD;
            args.stack = (uintptr_t)stack;
            args.stack_size = STACK_SIZE;
            args.cgroup = (uint64_t)group_fds[index];
            if (mode >= 4) {
                args.flags |= CLONE_PIDFD;
                args.pidfd = (uintptr_t)&pidfd;
            }
            pid = clone3_calling(&args, child_main, &request);
        }
        if (pid < 0) {
            perror("spawn");
            exit(1);
        }
        if (mode >= 5) {
            close(out[1]);
            close(err[1]);
            struct pollfd watched[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {pidfd, POLLIN, 0}};
            for (int open = 3; open > 0;) {
                poll(watched, 3, -1);
                for (int k = 0; k < 3; k++) {
                    if (watched[k].fd < 0 || watched[k].revents == 0) continue;
                    if (k == 2 || read(watched[k].fd, buffer, sizeof buffer) <= 0) {
                        close(watched[k].fd);
                        watched[k].fd = -1;
                        open--;
                    }
                }
            }
        } else if (mode == 4) {
            struct pollfd watched = {pidfd, POLLIN, 0};
            poll(&watched, 1, -1);
            close(pidfd);
        }
        int status;
        waitpid(pid, &status, 0);
    }
    return NULL;
}

static double seconds(struct timeval time) { return time.tv_sec + time.tv_usec / 1e6; }

int main(int argc, char **argv) {
    if (argc < 2 || (mode = atoi(argv[1])) < 0 || mode > 5) {
        fprintf(stderr, "usage: %s MODE(0-5) [PROGRAM] [CGROUP2-DIR]\n", argv[0]);
        return 2;
    }
    if (argc > 2) program = argv[2];
    snprintf(group_root, sizeof group_root, "%s/spawn-floor-%d", argc > 3 ? argv[3] : "/sys/fs/cgroup/unified", getpid());
    if (mode >= 3) {
        if (mkdir(group_root, 0755) != 0) {
            perror(group_root);
            return 1;
        }
        for (int k = 0; k < 2; k++) {
            char path[600];
            snprintf(path, sizeof path, "%s/slot%d", group_root, k);
            mkdir(path, 0755);
            group_fds[k] = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        }
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    if (mode == 0) {
        char number[16];
        char *child_argv[] = {(char *)program, number, NULL};
        int running = 0;
        for (int run = 0; run < RUNS; run++) {
            if (running == 2) {
                wait(NULL);
                running--;
            }
            snprintf(number, sizeof number, "%d", run);
            if (fork() == 0) {
                execve(program, child_argv, environ);
                _exit(127);
            }
            running++;
        }
        while (running-- > 0) wait(NULL);
    } else {
        pthread_t threads[2];
        for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, slot, (void *)(intptr_t)k);
        for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double wall = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    printf("mode %d: %d runs in %.3f s; CPU per run: parent %.1f us, children %.1f us\n", mode, RUNS, wall,
        (seconds(self.ru_utime) + seconds(self.ru_stime)) * 1e6 / RUNS,
        (seconds(children.ru_utime) + seconds(children.ru_stime)) * 1e6 / RUNS);
    if (mode >= 3) {
        for (int k = 0; k < 2; k++) {
            char path[600];
            snprintf(path, sizeof path, "%s/slot%d", group_root, k);
            close(group_fds[k]);
            rmdir(path);
        }
        rmdir(group_root);
    }
    return 0;
}
