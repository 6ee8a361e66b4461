#!/usr/bin/env python3
"""Turns the benchmark's raw records into the results table (text, and markdown on request).

Usage: report.py RECORDS [--markdown PATH]

RECORDS holds one tab-separated record a line: CASE, TOOL, KEY, VALUE, written by scripts/bench
as it runs. KEY is "wall" (seconds, one per run), "error" (a message: that case failed), or a
named figure (for example "hwm_kib"). "meta" records (CASE "meta") describe the run.
The median over the runs of each figure is what the table shows.
"""

import argparse
import collections
import statistics
import sys

# Figures quoted from WORKLOADS.md (not re-measured here): tool, wall seconds, tasks/s.
QUOTED_W1 = [("Ray 2.60 tasks, num_cpus=2", 14.0, 1_400), ("Dask distributed, LocalCluster 2x1", 39.6, 505)]
W1_TASKS, W2_TASKS, W4_TASKS, MEM_TASKS = 20_000, 64, 2_000, 1_000_000
STREAM_MB = 300

TARGET_W1_POOL = 4.0       # jobrun tasks/s over multiprocessing.Pool's
TARGET_W1_QUOTED = 50.0    # jobrun tasks/s over Dask's and Ray's quoted figures
TARGET_W2_PER_TASK = 1.0   # jobrun's per-task time is no slower than the hashlib loop's
TARGET_W2_EFFICIENCY = 0.9  # speedup(1 -> 2 workers) over the measured 2-process ceiling
TARGET_W4_PARALLEL = 2.0   # jobrun jobs/s over GNU parallel's
TARGET_W4_XARGS = 1.0      # jobrun jobs/s over xargs -P 2's (the bare fork/exec floor)
TARGET_COORD_MIB = 128
TARGET_STEADY_RATE = 400_000  # 1M echo tasks per second once running
TARGET_STREAM_COST = 3.0   # wall time with --stream-output over the same task without it, at most
TARGET_WORKER_MIB = 30


class Records:
    def __init__(self, path):
        self.values = collections.defaultdict(list)
        self.errors = collections.defaultdict(list)
        self.meta = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split("\t", 3)
                if len(parts) != 4:
                    continue
                case, tool, key, value = parts
                if case == "meta":
                    self.meta[tool] = value
                elif key == "error":
                    self.errors[(case, tool)].append(value)
                else:
                    self.values[(case, tool, key)].append(float(value))

    def median(self, case, tool, key="wall"):
        """The median of a figure, or None when the case failed or never ran."""
        if self.errors.get((case, tool)):
            return None
        runs = self.values.get((case, tool, key))
        return statistics.median(runs) if runs else None

    def paired_ratios(self, case, a, b):
        """Per-round ratios wall(a) / wall(b) (runs of one round are adjacent in time), or []."""
        if self.errors.get((case, a)) or self.errors.get((case, b)):
            return []
        xs, ys = self.values.get((case, a, "wall"), []), self.values.get((case, b, "wall"), [])
        return [x / y for x, y in zip(xs, ys) if y > 0]

    def ran(self, case, tool):
        return (case, tool) in self.errors or any(k[:2] == (case, tool) for k in self.values)

    def error(self, case, tool):
        errs = self.errors.get((case, tool))
        return errs[0] if errs else None


def fmt_wall(s):
    return "—" if s is None else ("%.3f s" % s if s < 10 else "%.2f s" % s)


def fmt_rate(count, wall, unit):
    return "—" if wall is None else "{:,.0f} {}/s".format(count / wall, unit)


def fmt_ratio(r):
    return "—" if r is None else "%.2fx" % r


def verdict(value, ok):
    if value is None:
        return "n/a"
    return "PASS" if ok else "FAIL"


def ratio(a, b):
    return a / b if a is not None and b is not None and b > 0 else None


class Table:
    HEADER = ("workload", "tool", "median wall", "rate", "ratio", "target", "result")

    def __init__(self, records):
        self.r = records
        self.rows = []
        self.notes = []

    def add(self, *cells):
        self.rows.append(tuple(cells))

    def base_row(self, case, tool, label, count, unit, check, rate=None):
        """The jobrun row of a case: 'ok' when every run passed its check, else 'FAIL'.

        `rate` turns the median wall into the rate cell; the default is count / wall.
        """
        wall = self.r.median(case, tool)
        err = self.r.error(case, tool)
        if err:
            self.notes.append("%s %s: %s" % (case, label, err))
        rate_text = fmt_rate(count, wall, unit) if rate is None or wall is None else rate(wall)
        self.add(case, label, fmt_wall(wall), rate_text, "—", check, "FAIL" if err else "ok")
        return wall

    def peer_row(self, case, tool, label, count, unit, jobrun_wall, target=None, ratio_label="jobrun"):
        wall = self.r.median(case, tool)
        err = self.r.error(case, tool)
        if err:
            self.notes.append("%s %s: %s" % (case, label, err))
        x = ratio(wall, jobrun_wall)
        if target is None:
            target_text, result = "—", "info" if x is not None else "n/a"
        else:
            target_text, result = ">= %gx" % target, verdict(x, x is not None and x >= target)
        self.add(case, label, fmt_wall(wall), fmt_rate(count, wall, unit),
                 "%s %s" % (ratio_label, fmt_ratio(x)) if x else "—", target_text, result)

    def w1(self):
        j = self.base_row("W1", "jobrun", "jobrun submit --workers 2", W1_TASKS, "tasks", "every id once, result == id",
                          rate=lambda w: fmt_rate(W1_TASKS, w, "tasks") + ", %.1f µs/task" % (w * 1e6 / W1_TASKS))
        # Wall time with --metrics over the plain run's: the cost of serving /metrics (1.00x is free).
        self.peer_row("W1", "metrics", "jobrun submit --workers 2 --metrics", W1_TASKS, "tasks", j,
                      ratio_label="cost")
        self.peer_row("W1", "pool", "multiprocessing.Pool(2), chunksize=1", W1_TASKS, "tasks", j, TARGET_W1_POOL)
        self.peer_row("W1", "ppe", "ProcessPoolExecutor(2)", W1_TASKS, "tasks", j)
        for label, wall, rate in QUOTED_W1:
            x = ratio(W1_TASKS / j, rate) if j else None
            self.add("W1", label + " (quoted from WORKLOADS.md)", "%.1f s" % wall, "{:,} tasks/s".format(rate),
                     "jobrun %s" % fmt_ratio(x) if x else "—", ">= %gx" % TARGET_W1_QUOTED,
                     verdict(x, x is not None and x >= TARGET_W1_QUOTED))

    def w2(self):
        j1 = self.base_row("W2", "jobrun-1", "jobrun submit --workers 1", W2_TASKS, "tasks", "task-0, task-63 digests",
                           rate=lambda w: "%.3f s/task" % (w / W2_TASKS))
        hashlib_wall = self.r.median("W2", "hashlib")
        err = self.r.error("W2", "hashlib")
        if err:
            self.notes.append("W2 hashlib: %s" % err)
        x = ratio(hashlib_wall, j1)
        self.add("W2", "Python hashlib, serial loop", fmt_wall(hashlib_wall),
                 "—" if hashlib_wall is None else "%.3f s/task" % (hashlib_wall / W2_TASKS),
                 "jobrun %s per task" % fmt_ratio(x) if x else "—",
                 ">= %gx (no slower)" % TARGET_W2_PER_TASK, verdict(x, x is not None and x >= TARGET_W2_PER_TASK))

        j2 = self.r.median("W2", "jobrun-2")
        both = self.r.median("W2", "both")
        for tool, label in (("jobrun-2", "jobrun --workers 2"), ("both", "2-process ceiling")):
            e = self.r.error("W2", tool)
            if e:
                self.notes.append("W2 %s: %s" % (label, e))
        # Every ratio pairs the runs of one round (they follow each other), so drift in the
        # machine's speed hits both sides alike; the table shows the median over rounds.
        # speedup = 1-worker / 2-worker wall; ceiling = 1-worker / two-processes wall;
        # efficiency = speedup / ceiling = two-processes / 2-worker wall.
        speedups = self.r.paired_ratios("W2", "jobrun-1", "jobrun-2")
        ceilings = self.r.paired_ratios("W2", "jobrun-1", "both")
        efficiencies = self.r.paired_ratios("W2", "both", "jobrun-2")
        speedup = statistics.median(speedups) if speedups else None
        ceiling = statistics.median(ceilings) if ceilings else None
        efficiency = statistics.median(efficiencies) if efficiencies else None
        if speedups and ceilings:
            self.notes.append("W2: speedup, ceiling and their quotient are medians of per-round ratios; per round, "
                              "speedup %s; ceiling %s; speedup/ceiling %s." % tuple(
                                  " ".join("%.2f" % x for x in xs) for xs in (speedups, ceilings, efficiencies)))
        self.add("W2", "jobrun submit --workers 2", fmt_wall(j2),
                 "speedup %s (ceiling %s)" % (fmt_ratio(speedup), fmt_ratio(ceiling)),
                 "%.2f of ceiling" % efficiency if efficiency else "—",
                 ">= %g of ceiling" % TARGET_W2_EFFICIENCY,
                 verdict(efficiency, efficiency is not None and efficiency >= TARGET_W2_EFFICIENCY))
        self.add("W2", "ceiling: 2 x jobrun --workers 1, 32 tasks each, at once", fmt_wall(both),
                 "ceiling %s" % fmt_ratio(ceiling), "—", "—", "info" if ceiling else "n/a")

    def w4(self):
        # Every exec task goes through the spawn path: clone3 straight into the task's cgroup2 group, with a pidfd
        # (where the kernel lacks clone3, a vfork-style clone whose child joins the group by a write before exec).
        spawn = " (spawn: clone3 into the task's cgroup)"
        j = self.base_row("W4true", "jobrun", "jobrun submit --workers 2" + spawn, W4_TASKS, "jobs", "every id once, exit 0")
        self.peer_row("W4true", "parallel", "GNU parallel -j2", W4_TASKS, "jobs", j, TARGET_W4_PARALLEL)
        self.peer_row("W4true", "xargs", "xargs -P 2 -n 1 (the fork/exec floor)", W4_TASKS, "jobs", j, TARGET_W4_XARGS)
        jr = self.base_row("W4run", "jobrun", "seq 0 1999 | jobrun run -j 2 /bin/true" + spawn, W4_TASKS, "jobs", "exit 0")
        self.peer_row("W4run", "parallel", "seq 0 1999 | parallel -j2 /bin/true", W4_TASKS, "jobs", jr, TARGET_W4_PARALLEL)
        self.peer_row("W4run", "xargs", "seq 0 1999 | xargs -P 2 -n 1 /bin/true", W4_TASKS, "jobs", jr, TARGET_W4_XARGS)
        je = self.base_row("W4echo", "jobrun", "jobrun submit --workers 2" + spawn, W4_TASKS, "jobs", "stdout == \"<i>\\n\"")
        self.peer_row("W4echo", "xargs", "xargs -P 2 -n 1 sh -c 'echo $1' _", W4_TASKS, "jobs", je, TARGET_W4_XARGS)

    def mem(self):
        hwm = self.r.median("MEM", "coordinator", "hwm_kib")
        wall = self.r.median("MEM", "coordinator")
        upper = self.r.median("MEM", "coordinator", "maxrss_kib")
        err = self.r.error("MEM", "coordinator")
        if err:
            self.notes.append("MEM coordinator: %s" % err)
        mib = None if hwm is None else hwm / 1024
        self.add("MEM", "jobrun coordinator, 1,000,000 echo tasks (JSONL)", fmt_wall(wall),
                 "—" if mib is None else "peak RSS %.1f MiB" % mib, "—", "< %d MiB" % TARGET_COORD_MIB,
                 verdict(mib, mib is not None and mib < TARGET_COORD_MIB))
        steady = self.r.median("MEM", "coordinator", "steady_rate")
        if steady is not None:
            self.add("MEM", "jobrun, 1,000,000 echo tasks, steady state (10th to 90th percentile start)", "—",
                     "{:,.0f} tasks/s".format(steady), "—", ">= {:,} tasks/s".format(TARGET_STEADY_RATE),
                     verdict(steady, steady >= TARGET_STEADY_RATE))
        if upper is not None:
            self.notes.append("MEM coordinator: peak RSS is VmHWM of the coordinator process alone, sampled every "
                              "2 ms from /proc until it exited; the kernel's wait4 ru_maxrss (coordinator and "
                              "its reaped workers) was %.1f MiB; %s tasks/s." % (
                                  upper / 1024, "{:,.0f}".format(MEM_TASKS / wall) if wall else "—"))
        idle = self.r.median("MEM", "worker", "idle_kib")
        largest = self.r.median("MEM", "worker", "max_kib")
        count = self.r.median("MEM", "worker", "count")
        err = self.r.error("MEM", "worker")
        if err:
            self.notes.append("MEM idle worker: %s" % err)
        mib = None if idle is None else idle / 1024
        self.add("MEM", "jobrun idle worker (1 sleep task, --workers 2)", "—",
                 "—" if mib is None else "VmRSS %.1f MiB" % mib, "—", "< %d MiB" % TARGET_WORKER_MIB,
                 verdict(mib, mib is not None and mib < TARGET_WORKER_MIB))
        if largest is not None:
            self.notes.append("MEM idle worker: VmRSS 1 s after the workers appeared; the smaller of %d workers "
                              "(the other runs the sleep task: %.1f MiB)." % (count, largest / 1024))

    def stream(self):
        plain = self.base_row("STREAM", "plain", "jobrun submit --workers 1 (output captured)", STREAM_MB, "MB",
                              "exit 0")
        wall = self.r.median("STREAM", "streamed")
        err = self.r.error("STREAM", "streamed")
        if err:
            self.notes.append("STREAM --stream-output: %s" % err)
        # Per-round cost: each streamed run over the plain run beside it.
        costs = self.r.paired_ratios("STREAM", "streamed", "plain")
        cost = statistics.median(costs) if costs else None
        self.add("STREAM", "jobrun submit --workers 1 --stream-output", fmt_wall(wall), fmt_rate(STREAM_MB, wall, "MB"),
                 "cost %s" % fmt_ratio(cost) if cost else "—", "<= %gx" % TARGET_STREAM_COST,
                 verdict(cost, cost is not None and cost <= TARGET_STREAM_COST))
        if costs:
            self.notes.append("STREAM: one task writing %d MB of one-byte lines, one worker; cost is the median of "
                              "per-round ratios (%s)." % (STREAM_MB, " ".join("%.2f" % x for x in costs)))

    def build(self):
        if self.r.ran("W1", "jobrun") or self.r.ran("W1", "pool"):
            self.w1()
        if self.r.ran("W2", "jobrun-1") or self.r.ran("W2", "hashlib"):
            self.w2()
        if self.r.ran("W4true", "jobrun") or self.r.ran("W4true", "parallel"):
            self.w4()
        if self.r.ran("MEM", "coordinator") or self.r.ran("MEM", "worker"):
            self.mem()
        if self.r.ran("STREAM", "plain") or self.r.ran("STREAM", "streamed"):
            self.stream()
        return self

    def text(self):
        widths = [max(len(row[i]) for row in [self.HEADER] + self.rows) for i in range(len(self.HEADER))]
        lines = []
        for n, row in enumerate([self.HEADER] + self.rows):
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines)

    def markdown(self):
        esc = lambda cell: cell.replace("|", "\\|")
        lines = ["| " + " | ".join(self.HEADER) + " |", "|" + "---|" * len(self.HEADER)]
        lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in self.rows]
        return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("records")
    parser.add_argument("--markdown")
    args = parser.parse_args()
    records = Records(args.records)
    table = Table(records).build()
    m = records.meta
    header = ("jobrun benchmark, %s: %s; load average %s at the start, %s at the end; median of %s runs per "
              "case; peers measured in the same invocation." % (
                  m.get("date", "?"), m.get("machine", "?"), m.get("load_start", "?"), m.get("load_end", "?"),
                  m.get("runs", "?")))
    print(header)
    print()
    print(table.text())
    for note in table.notes:
        print("- " + note)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(header + "\n\n" + table.markdown() + "\n")
            if table.notes:
                f.write("\n" + "".join("- %s\n" % n for n in table.notes))
    failed = any(row[-1] == "FAIL" for row in table.rows)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
