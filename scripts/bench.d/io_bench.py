#!/usr/bin/env python3
"""IO workloads of the benchmark (WORKLOADS.md): W3a sleeps, W3b HTTP GETs against a loopback server, the Mixed
job (W2's hashes among W3a's sleeps), and the parallel-vs-async example. jobrun and its Python asyncio peers run
in the same invocation; prints a table and, with --markdown, appends it to a file.

    io_bench.py --jobrun PATH [--runs N] [--only W3A,W3B,MIXED,LAYERS] [--markdown PATH]
"""
import argparse
import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import result_table

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER = os.path.join(ROOT, "scripts/lib/http_test_server.py")
# GETs in flight at once in W3b, for jobrun (split evenly over its 2 workers) and for the asyncio peer alike.
W3B_CONCURRENCY = 500


def write_jsonl(path, tasks):
    with open(path, "w") as f:
        for task in tasks:
            f.write(json.dumps(task) + "\n")


def submit(jobrun, task_file, workers, extra=(), timeout=600):
    out = task_file + ".results.jsonl"
    if os.path.exists(out):
        os.remove(out)
    start = time.perf_counter()
    done = subprocess.run([jobrun, "submit", task_file, "--workers", str(workers), "--quiet", "--output", out, *extra],
                          timeout=timeout)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"io_bench: jobrun exited {done.returncode} on {task_file}")
    with open(out) as f:
        records = [json.loads(line) for line in f]
    return wall, records


async def asyncio_sleeps(count, concurrency):
    gate = asyncio.Semaphore(concurrency)

    async def one():
        async with gate:
            await asyncio.sleep(0.1)

    await asyncio.gather(*(one() for _ in range(count)))


async def asyncio_gets(port, count, concurrency):
    """A keep-alive HTTP/1.1 client pool of `concurrency` connections (stdlib asyncio streams)."""
    queue = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def connection():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while not queue.empty():
            i = queue.get_nowait()
            writer.write(f"GET /io?i={i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            length = 0
            while True:
                line = await reader.readline()
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                if line in (b"\r\n", b""):
                    break
            await reader.readexactly(length)
        writer.close()

    await asyncio.gather(*(connection() for _ in range(concurrency)))


def median(values):
    return statistics.median(values)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobrun", required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="W3A,W3B,MIXED,LAYERS")
    parser.add_argument("--markdown")
    options = parser.parse_args()
    only = set(options.only.upper().split(","))
    work = tempfile.mkdtemp(prefix="jobrun-io-bench-")
    rows = []

    def row(workload, tool, wall, rate, ratio, target, result):
        rows.append((workload, tool, f"{wall:.3f} s" if isinstance(wall, float) else wall, rate, ratio, target, result))
        print(f"io_bench: {workload} {tool}: {rows[-1][2]}", file=sys.stderr)

    sleeps = [{"id": i, "run": "sleep", "args": {"ms": 100}} for i in range(2000)]
    w3a = os.path.join(work, "w3a.jsonl")
    write_jsonl(w3a, sleeps)

    if "W3A" in only:
        ours, peer = [], []
        for _ in range(options.runs):
            wall, records = submit(options.jobrun, w3a, 2)
            assert len(records) == 2000 and all(r["status"] == "ok" for r in records)
            ours.append(wall)
            start = time.perf_counter()
            asyncio.run(asyncio_sleeps(2000, 500))
            peer.append(time.perf_counter() - start)
        row("W3a", "jobrun submit --workers 2 (whole process)", median(ours), f"{2000 / median(ours):,.0f} tasks/s", "—",
            "< 1 s", "PASS" if median(ours) < 1 else "FAIL")
        row("W3a", "Python asyncio gather, 500 concurrent", median(peer), f"{2000 / median(peer):,.0f} tasks/s",
            f"jobrun {median(peer) / median(ours):.2f}x", "—", "info")

    if "W3B" in only:
        server = subprocess.Popen([sys.executable, SERVER], stdout=subprocess.PIPE, text=True)
        try:
            port = int(server.stdout.readline())
            w3b = os.path.join(work, "w3b.jsonl")
            write_jsonl(w3b, [{"id": i, "run": "http-get", "args": {"urls": [f"http://127.0.0.1:{port}/io?i={i}"]}}
                              for i in range(2000)])
            ours, peer = [], []
            # Equal concurrency: 2 workers x 250 requests in flight, each on its own keep-alive connection, against
            # asyncio's 500 connections. Our own server takes hundreds of connections; the default is polite to others.
            conf = os.path.join(work, "w3b.conf")
            with open(conf, "w") as f:
                f.write(f"http_connections_per_host = {W3B_CONCURRENCY // 2}\n")
            for _ in range(options.runs):
                wall, records = submit(options.jobrun, w3b, 2,
                                       extra=("--config", conf, "--io-concurrency", str(W3B_CONCURRENCY // 2)))
                assert len(records) == 2000 and all(r["status"] == "ok" for r in records), "W3b: a GET failed"
                ours.append(wall)
                start = time.perf_counter()
                asyncio.run(asyncio_gets(port, 2000, W3B_CONCURRENCY))
                peer.append(time.perf_counter() - start)
            row("W3b", f"jobrun submit --workers 2 x {W3B_CONCURRENCY // 2} (whole process)", median(ours), f"{2000 / median(ours):,.0f} GETs/s",
                "—", "< 2 s", "PASS" if median(ours) < 2 else "FAIL")
            row("W3b", f"Python asyncio streams, {W3B_CONCURRENCY} keep-alive connections", median(peer),
                f"{2000 / median(peer):,.0f} GETs/s", f"jobrun {median(peer) / median(ours):.2f}x", "—", "info")
        finally:
            server.kill()
            server.wait()

    if "MIXED" in only:
        hashes = [{"id": f"h{i}", "run": "sha256-chain", "args": {"seed": f"task-{i}", "rounds": 400000}} for i in range(64)]
        w2 = os.path.join(work, "w2.jsonl")
        write_jsonl(w2, hashes)
        mixed = []
        for i, sleep in enumerate(sleeps):
            mixed.append(dict(sleep, id=f"s{i}"))
            if i % 31 == 0 and i // 31 < 64:
                mixed.append(hashes[i // 31])
        mixed += hashes[len([t for t in mixed if t["id"].startswith("h")]):]
        mixed_file = os.path.join(work, "mixed.jsonl")
        write_jsonl(mixed_file, mixed)
        alone_hash, alone_sleep, together = [], [], []
        for _ in range(options.runs):
            alone_hash.append(submit(options.jobrun, w2, 2)[0])
            alone_sleep.append(submit(options.jobrun, w3a, 2)[0])
            wall, records = submit(options.jobrun, mixed_file, 2)
            assert len(records) == 2064
            together.append(wall)
        longer = max(median(alone_hash), median(alone_sleep))
        ratio = median(together) / longer
        row("Mixed", "jobrun: W2 alone (64 hashes, 2 workers)", median(alone_hash), "—", "—", "—", "info")
        row("Mixed", "jobrun: W3a alone (2,000 sleeps, 2 workers)", median(alone_sleep), "—", "—", "—", "info")
        row("Mixed", "jobrun: both in one job", median(together), "—", f"{ratio:.2f}x the longer alone",
            "<= 1.2x", "PASS" if ratio <= 1.2 else "FAIL")

    if "LAYERS" in only:
        example = os.path.join(ROOT, "config/examples/parallel-vs-async.jsonl")
        copy = os.path.join(work, "layers.jsonl")
        with open(example) as source, open(copy, "w") as target:
            target.write(source.read())
        cores = os.cpu_count() or 2
        cases = [("(a) 1 worker, IO concurrency 1", 1, ["--io-concurrency", "1"]),
                 (f"(b) {cores} workers, IO concurrency 1", cores, ["--io-concurrency", "1"]),
                 (f"(c) {cores} workers, IO concurrency 256 (default)", cores, [])]
        for label, workers, extra in cases:
            walls = [submit(options.jobrun, copy, workers, extra)[0] for _ in range(options.runs)]
            row("Layers", label, median(walls), "—", "—", "—", "info")

    sys.exit(result_table.emit(rows, options.markdown))


if __name__ == "__main__":
    main()
