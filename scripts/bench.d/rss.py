#!/usr/bin/env python3
"""Memory figures of a running `jobrun submit`, read from /proc.

Usage:
  rss.py coordinator [--timeout S] -- CMD...
      Runs CMD and samples VmHWM (peak resident set) in /proc/<pid>/status of that process
      every 2 ms until it exits; the last sample is the coordinator's own peak, workers
      excluded. Prints: "<peak KiB> <wall s> <wait4 ru_maxrss KiB>"; the last is the kernel's
      figure for the coordinator and every descendant it reaped (an upper bound).
  rss.py worker [--timeout S] [--after S] -- CMD...
      Runs CMD, finds the processes it spawned (/proc/<pid>/task/*/children), waits --after
      seconds (default 1) from the moment the first appeared and reads each one's VmRSS.
      Prints: "<smallest KiB> <largest KiB> <worker count>". With one task and two workers,
      the smallest is the idle worker (it has run nothing).

CMD runs in its own process group; on timeout that group gets SIGKILL. Exit status is 0 when
CMD exited 0 and the figures were read, 124 on timeout, 1 otherwise.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time


STARTED = []  # pids (= process group ids) of the commands this script started


def status_fields(pid):
    """The /proc/<pid>/status fields as a dict of strings, or None once it is gone."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.split(":", 1) for line in f if ":" in line)
    except (FileNotFoundError, ProcessLookupError):
        return None


def running(pid):
    """True while the process exists and is not a zombie (it is never reaped here)."""
    fields = status_fields(pid)
    return fields is not None and not fields.get("State", "").strip().startswith("Z")


def kib(field):
    return int(field.split()[0])


def children_of(pid):
    kids = []
    try:
        threads = os.listdir("/proc/%d/task" % pid)
    except FileNotFoundError:
        return kids
    for tid in threads:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                kids.extend(int(k) for k in f.read().split())
        except FileNotFoundError:
            pass
    return sorted(set(kids))


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def start(cmd, timeout):
    proc = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
    )
    STARTED.append(proc.pid)
    timed_out = threading.Event()

    def kill():
        timed_out.set()
        kill_group(proc.pid)

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    return proc, timer, timed_out


def finish(proc, timer, timed_out, cmd, timeout):
    """Reaps CMD; returns its rusage, or exits when it timed out or failed."""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    timer.cancel()
    if timed_out.is_set():
        print("rss.py: killed after the %.0f s timeout: %s" % (timeout, " ".join(cmd)), file=sys.stderr)
        sys.exit(124)
    if proc.returncode != 0:
        print("rss.py: %s exited with status %d" % (" ".join(cmd), proc.returncode), file=sys.stderr)
        sys.exit(1)
    return usage


def measure_coordinator(cmd, timeout):
    began = time.perf_counter()
    proc, timer, timed_out = start(cmd, timeout)
    peak = None
    while True:
        fields = status_fields(proc.pid)
        if fields is None or "VmHWM" not in fields:
            break  # a zombie has no memory fields left: it has exited
        peak = kib(fields["VmHWM"])
        time.sleep(0.002)
    usage = finish(proc, timer, timed_out, cmd, timeout)
    wall = time.perf_counter() - began
    if peak is None:
        sys.exit("rss.py: %s exited before its memory could be read" % cmd[0])
    print("%d %.6f %d" % (peak, wall, usage.ru_maxrss))


def measure_worker(cmd, timeout, after):
    proc, timer, timed_out = start(cmd, timeout)
    deadline = time.monotonic() + min(timeout, 10.0)
    kids = []
    while not kids and time.monotonic() < deadline and running(proc.pid):
        kids = children_of(proc.pid)
        if not kids:
            time.sleep(0.005)
    figures = []
    if kids:
        time.sleep(after)
        for kid in children_of(proc.pid):
            fields = status_fields(kid)
            if fields and "VmRSS" in fields:
                figures.append(kib(fields["VmRSS"]))
    finish(proc, timer, timed_out, cmd, timeout)
    if not figures:
        sys.exit("rss.py: found no worker processes under the coordinator (pid %d)" % proc.pid)
    print("%d %d %d" % (min(figures), max(figures), len(figures)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["coordinator", "worker"])
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--after", type=float, default=1.0)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    cmd = argv[split + 1:]
    if not cmd:
        sys.exit("rss.py: no command given")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        if args.mode == "coordinator":
            measure_coordinator(cmd, args.timeout)
        else:
            measure_worker(cmd, args.timeout, args.after)
    except (KeyboardInterrupt, SystemExit):
        for pgid in STARTED:
            kill_group(pgid)
        raise


if __name__ == "__main__":
    main()
