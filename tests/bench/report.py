#!/usr/bin/env python3
"""Turn bench.sh's raw.csv (one row per repetition) into results.csv (medians),
results.md (tables, loss-free rates and the project's targets) and the data
files that chart.gp plots.  Called by tests/bench/bench.sh.

Reads raw.csv files of older runs too: without the rx_frames column the
frames per datagram are "not recorded", without drain_s a point's drain is
unknown (and not held against it), and relays it does not know keep their
raw names."""

import argparse
import csv
import os
import statistics
import sys
import textwrap

LOSS_FREE = 0.1  # percent: "loss-free" means loss below this
# seconds: a relay still delivering longer than this after the sender's end
# (bench.sh reads it to 0.1 s) did not keep up with the offered rate, even if
# nothing was lost in the end: its receive ring held the backlog.
DRAIN_MAX = 0.2
PER_DATAGRAM = 0.99  # frames per datagram at least this: one frame per datagram
TICK_NS = 1e7  # relay CPU is read in clock ticks of 10 ms (USER_HZ 100)
RELAY_ORDER = ["mcrd", "mcrd-socket", "mcrd-gso", "mcrd-merge", "mcrd-ipv6", "kernel", "tc",
               "socat", "baseline", "none"]
MCRD_VARIANTS = ["mcrd", "mcrd-socket", "mcrd-gso"]
RELAY_LABEL = {
    "mcrd": "mcrd (default: layer-2 egress)",
    "mcrd-socket": "mcrd (egress socket, gso off)",
    "mcrd-gso": "mcrd (egress socket, gso on)",
    "mcrd-merge": "mcrd (two inputs merged)",
    "mcrd-ipv6": "mcrd (IPv6, layer-2 egress)",
    "kernel": "kernel (smcroute)",
    "tc": "kernel tc mirred (no rewrite, no TTL)",
    "socat": "socat",
    "baseline": "baseline (recvmmsg/sendmmsg)",
    "none": "no relay (ceiling)",
}
SUPER = " ‡"  # marks figures that rely on GSO super-frames

# Kernel forwarding as last measured on a kernel with CONFIG_IP_MROUTE: the
# reference when this run cannot measure it (see doc/bench/README.md).
KERNEL_RECORDED = {1: 172000, 8: 50000}
KERNEL_RECORDED_CEILING = {1: 146000, 8: 73000}
KERNEL_RECORDED_RUN = "2026-12-02 05:48 UTC, commit bf19495, kernel `6.18.44-fc-v857`, 2-CPU VM"


def wrap(text):
    """A bullet of results.md: lines of at most 80 columns, continued indented."""
    return textwrap.wrap(text, 80, subsequent_indent="  ", break_on_hyphens=False,
                         break_long_words=False)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def num(s):
    return float(s) if s not in ("", None) else None


def rank(relay):
    return (RELAY_ORDER.index(relay), "") if relay in RELAY_ORDER else (len(RELAY_ORDER), relay)


def label(relay):
    return RELAY_LABEL.get(relay, relay)


def frames_per_datagram(r):
    """Frames on the receivers' veths per unique datagram delivered.  For no
    relay one frame on dn feeds all N sockets: per datagram sent instead."""
    frames, delivered = num(r.get("rx_frames")), num(r["delivered"])
    if frames is None or not delivered:
        return None
    return frames * (int(r["fanout"]) if r["relay"] == "none" else 1) / delivered


def load(path):
    groups = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            key = (r["relay"], int(r["fanout"]), int(r["offered_pps"]))
            groups.setdefault(key, []).append(r)
    points = {}
    for key, rows in groups.items():
        points[key] = {
            "relay": key[0],
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
            "frames": median([num(r.get("rx_frames")) for r in rows]),
            "rx_busy": median([num(r.get("rx_core_busy_pct")) for r in rows]),
            "drain": median([num(r.get("drain_s")) for r in rows]),
            "fpd": median([frames_per_datagram(r) for r in rows]),
            "corrupted": sum(int(r["corrupted"]) for r in rows),
            "duplicated": sum(int(r["duplicated"]) for r in rows),
        }
    return points


def offered_label(x):
    return "max" if x == 0 else "%dk" % (x // 1000) if x % 1000 == 0 else str(x)


def order_offered(x):
    return float("inf") if x == 0 else x  # "max" (-r 0) is the highest offered load


def cpu_text(p):
    if p["relay"] in ("kernel", "tc"):
        return "n/a (kernel)"
    if p["relay"] == "none":
        return "n/a"
    return "%.0f" % p["cpu_ns"] if p["cpu_ns"] is not None else "n/a"


def core_text(p):
    if p["relay"] == "none" or p["core_ns"] is None:
        return "n/a"
    return "%.0f" % p["core_ns"]


def is_super(p):
    return p["fpd"] is not None and p["fpd"] < PER_DATAGRAM


def fpd_text(p):
    if p["fpd"] is None:
        return "not recorded"
    return "%.2f%s" % (p["fpd"], SUPER if is_super(p) else "")


def series(points, relay, fanout):
    return sorted(
        (p for p in points.values() if p["relay"] == relay and p["fanout"] == fanout),
        key=lambda p: order_offered(p["offered"]),
    )


def series_label(points, relay, fanout):
    s = series(points, relay, fanout)
    return label(relay) + (SUPER if any(is_super(p) for p in s) else "")


def sent_rate(p):
    """The rate a point was sent at: its offered grid rate when mcrgen kept
    it (within 1%: 49999 pps is the 50k point), else what it achieved."""
    if p["offered"] and p["achieved"] >= 0.99 * p["offered"]:
        return float(p["offered"])
    return p["achieved"]


def late(p):
    """The relay still delivered past DRAIN_MAX after the sender's end
    (an unknown drain, from an older raw.csv, is not held against it)."""
    return p["drain"] is not None and p["drain"] > DRAIN_MAX


def kept_up(p):
    """Loss-free, and the relay delivered at the rate it was sent."""
    return p["loss"] is not None and p["loss"] < LOSS_FREE and not late(p)


def fault(*ps):
    """Why these points are not all kept up: " (loss)" when one lost,
    " (late)" when none lost but one drained late, else ""."""
    if any(p["loss"] is None or p["loss"] >= LOSS_FREE for p in ps):
        return " (loss)"
    return " (late)" if any(late(p) for p in ps) else ""


def loss_free(points, relay, fanout):
    """None if not measured, else a dict: rate, the highest send rate of a
    loss-free point such that every lower offered rate was loss-free too (0
    if the lowest already lost); next, the send rate of the first lossy
    point (None: there is none); upper, the same when above rate (the true
    limit lies below it), else None (unknown); used, the points up to the
    highest loss-free one."""
    s = series(points, relay, fanout)
    if not s:
        return None
    best, used, nxt = 0.0, [], None
    for p in s:
        if not kept_up(p):
            nxt = sent_rate(p)
            break
        best = max(best, sent_rate(p))
        used.append(p)
    upper = nxt if nxt is not None and nxt > best else None
    return {"rate": best, "next": nxt, "upper": upper, "used": used}


def loss_free_rate(points, relay, fanout):
    lf = loss_free(points, relay, fanout)
    return None if lf is None else lf["rate"]


def drain_note(p):
    """" (drained 0.6 s)" where a point's delivery outlasted the sender."""
    return " (drained %.1f s)" % p["drain"] if late(p) else ""


def kpps(x):
    """50k for a grid rate; 48.3k for an achieved one below 100k."""
    if x is None:
        return "n/a"
    if x == 0:
        return "0"
    return "%.1fk" % (x / 1000.0) if x < 100000 and round(x) % 1000 else "%.0fk" % (x / 1000.0)


def lf_text(lf):
    """A loss-free rate with the grid's uncertainty: "60k (< 75k)"."""
    if lf["rate"] == 0:
        return "0 (lost already at %s)" % kpps(lf["next"])
    if lf["upper"]:
        return "%s (< %s)" % (kpps(lf["rate"]), kpps(lf["upper"]))
    if lf["next"] is not None:
        return "%s (the next point lost, sent at %s)" % (kpps(lf["rate"]), kpps(lf["next"]))
    return "%s (loss-free at every point)" % kpps(lf["rate"])


def write_csv(points, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["relay", "fanout", "offered_pps", "achieved_pps", "delivered_pkts", "delivered_pps",
             "loss_pct", "relay_cpu_ns_per_delivered_pkt", "relay_core_ns_per_delivered_pkt",
             "repeats", "bg_busy_pct", "rx_frames", "rx_frames_per_datagram", "rx_core_busy_pct",
             "drain_s"]
        )
        for key in sorted(points, key=lambda k: (k[1], rank(k[0]), order_offered(k[2]))):
            p = points[key]
            w.writerow(
                [p["relay"], p["fanout"], "max" if p["offered"] == 0 else p["offered"],
                 "%.0f" % p["achieved"], "%.0f" % p["delivered"], "%.0f" % p["delivered_pps"],
                 "%.4f" % p["loss"], cpu_text(p), core_text(p), p["repeats"],
                 "" if p["bg"] is None else "%.0f" % p["bg"],
                 "" if p["frames"] is None else "%.0f" % p["frames"],
                 "" if p["fpd"] is None else "%.3f" % p["fpd"],
                 "" if p["rx_busy"] is None else "%.0f" % p["rx_busy"],
                 "" if p["drain"] is None else "%.1f" % p["drain"]]
            )


def write_chart_data(points, fanouts, d):
    os.makedirs(d, exist_ok=True)
    lines = ['fanouts = "%s"' % " ".join(str(f) for f in fanouts)]
    for f in fanouts:
        relays = sorted({k[0] for k in points if k[1] == f}, key=rank)
        lines.append('relays_%d = "%s"' % (f, " ".join(relays)))
        for r in relays:
            with open(os.path.join(d, "f%d-%s.dat" % (f, r)), "w") as out:
                out.write("# achieved_pps delivered_pps_total\n")
                for p in series(points, r, f):
                    out.write("%.0f %.0f\n" % (p["achieved"], p["delivered_pps"]))
    with open(os.path.join(d, "vars.gp"), "w") as out:
        out.write("\n".join(lines) + "\n")


# --- targets ----------------------------------------------------------------
# Each check returns (status, text, points used); status is "met", "not met"
# or "not measured".  A target's verdict combines its checks.
MET, NOT_MET, UNMEASURED = "met", "not met", "not measured"


def verdict(statuses):
    measured = [s for s in statuses if s != UNMEASURED]
    if not measured:
        return UNMEASURED
    if NOT_MET in measured:
        return NOT_MET
    if len(measured) < len(statuses):
        return "met where measured"
    return MET


def bold(status):
    return "**%s**" % status


def ratio_bounds(me, ref):
    """The ratio me/ref that the grid allows: (low, high); None = unbounded."""
    low = me["rate"] / ref["upper"] if ref["upper"] else None
    high = me["upper"] / ref["rate"] if me["upper"] and ref["rate"] else None
    return low, high


def check_ratio(me, ref, k, who, me_name):
    """me's highest loss-free rate >= k x ref's."""
    a, b = me["rate"], ref["rate"]
    if a == 0 and b == 0:
        return NOT_MET, ("%s %s, %s's %s: neither is loss-free at the lowest offered rate, "
                         "so this grid cannot compare them" % (me_name, lf_text(me), who, lf_text(ref)))
    low, high = ratio_bounds(me, ref)
    if b > 0:
        ok = a >= k * b
        text = "%s %s vs %s's %s = %.2fx" % (me_name, lf_text(me), who, lf_text(ref), a / b)
    else:
        # ref lost at its lowest rate: its limit is below that rate's.
        ok = ref["upper"] is not None and a >= k * ref["upper"]
        text = "%s %s vs %s's %s: the ratio cannot be read off this grid" % (
            me_name, lf_text(me), who, lf_text(ref))
    bounds = "%s..%s" % ("%.2fx" % low if low is not None else "?",
                         "%.2fx" % high if high is not None else "?")
    text += "; between grid points the true ratio is %s" % bounds
    if ok and (low is None or low < k):
        text += " (met on the grid, not for certain)"
    if not ok and (high is None or high >= k):
        text += " (not met on the grid; a finer grid might)"
    return (MET if ok else NOT_MET), text


def t_loss_where_baseline(points, me):
    checks = []
    for f in (1, 8, 50):
        base, mine = series(points, "baseline", f), series(points, me, f)
        if not base or not mine:
            checks.append((UNMEASURED, "fan-out %d: not measured in this run" % f, []))
            continue
        # A point where mcrgen fell short of the offered rate (the sender
        # shares a CPU with the receivers, and a relay's wake-ups cost it)
        # put a lighter load on the baseline than the offered one: its
        # being loss-free there says nothing about that rate.
        rates, short = [], []
        for p in base:
            if p["offered"] and kept_up(p):
                if sent_rate(p) == p["offered"]:
                    rates.append(p["offered"])
                else:
                    short.append(p)
        note = ""
        if short:
            note = ("; not compared where the baseline's sender fell short of the offered "
                    "rate (%s)" % ", ".join("%s: sent %s" % (offered_label(p["offered"]),
                                                             kpps(p["achieved"])) for p in short))
        if not rates:
            checks.append((MET, "fan-out %d: the baseline is loss-free at no offered rate its "
                           "sender reached, so there is nothing to check%s" % (f, note), []))
            continue
        used, bad, shown = [], [], []
        for x in rates:
            pm = points.get((me, f, x))
            if pm is None:
                bad.append(offered_label(x) + " (not measured)")
                shown.append("n/a")
                continue
            used.append(pm)
            shown.append("%.3f%%%s" % (pm["loss"], drain_note(pm)))
            if not kept_up(pm):
                bad.append(offered_label(x))
        text = "fan-out %d: the baseline is loss-free at %s; %s's loss there: %s" % (
            f, ", ".join(offered_label(x) for x in rates), me, ", ".join(shown))
        if bad:
            text += "; lost at " + ", ".join(bad)
        text += note
        checks.append((NOT_MET if bad else MET, text, used,
                       "f%d lost at %s" % (f, ", ".join(bad)) if bad else ""))
    return ("Loss < 0.1% at every offered rate where the baseline's is (fan-outs 1, 8, 50; "
            "\"max\" is left out: it is not one rate, mcrgen reaches a different one with each relay; "
            "so are rates the baseline's sender did not reach)",
            checks)


def t_ratio(points, me, fanouts, ref_relay, k, title, who):
    checks = []
    for f in fanouts:
        m, r = loss_free(points, me, f), loss_free(points, ref_relay, f)
        if m is None or r is None:
            checks.append((UNMEASURED, "fan-out %d: not measured in this run" % f, []))
            continue
        status, text = check_ratio(m, r, k, who, me)
        short = "f%d %s" % (f, "%.2fx" % (m["rate"] / r["rate"]) if r["rate"]
                            else "%s vs %s" % (kpps(m["rate"]), kpps(r["rate"])))
        checks.append((status, "fan-out %d: %s" % (f, text), m["used"], short))
    return title, checks


def t_kernel(points, me, kernel_fwd):
    checks = []
    for f in (1, 8):
        m, kf = loss_free(points, me, f), loss_free(points, "kernel", f)
        if m is None:
            checks.append((UNMEASURED, "fan-out %d: not measured in this run" % f, []))
            continue
        if kf is not None:
            ref, src = kf["rate"], "%s, measured in this run" % lf_text(kf)
        else:
            ref = KERNEL_RECORDED[f]
            src = "%s, recorded earlier on another kernel (see above)" % kpps(ref)
        ok = m["rate"] > ref
        tc = loss_free(points, "tc", f)
        if tc is not None:  # context only: tc does less than kernel forwarding
            src += "; kernel tc mirred (no rewrite, no TTL) in this run: %s" % lf_text(tc)
        checks.append((MET if ok else NOT_MET,
                       "fan-out %d: %s's %s against kernel forwarding's %s" % (f, me, lf_text(m), src),
                       m["used"], "f%d %s vs %s" % (f, kpps(m["rate"]), kpps(ref))))
    return ("Highest loss-free rate above kernel forwarding's (fan-outs 1 and 8; strictly above)",
            checks)


def t_cpu(points, me):
    checks = []
    for f in (8, 50):
        common = [p for p in series(points, me, f) if p["offered"] and p["cpu_ns"]
                  and (points.get(("baseline", f, p["offered"])) or {}).get("cpu_ns")]
        if not common:
            checks.append((UNMEASURED, "fan-out %d: not measured in this run" % f, []))
            continue
        each, both = [], []
        for p in common:
            b = points[("baseline", f, p["offered"])]
            each.append("%s %.2fx%s" % (offered_label(p["offered"]), p["cpu_ns"] / b["cpu_ns"],
                                        fault(p, b)))
            if kept_up(p) and kept_up(b):
                both.append((p, b))
        if not both:
            checks.append((NOT_MET, "fan-out %d: no offered rate at which both are loss-free; "
                           "at each common rate: %s" % (f, ", ".join(each)), []))
            continue
        p, b = both[-1]
        ratio = p["cpu_ns"] / b["cpu_ns"]
        core = ""
        if p["core_ns"] and b["core_ns"]:
            core = ("; relay core (all work on the relay's CPU): %.0f ns vs %.0f ns = %.2fx"
                    % (p["core_ns"], b["core_ns"], p["core_ns"] / b["core_ns"]))
        checks.append((MET if ratio <= 0.4 else NOT_MET,
                       "fan-out %d, at %s pps (the highest offered rate at which both are loss-free): "
                       "%.0f ns vs %.0f ns = %.2fx (one 10 ms clock tick is +-%.0f and +-%.0f ns here)%s; "
                       "at each common offered rate: %s"
                       % (f, offered_label(p["offered"]), p["cpu_ns"], b["cpu_ns"], ratio,
                          TICK_NS / p["delivered"], TICK_NS / b["delivered"], core, ", ".join(each)),
                       [p], "f%d %.2fx at %s" % (f, ratio, offered_label(p["offered"]))))
    return ("Relay CPU per delivered datagram <= 0.4x the baseline's (fan-outs 8 and 50)", checks)


def t_frames(me, used):
    """Receivers saw one frame per datagram in every point the targets used."""
    title = "Receivers see one frame per datagram (frames per datagram >= 0.99) in the points used"
    pts = {(p["fanout"], p["offered"]): p for p in used}
    if not pts:
        return title, [(UNMEASURED, "no point used", [])]
    if any(p["fpd"] is None for p in pts.values()):
        return title, [(UNMEASURED, "frames not recorded in this raw.csv (older format)", [])]
    fpd = [p["fpd"] for p in pts.values()]
    low = [p for p in pts.values() if is_super(p)]
    text = "%d points, frames per datagram %.2f..%.2f" % (len(pts), min(fpd), max(fpd))
    if len(low) == len(pts):
        text += "; below 0.99 (GSO super-frames) at every one of them"
    elif low:
        low.sort(key=lambda p: (p["fanout"], order_offered(p["offered"])))
        text += "; below 0.99 (GSO super-frames) at " + ", ".join(
            "fan-out %d %s (%.2f)" % (p["fanout"], offered_label(p["offered"]), p["fpd"])
            for p in low[:6]) + ("" if len(low) <= 6 else " and %d more" % (len(low) - 6))
    return title, [(NOT_MET if low else MET, text, [], "%.2f..%.2f" % (min(fpd), max(fpd)))]


def targets(points, me, kernel_fwd):
    """[(title, verdict, [(status, text)])] for mcrd variant me."""
    ts = [
        t_loss_where_baseline(points, me),
        t_ratio(points, me, (8, 50), "baseline", 2.0,
                "Highest loss-free rate >= 2x the baseline's (fan-outs 8 and 50)", "the baseline"),
        t_ratio(points, me, (1,), "none", 0.9,
                "Highest loss-free rate >= 90% of the ceiling's (fan-out 1)", "the ceiling"),
        t_kernel(points, me, kernel_fwd),
        t_cpu(points, me),
    ]
    used = [p for _, checks in ts for c in checks for p in c[2]]
    ts.append(t_frames(me, used))
    return [(title, verdict([c[0] for c in checks]), [(c[0], c[1]) for c in checks],
             ", ".join(c[3] for c in checks if len(c) > 3 and c[3]))
            for title, checks in ts]


def per_datagram(tlist):
    """True/False: the variant's used points were / were not per datagram;
    None: frames not recorded."""
    status = tlist[-1][1]
    return True if status == MET else False if status == NOT_MET else None


def cell(t):
    """A target's verdict and its figures, for the headline table."""
    return t[1] + (" (%s)" % t[3] if t[3] else "")


def targets_md(points, a):
    variants = [v for v in MCRD_VARIANTS if any(k[0] == v for k in points)]
    result = {v: targets(points, v, a.kernel_fwd) for v in variants}
    head = [v for v in variants if per_datagram(result[v]) is True]
    sup = [v for v in variants if per_datagram(result[v]) is False]
    unknown = [v for v in variants if per_datagram(result[v]) is None]
    L = ["## Targets", ""]
    L.append("Computed from the medians above, for each variant of mcrd. A highest loss-free")
    L.append("rate is only as fine as the grid of offered rates: it is the highest grid point")
    L.append("that was loss-free, and the relay's true limit lies somewhere below the next")
    L.append("grid point (shown as \"< X\"). Ratios say what the grid allows, and a ratio")
    L.append("exactly at its target may be above or below it between grid points.")
    if "kernel" not in {k[0] for k in points}:
        L.append("")
        L.extend(kernel_reference(a))
    L.append("")
    if head:
        L.append("**Headline**: the variants whose receivers saw one frame per datagram in every")
        L.append("point the targets use: %s." % ", ".join("`%s`" % v for v in head))
    if sup:
        L.append("%s rel%s on GSO super-frames (frames per datagram below 0.99): on these veths"
                 % (", ".join("`%s`" % v for v in sup), "ies" if len(sup) == 1 else "y"))
        L.append("a super-frame crosses whole, one frame for many datagrams, while a NIC puts")
        L.append("every datagram on the wire as a frame of its own. Not headline: listed")
        L.append("after the headline variants, for comparison only.")
    if unknown:
        L.append("%s: frames per datagram not recorded (a raw.csv from before they were),"
                 % ", ".join("`%s`" % v for v in unknown))
        L.append("so whether the figures rely on super-frames cannot be told: not headline.")
    L.append("")
    if head:
        L.append("| target | %s |" % " | ".join("`%s`" % v for v in head))
        L.append("|---|" + "---|" * len(head))
        for i, t in enumerate(result[head[0]]):
            L.append("| %d. %s | %s |" % (i + 1, t[0].split(" (")[0],
                                          " | ".join(cell(result[v][i]) for v in head)))
        L.append("")
    for v in head + sup + unknown:
        L.append("### %s%s" % (label(v), "" if v in head else
                                " (not headline: %s)" % ("GSO super-frames" if v in sup
                                                          else "frames not recorded")))
        L.append("")
        for i, (title, status, checks, _) in enumerate(result[v]):
            L.append("%d. %s: %s" % (i + 1, title, bold(status)))
            for s, text in checks:
                L.append("   - %s" % text if s == UNMEASURED else "   - %s: %s" % (text, s))
        L.append("")
    return L


def kernel_reference(a):
    L = ["**Kernel forwarding's reference.**"]
    if a.kernel_fwd == "unavailable":
        L.append("Kernel forwarding is not available on this kernel: it has no multicast")
        L.append("routing (`CONFIG_IP_MROUTE`; no `/proc/net/ip_mr_vif`), so it was not measured.")
    else:
        L.append("Kernel forwarding was not measured in this run.")
    L.append("Target 4 uses its figures from an earlier run on another kernel, one with")
    L.append("multicast routing (%s): highest loss-free" % KERNEL_RECORDED_RUN)
    L.append("%s pps at fan-out 1 and %s pps at fan-out 8, when that run's ceiling was %s and"
             % (kpps(KERNEL_RECORDED[1]), kpps(KERNEL_RECORDED[8]), kpps(KERNEL_RECORDED_CEILING[1])))
    L.append("%s. They are a reference recorded elsewhere, not a measurement side by side with"
             % kpps(KERNEL_RECORDED_CEILING[8]))
    L.append("this run's.")
    return L


# --- results.md ---------------------------------------------------------------
def setup_md(a, relays):
    gen_cpu, sink_cpu, relay_cpu = a.cpus.split(",")
    L = ["## Set-up", ""]
    L.append("- Namespaces `bench-PID-snd` -> `bench-PID-rly` -> `bench-PID-dst` on veth pairs")
    L.append("  (198.18.0.0/15, IPv6 off). mcrgen sends fresh, sequenced 1400-byte payloads to")
    L.append("  239.1.0.1:5001 with TTL 8 (`-t 8`, so the kernel forwards it too) at the")
    L.append("  offered rate (`-r`; \"max\" is `-r 0`, as fast as mcrgen can). The relay copies")
    L.append("  it to N veths. mcrd, socat and the baseline rewrite output i to")
    L.append("  239.2.0.i:6000; kernel forwarding cannot rewrite, so its outputs keep")
    L.append("  239.1.0.1:5001. One mcrsink (`-j`, with `-n EXPECT` at fixed rates) in the")
    L.append("  receiver namespace receives the N streams on N veths.")
    L.append("- **The outputs stand in for NICs without UDP segmentation offload**: every")
    L.append("  output veth has `tx-udp-segmentation` off (`ethtool -K`), so a GSO send is")
    L.append("  cut into datagrams by the relay's own kernel before the veth, at the")
    L.append("  relay's CPU's cost, as before such a NIC, and the receivers get one frame")
    L.append("  per datagram (the rx frames / datagram column checks it). A veth left as")
    L.append("  created takes UDP GSO itself and hands a run to its peer whole, as no NIC")
    L.append("  does. Only mcrd sends GSO; nothing changes for the other relays.")
    L.append("- **mcrd, three ways.** `mcrd` is the default configuration: each output is")
    L.append("  sent at layer 2, frames built by mcrd (no UDP socket, route lookup or IP")
    L.append("  output per datagram); `gso = \"auto\"` sees devices that do not take UDP")
    L.append("  GSO, so a run of a rule's datagrams that arrive together goes to each")
    L.append("  output as one GSO frame (one `sendmsg` on a packet socket, the kernel cuts")
    L.append("  it), a lone datagram through an AF_PACKET transmit ring. `mcrd-socket`")
    L.append("  sets `egress = \"socket\"` and `gso = \"off\"`: one UDP `sendmsg` per")
    L.append("  datagram per output. `mcrd-gso` sets `egress = \"socket\"` and `gso = \"on\"`:")
    L.append("  a run goes to each output as one UDP GSO send. Were a run to cross a veth")
    L.append("  whole (fewer frames than datagrams), its figures would be marked" + SUPER + " and")
    L.append("  not used as headline.")
    if "mcrd-ipv6" in relays:
        L.append("- **mcrd-ipv6** relays IPv6 end to end: IPv6 is on for its run only (2001:2::/48,")
        L.append("  no DAD, no link-local addresses); mcrgen sends [ff05::1:1]:5001, output i is")
        L.append("  [ff05::2:i]:6000, mcrsink joins by MLD; layer-2 egress as `mcrd`'s. Not one")
        L.append("  of the target variants.")
    L.append("- **rx frames / datagram**: frames received on the receivers' veths during the")
    L.append("  point (`rx_packets`), divided by the unique datagrams delivered. 1.00: every")
    L.append("  datagram crossed as its own frame; below 0.99 (marked" + SUPER + "): GSO super-frames;")
    L.append("  above 1: the receivers dropped datagrams after their veth had taken them")
    L.append("  (their socket buffers overflowed). For no relay, one frame on its veth feeds")
    L.append("  all N sockets, so its figure is per datagram sent (frames x N / delivered).")
    L.append("- **no relay (ceiling)**: mcrgen sends straight into the receiver namespace over")
    L.append("  one veth, where mcrsink holds N sockets joined to the group: the receivers do")
    L.append("  the same work, and nothing relays.")
    if "tc" in relays:
        L.append("- **kernel tc mirred: kernel-side copies, in this run.** A u32 filter on the")
        L.append("  relay's input (tc clsact ingress) mirrors each frame of the input group to")
        L.append("  the N outputs with `mirred` actions: the kernel clones the frame in the")
        L.append("  receive softirq on the relay's CPU, no rewrite (its outputs keep")
        L.append("  239.1.0.1:5001), no TTL decrement, no process. It does less than any relay")
        L.append("  must (and less than kernel forwarding, which decrements the TTL), so it is")
        L.append("  a reference, not a peer; where kernel forwarding is not available it shows")
        L.append("  what copying inside the kernel does on this test bed. Its copies of a")
        L.append("  softirq's batch of input frames reach the receivers' CPU's backlog")
        L.append("  (`net.core.netdev_max_backlog`, left at its default) as one burst.")
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
    L.append("- **The price of that layout on this VM: inter-processor interrupts.** A")
    L.append("  frame sent on a veth is queued for the receiving end's CPU (RPS), and when")
    L.append("  that CPU's queue was empty the sending CPU sends it an IPI at the end of the")
    L.append("  softirq that queued it. On this VM an IPI is a trapped MSR write (a VM exit),")
    L.append("  dear when the other CPU sleeps. Counted in `/proc/interrupts` (2026-12-06):")
    L.append("  mcrd sends the receivers' CPU one IPI per 11-13 frames at fan-outs 1 and 8")
    L.append("  (its transmit ring hands the kernel a batch back to back), the baseline one")
    L.append("  per 15 at fan-out 8 and one per 2 at fan-out 1; `perf` puts 23% of mcrd's")
    L.append("  CPU at fan-out 8 @ 40k in `x2apic_send_IPI` / `pvm_write_msr`. Copies made")
    L.append("  in the kernel (tc, kernel forwarding) are queued inside the receive softirq,")
    L.append("  with one IPI per softirq. The other way, a relay CPU that sleeps between")
    L.append("  packets makes the sender's CPU pay an IPI to wake it: with tc at fan-out 1")
    L.append("  (no process, the relay's CPU sleeps between softirqs) mcrgen falls short of")
    L.append("  the higher offered rates. Without a hypervisor an IPI costs far less: that")
    L.append("  share is this VM's.")
    L.append("- Each point: mcrsink joins, mcrgen sends `-n rate x duration` packets (or")
    L.append("  `-r 0 -D duration`), and mcrsink is stopped once the receivers' veths have")
    L.append("  had no new frame for 0.5 s. So whatever a relay had queued counts (as")
    L.append("  delivered, late) in its own point and never leaks into the next one.")
    L.append("  `delivered pps` is delivered packets over mcrgen's sending time. Relays")
    L.append("  are interleaved within each repetition, so drifting load from elsewhere")
    L.append("  hits them alike.")
    L.append("- **Loss** = 1 - (unique packets received, summed over the N receivers) /")
    L.append("  (N x packets mcrgen sent). **Drain s** = how long after the sender's end")
    L.append("  new frames still reached the receivers' veths (looked at every 0.1 s): a")
    L.append("  relay that keeps up delivers its last datagram within milliseconds, one")
    L.append("  that does not works off a backlog its receive ring (or socket buffer)")
    L.append("  held, and may lose nothing in a 2 s point at a rate it cannot sustain.")
    L.append("  **Loss-free** = loss < 0.1%% and drain <= %.1f s (a longer one is marked" % DRAIN_MAX)
    L.append("  \"late\"). The highest loss-free")
    L.append("  rate is the highest send rate whose point, and every lower offered rate's,")
    L.append("  is loss-free; a point's send rate is its offered rate when mcrgen achieved")
    L.append("  it within 1% (49999 pps is the 50k point), else the rate it achieved. It is")
    L.append("  only as fine as the grid: the relay's limit lies below the next grid point.")
    L.append("- **Relay CPU ns/pkt** = utime+stime (from `/proc/PID/stat`, in 10 ms clock")
    L.append("  ticks) of the relay's whole process tree (all socat processes together)")
    L.append("  during the point, divided by the packets delivered. This kernel has no")
    L.append("  `CONFIG_IRQ_TIME_ACCOUNTING`, so softirq work (such as the relay side's")
    L.append("  RPS'd receive) counts when it happens to interrupt the relay and not when")
    L.append("  it interrupts the idle task. Kernel forwarding runs entirely in softirq")
    L.append("  context and has no process to measure: **n/a (kernel)**.")
    L.extend(wrap("- **Relay core ns/pkt** = busy time of the relay's CPU %s during the"
                  " point, divided by the packets delivered. Busy time is wall time less the"
                  " CPU's idle, iowait and steal time in `/proc/stat`, which a NO_HZ kernel"
                  " keeps exactly (shown in 10 ms units) and stops while an interrupt is"
                  " handled, so softirq work on an idle CPU counts as busy. (The busy"
                  " columns of `/proc/stat`, used before 2026-12-06 evening, are samples"
                  " taken at the tick, off by up to 2x either way with paced traffic.) It"
                  " counts everything done on the relay's side, kernel forwarding included,"
                  " so it is the one CPU figure that compares all relays; but it also counts"
                  " whatever other work the machine ran on that CPU (see `bg busy %%`), so on a"
                  " shared machine it is an upper bound." % relay_cpu))
    L.extend(wrap("- **Receivers' core busy %%** = busy share of CPU %s (mcrsink's, where"
                  " mcrgen and the receive softirq of every copy also run) over the point,"
                  " measured the same way. Near 100%%, the receivers' side is the limit,"
                  " whatever the relay does." % sink_cpu))
    if a.kernel_fwd == "unavailable":
        L.append("- **Kernel forwarding: not available on this kernel.** It has no multicast")
        L.append("  routing (`CONFIG_IP_MROUTE`; no `/proc/net/ip_mr_vif`), so smcroute cannot")
        L.append("  add a VIF and the `kernel` relay was skipped. Its rows below say so; the")
        L.append("  targets use the figures recorded earlier on another kernel.")
    if a.tc_copy == "unavailable":
        L.append("- **kernel tc mirred: not available on this kernel** (no u32 classifier or")
        L.append("  mirred action): not measured.")
    if a.skipped.strip():
        L.append("- **Kernel forwarding is not run at fan-out %s**: the kernel has at most 32"
                 % ", ".join(s.split(":")[1] for s in a.skipped.split()))
        L.append("  multicast VIFs (`MAXVIFS`), one of them the input, so at most 31 outputs.")
    return L


FANOUT_COLS = ["relay", "offered pps", "achieved pps", "delivered pkts (all receivers)",
               "delivered pps", "loss % (min..max)", "rx frames / datagram", "relay CPU ns/pkt",
               "relay core ns/pkt", "receivers' core busy %", "bg busy %", "drain s"]


def kernel_row(a, f):
    """The table row that says why kernel forwarding has no figures, or None."""
    if a.kernel_fwd != "unavailable":
        return None
    if f > 31:
        why = "not run at fan-out %d: 31 outputs at most" % f
    else:
        why = "**not available on this kernel** (no `CONFIG_IP_MROUTE`)"
        if f in KERNEL_RECORDED:
            why += "; recorded earlier on another kernel: loss-free to %s" % kpps(KERNEL_RECORDED[f])
    return "| %s | %s |%s" % (label("kernel"), why, " — |" * (len(FANOUT_COLS) - 2))


def fanout_md(points, a, f, relays):
    L = ["## Fan-out %d" % f, ""]
    L.append("| " + " | ".join(FANOUT_COLS) + " |")
    L.append("|---|" + "---:|" * (len(FANOUT_COLS) - 1))
    shown = []
    for r in relays:
        if r == "kernel" and not series(points, r, f):
            row = kernel_row(a, f)
            if row:
                L.append(row)
            continue
        for p in series(points, r, f):
            L.append(
                "| %s | %s | %.0f | %.0f | %.0f | %.3f (%.3f..%.3f) | %s | %s | %s | %s | %s | %s |"
                % (series_label(points, r, f), offered_label(p["offered"]), p["achieved"],
                   p["delivered"], p["delivered_pps"], p["loss"], p["loss_min"], p["loss_max"],
                   fpd_text(p), cpu_text(p), core_text(p),
                   "not recorded" if p["rx_busy"] is None else "%.0f" % p["rx_busy"],
                   "" if p["bg"] is None else "%.0f" % p["bg"],
                   "not recorded" if p["drain"] is None else "%.1f%s" % (
                       p["drain"], " (late)" if late(p) else ""))
            )
        shown.append(r)
    L.append("")
    parts = ["%s %s" % (series_label(points, r, f), lf_text(loss_free(points, r, f))) for r in shown]
    if a.kernel_fwd == "unavailable" and f in KERNEL_RECORDED:
        parts.append("%s not available on this kernel (recorded earlier on another kernel: %s)"
                     % (label("kernel"), kpps(KERNEL_RECORDED[f])))
    L.append("Highest loss-free rate: " + "; ".join(parts) + ".")
    if any(is_super(p) for r in shown for p in series(points, r, f)):
        L.append("")
        L.append(SUPER.strip() + " GSO super-frames: fewer frames than datagrams crossed the veths;"
                 " not a real NIC's figure.")
    L.append("")
    return L


def write_md(points, a, path):
    fanouts = sorted({k[1] for k in points})
    relays = sorted({k[0] for k in points}, key=rank)
    if a.kernel_fwd == "unavailable" and "kernel" not in relays:
        relays = sorted(relays + ["kernel"], key=rank)
    L = ["# Relay benchmark results", ""]
    if a.quick == "1":
        L.append("**Quick smoke run** (`--quick`): one repetition of 1 s points. It shows the")
        L.append("harness works end to end; its numbers mean nothing.")
        L.append("")
    L.append("| | |")
    L.append("|---|---|")
    L.append("| date | %s |" % a.date)
    L.append("| machine | %s CPUs (`nproc`), %s |" % (a.nproc, a.cpu_model or "unknown CPU"))
    L.append("| kernel | `%s` (`uname -r`) |" % a.kernel)
    if a.kernel_fwd == "unavailable":
        L.append("| kernel forwarding | not available on this kernel (no `CONFIG_IP_MROUTE`): not measured |")
    L.append("| command | `%s` |" % a.command)
    L.append("| points | %s repetition(s) of %s s each; medians shown |" % (a.repeat, a.duration))
    L.append("| mcrd | %s |" % a.mcrd)
    L.append("| packages | %s |" % a.versions)
    L.append("")
    L.extend(load_note(points))
    L.append("")
    L.extend(setup_md(a, relays))
    L.append("")
    L.append("![delivered vs offered](results.png)")
    L.append("")
    for f in fanouts:
        L.extend(fanout_md(points, a, f, relays))
    L.extend(targets_md(points, a))
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
                "repeat", "duration", "cpus", "skipped", "quick", "versions", "mcrd", "kernel-fwd",
                "tc-copy"):
        ap.add_argument("--" + opt, default="")
    a = ap.parse_args()
    if not a.cpus:
        a.cpus = "0,0,1"
    points = load(a.raw)
    if not points:
        sys.exit("report.py: no data in %s" % a.raw)
    fanouts = sorted({k[1] for k in points})
    write_csv(points, os.path.join(a.out, "results.csv"))
    write_md(points, a, os.path.join(a.out, "results.md"))
    write_chart_data(points, fanouts, a.chart_dir or os.path.join(a.out, "chart"))
    with open(os.path.join(a.out, "results.md")) as f:
        sys.stdout.write(f.read())


if __name__ == "__main__":
    main()
