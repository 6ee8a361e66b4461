#!/usr/bin/env python3
"""The DAG workload of the benchmark: 100,000 echo tasks as 1,000 chains of 100 (each task `after` the one before
it in its chain), against the same 100,000 tasks with no dependencies, and against Dask distributed running the
same graph, in the same invocation. Reports the scheduling overhead per task and the coordinator's peak memory per
task; prints a table and, with --markdown, appends it to a file.

    dag_bench.py --jobrun PATH [--runs N] [--chains N] [--length N] [--markdown PATH] [--no-dask]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import result_table


def write_tasks(path, chains, length, dependent):
    with open(path, "w") as f:
        for chain in range(chains):
            for step in range(length):
                task = {"id": f"c{chain}-{step}", "run": "echo", "args": {"value": step}}
                if dependent and step > 0:
                    task["after"] = [f"c{chain}-{step - 1}"]
                f.write(json.dumps(task, separators=(",", ":")) + "\n")


def submit(jobrun, task_file, workers, count):
    """Runs one job; returns its wall time and the peak RSS of the coordinator (KiB), checking every result."""
    out = task_file + ".results.jsonl"
    if os.path.exists(out):
        os.remove(out)
    start = time.perf_counter()
    process = subprocess.Popen([jobrun, "submit", task_file, "--workers", str(workers), "--quiet", "--output", out])
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"dag_bench: jobrun exited {os.waitstatus_to_exitcode(status)} on {task_file}")
    ok = 0
    with open(out) as f:
        for line in f:
            if json.loads(line)["status"] == "ok":
                ok += 1
    if ok != count:
        raise SystemExit(f"dag_bench: {ok} of {count} tasks ok in {out}")
    return wall, usage.ru_maxrss


def ensure_dask():
    try:
        import distributed  # noqa: F401
        return True
    except ImportError:
        pass
    print("dag_bench: installing dask[distributed] from PyPI", file=sys.stderr)
    # A Debian Python refuses system-wide installs (PEP 668) unless told; the first refusal is not worth showing.
    for extra in ([], ["--break-system-packages"]):
        done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *extra, "dask[distributed]"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if done.returncode == 0:
            break
    else:
        print(done.stdout[-2000:], file=sys.stderr)
    try:
        import distributed  # noqa: F401
        return True
    except ImportError:
        print("dag_bench: dask[distributed] could not be installed; its row is skipped", file=sys.stderr)
        return False


def echo(value, _previous=None):
    return value


def dask_run(chains, length):
    """Wall time of Dask distributed (2 worker processes, 1 thread each) computing the same graph, cluster start
    excluded (as jobrun's worker start is included, this favours Dask)."""
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        graph = {}
        for chain in range(chains):
            for step in range(length):
                key = f"c{chain}-{step}"
                graph[key] = (echo, step, f"c{chain}-{step - 1}") if step > 0 else (echo, step)
        keys = list(graph)
        start = time.perf_counter()
        values = client.get(graph, keys)
        wall = time.perf_counter() - start
        if len(values) != len(keys) or values[-1] != length - 1:
            raise SystemExit("dag_bench: Dask returned wrong results")
        return wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobrun", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chains", type=int, default=1000)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--markdown")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()
    count = args.chains * args.length
    work = tempfile.mkdtemp(prefix="jobrun-dag-bench.")
    dag, flat = os.path.join(work, "dag.jsonl"), os.path.join(work, "flat.jsonl")
    write_tasks(dag, args.chains, args.length, True)
    write_tasks(flat, args.chains, args.length, False)
    os.environ.setdefault("JOBRUN_STATE_DIR", os.path.join(work, "state"))
    walls = {"dag": [], "flat": []}
    peaks = {"dag": [], "flat": []}
    for run in range(args.runs):
        print(f"dag_bench: round {run + 1}/{args.runs}", file=sys.stderr)
        for name, path in (("flat", flat), ("dag", dag)):
            wall, peak = submit(args.jobrun, path, 2, count)
            walls[name].append(wall)
            peaks[name].append(peak)
            print(f"dag_bench: {name}: {wall:.3f} s, peak RSS {peak} KiB", file=sys.stderr)
    dask_walls = []
    if not args.no_dask and ensure_dask():
        for run in range(min(args.runs, 2)):
            dask_walls.append(dask_run(args.chains, args.length))
            print(f"dag_bench: dask: {dask_walls[-1]:.3f} s", file=sys.stderr)
    dag_wall, flat_wall = statistics.median(walls["dag"]), statistics.median(walls["flat"])
    dag_peak, flat_peak = statistics.median(peaks["dag"]), statistics.median(peaks["flat"])
    per_task = lambda wall: f"{wall / count * 1e6:.1f} µs/task"
    rows = [
        ("DAG", f"jobrun, {count:,} independent tasks", f"{flat_wall:.3f} s", per_task(flat_wall), "—", "—", "info"),
        ("DAG", f"jobrun, {args.chains:,} chains of {args.length}", f"{dag_wall:.3f} s", per_task(dag_wall),
         f"{dag_wall / flat_wall:.2f}x the flat job", "<= 2x", "PASS" if dag_wall <= 2 * flat_wall else "FAIL"),
        ("DAG", "coordinator peak RSS, DAG / flat", f"{dag_peak / 1024:.1f} / {flat_peak / 1024:.1f} MiB",
         f"{dag_peak * 1024 / count:.0f} / {flat_peak * 1024 / count:.0f} B/task", "—", "—", "info"),
    ]
    if dask_walls:
        dask_wall = statistics.median(dask_walls)
        rows.append(("DAG", "Dask distributed, LocalCluster 2x1, same graph", f"{dask_wall:.3f} s", per_task(dask_wall),
                     f"jobrun {dask_wall / dag_wall:.1f}x", ">= 50x", "PASS" if dask_wall >= 50 * dag_wall else "FAIL"))
    status = result_table.emit(rows, args.markdown)
    subprocess.run(["rm", "-rf", work])
    return status


if __name__ == "__main__":
    sys.exit(main())
