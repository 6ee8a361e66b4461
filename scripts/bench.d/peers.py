#!/usr/bin/env python3
"""Python peers for the jobrun benchmark, timed as WORKLOADS.md describes.

Usage: peers.py pool | ppe | hashlib
  pool     W1 with multiprocessing.Pool(2).map(identity, range(20000), chunksize=1)
  ppe      W1 with concurrent.futures.ProcessPoolExecutor(2).map(identity, range(20000))
  hashlib  W2 serially: 64 sha256 chains of 400,000 rounds, seeds task-0 .. task-63

The pools are started (and warmed with one task per process) before the clock starts; only
the map is timed. Prints the wall time in seconds; exits 1 if a result is wrong.
"""

import concurrent.futures
import hashlib
import multiprocessing
import sys
import time

W1_TASKS = 20_000
W2_TASKS = 64
W2_ROUNDS = 400_000
KNOWN_DIGESTS = {
    0: "a628d70e9d768d3f1f774e93ee650f2cf2d179fa24e6cf87b69b9a5a88b7f958",
    63: "3ea3ef74581e20c1954a292925a66aaa5cf9511fa2d2f784d0b9c1d170c125d4",
}


def identity(x):
    return x


def fail(message):
    print("peers.py: " + message, file=sys.stderr)
    sys.exit(1)


def check_identity(results):
    if results != list(range(W1_TASKS)):
        fail("the map returned wrong results")


def run_pool():
    with multiprocessing.Pool(2) as pool:
        pool.map(identity, range(2), chunksize=1)
        start = time.perf_counter()
        results = pool.map(identity, range(W1_TASKS), chunksize=1)
        wall = time.perf_counter() - start
    check_identity(results)
    return wall


def run_ppe():
    with concurrent.futures.ProcessPoolExecutor(2) as executor:
        list(executor.map(identity, range(2)))
        start = time.perf_counter()
        results = list(executor.map(identity, range(W1_TASKS)))
        wall = time.perf_counter() - start
    check_identity(results)
    return wall


def sha256_chain(seed, rounds):
    sha256 = hashlib.sha256
    digest = sha256(seed.encode("ascii")).digest()
    for _ in range(rounds - 1):
        digest = sha256(digest).digest()
    return digest.hex()


def run_hashlib():
    start = time.perf_counter()
    digests = [sha256_chain("task-%d" % i, W2_ROUNDS) for i in range(W2_TASKS)]
    wall = time.perf_counter() - start
    for i, want in KNOWN_DIGESTS.items():
        if digests[i] != want:
            fail("task-%d gave %s, WORKLOADS.md says %s" % (i, digests[i], want))
    return wall


PEERS = {"pool": run_pool, "ppe": run_ppe, "hashlib": run_hashlib}


def main(argv):
    if len(argv) != 2 or argv[1] not in PEERS:
        sys.exit("usage: peers.py pool|ppe|hashlib")
    print("%.6f" % PEERS[argv[1]]())


if __name__ == "__main__":
    main(sys.argv)
