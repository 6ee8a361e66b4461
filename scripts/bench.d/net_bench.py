#!/usr/bin/env python3
"""The NET workload of the benchmark: W1 (20,000 echo tasks) and W2 (64 sha256-chain tasks of 400,000 rounds)
with the workers on two other "hosts" — network namespaces joined to the coordinator's by veth pairs — over TCP
with CURVE, against the same job on local ipc workers, in the same invocation. Target: remote throughput at
least 0.7 of local. Needs root (namespaces); without it, says so and reports nothing.

    net_bench.py --jobrun PATH [--runs N] [--markdown PATH]

Every process it starts is stopped by pid and every namespace it makes is deleted at the end.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import result_table

PREFIX = f"jrnb{os.getpid() % 100000}"
COORD = PREFIX + "c"
HOSTS = [(PREFIX + "h0", "10.231.1"), (PREFIX + "h1", "10.231.2")]


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)


def make_cluster():
    sh("ip", "netns", "add", COORD)
    sh("ip", "-n", COORD, "link", "set", "lo", "up")
    for index, (namespace, subnet) in enumerate(HOSTS):
        outer, inner = f"{PREFIX}c{index}", f"{PREFIX}h{index}"
        sh("ip", "netns", "add", namespace)
        sh("ip", "-n", namespace, "link", "set", "lo", "up")
        sh("ip", "-n", COORD, "link", "add", outer, "type", "veth", "peer", "name", inner, "netns", namespace)
        sh("ip", "-n", COORD, "addr", "add", f"{subnet}.1/24", "dev", outer)
        sh("ip", "-n", namespace, "addr", "add", f"{subnet}.2/24", "dev", inner)
        sh("ip", "-n", COORD, "link", "set", outer, "up")
        sh("ip", "-n", namespace, "link", "set", inner, "up")


def remove_cluster():
    for namespace in [COORD] + [h[0] for h in HOSTS]:
        pids = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (ProcessLookupError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", namespace], stderr=subprocess.DEVNULL)


def write_jsonl(path, tasks):
    with open(path, "w") as f:
        for task in tasks:
            f.write(json.dumps(task) + "\n")


def check(out, count):
    with open(out) as f:
        records = [json.loads(line) for line in f]
    ids = {r["id"] for r in records}
    if len(records) != count or len(ids) != count or any(r["status"] != "ok" for r in records):
        raise SystemExit(f"net_bench: {out}: expected {count} ok results once each, got {len(records)}")
    return records


def local_run(jobrun, task_file, count):
    out = task_file + ".local.jsonl"
    start = time.perf_counter()
    subprocess.run([jobrun, "submit", task_file, "--workers", "2", "--quiet", "--output", out, "--force"],
                   check=True, timeout=600)
    wall = time.perf_counter() - start
    check(out, count)
    return wall


def children(pid):
    """The pids of a process's children (from /proc)."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
    except OSError:
        pass
    return found


def wait_for_workers(agents, timeout=10.0):
    """Waits (bounded) until every agent has started its worker process, then lets those reach their
    registration (a host's agent is up and waiting before a job starts, as on a real cluster)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(children(a.pid) for a in agents):
        time.sleep(0.01)
    time.sleep(0.3)


def remote_run(jobrun, task_file, count, keys):
    """Agents (one worker each) are started on both hosts and left waiting; the timed part is the whole
    `jobrun submit`, from its start to its exit, as for the local run."""
    agents = []
    for index, (namespace, subnet) in enumerate(HOSTS):
        # Each host gets its own host name (a UTS namespace), so results show which host ran what.
        agents.append(subprocess.Popen(
            ["ip", "netns", "exec", namespace, "unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"',
             f"bench-host-{index}", jobrun, "worker", "--connect", f"tcp://{subnet}.1:7700",
             "--key", os.path.join(keys, namespace, "jobrun.key"),
             "--server-key", os.path.join(keys, "coordinator", "jobrun.pub"), "--workers", "1", "--once",
             "--idle-exit", "60"], stderr=subprocess.DEVNULL))
    out = task_file + ".net.jsonl"
    try:
        wait_for_workers(agents)
        start = time.perf_counter()
        subprocess.run(
            ["ip", "netns", "exec", COORD, jobrun, "submit", task_file, "--workers", "0", "--quiet", "--output", out,
             "--force", "--listen", "tcp://0.0.0.0:7700", "--key", os.path.join(keys, "coordinator", "jobrun.key"),
             "--authorized-keys", os.path.join(keys, "authorized_keys")], check=True, timeout=600)
        wall = time.perf_counter() - start
    finally:
        for agent in agents:
            try:
                agent.wait(timeout=10)
            except subprocess.TimeoutExpired:
                agent.kill()
                agent.wait()
    records = check(out, count)
    hosts = {r["host"] for r in records}
    return wall, hosts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobrun", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--markdown")
    options = parser.parse_args()
    if os.geteuid() != 0 or shutil.which("ip") is None:
        print("net_bench: NET skipped: network namespaces need root and iproute2 (`ip`)", file=sys.stderr)
        return 0
    work = tempfile.mkdtemp(prefix="jobrun-net-bench-")
    keys = os.path.join(work, "keys")
    rows = []
    try:
        make_cluster()
        lines = []
        for name in ["coordinator"] + [h[0] for h in HOSTS]:
            subprocess.run([options.jobrun, "keygen", "--out", os.path.join(keys, name)], check=True,
                           stdout=subprocess.DEVNULL)
            if name != "coordinator":
                with open(os.path.join(keys, name, "jobrun.pub")) as f:
                    lines.append(f.read().split("\n")[1] + f" {name}\n")
        with open(os.path.join(keys, "authorized_keys"), "w") as f:
            f.writelines(lines)
        w1 = os.path.join(work, "w1.jsonl")
        write_jsonl(w1, [{"id": i, "run": "echo", "args": {"value": i}} for i in range(20000)])
        w2 = os.path.join(work, "w2.jsonl")
        write_jsonl(w2, [{"id": i, "run": "sha256-chain", "args": {"seed": f"task-{i}", "rounds": 400000}}
                         for i in range(64)])
        for workload, task_file, count in [("W1", w1, 20000), ("W2", w2, 64)]:
            local, remote, ratios, hosts = [], [], [], set()
            for run in range(options.runs):
                print(f"net_bench: {workload} round {run + 1}/{options.runs}", file=sys.stderr)
                local.append(local_run(options.jobrun, task_file, count))
                wall, used = remote_run(options.jobrun, task_file, count, keys)
                remote.append(wall)
                hosts |= used
                ratios.append(local[-1] / wall)
            ratio = statistics.median(ratios)
            rows.append((workload, "jobrun, 2 local workers (ipc)", f"{statistics.median(local):.3f} s",
                         f"{count / statistics.median(local):,.1f} tasks/s", "—", "—", "ok"))
            rows.append((workload, f"jobrun, 2 hosts x 1 worker over TCP + CURVE (results from {len(hosts)} hosts)",
                         f"{statistics.median(remote):.3f} s", f"{count / statistics.median(remote):,.1f} tasks/s",
                         f"{ratio:.2f} of local (per round: {' '.join(f'{r:.2f}' for r in ratios)})", ">= 0.7",
                         "PASS" if ratio >= 0.7 else "FAIL"))
    finally:
        remove_cluster()
        shutil.rmtree(work, ignore_errors=True)
    return result_table.emit(rows, options.markdown)


if __name__ == "__main__":
    sys.exit(main())
