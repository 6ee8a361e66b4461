#!/usr/bin/env python3
"""The steady-state rate of a jobrun job: tasks per second between the start of its 10th and 90th percentile task.

Usage: steady.py RESULTS
  RESULTS  a jobrun results file (JSONL); each line's started_at (RFC 3339, milliseconds) is used.

Prints the rate (tasks/s), leaving out start-up (the coordinator and workers starting, the first batches) and the
tail (the last tasks draining), which a whole-process wall time includes.
"""

import datetime
import json
import sys


def main():
    starts = []
    with open(sys.argv[1], "rb") as f:
        for line in f:
            if not line.strip():
                continue
            stamp = json.loads(line).get("started_at")
            if stamp:
                starts.append(datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())
    if len(starts) < 100:
        sys.exit("steady.py: fewer than 100 tasks with started_at in %s" % sys.argv[1])
    starts.sort()
    low, high = len(starts) // 10, len(starts) * 9 // 10
    span = starts[high] - starts[low]
    if span <= 0:
        sys.exit("steady.py: the middle 80%% of tasks started within one millisecond")
    print("%.0f" % ((high - low) / span))


if __name__ == "__main__":
    main()
