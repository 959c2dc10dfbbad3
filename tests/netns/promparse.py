#!/usr/bin/python3
"""Reads a Prometheus text exposition on stdin with prometheus_client's own
parser (Debian's python3-prometheus-client) and prints its samples as JSON:
{"name{k=v,...}": value, ...} with labels sorted, plus "#types": {family:
type}.  A line the parser refuses makes it exit 1 with the reason.

Usage: promparse.py < exposition
"""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
out, types = {}, {}
try:
    for fam in text_string_to_metric_families(text):
        types[fam.name] = fam.type
        for s in fam.samples:
            key = s.name + "{" + ",".join("%s=%s" % kv for kv in sorted(s.labels.items())) + "}"
            if key in out:
                raise ValueError("duplicate series " + key)
            out[key] = s.value
except Exception as e:  # the parser raises ValueError and friends
    print("parse error: %s" % e, file=sys.stderr)
    sys.exit(1)
out["#types"] = types
json.dump(out, sys.stdout, sort_keys=True)
