#!/usr/bin/env python3
"""Times one command, or several started at the same moment, with a deadline.

Usage: timed.py [--timeout S] [--stdin F] [--stdout F] -- CMD... [+++ CMD...]

Each command runs in its own process group (its group id is its pid), so on timeout the
whole group it started (a coordinator and its workers) gets SIGKILL, and nothing else.
Prints the wall time in seconds from just before the first start to the moment the last
command has exited. Exit status: 0 when every command exited 0, 124 on timeout, else 1.
Each command reads its own copy of the --stdin file; all append to the --stdout file and
write to this script's stderr.
"""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time


def split_commands(words):
    commands, current = [], []
    for word in words:
        if word == "+++":
            commands.append(current)
            current = []
        else:
            current.append(word)
    commands.append(current)
    if any(not c for c in commands):
        sys.exit("timed.py: empty command (check the '--' and '+++' separators)")
    return commands


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--stdin", default=os.devnull)
    parser.add_argument("--stdout", default=os.devnull)
    argv = sys.argv[1:]
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    words = argv[split + 1:]
    commands = split_commands(words)

    stdout = open(args.stdout, "ab")
    inputs = [open(args.stdin, "rb") for _ in commands]
    timed_out = threading.Event()
    procs = []

    def kill_all():
        timed_out.set()
        for p in procs:
            if p.returncode is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    start = time.perf_counter()
    for cmd, stdin in zip(commands, inputs):
        try:
            procs.append(
                subprocess.Popen(cmd, stdin=stdin, stdout=stdout, start_new_session=True)
            )
        except OSError as e:
            kill_all()
            sys.exit("timed.py: cannot start %s: %s" % (cmd[0], e))
    timer = threading.Timer(args.timeout, kill_all)
    timer.daemon = True
    timer.start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        codes = [p.wait() for p in procs]
    except (KeyboardInterrupt, SystemExit):
        kill_all()
        sys.exit("timed.py: interrupted; stopped %s" % " ".join(commands[0]))
    wall = time.perf_counter() - start
    timer.cancel()

    if timed_out.is_set():
        print("timed.py: killed after the %.0f s timeout: %s" % (args.timeout, " ".join(commands[0])), file=sys.stderr)
        sys.exit(124)
    print("%.6f" % wall)
    for cmd, code in zip(commands, codes):
        if code != 0:
            print("timed.py: %s exited with status %d" % (" ".join(cmd), code), file=sys.stderr)
    sys.exit(0 if all(c == 0 for c in codes) else 1)


if __name__ == "__main__":
    main()
