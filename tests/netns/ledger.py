#!/usr/bin/env python3
"""Where every packet of a run went, from each counter that can say.

    ledger.py DIR ASKED

ASKED is the packets each mcrgen was asked for (its -n).  DIR holds the run's files: gen-NAME.json (one mcrgen -j per rule NAME,
one stream each), sink.json (mcrsink -j, one stream per rule, in the order
of the rules file), rules0.json / rules1.json and links0.json / links1.json
(mcrctl -j -s rule show / link show before and after), kernel.json (the
UdpSndbufErrors of the sender's and the relay's namespaces during the run,
as {"src_sndbuf_errors": N, "relay_sndbuf_errors": N}: packets a device
or queue dropped that UDP, without IP_RECVERR, reports to the sender as
sent) and rules (the rule names, one per line, in the sink's stream order).

Prints one JSON object: per rule, received (the sink's unique packets)
and each counter that explains a packet of ASKED not received, with
"missing", what no counter explains; and the same in total, where the
input's drops and the UdpSndbufErrors (not per rule) are counted too.  missing is 0 when every packet is received or counted.
Used by the netns tests only.
"""
import json
import os
import sys


def load(d, name):
    with open(os.path.join(d, name)) as f:
        return json.load(f)


def rule_drops(rules, name):
    r = next(x for x in rules if x["name"] == name)
    return sum(r.get("drops", {}).values()), sum(o.get("errors", 0) for o in r["out"])


def link_drops(links):
    return sum(sum(l.get("drops", {}).values()) for l in links)


def main():
    d, asked = sys.argv[1], int(sys.argv[2])
    names = open(os.path.join(d, "rules")).read().split()
    sink = load(d, "sink.json")["streams"]
    r0, r1 = load(d, "rules0.json"), load(d, "rules1.json")
    out = {"rules": {}, "total": {}}
    for i, name in enumerate(names):
        g = load(d, "gen-%s.json" % name)
        rd0, oe0 = rule_drops(r0, name)
        rd1, oe1 = rule_drops(r1, name)
        row = {
            "asked": asked,
            "received": sink[i]["unique"],
            "unsent": g.get("unsent", 0),
            "send_errors": g["errors"],
            "sink_dropped": sink[i].get("dropped", 0),
            "rule_drops": rd1 - rd0,
            "output_errors": oe1 - oe0,
        }
        row["missing"] = asked - sum(v for k, v in row.items() if k != "asked")
        out["rules"][name] = row
    tot = {k: sum(r[k] for r in out["rules"].values())
           for k in next(iter(out["rules"].values())) if k != "missing"}
    tot["link_drops"] = link_drops(load(d, "links1.json")) - link_drops(load(d, "links0.json"))
    tot.update(load(d, "kernel.json"))
    tot["missing"] = tot["asked"] - sum(v for k, v in tot.items() if k not in ("asked",))
    out["total"] = tot
    print(json.dumps(out))


if __name__ == "__main__":
    main()
