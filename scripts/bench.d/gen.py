#!/usr/bin/env python3
"""Writes the benchmark task files (see WORKLOADS.md) into a directory.

Usage: gen.py DIR WORKLOAD...   where WORKLOAD is warmup, W1, W2, W4 or MEM.

Files written (all JSONL, one task object per line):
  W1:  w1.jsonl              20,000 echo tasks, id i, value i
  W2:  w2.jsonl              64 sha256-chain tasks, seed task-<i>, 400,000 rounds
       w2-a.jsonl, w2-b.jsonl  tasks 0..31 and 32..63 (the 2-process ceiling)
  W4:  w4true.jsonl, w4echo.jsonl  2,000 exec tasks each
       seq2000.txt           the lines 0..1999 (stdin for xargs and GNU parallel)
  warmup: warmup.jsonl      10 echo tasks (loads the binary before the first timed run)
  MEM: mem.jsonl             1,000,000 echo tasks
       sleep.jsonl           one 3-second sleep task (idle worker RSS)
"""

import json
import os
import sys

W1_TASKS = 20_000
W2_TASKS = 64
W2_ROUNDS = 400_000
W4_TASKS = 2_000
MEM_TASKS = 1_000_000
STREAM_BYTES = 300_000_000


def echo_line(i):
    return '{"id": %d, "run": "echo", "args": {"value": %d}}\n' % (i, i)


def write_lines(path, lines):
    with open(path, "w", encoding="ascii") as f:
        f.writelines(lines)


def sha_task(i):
    task = {"id": i, "run": "sha256-chain", "args": {"seed": "task-%d" % i, "rounds": W2_ROUNDS}}
    return json.dumps(task) + "\n"


def gen_w1(d):
    write_lines(os.path.join(d, "w1.jsonl"), (echo_line(i) for i in range(W1_TASKS)))


def gen_w2(d):
    lines = [sha_task(i) for i in range(W2_TASKS)]
    half = W2_TASKS // 2
    write_lines(os.path.join(d, "w2.jsonl"), lines)
    write_lines(os.path.join(d, "w2-a.jsonl"), lines[:half])
    write_lines(os.path.join(d, "w2-b.jsonl"), lines[half:])


def gen_w4(d):
    true_lines = (json.dumps({"id": i, "exec": ["/bin/true", str(i)]}) + "\n" for i in range(W4_TASKS))
    write_lines(os.path.join(d, "w4true.jsonl"), true_lines)
    echo_lines = (
        json.dumps({"id": i, "exec": ["sh", "-c", "echo $1", "_", str(i)]}) + "\n" for i in range(W4_TASKS)
    )
    write_lines(os.path.join(d, "w4echo.jsonl"), echo_lines)
    write_lines(os.path.join(d, "seq2000.txt"), ("%d\n" % i for i in range(W4_TASKS)))


def gen_mem(d):
    write_lines(os.path.join(d, "mem.jsonl"), (echo_line(i) for i in range(MEM_TASKS)))
    write_lines(os.path.join(d, "sleep.jsonl"), ['{"id": 0, "run": "sleep", "args": {"ms": 3000}}\n'])


def gen_stream(d):
    # One task writing STREAM_BYTES of one-byte lines: the flood --stream-output must survive at speed.
    command = "head -c %d /dev/zero | tr '\\0' '\\n'" % STREAM_BYTES
    write_lines(os.path.join(d, "stream.jsonl"), [json.dumps({"id": 0, "shell": command}) + "\n"])


def gen_warmup(d):
    write_lines(os.path.join(d, "warmup.jsonl"), (echo_line(i) for i in range(10)))


GENERATORS = {"warmup": gen_warmup, "W1": gen_w1, "W2": gen_w2, "W4": gen_w4, "MEM": gen_mem, "STREAM": gen_stream}


def main(argv):
    if len(argv) < 3:
        sys.exit("usage: gen.py DIR warmup|W1|W2|W4|MEM|STREAM...")
    d = argv[1]
    for name in argv[2:]:
        if name not in GENERATORS:
            sys.exit("gen.py: unknown workload %r (expected one of %s)" % (name, ", ".join(GENERATORS)))
        GENERATORS[name](d)


if __name__ == "__main__":
    main(sys.argv)
