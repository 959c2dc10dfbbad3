#!/usr/bin/env python3
"""Checks the source layout the architecture promises (doc/ARCHITECTURE.md):

- no file under lib/, mcrd/, mcrctl/ is over 700 lines;
- the modules of mcrd/ form no include circle.  A module is a header with
  the .c files that include it first (plan.h with plan.c and planstats.c);
  a module depends on every other mcrd module its files include.

Prints each problem and exits 1 if there is any; prints the module graph
with -v.
"""
import os
import re
import sys

MAX_LINES = 700
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INC = re.compile(r'^#include "([^"]+)"', re.M)


def lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for _ in f)


def mcrd_modules():
    d = os.path.join(ROOT, "mcrd")
    headers = {f[:-2] for f in os.listdir(d) if f.endswith(".h")}
    owner = {}  # file -> module
    for f in sorted(os.listdir(d)):
        if f.endswith(".h"):
            owner[f] = f[:-2]
        elif f.endswith(".c"):
            text = open(os.path.join(d, f), encoding="utf-8").read()
            first = INC.search(text)
            mod = first.group(1)[:-2] if first and first.group(1)[:-2] in headers else f[:-2]
            owner[f] = mod
    deps = {m: set() for m in set(owner.values())}
    for f, m in owner.items():
        text = open(os.path.join(d, f), encoding="utf-8").read()
        for inc in INC.findall(text):
            other = inc[:-2] if inc.endswith(".h") else None
            if other in headers and other != m:
                deps[m].add(other)
    return deps


def cycles(deps):
    found, state, stack = [], {}, []

    def visit(m):
        state[m] = 1
        stack.append(m)
        for n in sorted(deps[m]):
            if state.get(n) == 1:
                found.append(stack[stack.index(n):] + [n])
            elif not state.get(n):
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(deps):
        if not state.get(m):
            visit(m)
    return found


def main():
    bad = 0
    for top in ("lib", "mcrd", "mcrctl"):
        for f in sorted(os.listdir(os.path.join(ROOT, top))):
            if f.endswith((".c", ".h")):
                n = lines(os.path.join(ROOT, top, f))
                if n > MAX_LINES:
                    print(f"{top}/{f}: {n} lines, over {MAX_LINES}")
                    bad = 1
    deps = mcrd_modules()
    for c in cycles(deps):
        print("mcrd include circle: " + " -> ".join(c))
        bad = 1
    if "-v" in sys.argv:
        for m in sorted(deps):
            print(f"{m}: {' '.join(sorted(deps[m]))}")
    if not bad:
        print(f"layout: ok ({len(deps)} mcrd modules, no circle, no file over {MAX_LINES} lines)")
    return bad


sys.exit(main())
