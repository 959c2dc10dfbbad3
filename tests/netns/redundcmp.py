#!/usr/bin/python3
"""Compares the /metrics series of a rule with several inputs with what
mcrctl -j -s rule show reports for it: per input packets, duplicates,
filled, late, its state (mcrd_rule_input_active) and, for failover, the
input relayed (mcrd_rule_input_relayed); per rule switches and resyncs.
Prints "ok", or one line per series that is absent or differs.

Usage: redundcmp.py METRICS.json RULE.json
  METRICS.json: promparse.py's output; RULE.json: mcrctl's (a list of one rule).
"""
import json
import sys

m = json.load(open(sys.argv[1]))
r = json.load(open(sys.argv[2]))[0]
red = r["redundancy"]
want = {}
for i, x in enumerate(r["inputs"]):
    lab = "dev=%s,group=%s,port=%d,rule=%s,source=%s" % (
        x["dev"], x["group"], x["port"], r["name"], x["source"] or "")
    for k in ("packets", "duplicates", "filled", "late"):
        want["mcrd_rule_input_%s_total{%s}" % (k, lab)] = x[k]
    want["mcrd_rule_input_active{%s}" % lab] = int(x["state"] == "active")
    if red["mode"] == "failover":
        want["mcrd_rule_input_relayed{%s}" % lab] = int(i == red["active_input"])
want["mcrd_rule_input_switches_total{rule=%s}" % r["name"]] = red["switches"]
want["mcrd_rule_resyncs_total{rule=%s}" % r["name"]] = red["resyncs"]
bad = ["%s: metrics %s, mcrctl %s" % (k, m.get(k, "absent"), v)
       for k, v in sorted(want.items()) if m.get(k) != v]
print("\n".join(bad) if bad else "ok")
