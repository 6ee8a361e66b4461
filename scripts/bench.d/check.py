#!/usr/bin/env python3
"""Checks a jobrun results file (JSONL, one line per task) against the workload that made it.

Usage: check.py KIND RESULTS FIRST COUNT
  KIND     echo      result == id
           sha       result.digest is 64 lowercase hex; task-0 and task-63 match WORKLOADS.md
           exec      exit_code == 0
           exececho  exit_code == 0 and stdout == "<id>\\n"
  FIRST, COUNT: the ids expected are FIRST .. FIRST+COUNT-1, each exactly once, status "ok".

Prints "ok" and exits 0, or prints what was wrong (line, id, field) and exits 1.
"""

import json
import re
import sys

# Digests after 400,000 rounds, from WORKLOADS.md.
KNOWN_DIGESTS = {
    0: "a628d70e9d768d3f1f774e93ee650f2cf2d179fa24e6cf87b69b9a5a88b7f958",
    63: "3ea3ef74581e20c1954a292925a66aaa5cf9511fa2d2f784d0b9c1d170c125d4",
}
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class Mismatch(Exception):
    pass


def check_echo(task_id, rec):
    if rec.get("result") != task_id:
        raise Mismatch("result is %r, expected %d" % (rec.get("result"), task_id))


def check_sha(task_id, rec):
    result = rec.get("result")
    digest = result.get("digest") if isinstance(result, dict) else None
    if not isinstance(digest, str) or not HEX64.match(digest):
        raise Mismatch("result.digest is %r, expected 64 lowercase hex digits" % (digest,))
    want = KNOWN_DIGESTS.get(task_id)
    if want is not None and digest != want:
        raise Mismatch("digest of task-%d is %s, WORKLOADS.md says %s" % (task_id, digest, want))


def check_exec(task_id, rec):
    if rec.get("exit_code") != 0:
        raise Mismatch("exit_code is %r, expected 0" % (rec.get("exit_code"),))


def check_exec_echo(task_id, rec):
    check_exec(task_id, rec)
    if rec.get("stdout") != "%d\n" % task_id:
        raise Mismatch("stdout is %r, expected %r" % (rec.get("stdout"), "%d\n" % task_id))


CHECKS = {"echo": check_echo, "sha": check_sha, "exec": check_exec, "exececho": check_exec_echo}


def task_id_of(rec):
    """Accepts an integer id or its decimal string form."""
    raw = rec.get("id")
    if isinstance(raw, bool):
        raise Mismatch("id is %r, expected an integer" % (raw,))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    raise Mismatch("id is %r, expected an integer" % (raw,))


def check_file(kind, path, first, count):
    check = CHECKS[kind]
    seen = bytearray(count)
    with open(path, "rb") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise Mismatch("line is not a JSON object")
                task_id = task_id_of(rec)
                if not first <= task_id < first + count:
                    raise Mismatch("unexpected id %d (expected %d..%d)" % (task_id, first, first + count - 1))
                if seen[task_id - first]:
                    raise Mismatch("id %d recorded twice" % task_id)
                seen[task_id - first] = 1
                if rec.get("status") != "ok":
                    raise Mismatch("status is %r: %s" % (rec.get("status"), line.decode(errors="replace")[:300]))
                check(task_id, rec)
            except (ValueError, Mismatch) as e:
                return "%s line %d: %s" % (path, lineno, e)
    missing = count - sum(seen)
    if missing:
        first_missing = first + seen.index(0)
        return "%s: %d of %d ids have no result (first missing: %d)" % (path, missing, count, first_missing)
    return None


def main(argv):
    if len(argv) != 5 or argv[1] not in CHECKS:
        sys.exit("usage: check.py echo|sha|exec|exececho RESULTS FIRST COUNT")
    error = check_file(argv[1], argv[2], int(argv[3]), int(argv[4]))
    if error:
        print(error)
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main(sys.argv)
