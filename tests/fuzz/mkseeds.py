#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into tests/fuzz/corpus/<harness>/.

    python3 tests/fuzz/mkseeds.py [OUTDIR]

Deterministic: the same files every run (commit what it writes).  Seeds are
valid and near-valid inputs: real frame layouts (802.1Q, IP options,
fragments, padding), the shipped config and variants, well-formed and cut
control messages in both directions, typical mcrctl command lines, and
RTM_NEWLINK/DELLINK/NEWADDR/DELADDR messages as the kernel sends them.
"""
import os
import socket
import struct
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def ip4(s):
    return socket.inet_aton(s)


# ---------------------------------------------------------------- frames

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(group="239.1.1.1", port=5001, src="10.0.0.5", sport=40000, payload=b"hello",
          vlan=None, options=b"", frag=0x4000, proto=17, ttl=64, ethertype=0x0800,
          pad=0, tot_delta=0, ulen_delta=0, version_ihl=None, qinq=False):
    dmac = bytes([0x01, 0x00, 0x5e]) + ip4(group)[1:]
    dmac = bytes([dmac[0], dmac[1], dmac[2], dmac[3] & 0x7f, dmac[4], dmac[5]])
    smac = bytes([0x02, 0, 0, 0, 0, 0x05])
    eth = dmac + smac
    if qinq:
        eth += struct.pack("!HH", 0x88a8, 100)
    if vlan is not None:
        eth += struct.pack("!HH", 0x8100, vlan)
    eth += struct.pack("!H", ethertype)
    options += b"\0" * (-len(options) % 4)
    ihl = 5 + len(options) // 4
    udp = struct.pack("!HHHH", sport, port, 8 + len(payload) + ulen_delta, 0) + payload
    tot = 4 * ihl + len(udp) + tot_delta
    vi = version_ihl if version_ihl is not None else 0x40 | ihl
    iph = struct.pack("!BBHHHBBH4s4s", vi, 0, tot, 0x1234, frag, ttl, proto, 0, ip4(src),
                      ip4(group)) + options
    iph = iph[:10] + struct.pack("!H", csum(iph)) + iph[12:]
    return eth + iph + udp + b"\0" * pad


def ext(next_hdr, kind, length=0, frag=0):
    """One IPv6 extension header (8 * (length + 1) bytes): options padded by PadN."""
    if kind == 44:
        return struct.pack("!BBHI", next_hdr, 0, frag, 0x1234)
    body = bytes([next_hdr, length])
    rest = 8 * (length + 1) - 2
    if kind == 43:
        return body + bytes([0, 0]) + b"\0" * (rest - 2)
    return body + bytes([1, rest - 2]) + b"\0" * (rest - 2)


def frame6(group="ff3e::8000:1", port=5001, src="2001:db8::5", payload=b"hello", vlan=None,
           exts=(), plen_delta=0, plen=None, ulen_delta=0, check=0x1234, hlim=64, version=6,
           next_first=None):
    """Ethernet + IPv6 + the extension headers exts (kind, length, frag) + UDP."""
    dmac = bytes([0x33, 0x33]) + socket.inet_pton(socket.AF_INET6, group)[12:]
    eth = dmac + bytes([0x02, 0, 0, 0, 0, 0x05])
    if vlan is not None:
        eth += struct.pack("!HH", 0x8100, vlan)
    eth += struct.pack("!H", 0x86dd)
    udp = struct.pack("!HHHH", 40000, port, 8 + len(payload) + ulen_delta, check or 0) + payload
    if check is None:  # the right one (RFC 8200 8.1 pseudo-header)
        c = csum(socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, group)
                 + struct.pack("!IxxxB", len(udp), 17) + udp) or 0xffff
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    chain = b""
    kinds = [e[0] for e in exts]
    for i, e in enumerate(exts):
        nxt = kinds[i + 1] if i + 1 < len(kinds) else 17
        chain += ext(nxt, e[0], *(e[1:]))
    first = next_first if next_first is not None else (kinds[0] if kinds else 17)
    body = chain + udp
    pl = plen if plen is not None else len(body) + plen_delta
    iph = struct.pack("!IHBB16s16s", version << 28, pl, first, hlim,
                      socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, group))
    return eth + iph + body


def packet6_seeds(w):
    w("v6-udp", frame6())
    w("v6-link-local", frame6(group="ff02::fb", port=5353, src="fe80::1"))
    w("v6-site", frame6(group="ff05::1:3"))
    w("v6-global", frame6(group="ff0e::1234"))
    w("v6-vlan", frame6(vlan=7))
    w("v6-ext-chain", frame6(exts=((0,), (60,), (43,), (60, 1))))
    w("v6-atomic-frag", frame6(exts=((44,),)))
    w("v6-frag-first", frame6(exts=((44, 0, 1),)))
    w("v6-frag-later", frame6(exts=((44, 0, 0xb8),)))
    w("v6-jumbogram", frame6(exts=((0,),), plen=0))
    w("v6-plen-too-long", frame6(plen_delta=1))
    w("v6-plen-cuts-udp", frame6(plen_delta=-1))
    f = bytearray(frame6(exts=((60,),)))
    f[14 + 40 + 1] = 5  # claims 48 bytes, the payload has 21
    w("v6-ext-beyond-payload", bytes(f))
    w("v6-ext-cut-by-plen", frame6(exts=((0,), (60,)), plen=12))
    w("v6-ext-cut-by-capture", frame6(exts=((0,), (60,)))[:14 + 40 + 12])
    w("v6-hbh-not-first", frame6(exts=((60,), (0,))))
    w("v6-nine-ext", frame6(exts=((60,),) * 9))
    w("v6-zero-udp-checksum", frame6(check=0))
    w("v6-no-next-header", frame6(next_first=59))
    w("v6-icmpv6", frame6(next_first=58))
    w("v6-version-4", frame6(version=4))
    w("v6-truncated-header", frame6()[:14 + 39])
    w("v6-udp-checksum-ok", frame6(check=None))
    w("v6-ext-chain-checksum-ok", frame6(exts=((0,), (43,), (60, 1)), check=None,
                                         payload=b"x" * 99))
    w("v6-match-table", frame6(check=None, payload=match_payload6([
        ("ff3e::8000:1", 5001, "::"), ("ff3e::8000:1", 5001, "2001:db8::5"),
        ("ff3e::8000:1", 5001, "2001:db8::5"), ("ff05::1:3", 0, "::"),
        ("ff02::fb", 5353, "fe80::1")])))
    w("v6-match-table-full", frame6(check=None, payload=match_payload6(
        [("ff3e::%x" % i, 5000 + i, "::") for i in range(12)], hint=3)))


def match_payload(entries, hint=255):
    """The fuzz_packet payload convention: hint byte, then group/port/source entries."""
    b = bytes([hint])
    for g, p, s in entries:
        b += ip4(g) + struct.pack("!H", p) + ip4(s)
    return b


def match_payload6(entries, hint=255):
    """The same for IPv6 frames: 34-byte entries."""
    b = bytes([hint])
    for g, p, s in entries:
        b += (socket.inet_pton(socket.AF_INET6, g) + struct.pack("!H", p)
              + socket.inet_pton(socket.AF_INET6, s))
    return b


def packet_seeds():
    w = lambda n, d: write("packet", n, d)
    w("udp-asm", frame())
    w("udp-ssm-src", frame(src="10.0.0.5", payload=b"x" * 64))
    w("udp-other-src", frame(src="10.0.0.9"))
    w("udp-vlan", frame(vlan=0x2064))
    w("udp-vlan-pcp-dei", frame(vlan=0xf00a, group="239.255.255.250", port=1900))
    w("udp-qinq", frame(vlan=10, qinq=True))
    w("udp-ip-options-ra", frame(options=bytes([0x94, 0x04, 0, 0])))
    w("udp-ip-options-max", frame(options=b"\x01" * 40))
    w("udp-ip-options-vlan", frame(vlan=5, options=bytes([0x07, 0x07, 0x04]) + b"\0" * 4))
    w("udp-padded-60", frame(payload=b"", pad=18))
    w("udp-empty-payload", frame(payload=b""))
    w("udp-jumbo", frame(payload=bytes(range(256)) * 35))
    w("frag-first-mf", frame(frag=0x2000))
    w("frag-middle", frame(frag=0x2000 | 185))
    w("frag-last", frame(frag=370))
    w("frag-df-off", frame(frag=0x4000 | 1))
    w("tcp", frame(proto=6))
    w("igmp", frame(proto=2, group="224.0.0.22"))
    w("arp", bytes(6) + bytes([2, 0, 0, 0, 0, 1]) + b"\x08\x06" + bytes(28))
    w("ipv6", frame(ethertype=0x86dd))
    w("vlan-ipv6", frame(vlan=3, ethertype=0x86dd))
    packet6_seeds(w)
    w("ip-version-6-in-v4-type", frame(version_ihl=0x65))
    w("ihl-4", frame(version_ihl=0x44))
    w("ihl-15-short", frame(version_ihl=0x4f))
    w("tot-too-long", frame(tot_delta=1))
    w("tot-shorter-than-ihl", frame(tot_delta=-(20 + 8 + 5) + 19))
    w("tot-no-udp-room", frame(tot_delta=-(8 + 5) + 4))
    w("udp-len-7", frame(ulen_delta=-(8 + 5) + 7))
    w("udp-len-too-long", frame(ulen_delta=1))
    w("udp-len-short", frame(ulen_delta=-3))
    w("truncated-eth", frame()[:13])
    w("truncated-vlan", frame(vlan=1)[:17])
    w("truncated-ip", frame()[:14 + 19])
    w("truncated-udp", frame()[:14 + 20 + 7])
    w("empty", b"")
    w("match-table", frame(payload=match_payload([
        ("239.1.1.1", 5001, "0.0.0.0"), ("239.1.1.1", 5001, "10.0.0.5"),
        ("239.1.1.1", 5001, "10.0.0.5"), ("239.1.1.2", 0, "0.0.0.0"),
        ("239.1.1.3", 7, "0.0.0.0")])))
    w("match-table-full", frame(payload=match_payload(
        [("239.1.1.%d" % i, 5000 + i, "0.0.0.0") for i in range(12)], hint=3)))


# ---------------------------------------------------------------- netlink attributes

NLA_F_NESTED = 0x8000


def attr(t, payload):
    if isinstance(payload, str):
        payload = payload.encode() + b"\0"
    b = struct.pack("=HH", 4 + len(payload), t) + payload
    return b + b"\0" * (-len(b) % 4)


def nest(t, *attrs):
    return attr(t | NLA_F_NESTED, b"".join(attrs))


def u8(t, v): return attr(t, struct.pack("=B", v))
def u16(t, v): return attr(t, struct.pack("=H", v))
def u32(t, v): return attr(t, struct.pack("=I", v))
def u64(t, v): return attr(t, struct.pack("=Q", v))
def be32(t, s): return attr(t, ip4(s))


def nlmsg(mtype, body, flags=0, seq=1, pid=0):
    return struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, pid) + body


# ---------------------------------------------------------------- control protocol

CMD_RULE_ADD, CMD_RULE_DEL, CMD_RULE_GET, CMD_RULE_FLUSH, CMD_LINK_GET, CMD_WORKER_GET, \
    CMD_RELOAD, CMD_MONITOR, CMD_TRACE_START, CMD_TRACE_READ, CMD_TRACE_STOP = range(0x20, 0x2b)
MSG_RULE, MSG_LINK, MSG_WORKER, MSG_EVENT, MSG_DONE, MSG_TRACE = range(0x40, 0x46)
A_RULE, A_LINK, A_WORKER, A_STATUS, A_MSG, A_FILTER_NAME, A_FILTER_DEV, A_FILTER_GROUP, \
    A_EVENT, A_OUT, A_FILTER_ORIGIN, A_TRACE, A_TRACE_DATA = range(1, 14)
(TRACE_NAME, TRACE_ID, TRACE_COUNT, TRACE_BYTES, TRACE_FLAGS, TRACE_FRAMES, TRACE_ENDED,
 TRACE_REASON) = range(1, 9)
(RULE_NAME, RULE_IN, RULE_ORIGIN, RULE_STATE, RULE_REASON, RULE_WORKER,
 RULE_PACKETS, RULE_BYTES, RULE_PPS, RULE_BPS, RULE_DROPS) = range(1, 12)
IN_DEV, IN_GROUP, IN_PORT, IN_SOURCE = range(1, 5)
IN_GROUP6, IN_SOURCE6 = 13, 14
OUT_GROUP6 = 14
A_FILTER_GROUP6 = 14
LINK_ADDR6 = 8


def ip6(t, s):
    return attr(t, socket.inet_pton(socket.AF_INET6, s))
(OUT_DEV, OUT_GROUP, OUT_PORT, OUT_TTL, OUT_STATE, OUT_REASON, OUT_PACKETS, OUT_BYTES,
 OUT_ERRORS, OUT_EGRESS, OUT_KEEP_SOURCE, OUT_PATH, OUT_FIXED_TTL) = range(1, 14)
(LINK_NAME, LINK_IFINDEX, LINK_STATE, LINK_ADDR, LINK_RULES, LINK_FRAMES, LINK_DROPS) = range(1, 8)
(W_INDEX, W_PID, W_CPU, W_UID, W_RULES, W_PIN, W_POUT, W_DROPS) = range(1, 9)
NDROPS = 14  # MCR_DROP_TRUNCATED .. MCR_DROP_LOOP


def ctl(mtype, attrs=b"", seq=1, flags=0, version=1, reserved=0):
    nlf = 1 if mtype < MSG_RULE else 0  # NLM_F_REQUEST
    return nlmsg(mtype, struct.pack("=BBH", version, flags, reserved) + attrs, flags=nlf, seq=seq)


def rule_in(dev="eth0", group="239.1.1.1", port=5001, source=None):
    a = [attr(IN_DEV, dev), be32(IN_GROUP, group), u16(IN_PORT, port)]
    if source:
        a.append(be32(IN_SOURCE, source))
    return nest(RULE_IN, *a)


def rule_out(dev="eth1", group="239.2.2.2", port=6000, ttl=1, info=False, stats=False,
             fixed=False, egress=None, keep=False):
    a = [attr(OUT_DEV, dev), be32(OUT_GROUP, group), u16(OUT_PORT, port),
         u8(OUT_FIXED_TTL if fixed else OUT_TTL, ttl)]
    if egress is not None:
        a.append(u8(OUT_EGRESS, egress))
    if keep:
        a.append(u8(OUT_KEEP_SOURCE, 1))
    if info:
        a += [u8(OUT_STATE, 0), attr(OUT_REASON, "no such interface"), u8(OUT_PATH, 1)]
    if stats:
        a += [u64(OUT_PACKETS, 5), u64(OUT_BYTES, 500), u64(OUT_ERRORS, 1)]
    return nest(A_OUT, *a)


def drops(t):
    return nest(t, *[u64(d, d * 3) for d in range(1, NDROPS + 1)])


def rule(name="cam1", outs=1, source=None, info=False, stats=False, origin=1, dev="eth0"):
    a = []
    if name:
        a.append(attr(RULE_NAME, name))
    a.append(rule_in(dev=dev, source=source))
    a.append(u8(RULE_ORIGIN, origin))
    if info:
        a += [u8(RULE_STATE, 0), attr(RULE_REASON, "input eth0 is down"), u32(RULE_WORKER, 1)]
    if stats:
        a += [u64(RULE_PACKETS, 10), u64(RULE_BYTES, 1000), u64(RULE_PPS, 1), u64(RULE_BPS, 8000),
              drops(RULE_DROPS)]
    return nest(A_RULE, *a) + b"".join(
        rule_out(dev="eth%d" % (i + 1), port=6000 + i, ttl=1 + i % 255, info=info, stats=stats)
        for i in range(outs))


def big_rule(nout):
    """A rule whose outputs need more than a nest's 16-bit length."""
    return (nest(A_RULE, attr(RULE_NAME, "big"), rule_in(), u8(RULE_ORIGIN, 1)) +
            b"".join(rule_out(dev="v%d" % i, port=1 + i) for i in range(nout)))


def link(name="eth0", addrs=("10.0.0.1",), stats=False):
    a = [attr(LINK_NAME, name), u32(LINK_IFINDEX, 2), attr(LINK_STATE, "up")]
    a += [be32(LINK_ADDR, x) for x in addrs]
    a.append(u32(LINK_RULES, 1))
    if stats:
        a += [u64(LINK_FRAMES, 77), drops(LINK_DROPS)]
    return nest(A_LINK, *a)


def worker():
    return nest(A_WORKER, u32(W_INDEX, 0), u32(W_PID, 1234), u32(W_CPU, 0xffffffff),
                u32(W_UID, 65534), u32(W_RULES, 2), u64(W_PIN, 100), u64(W_POUT, 200),
                u64(W_DROPS, 3))


def done(status=0, msgs=()):
    return u32(A_STATUS, status & 0xffffffff) + b"".join(attr(A_MSG, m) for m in msgs)


def trace_rec(kind=1, out=0, frame_bytes=None, ts=1700000000123456789):
    f = frame_bytes if frame_bytes is not None else frame()
    n = (24 + len(f) + 7) & ~7
    return struct.pack("=IIIHHQ", n, len(f), len(f), kind, out, ts) + f + b"\0" * (n - 24 - len(f))


def ctl_trace_seeds(w):
    w("req-trace-start", ctl(CMD_TRACE_START, nest(A_TRACE, attr(TRACE_NAME, "cam1"), u32(TRACE_COUNT, 5),
                                                   u32(TRACE_FLAGS, 1))))
    w("req-trace-start-missing", ctl(CMD_TRACE_START, nest(A_TRACE, attr(TRACE_NAME, "nope"))))
    w("req-trace-start-bad", ctl(CMD_TRACE_START, nest(A_TRACE, attr(TRACE_NAME, "cam1"),
                                                       u32(TRACE_COUNT, 1 << 30), u32(TRACE_FLAGS, 6))))
    w("req-trace-stream", ctl(CMD_TRACE_START, nest(A_TRACE, attr(TRACE_NAME, "cam1")), seq=1)
      + ctl(CMD_TRACE_READ, nest(A_TRACE, u32(TRACE_ID, 1)), seq=2)
      + ctl(CMD_TRACE_STOP, nest(A_TRACE, u32(TRACE_ID, 1)), seq=3)
      + ctl(CMD_TRACE_READ, nest(A_TRACE, u32(TRACE_ID, 1)), seq=4))
    w("req-rule-get-origin", ctl(CMD_RULE_GET, u8(A_FILTER_ORIGIN, 1)))
    w("reply-trace-records", ctl(MSG_TRACE, nest(A_TRACE, u32(TRACE_ID, 3), u32(TRACE_FRAMES, 2),
                                                 u8(TRACE_ENDED, 1), attr(TRACE_REASON, "count reached"))
                                 + attr(A_TRACE_DATA, trace_rec() + trace_rec(2, 1))))
    w("reply-trace-bad-record", ctl(MSG_TRACE, nest(A_TRACE, u32(TRACE_ID, 3))
                                    + attr(A_TRACE_DATA, trace_rec()[:-8])))


def ctl_seeds():
    w = lambda n, d: write("ctl", n, d)
    add = ctl(CMD_RULE_ADD, rule())
    w("req-rule-add", add)
    w("req-rule-add-ssm-3outs", ctl(CMD_RULE_ADD, rule(name="ssm", outs=3, source="10.0.0.5"), seq=7))
    w("req-rule-add-noname", ctl(CMD_RULE_ADD, rule(name=None, outs=2, dev="eth2")))
    w("req-rule-add-dup-of-seed", ctl(CMD_RULE_ADD, rule(name="cam1")))
    w("req-rule-add-bad-group", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "x"),
        nest(RULE_IN, attr(IN_DEV, "eth0"), be32(IN_GROUP, "10.1.1.1"), u16(IN_PORT, 1)),
        ) + rule_out()))
    w("req-rule-add-no-outs", ctl(CMD_RULE_ADD, rule(outs=0)))
    w("req-rule-del-name", ctl(CMD_RULE_DEL, nest(A_RULE, attr(RULE_NAME, "cam1"))))
    w("req-rule-del-missing", ctl(CMD_RULE_DEL, nest(A_RULE, attr(RULE_NAME, "nope"))))
    w("req-rule-del-input", ctl(CMD_RULE_DEL, nest(A_RULE, rule_in(dev="lan0", group="239.255.255.250", port=1900))))
    w("req-rule-get", ctl(CMD_RULE_GET))
    w("req-rule-get-stats-filters", ctl(CMD_RULE_GET, attr(A_FILTER_NAME, "cam1") + attr(A_FILTER_DEV, "eth1")
                                        + be32(A_FILTER_GROUP, "239.2.2.2"), flags=1))
    w("req-rule-get-bad-filter", ctl(CMD_RULE_GET, u16(A_FILTER_GROUP, 1)))
    w("req-rule-flush", ctl(CMD_RULE_FLUSH))
    # IPv6: groups and a source as 16-byte attributes; one cut short; both families at once.
    w("req-rule-add-ipv6-ssm", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "v6"),
        nest(RULE_IN, attr(IN_DEV, "eth0"), ip6(IN_GROUP6, "ff3e::8000:1"), u16(IN_PORT, 5001),
             ip6(IN_SOURCE6, "2001:db8::5"))) +
        nest(A_OUT, attr(OUT_DEV, "eth1"), ip6(OUT_GROUP6, "ff05::2"), u16(OUT_PORT, 6000)) +
        nest(A_OUT, attr(OUT_DEV, "eth2"), be32(OUT_GROUP, "239.2.2.2"))))
    w("req-rule-add-ipv6-short-group", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "v6"),
        nest(RULE_IN, attr(IN_DEV, "eth0"), attr(IN_GROUP6, b"\xff\x02" + b"\0" * 12),
             u16(IN_PORT, 5001))) + rule_out()))
    w("req-rule-add-both-families", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "v6"),
        nest(RULE_IN, attr(IN_DEV, "eth0"), ip6(IN_GROUP6, "ff02::fb"), be32(IN_GROUP, "239.1.1.1"),
             u16(IN_PORT, 5353))) + rule_out()))
    w("req-rule-get-group6", ctl(CMD_RULE_GET, ip6(A_FILTER_GROUP6, "ff05::2")))
    w("msg-link-ipv6", ctl(MSG_LINK, nest(A_LINK, attr(LINK_NAME, "eth0"), u32(LINK_IFINDEX, 2),
        attr(LINK_STATE, "up"), be32(LINK_ADDR, "10.0.0.1"), ip6(LINK_ADDR6, "fe80::1"),
        u32(LINK_RULES, 1))))
    w("req-link-get-stats", ctl(CMD_LINK_GET, flags=1))
    w("req-worker-get", ctl(CMD_WORKER_GET))
    w("req-reload-twice", ctl(CMD_RELOAD, seq=1) + ctl(CMD_RELOAD, seq=2))
    w("req-monitor-then-add", ctl(CMD_MONITOR) + add + ctl(CMD_RULE_DEL, nest(A_RULE, attr(RULE_NAME, "cam1"))))
    w("req-unknown-type", ctl(0x30))
    w("req-stream-all", b"".join([add, ctl(CMD_RULE_GET, flags=1, seq=2), ctl(CMD_LINK_GET, seq=3),
                                   ctl(CMD_WORKER_GET, seq=4), ctl(CMD_RELOAD, seq=5),
                                   ctl(CMD_RULE_FLUSH, seq=6), ctl(CMD_RULE_GET, seq=7)]))
    w("req-bad-version", ctl(CMD_RULE_GET, version=2))
    w("req-reserved", ctl(CMD_RULE_GET, reserved=1))
    w("req-len-too-short", struct.pack("=IHHII", 16, CMD_RULE_GET, 1, 1, 0))
    w("req-len-huge", struct.pack("=IHHII", 0x7fffffff, CMD_RULE_GET, 1, 1, 0) + b"\1\0\0\0")
    w("req-len-unaligned", ctl(CMD_RULE_GET, attr(A_FILTER_NAME, "ab")[:-1])[:-1])
    w("req-truncated", add[:len(add) // 2])
    w("req-trailing-bytes", add + b"\0\0\0")
    w("req-attr-overruns", add[:-8] + struct.pack("=HH", 200, A_MSG) + b"abcd")
    w("req-name-not-nul", ctl(CMD_RULE_DEL, nest(A_RULE, attr(RULE_NAME, b"abcd"))))
    w("req-name-too-long", ctl(CMD_RULE_DEL, nest(A_RULE, attr(RULE_NAME, "n" * 80))))
    w("req-rule-out-before-rule", ctl(CMD_RULE_ADD, rule_out() + rule(outs=0)))
    w("req-outs-without-rule", ctl(CMD_RULE_ADD, rule_out()))
    w("req-two-rules", ctl(CMD_RULE_ADD, rule() + rule(name="cam2")))
    w("req-rule-add-egress", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "eg"), rule_in())
                                 + rule_out(egress=1, keep=True, fixed=True)
                                 + rule_out(port=6001, egress=2)))
    w("req-rule-add-ttl-both", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "tb"), rule_in())
                                   + nest(A_OUT, attr(OUT_DEV, "eth2"), u8(OUT_TTL, 3),
                                          u8(OUT_FIXED_TTL, 1))))
    w("req-rule-add-bad-egress", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "be"), rule_in())
                                     + rule_out(egress=9)))
    w("req-rule-add-big", ctl(CMD_RULE_ADD, big_rule(2100)))
    # Two outputs to one destination (dev, group, port), only the TTL differing.
    w("req-rule-add-same-outputs", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "same"), rule_in())
                                       + rule_out(ttl=1) + rule_out(ttl=7) + rule_out(dev="eth2")))
    w("req-rule-add-escapes", ctl(CMD_RULE_ADD, nest(A_RULE, attr(RULE_NAME, "a\x1b[2J"),
                                                     rule_in(dev="e\x9b")) + rule_out()))
    w("req-len-too-large-with-body", struct.pack("=IHHII", (4 << 20) + 4, CMD_RULE_GET, 1, 1, 0)
      + b"\1\0\0\0" + b"\0" * 4096)
    # Replies and events, as mcrctl reads them.
    w("reply-rule-info-stats", ctl(MSG_RULE, rule(outs=2, info=True, stats=True, source="10.0.0.5")))
    w("reply-link", ctl(MSG_LINK, link(addrs=("10.0.0.1", "192.0.2.1"), stats=True)))
    w("reply-link-9-addrs", ctl(MSG_LINK, link(addrs=["10.0.0.%d" % i for i in range(1, 10)])))
    w("reply-worker", ctl(MSG_WORKER, worker()))
    w("reply-done-msgs", ctl(MSG_DONE, done(-22, ["/etc/mcrd/mcrd.conf:3: rule \"a\": in.port is missing",
                                                   "second"])))
    w("reply-done-ok", ctl(MSG_DONE, done(0)))
    w("event-rule-added", ctl(MSG_EVENT, u32(A_EVENT, 1) + rule(info=True)))
    w("event-rule-pending", ctl(MSG_EVENT, u32(A_EVENT, 4) + rule(info=True)))
    w("event-link", ctl(MSG_EVENT, u32(A_EVENT, 5) + link()))
    w("event-reload-failed", ctl(MSG_EVENT, u32(A_EVENT, 6) + done(-22, ["bad line"])))
    w("event-unknown", ctl(MSG_EVENT, u32(A_EVENT, 99)))
    w("reply-stream", ctl(MSG_RULE, rule(info=True)) + ctl(MSG_LINK, link()) + ctl(MSG_WORKER, worker())
      + ctl(MSG_DONE, done(0)))
    ctl_trace_seeds(w)


# ---------------------------------------------------------------- rtnetlink

RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, RTM_DELADDR = 16, 17, 20, 21
NLMSG_DONE = 3
IFF_UP, IFF_BROADCAST, IFF_LOOPBACK, IFF_RUNNING, IFF_MULTICAST, IFF_LOWER_UP = 1, 2, 8, 0x40, 0x1000, 0x10000
IFLA_ADDRESS, IFLA_BROADCAST, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_QDISC, IFLA_STATS = 1, 2, 3, 4, 5, 6, 7
IFLA_TXQLEN, IFLA_OPERSTATE, IFLA_LINKMODE, IFLA_STATS64, IFLA_AF_SPEC, IFLA_GROUP = 13, 16, 17, 23, 26, 27
IFLA_LINKINFO, IFLA_MIN_MTU, IFLA_MAX_MTU, IFLA_ALT_IFNAME, IFLA_PROP_LIST = 18, 50, 51, 53, 52
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL, IFA_BROADCAST, IFA_CACHEINFO, IFA_FLAGS = 1, 2, 3, 4, 6, 8


def newlink(index, name, flags=IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST | IFF_LOWER_UP,
            mtu=1500, mtype=RTM_NEWLINK, kind=None, full=True, seq=0):
    body = struct.pack("=BxHiII", 0, 1, index, flags, 0xffffffff if mtype == RTM_NEWLINK else 0)
    a = [attr(IFLA_IFNAME, name)]
    if full:
        a += [u32(IFLA_TXQLEN, 1000), u8(IFLA_OPERSTATE, 6 if flags & IFF_LOWER_UP else 2),
              u8(IFLA_LINKMODE, 0), u32(IFLA_MTU, mtu), u32(IFLA_MIN_MTU, 68), u32(IFLA_MAX_MTU, 65535),
              u32(IFLA_GROUP, 0), attr(IFLA_QDISC, "noqueue"),
              attr(IFLA_ADDRESS, bytes([2, 0, 0, 0, 0, index & 0xff])),
              attr(IFLA_BROADCAST, b"\xff" * 6),
              attr(IFLA_STATS64, struct.pack("=24Q", *range(24))),
              attr(IFLA_STATS, struct.pack("=24I", *range(24)))]
        if kind:
            a.append(nest(IFLA_LINKINFO, attr(1, kind)))
        a.append(nest(IFLA_AF_SPEC, nest(socket.AF_INET, attr(1, bytes(4 * 8))),
                      nest(socket.AF_INET6, u32(1, 0x80000000))))
        a.append(nest(IFLA_PROP_LIST, attr(IFLA_ALT_IFNAME, name + "-alt")))
    return nlmsg(mtype, body + b"".join(a), flags=2 if seq else 0, seq=seq)


def newaddr(index, addr, prefix=24, label=None, local=None, mtype=RTM_NEWADDR, family=socket.AF_INET,
            seq=0, flags=0x80, flags_attr=None):
    body = struct.pack("=BBBBI", family, prefix, flags & 0xff, 0, index)
    if family == socket.AF_INET6:
        a = [attr(IFA_ADDRESS, socket.inet_pton(socket.AF_INET6, addr))]
    else:
        a = [be32(IFA_ADDRESS, addr), be32(IFA_LOCAL, local or addr)]
        if label:
            a.append(attr(IFA_LABEL, label))
        a.append(be32(IFA_BROADCAST, "10.255.255.255"))
    a += [attr(IFA_CACHEINFO, struct.pack("=IIII", 0xffffffff, 0xffffffff, 100, 100)),
          flags_attr if flags_attr is not None else u32(IFA_FLAGS, flags)]
    return nlmsg(mtype, body + b"".join(a), flags=2 if seq else 0, seq=seq)


def netlink_seeds():
    w = lambda n, d: write("netlink", n, d)
    lo = newlink(1, "lo", flags=IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP, mtu=65536, seq=5)
    eth0 = newlink(2, "eth0", seq=5)
    veth = newlink(7, "veth0", kind="veth", flags=IFF_BROADCAST | IFF_MULTICAST, mtu=9000, seq=5)
    w("newlink-eth0", newlink(2, "eth0"))
    w("newlink-veth-down", newlink(7, "veth0", kind="veth", flags=IFF_BROADCAST | IFF_MULTICAST))
    w("newlink-minimal", newlink(3, "br0", full=False))
    w("newlink-no-name", nlmsg(RTM_NEWLINK, struct.pack("=BxHiII", 0, 1, 4, 1, 0) + u32(IFLA_MTU, 1400)))
    w("newlink-name-16", newlink(5, "x" * 15))
    w("newlink-name-unterminated", nlmsg(RTM_NEWLINK, struct.pack("=BxHiII", 0, 1, 4, 1, 0) + attr(IFLA_IFNAME, b"eth9")))
    w("newlink-index-0", newlink(0, "bad"))
    w("newlink-rename", newlink(2, "eth0") + newlink(2, "wan0"))
    w("dellink", newlink(2, "eth0") + newlink(2, "eth0", mtype=RTM_DELLINK, full=False))
    w("newaddr-eth0", newlink(2, "eth0") + newaddr(2, "10.0.0.1", label="eth0"))
    w("newaddr-ptp-local", newlink(9, "tun0", full=False) + newaddr(9, "10.9.0.2", prefix=32, local="10.9.0.1"))
    w("newaddr-ipv6", newaddr(2, "fe80::1", prefix=64, family=socket.AF_INET6))
    # DAD: tentative (0x40), then done; failed (0x08); optimistic (0x04); a short IFA_FLAGS.
    w("newaddr-ipv6-tentative", newlink(2, "eth0") + newaddr(2, "fe80::1", prefix=64, family=socket.AF_INET6,
                                                             flags=0xc0)
      + newaddr(2, "fe80::1", prefix=64, family=socket.AF_INET6))
    w("newaddr-ipv6-dadfailed", newlink(2, "eth0") + newaddr(2, "2001:db8::1", prefix=64, family=socket.AF_INET6)
      + newaddr(2, "2001:db8::1", prefix=64, family=socket.AF_INET6, flags=0xc8))
    w("newaddr-ipv6-optimistic", newlink(2, "eth0") + newaddr(2, "2001:db8::2", prefix=64,
                                                              family=socket.AF_INET6, flags=0x44))
    w("newaddr-ipv6-flags-short", newlink(2, "eth0") + newaddr(2, "2001:db8::3", prefix=64,
                                                               family=socket.AF_INET6, flags_attr=u8(IFA_FLAGS, 0)))
    w("newaddr-9-addrs", newlink(2, "eth0") + b"".join(newaddr(2, "10.0.0.%d" % i) for i in range(1, 10)))
    w("deladdr", newlink(2, "eth0") + newaddr(2, "10.0.0.1") + newaddr(2, "10.0.0.1", mtype=RTM_DELADDR))
    w("newaddr-unknown-link", newaddr(42, "192.0.2.1"))
    w("newaddr-short-address", nlmsg(RTM_NEWADDR, struct.pack("=BBBBI", 2, 24, 0, 0, 2) + attr(IFA_ADDRESS, b"\1\2")))
    w("dump-links", lo + eth0 + veth + nlmsg(NLMSG_DONE, struct.pack("=i", 0), flags=2, seq=5))
    w("dump-addrs", newaddr(1, "127.0.0.1", prefix=8, label="lo", seq=6) + newaddr(2, "10.0.0.1", label="eth0", seq=6)
      + nlmsg(NLMSG_DONE, struct.pack("=i", 0), flags=2, seq=6))
    w("truncated-header", eth0[:15])
    w("truncated-body", eth0[:20])
    w("trailing-garbage", eth0 + b"\1\2\3")
    w("len-unaligned", eth0[:-1])
    w("attr-overrun", nlmsg(RTM_NEWLINK, struct.pack("=BxHiII", 0, 1, 2, 1, 0) + struct.pack("=HH", 40, IFLA_IFNAME) + b"eth0\0\0\0\0"))


# ---------------------------------------------------------------- config files

CONFIGS = {
    "redundancy": """rules = (
  { name = "tv"; in = ( { dev = "red"; group = "239.1.1.1"; port = 5000; },
                        { dev = "blue"; group = "239.3.1.1"; port = 5000; source = "10.0.0.1"; } );
    redundancy = "merge"; merge_window_ms = 150; out = { dev = "eth1"; }; },
  { name = "fo"; in = ( { dev = "a"; group = "239.1.1.2"; port = 1; }, { dev = "b"; group = "239.1.1.2"; port = 1; },
                        { dev = "c"; group = "239.1.1.2"; port = 1; } );
    redundancy = "failover"; failover_ms = 100; revert_ms = 0; out = ( { dev = "eth1"; } ); }
);
""",
    "redundancy-bad": """rules = (
  { name = "x"; in = ( { dev = "a"; group = "239.1.1.1"; port = 1; }, { dev = "a"; group = "239.1.1.1"; port = 1; },
                       { dev = "b"; group = "1.1.1.1"; port = 70000; }, {}, { dev = "e"; group = "239.1.1.1"; port = 2; } );
    redundancy = "merge"; merge_window_ms = 0; failover_ms = 5; out = { dev = "eth1"; }; },
  { name = "y"; in = ( ); redundancy = 3; out = { dev = "eth1"; }; },
  { name = "z"; in = { dev = "a"; group = "239.1.1.9"; port = 9; }; redundancy = "failover"; out = { dev = "c"; }; }
);
""",
    "egress-ttl": """loop_guard_ms = 250;
rules = ( { name = "e"; in = { dev = "eth0"; group = "239.1.1.1"; port = 5001; };
            out = ( { dev = "eth1"; egress = "packet"; source = "keep"; fixed_ttl = 1; },
                    { dev = "eth2"; egress = "socket"; ttl = 9; },
                    { dev = "eth3"; ttl = 2; fixed_ttl = 3; egress = "l2"; source = "x"; } ); } );
""",
    "gso-values": """gso = "on";
rules = ( { name = "g"; in = { dev = "eth0"; group = "239.1.1.1"; port = 5001; };
            out = ( { dev = "eth1"; } ); } );
gso = "auto";
""",
    "full": """workers = 2;
user = "mcrd";
gso = "off";
rules = (
  { name = "cam1";
    in  = { dev = "eth0"; group = "239.1.1.1"; port = 5001; source = "10.0.0.5"; };
    out = ( { dev = "eth1"; group = "239.2.2.2"; port = 6000; ttl = 4; },
            { dev = "eth2"; } );
  },
  { name = "ssdp";
    in  = { dev = "lan0"; group = "239.255.255.250"; port = 1900; };
    out = ( { dev = "lan1"; } );
  },
  { in = { dev = "eth0"; group = "239.3.3.3"; port = 7000; };
    out = { dev = "eth3"; group = "10.0.0.9"; ttl = 255; };
  }
);
""",
    "auto-workers-include": """workers = "auto";
@include "conf.d/*.conf"
rules = ( { name = "a"; in = { dev = "eth0"; group = "239.1.1.1"; port = 1; }; out = ( { dev = "eth1"; } ); } );
""",
    "include-missing": 'include "conf.d/none.conf"\nrules = ();\n',
    "include-loop": '@include "conf.d/30-loop.conf"\n',
    "include-many": "".join('@include "conf.d/10-cam.conf"\n' for _ in range(17)) + "rules = ();\n",
    "include-main": '@include "main.conf"\n@include "conf.d/[0-9]*"\n',
    "empty": "",
    "comments-only": "# nothing\n// here\n/* or here */\n",
    "rules-empty": "rules = ();\n",
    "dup-name": """rules = (
  { name = "a"; in = { dev = "eth0"; group = "239.1.1.1"; port = 1; }; out = { dev = "eth1"; }; },
  { name = "a"; in = { dev = "eth0"; group = "239.1.1.1"; port = 1; }; out = { dev = "eth2"; }; }
);
""",
    "bad-values": """workers = 65;
user = "";
bogus = 1;
rules = (
  { name = "has space"; in = { dev = "eth0/x"; group = "1.2.3.4"; port = 0; source = "239.1.1.1"; extra = 1; };
    out = ( { dev = "eth0"; group = "127.0.0.1"; port = 70000; ttl = 0; }, 5, "x" ); },
  { name = 5; in = ( 1 ); out = 3; },
  42,
  { }
);
""",
    "types": 'workers = 2L;\nuser = "a123456789012345678901234567890123";\nrules = { };\n',
    "int64-port": 'rules = ( { name = "p"; in = { dev = "e"; group = "239.0.0.1"; port = 5001L; }; '
                  'out = { dev = "f"; port = 0x10; ttl = 1.5; }; } );\n',
    "syntax-error": 'rules = ( { name = "a" in = { } } \n',
    "unterminated-string": 'user = "abc\n',
    "escapes": 'user = "m\\x63rd";\nrules = ( { name = "q\\"x"; in = { dev = "eth\\n0"; group = "239.1.1.1"; port = 1; }; out = { dev = "eth1"; }; } );\n',
    "arrays-settings": 'rules = ( { name = "a"; in = { dev = "eth0"; group = [ "239.1.1.1" ]; port = 1; }; out = [ 1, 2 ]; } );\n',
    # Integers libconfig 1.5 would wrap to 32 bits: 2^32 + 5001 reads as 5001.
    "int-wrap": 'workers = 4294967298;\nrules = ( { name = "w"; in = { dev = "e"; group = "239.0.0.1"; '
                'port = 4294972297; }; out = ( { dev = "f"; ttl = 4294967297; }, { dev = "g"; port = 0x100001389; }, '
                '{ dev = "h"; port = -4294962295; ttl = 99999999999999999999; } ); } );\n',
    "int-wrap-in-strings": 'rules = ( { name = "n4294967297"; # 4294967297\n in = { dev = "e"; group = "239.0.0.1"; '
                           'port = 5001; /* 0x100001389 */ }; out = { dev = "f"; port = 6000L; }; } ); // 4294972297\n',
    "same-outputs": 'rules = ( { name = "s"; in = { dev = "e"; group = "239.0.0.1"; port = 1; };\n'
                    '  out = ( { dev = "f"; }, { dev = "f"; ttl = 9; }, { dev = "f"; group = "239.0.0.1"; port = 1; },\n'
                    '          { dev = "g"; port = 1; } ); } );\n',
    "bad-input-bad-outputs": 'rules = ( { name = "b"; in = { dev = "e"; group = "10.0.0.1"; port = 0; };\n'
                             '  out = ( { dev = "f"; group = "127.0.0.1"; port = 2; }, { dev = "g"; group = "239.9.9.9"; port = 3; },\n'
                             '          { dev = "g"; group = "239.9.9.9"; port = 3; ttl = 2; }, { dev = "h"; } ); } );\n',
    "escape-bytes": 'rules = ( { name = "a\x1b[31m"; in = { dev = "e\x1b]0;t\x07"; group = "\x9b"; port = 1; }; '
                    'out = { dev = "f"; }; } );\nk\x1b = 1;\n',
    "include-multiline": '@include "conf.d/10-cam\n.conf"\nrules = ();\n',
    "include-unterminated": '@include "conf.d/10-cam.conf\n',
    "long-name": 'rules = ( { name = "' + "n" * 2000 + '"; in = { dev = "' + "d" * 300 +
                 '"; group = "239.0.0.1"; port = 1; }; out = { dev = "f"; }; } );\n' + "k" * 1000 + ' = 1;\n',
}


def config_seeds():
    for name, text in CONFIGS.items():
        write("config", name, text)
    with open(os.path.join(TOP, "etc", "mcrd.conf"), "rb") as f:
        write("config", "etc-mcrd.conf", f.read())
    many = "rules = (\n" + ",\n".join(
        '  { in = { dev = "eth0"; group = "239.1.%d.%d"; port = %d; }; out = ( { dev = "eth1"; }, { dev = "eth2"; ttl = 2; } ); }'
        % (i // 250, i % 250 + 1, 5000 + i) for i in range(60)) + "\n);\n"
    write("config", "many-rules", many)


# ---------------------------------------------------------------- mcrctl command lines

MCRCTL = {
    "rule-add-merge": "rule add name tv in dev a group 239.1.1.1 port 5000 in dev b group 239.3.1.1 port 5000 source 10.0.0.1 redundancy merge merge-window-ms 40 out dev c",
    "rule-add-failover-bad": "rule add in dev a group 239.1.1.1 port 1 redundancy failover failover-ms 0 revert-ms 99999999 in dev a group 239.1.1.1 port 1 out dev c",
    "rule-add": "rule add name cam1 in dev eth0 group 239.1.1.1 port 5001 out dev eth1 group 239.2.2.2 port 6000 ttl 4",
    "rule-add-ssm-2outs": "rule add in dev eth0 group 239.1.1.1 port 5001 source 10.0.0.5 out dev eth1 out dev eth2 ttl 255",
    "add-shortcut-prefixes": "a n x i d eth0 g 239.1.1.1 p 1 o d eth1",
    "rule-add-missing-value": "rule add in dev eth0 group",
    "rule-add-out-before-in": "rule add out dev eth1 in dev eth0 group 239.1.1.1 port 1",
    "rule-add-incomplete-in": "rule add in dev eth0 out dev eth1",
    "rule-add-bad-values": "rule add name a\"b in dev eth0/1 group 300.1.1.1 port 0 out dev eth1 ttl 0",
    "rule-add-dup": "rule add in dev eth0 dev eth1 group 239.1.1.1 port 1 out dev e ttl 1 ttl 2",
    "rule-add-source-in-out": "rule add in dev eth0 group 239.1.1.1 port 1 out dev eth1 source 1.2.3.4",
    "rule-add-egress": "rule add in dev eth0 group 239.1.1.1 port 1 out dev eth1 egress packet source keep fixed-ttl 1 out dev eth2 egress socket ttl 9",
    "rule-add-ttl-both": "rule add in dev eth0 group 239.1.1.1 port 1 out dev eth1 ttl 2 fixed-ttl 1",
    "rule-del-name": "rule del name cam1",
    "rule-del-input": "rule delete in dev eth0 group 239.1.1.1 port 5001 source 10.0.0.5",
    "del-name-and-in": "del name x in dev eth0 group 239.1.1.1 port 1",
    "rule-del-out": "rule del name x out dev eth1",
    "rule-show-filters": "-s -j -p rule show name cam1 dev eth1 group 239.2.2.2",
    "show-json": "-j show",
    "rule-list": "--stats rule list dev eth0",
    "rule-flush": "rule flush",
    "rule-flush-extra": "rule flush now",
    "rule-help": "rule help",
    "rule": "rule",
    "rule-unknown": "rule frob",
    "link-show": "-s link show dev eth0",
    "link-json": "-j -p link",
    "worker-show": "-j worker show",
    "worker-extra": "worker show all",
    "monitor": "monitor",
    "monitor-help": "monitor help",
    "reload": "reload",
    "reload-extra": "reload now",
    "help": "help",
    "help-rule": "help rule",
    "version": "-Version",
    "option-help": "-h",
    "socket": "-S /tmp/none.sock rule show",
    "socket-missing": "-S",
    "unknown-option": "-x rule",
    "unknown-object": "frobnicate",
    "batch": "-force -batch x\0rule add in dev eth0 group 239.1.1.1 port 1 out dev eth1\0"
             "  # a comment\0rule del \"name\" \"a b\"\0link show \"unterminated\0worker show",
    "batch-with-command": "-b x rule show",
    "batch-stdin": "-b -",
    "batch-stop": "-b x\0frob\0rule show",
    "rule-add-same-outputs": "rule add in dev eth0 group 239.1.1.1 port 1 out dev eth1 ttl 2 out dev eth1 ttl 3 "
                             "out dev eth1 group 239.1.1.1 port 1",
    "rule-add-all-bad-values": "rule add name a\"b in dev eth0/1 group 300.1.1.1 port 70000 source x "
                               "out dev e/f group 1.2 port 0 ttl 256 out dev eth1 ttl 0",
    "rule-add-escapes": "rule add name a\x1b[31m in dev e\x9b group 239.1.1.1 port 1 out dev eth1 \x1b]0;t\x07",
}


MCRCTL_OBSERVE = {
    "rule-show-conf-runtime": "-c rule show origin runtime",
    "rule-show-conf-json": "-c -j rule show",
    "link-show-conf": "-c link show",
    "rule-trace": "rule trace name cam1 count 5 bytes 4096 out",
    "rule-trace-file": "rule trace name cam1 file -",
    "rule-trace-bad": "rule trace count 0 name a\"b size 3",
}

# Requests a Prometheus server, curl and worse clients send to /metrics.
HTTP = {
    "get-metrics": "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9810\r\nUser-Agent: Prometheus/2.42.0\r\n"
                   "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n"
                   "Accept-Encoding: gzip\r\nX-Prometheus-Scrape-Timeout-Seconds: 10\r\n\r\n",
    "get-http10": "GET /metrics HTTP/1.0\r\n\r\n",
    "head": "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
    "get-root-query": "GET /?a=b&c HTTP/1.1\r\nHost: x\r\n\r\n",
    "post-body": "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    "chunked": "POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "pipelined": "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n",
    "cut-short": "GET /metr",
    "no-version": "GET /metrics\r\n\r\n",
    "bad-header": "GET /metrics HTTP/1.1\r\nno colon\r\n\r\n",
    "folded-header": "GET /metrics HTTP/1.1\r\nHost: x\r\nX: a\r\n  b\r\n\r\n",
    "percent-escapes": "GET /%6detrics%00%zz HTTP/1.1\r\nHost: x\r\n\r\n",
    "big-header": "GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + "a" * 20000 + "\r\n\r\n",
    "lf-only": "GET /metrics HTTP/1.1\nHost: x\n\n",
}


def http_seeds():
    for name, req in HTTP.items():
        write("http", name, req)


def mcrctl_seeds():
    for name, line in MCRCTL_OBSERVE.items():
        write("mcrctl", name, "\0".join(line.split(" ")))
    for name, line in MCRCTL.items():
        if "\0" in line:
            head, rest = line.split("\0", 1)
            data = "\0".join(head.split(" ")) + "\0" + rest
        else:
            data = "\0".join(line.split(" "))
        write("mcrctl", name, data)
    many = " ".join(["rule add in dev eth0 group 239.1.1.1 port 1"] + ["out dev v%d ttl %d" % (i, 1 + i % 255) for i in range(40)])
    write("mcrctl", "rule-add-40-outs", "\0".join(many.split(" ")))


def rtp(seq, ssrc=0x1234, payload=b"\x47" * 16, first=0x80, pt=33):
    return struct.pack("!BBHII", first, pt, seq & 0xFFFF, seq * 90 & 0xFFFFFFFF, ssrc) + payload


def redund_record(inp, quarter_ms, payload):
    return bytes([inp, quarter_ms, len(payload)]) + payload


def redund_seeds():
    """fuzz_redund: [mode/inputs][window or failover ms][revert/10], then [in][dt][len][payload]."""
    # merge, two inputs, disjoint gaps, then the sequence wrapping
    recs = b""
    for s in list(range(0, 40)) + list(range(65520, 65536)) + list(range(0, 8)):
        if s % 10 not in (0, 1):
            recs += redund_record(0, 1, rtp(s))
        if s % 10 not in (5, 6):
            recs += redund_record(1, 0, rtp(s))
    write("redund", "merge-gaps-wrap", bytes([0, 10, 0]) + recs)
    # merge: a restarted sender (new SSRC), a big jump, reordering, RTCP, not RTP, padding
    recs = b"".join(redund_record(0, 4, rtp(s)) for s in range(100, 110))
    recs += b"".join(redund_record(0, 4, rtp(s, ssrc=0x9999)) for s in range(7000, 7005))
    recs += b"".join(redund_record(1, 4, rtp(s, ssrc=0x9999)) for s in (7009, 7007, 7008, 7006))
    recs += redund_record(0, 4, rtp(7010, first=0x80, pt=200))
    recs += redund_record(1, 4, b"not rtp at all")
    recs += redund_record(0, 4, rtp(7011, first=0xA0, payload=b"\x47" * 15 + b"\x04"))
    recs += redund_record(0, 4, rtp(7012, first=0x92, payload=b"\0" * 8 + b"\xbe\xde\x00\x01abcd"))
    recs += redund_record(2, 250, rtp(20000, ssrc=1))
    write("redund", "merge-restart-reorder", bytes([2 << 1, 5, 0]) + recs)
    # failover, three inputs: the first goes silent, comes back, is taken back
    recs = b""
    for t in range(30):
        if not 10 <= t < 20:
            recs += redund_record(0, 40, b"primary %d" % t)
        recs += redund_record(1, 0, b"standby %d" % t)
        recs += redund_record(2, 0, b"third %d" % t)
    write("redund", "failover-switch-revert", bytes([1 | 1 << 1, 100, 50]) + recs)
    write("redund", "failover-never-back", bytes([1, 20, 0]) + recs)


# ---------------------------------------------------------------- mld

def mld_pkt(msg, src="fe80::5", dst="ff3e::1", hops=1, ra=True, hbh=True, bad_csum=False):
    """IPv6, a hop-by-hop header with Router Alert (MLD), the MLD message with its checksum."""
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    msg = msg[:2] + b"\0\0" + msg[4:]
    c = csum(s + d + struct.pack("!IxxxB", len(msg), 58) + msg) ^ (1 if bad_csum else 0)
    msg = msg[:2] + struct.pack("!H", c) + msg[4:]
    ext = b""
    if hbh:
        ext = bytes([58, 0]) + (bytes([5, 2, 0, 0]) if ra else bytes([1, 2, 0, 0])) + bytes([1, 0])
    hdr = struct.pack("!IHBB", 6 << 28, len(ext) + len(msg), 0 if hbh else 58, hops) + s + d
    return hdr + ext + msg


def mld_seeds():
    w = lambda n, d: write("mld", n, d)
    a6 = lambda x: socket.inet_pton(socket.AF_INET6, x)
    v1 = lambda t, g, delay=0: bytes([t, 0, 0, 0]) + struct.pack("!H", delay) + b"\0\0" + a6(g)
    w("v1-report", mld_pkt(v1(131, "ff3e::1")))
    w("v1-done", mld_pkt(v1(132, "ff3e::1"), dst="ff02::2"))
    w("v1-query", mld_pkt(v1(130, "::", 10000), dst="ff02::1"))
    q2 = v1(130, "ff3e::1", 1000) + bytes([0x0a, 125]) + struct.pack("!H", 1) + a6("2001:db8::9")
    w("v2-query", mld_pkt(q2))
    recs = bytes([3, 0, 0, 0]) + a6("ff3e::1")
    recs += bytes([5, 0, 0, 2]) + a6("ff3e::2") + a6("2001:db8::1") + a6("2001:db8::2")
    recs += bytes([1, 1, 0, 0]) + a6("ff3e::3") + b"aux!"
    w("v2-report", mld_pkt(bytes([143, 0, 0, 0, 0, 0, 0, 3]) + recs, dst="ff02::16"))
    w("v2-report-from-any", mld_pkt(bytes([143, 0, 0, 0, 0, 0, 0, 1]) + recs[:20], src="::",
                                    dst="ff02::16"))
    w("bad-checksum", mld_pkt(v1(131, "ff3e::1"), bad_csum=True))
    w("hops-64", mld_pkt(v1(131, "ff3e::1"), hops=64))
    w("no-ra", mld_pkt(v1(131, "ff3e::1"), ra=False))
    w("no-hbh", mld_pkt(v1(131, "ff3e::1"), hbh=False))
    w("global-source", mld_pkt(v1(131, "ff3e::1"), src="2001:db8::5"))
    w("short", mld_pkt(v1(131, "ff3e::1"))[:60])


if __name__ == "__main__":
    mld_seeds()
    redund_seeds()
    packet_seeds()
    ctl_seeds()
    netlink_seeds()
    config_seeds()
    mcrctl_seeds()
    http_seeds()
    for h in sorted(os.listdir(OUT)):
        print("%-8s %3d seeds" % (h, len(os.listdir(os.path.join(OUT, h)))))
