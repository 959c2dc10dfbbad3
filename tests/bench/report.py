#!/usr/bin/env python3
"""Turn bench.sh's raw.csv (one row per repetition) into results.csv (medians),
results.md (tables, loss-free rates and the project's targets) and the data
files that chart.gp plots.  Called by tests/bench/bench.sh."""

import argparse
import csv
import os
import statistics
import sys

LOSS_FREE = 0.1  # percent: "loss-free" means loss below this
RELAY_ORDER = ["mcrd", "mcrd-socket", "mcrd-gso", "kernel", "socat", "baseline", "none"]
MCRD_VARIANTS = ["mcrd", "mcrd-socket", "mcrd-gso"]
RELAY_LABEL = {
    "mcrd": "mcrd (default: layer-2 egress)",
    "mcrd-socket": "mcrd (egress socket)",
    "mcrd-gso": "mcrd (egress socket, gso on: super-frames on veth)",
    "kernel": "kernel (smcroute)",
    "socat": "socat",
    "baseline": "baseline (recvmmsg/sendmmsg)",
    "none": "no relay (ceiling)",
}


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def num(s):
    return float(s) if s not in ("", None) else None


def load(path):
    groups = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            key = (r["relay"], int(r["fanout"]), int(r["offered_pps"]))
            groups.setdefault(key, []).append(r)
    points = {}
    for key, rows in groups.items():
        relay = key[0]
        p = {
            "relay": relay,
            "fanout": key[1],
            "offered": key[2],
            "repeats": len(rows),
            "achieved": median([num(r["achieved_pps"]) for r in rows]),
            "delivered": median([num(r["delivered"]) for r in rows]),
            "delivered_pps": median(
                [num(r["delivered"]) / num(r["send_seconds"]) for r in rows if num(r["send_seconds"])]
            ),
            "loss": median([num(r["loss_pct"]) for r in rows]),
            "loss_min": min(num(r["loss_pct"]) for r in rows),
            "loss_max": max(num(r["loss_pct"]) for r in rows),
            "cpu_ns": median([num(r["cpu_ns_per_pkt"]) for r in rows]),
            "core_ns": median([num(r["core_ns_per_pkt"]) for r in rows]),
            "bg": median([num(r["bg_busy_pct"]) for r in rows]),
            "corrupted": sum(int(r["corrupted"]) for r in rows),
            "duplicated": sum(int(r["duplicated"]) for r in rows),
        }
        points[key] = p
    return points


def offered_label(x):
    return "max" if x == 0 else "%dk" % (x // 1000) if x % 1000 == 0 else str(x)


def order_offered(x):
    return float("inf") if x == 0 else x  # "max" (-r 0) is the highest offered load


def cpu_text(p):
    if p["relay"] == "kernel":
        return "n/a (kernel)"
    if p["relay"] == "none":
        return "n/a"
    return "%.0f" % p["cpu_ns"] if p["cpu_ns"] is not None else "n/a"


def core_text(p):
    if p["relay"] == "none" or p["core_ns"] is None:
        return "n/a"
    return "%.0f" % p["core_ns"]


def series(points, relay, fanout):
    return sorted(
        (p for p in points.values() if p["relay"] == relay and p["fanout"] == fanout),
        key=lambda p: order_offered(p["offered"]),
    )


def sent_rate(p):
    """The rate a point was sent at: its offered grid rate when mcrgen kept
    it (within 1%: 49999 pps is the 50k point), else what it achieved."""
    if p["offered"] and p["achieved"] >= 0.99 * p["offered"]:
        return float(p["offered"])
    return p["achieved"]


def loss_free_rate(points, relay, fanout):
    """Highest send rate of a loss-free point such that every lower offered
    rate was loss-free too; 0 if the lowest already lost; None if not
    measured."""
    s = series(points, relay, fanout)
    if not s:
        return None
    best = 0.0
    for p in s:
        if p["loss"] is None or p["loss"] >= LOSS_FREE:
            break
        best = max(best, sent_rate(p))
    return best


def kpps(x):
    return "n/a" if x is None else "%.0fk" % (x / 1000.0)


def write_csv(points, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["relay", "fanout", "offered_pps", "achieved_pps", "delivered_pkts", "delivered_pps",
             "loss_pct", "relay_cpu_ns_per_delivered_pkt", "relay_core_ns_per_delivered_pkt",
             "repeats", "bg_busy_pct"]
        )
        for key in sorted(points, key=lambda k: (k[1], RELAY_ORDER.index(k[0]), order_offered(k[2]))):
            p = points[key]
            w.writerow(
                [p["relay"], p["fanout"], "max" if p["offered"] == 0 else p["offered"],
                 "%.0f" % p["achieved"], "%.0f" % p["delivered"], "%.0f" % p["delivered_pps"],
                 "%.4f" % p["loss"], cpu_text(p), core_text(p), p["repeats"],
                 "" if p["bg"] is None else "%.0f" % p["bg"]]
            )


def write_chart_data(points, fanouts, d):
    os.makedirs(d, exist_ok=True)
    lines = ['fanouts = "%s"' % " ".join(str(f) for f in fanouts)]
    for f in fanouts:
        relays = [r for r in RELAY_ORDER if series(points, r, f)]
        lines.append('relays_%d = "%s"' % (f, " ".join(relays)))
        for r in relays:
            with open(os.path.join(d, "f%d-%s.dat" % (f, r)), "w") as out:
                out.write("# achieved_pps delivered_pps_total\n")
                for p in series(points, r, f):
                    out.write("%.0f %.0f\n" % (p["achieved"], p["delivered_pps"]))
    with open(os.path.join(d, "vars.gp"), "w") as out:
        out.write("\n".join(lines) + "\n")


def verdict(ok):
    return "**met**" if ok else "**not met**"


def targets(points, fanouts, me="mcrd"):
    """The project's targets for mcrd variant me; returns Markdown lines."""
    out = []
    have = lambda r, f: bool(series(points, r, f))

    # 1. Fan-out 1
    out.append("1. **Fan-out 1**")
    if have(me, 1) and have("kernel", 1):
        bad, checked = [], []
        for pk in series(points, "kernel", 1):
            if pk["loss"] < LOSS_FREE:
                pm = points.get((me, 1, pk["offered"]))
                checked.append(offered_label(pk["offered"]))
                if pm is None or pm["loss"] >= LOSS_FREE:
                    bad.append("%s (mcrd %s%%)" % (offered_label(pk["offered"]),
                                                  "n/a" if pm is None else "%.3f" % pm["loss"]))
        out.append(
            "   - mcrd's loss < 0.1%% wherever the kernel's is (offered %s): %s%s"
            % (", ".join(checked) or "none", verdict(not bad),
               "" if not bad else "; mcrd lost at " + ", ".join(bad))
        )
    else:
        out.append("   - mcrd's loss < 0.1% wherever the kernel's is: not measured in this run")
    if have(me, 1) and have("none", 1):
        m, c = loss_free_rate(points, me, 1), loss_free_rate(points, "none", 1)
        ratio = m / c if c else 0.0
        out.append(
            "   - mcrd's highest loss-free rate >= 90%% of the ceiling's: %s vs %s = %.0f%%: %s"
            % (kpps(m), kpps(c), 100 * ratio, verdict(c > 0 and ratio >= 0.9))
        )
    else:
        out.append("   - mcrd's highest loss-free rate >= 90% of the ceiling's: not measured in this run")

    # 2. Fan-out 8
    out.append("2. **Fan-out 8**")
    if have(me, 8) and have("baseline", 8):
        m, b = loss_free_rate(points, me, 8), loss_free_rate(points, "baseline", 8)
        out.append(
            "   - mcrd's highest loss-free rate >= 2x the baseline's: %s vs %s = %s: %s"
            % (kpps(m), kpps(b), "%.2fx" % (m / b) if b else "baseline has none",
               verdict(m >= 2 * b and m > 0))
        )
    else:
        out.append("   - mcrd >= 2x the baseline: not measured in this run")
    if have(me, 8) and have("kernel", 8):
        m, k = loss_free_rate(points, me, 8), loss_free_rate(points, "kernel", 8)
        out.append(
            "   - mcrd's highest loss-free rate >= the kernel's: %s vs %s: %s"
            % (kpps(m), kpps(k), verdict(m >= k and m > 0))
        )
    else:
        out.append("   - mcrd >= kernel forwarding: not measured in this run")

    # 3. Fan-out 50
    out.append("3. **Fan-out 50**")
    if have(me, 50) and have("baseline", 50):
        m, b = loss_free_rate(points, me, 50), loss_free_rate(points, "baseline", 50)
        out.append(
            "   - mcrd's highest loss-free rate >= 2x the baseline's: %s vs %s = %s: %s"
            % (kpps(m), kpps(b), "%.2fx" % (m / b) if b else "baseline has none",
               verdict(m >= 2 * b and m > 0))
        )
    else:
        out.append("   - mcrd >= 2x the baseline: not measured in this run")
    if have(me, 50) and have("none", 50):
        m = max(p["delivered_pps"] for p in series(points, me, 50))
        c = max(p["delivered_pps"] for p in series(points, "none", 50))
        out.append(
            "   - mcrd's total delivered >= 70%% of the ceiling's (highest delivered rate, "
            "summed over the 50 receivers, at any offered load): %s vs %s pps = %.0f%%: %s"
            % (kpps(m), kpps(c), 100 * m / c if c else 0, verdict(c > 0 and m >= 0.7 * c))
        )
    else:
        out.append("   - mcrd's total delivered >= 70% of the ceiling: not measured in this run")

    # 4. CPU
    out.append("4. **CPU per delivered packet, 100k pps, fan-out 8**")
    pm, pb = points.get((me, 8, 100000)), points.get(("baseline", 8, 100000))
    if pm and pb and pm["cpu_ns"] and pb["cpu_ns"]:
        out.append(
            "   - mcrd <= 0.5x the baseline: %.0f ns vs %.0f ns = %.2fx: %s"
            % (pm["cpu_ns"], pb["cpu_ns"], pm["cpu_ns"] / pb["cpu_ns"],
               verdict(pm["cpu_ns"] <= 0.5 * pb["cpu_ns"]))
        )
    else:
        out.append("   - mcrd <= 0.5x the baseline: not measured in this run")
    # The labels name the variant measured.
    return [line.replace("mcrd", me) for line in out]


def write_md(points, a, path):
    fanouts = sorted({k[1] for k in points})
    relays = [r for r in RELAY_ORDER if any(k[0] == r for k in points)]
    gen_cpu, sink_cpu, relay_cpu = a.cpus.split(",")
    L = []
    L.append("# Relay benchmark results")
    L.append("")
    if a.quick == "1":
        L.append("**Quick smoke run** (`--quick`): one repetition of 1 s points. It shows the")
        L.append("harness works end to end; its numbers mean nothing.")
        L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append("| date | %s |" % a.date)
    L.append("| machine | %s CPUs (`nproc`), %s |" % (a.nproc, a.cpu_model or "unknown CPU"))
    L.append("| kernel | `%s` (`uname -r`) |" % a.kernel)
    L.append("| command | `%s` |" % a.command)
    L.append("| points | %s repetition(s) of %s s each; medians shown |" % (a.repeat, a.duration))
    L.append("| mcrd | %s |" % a.mcrd)
    L.append("| packages | %s |" % a.versions)
    L.append("")
    L.extend(load_note(points))
    L.append("")
    L.append("## Set-up")
    L.append("")
    L.append("- Namespaces `bench-PID-snd` -> `bench-PID-rly` -> `bench-PID-dst` on veth pairs")
    L.append("  (198.18.0.0/15). mcrgen sends fresh, sequenced 1400-byte payloads to")
    L.append("  239.1.0.1:5001 with TTL 8 (`-t 8`, so the kernel forwards it too) at the")
    L.append("  offered rate (`-r`; \"max\" is `-r 0`, as fast as mcrgen can). The relay copies")
    L.append("  it to N veths. mcrd, socat and the baseline rewrite output i to")
    L.append("  239.2.0.i:6000; kernel forwarding cannot rewrite, so its outputs keep")
    L.append("  239.1.0.1:5001. One mcrsink (`-j`, with `-n EXPECT` at fixed rates) in the")
    L.append("  receiver namespace receives the N streams on N veths.")
    L.append("- **no relay (ceiling)**: mcrgen sends straight into the receiver namespace over")
    L.append("  one veth, where mcrsink holds N sockets joined to the group: the receivers do")
    L.append("  the same work, and nothing relays.")
    L.append("- **CPU pinning** (`taskset`): mcrgen on CPU %s, mcrsink on CPU %s, every thread"
             % (gen_cpu, sink_cpu))
    L.append("  of the relay on CPU %s (re-applied before each point, since mcrd's workers pin" % relay_cpu)
    L.append("  themselves). veth hands a frame to `netif_rx()` on the sending CPU, so RPS")
    L.append("  steers each receive softirq to the CPU of the receiving end's owner: on the")
    L.append("  relay's input veth to CPU %s, so kernel forwarding, mcrd's AF_PACKET capture" % relay_cpu)
    L.append("  and the other relays' socket receive run on the relay's CPU; on the")
    L.append("  receivers' veths to CPU %s, so the receivers' kernel work is not done in the" % sink_cpu)
    L.append("  relay's transmit path. CPU %s does the relay's work only, CPU %s the traffic"
             % (relay_cpu, sink_cpu))
    L.append("  tools'. **The receivers share the 2 cores with everything else**: mcrsink")
    L.append("  and the receive softirq of all N copies share CPU %s with mcrgen. That" % sink_cpu)
    L.append("  limits every relay at fan-outs 8 and 50, and the ceiling rows show where:")
    L.append("  this is why fan-outs 8 and 50 also get offered rates below 50k.")
    L.append("- Each point: mcrsink joins, mcrgen sends `-n rate x duration` packets (or")
    L.append("  `-r 0 -D duration`), and mcrsink is stopped once the receivers' veths have")
    L.append("  had no new frame for 0.5 s. So whatever a relay had queued counts (as")
    L.append("  delivered, late) in its own point and never leaks into the next one.")
    L.append("  `delivered pps` is delivered packets over mcrgen's sending time. Relays")
    L.append("  are interleaved within each repetition, so drifting load from elsewhere")
    L.append("  hits them alike.")
    L.append("- **Loss** = 1 - (unique packets received, summed over the N receivers) /")
    L.append("  (N x packets mcrgen sent). **Loss-free** = loss < 0.1%. The highest loss-free")
    L.append("  rate is the highest send rate whose point, and every lower offered rate's,")
    L.append("  is loss-free; a point's send rate is its offered rate when mcrgen achieved")
    L.append("  it within 1% (49999 pps is the 50k point), else the rate it achieved.")
    L.append("- **Relay CPU ns/pkt** = utime+stime (from `/proc/PID/stat`) of the relay's")
    L.append("  whole process tree (all socat processes together) during the point, divided")
    L.append("  by the packets delivered. This kernel has no `CONFIG_IRQ_TIME_ACCOUNTING`,")
    L.append("  so softirq work (such as the relay side's RPS'd receive) counts when it")
    L.append("  happens to interrupt the relay and not when it interrupts the idle task.")
    L.append("  Kernel forwarding runs entirely in softirq context and has no process to")
    L.append("  measure: **n/a (kernel)**.")
    L.append("- **Relay core ns/pkt** = busy time (user+nice+system+irq+softirq in")
    L.append("  `/proc/stat`) of the relay's CPU %s during the point, divided by the packets" % relay_cpu)
    L.append("  delivered. It counts everything done on the relay's side, kernel")
    L.append("  forwarding included, so it is the one CPU figure that compares all relays;")
    L.append("  but it also counts whatever other work the machine ran on that CPU (see")
    L.append("  `bg busy %`), so on a shared machine it is an upper bound.")
    if a.skipped.strip():
        L.append("- **Kernel forwarding is not run at fan-out %s**: the kernel has at most 32"
                 % ", ".join(s.split(":")[1] for s in a.skipped.split()))
        L.append("  multicast VIFs (`MAXVIFS`), one of them the input, so at most 31 outputs.")
    L.append("")
    L.append("![delivered vs offered](results.png)")
    L.append("")
    for f in fanouts:
        L.append("## Fan-out %d" % f)
        L.append("")
        L.append("| relay | offered pps | achieved pps | delivered pkts (all receivers) | delivered pps | loss % (min..max) | relay CPU ns/pkt | relay core ns/pkt | bg busy % |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in relays:
            for p in series(points, r, f):
                L.append(
                    "| %s | %s | %.0f | %.0f | %.0f | %.3f (%.3f..%.3f) | %s | %s | %s |"
                    % (RELAY_LABEL[r], offered_label(p["offered"]), p["achieved"], p["delivered"],
                       p["delivered_pps"], p["loss"], p["loss_min"], p["loss_max"], cpu_text(p),
                       core_text(p),
                       "" if p["bg"] is None else "%.0f" % p["bg"])
                )
        L.append("")
        L.append("Highest loss-free rate: " + "; ".join(
            "%s %s" % (RELAY_LABEL[r], kpps(loss_free_rate(points, r, f)))
            for r in relays if series(points, r, f)) + ".")
        L.append("")
    L.append("## Targets")
    L.append("")
    L.append("Computed from the medians above. A highest loss-free rate is only as fine as")
    L.append("the grid of offered rates: 1.00x means both relays stopped being loss-free")
    L.append("between the same two grid points.")
    L.append("")
    L.append("`mcrd` is mcrd with `gso = \"on\"`: on these veths a GSO run crosses whole and")
    L.append("the receiving namespace segments it, as a NIC with UDP segmentation offload")
    L.append("would in hardware.  `mcrd-swgso` turns that offload off on the relay's outputs,")
    L.append("so the relay's own kernel segments each run (a NIC without the offload);")
    L.append("`mcrd-nogso` sends one datagram per packet (`gso = \"off\"`, and what the")
    L.append("default `auto` does on virtual interfaces).")
    L.append("")
    for me in MCRD_VARIANTS:
        if any(k[0] == me for k in points):
            L.append("### %s" % RELAY_LABEL[me])
            L.append("")
            L.extend(targets(points, fanouts, me))
            L.append("")
    bad = sum(p["corrupted"] for p in points.values())
    dup = sum(p["duplicated"] for p in points.values())
    L.append("Corrupted packets over the whole run: %d; duplicated: %d." % (bad, dup))
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


def load_note(points):
    """What the machine's background load was, measured, not assumed."""
    bg = sorted(p["bg"] for p in points.values() if p["bg"] is not None)
    L = ["**Machine load.** `bg busy %` is the whole machine's load, sampled for 0.3 s",
         "just before each point while the relay under test was idle; before each point",
         "the harness waits (a few seconds at most) for it to drop below 30%, and goes on",
         "regardless when it does not."]
    if not bg:
        return L
    L.append("In this run it was %.0f..%.0f%% (median %.0f%%, medians of each point's"
             % (bg[0], bg[-1], median(bg)))
    busy = sum(1 for b in bg if b >= 30)
    if busy:
        L.append("repetitions): %d of %d points ran on a busy machine, so their numbers are"
                 % (busy, len(bg)))
        L.append("noisy and probably pessimistic. Re-run `make bench` on a quiet machine before")
        L.append("drawing conclusions from them.")
    else:
        L.append("repetitions): the machine was quiet.")
    return L


def main():
    ap = argparse.ArgumentParser()
    for opt in ("raw", "out", "chart-dir", "nproc", "kernel", "cpu-model", "date", "command",
                "repeat", "duration", "cpus", "skipped", "quick", "versions", "mcrd"):
        ap.add_argument("--" + opt, default="")
    a = ap.parse_args()
    points = load(a.raw)
    if not points:
        sys.exit("report.py: no data in %s" % a.raw)
    fanouts = sorted({k[1] for k in points})
    write_csv(points, os.path.join(a.out, "results.csv"))
    write_md(points, a, os.path.join(a.out, "results.md"))
    write_chart_data(points, fanouts, a.chart_dir)
    with open(os.path.join(a.out, "results.md")) as f:
        sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
