#!/usr/bin/env python3
"""Which worker owns (group, port): an independent implementation of
lib/hash.c (jump consistent hash over a splitmix64-mixed key), so the tests
can predict placement without asking mcrd.

    hash.py GROUP PORT WORKERS [COUNT]

With COUNT: the owners of ports PORT..PORT+COUNT-1, space separated (one
interpreter start instead of COUNT: a test that asks for 64 streams one by
one spends most of its time starting Python on a loaded machine).
"""
import ipaddress
import sys

M = (1 << 64) - 1


def mix(x):
    x = (x + 0x9E3779B97F4A7C15) & M
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M
    return x ^ (x >> 31)


def jump(key, buckets):
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & M
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def worker_of(group, port, workers):
    if workers <= 1:
        return 0
    return jump(mix(int(ipaddress.IPv4Address(group)) << 16 | port), workers)


if __name__ == "__main__":
    n = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    port, workers = int(sys.argv[2]), int(sys.argv[3])
    print(" ".join(str(worker_of(sys.argv[1], port + i, workers)) for i in range(n)))
