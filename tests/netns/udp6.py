#!/usr/bin/env python3
"""IPv6 multicast for the netns tests: send, receive, and inject malformed frames.

    udp6.py send DEV GROUP PORT COUNT [HOPS [SRC]]
        COUNT datagrams "<seq>" (8 bytes, then 100 bytes of filler) out of DEV
        with hop limit HOPS (default 8), from SRC when given.  An IPv4 GROUP
        sends IPv4 (HOPS as the TTL): the input of a 4 -> 6 rule.
    udp6.py recv DEV PORT IDLE_S READY_FILE GROUP[/SOURCE]...
        (IPv4 groups too, on their own socket: the output of a 6 -> 4 rule.)
        Joins each group on DEV (source-specific with /SOURCE), counts what
        arrives on PORT until IDLE_S seconds pass without a datagram, and
        prints JSON: per group received, unique sequence numbers, the
        smallest and largest hop limit, datagrams whose payload differs
        from what send writes, and the source addresses seen.
    udp6.py inject DEV GROUP PORT KIND COUNT
        Hand-made frames through an AF_PACKET socket (dst MAC 33:33:...):
        valid | ext_chain (hop-by-hop, routing, dest-opts, then UDP)
        | ext_cut (a dest-opts header longer than the payload)
        | hbh_late (hop-by-hop after dest-opts) | frag (a real fragment)
        | jumbo (payload length 0) | bad_plen (payload length past the frame)
        | zero_csum (UDP checksum 0) | truncated (cut inside the IPv6 header)
Used by the netns tests only, inside their own namespaces.
"""
import json
import select
import socket
import struct
import sys
import time

from pktutil import csum

FILL = b"m" * 100
IP_PKTINFO, IP_RECVTTL = 8, 12  # linux/in.h; not in every Python's socket module


def payload(seq):
    return struct.pack("!Q", seq) + FILL


def send4(dev, group, port, count, ttl):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack("=4s4si", b"\0" * 4, b"\0" * 4, socket.if_nametoindex(dev)))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, ttl)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    for seq in range(count):
        s.sendto(payload(seq), (group, port))
        if seq % 50 == 49:
            time.sleep(0.002)


def send(dev, group, port, count, hops=8, src=None):
    if ":" not in group:
        return send4(dev, group, port, count, hops)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    idx = socket.if_nametoindex(dev)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
    if src:
        s.bind((src, 0, 0, idx))
    for seq in range(count):
        s.sendto(payload(seq), (group, port, 0, idx))
        if seq % 50 == 49:
            time.sleep(0.002)


def join(s, idx, group, source):
    MCAST_JOIN_GROUP, MCAST_JOIN_SOURCE_GROUP = 42, 46

    def sa6(a):
        return struct.pack("=HHI16sI", socket.AF_INET6, 0, 0, socket.inet_pton(socket.AF_INET6, a),
                           0).ljust(128, b"\0")
    # struct group_req / group_source_req: u32 interface, padding to 8, then sockaddr_storage
    if source:
        req = struct.pack("=I4x", idx) + sa6(group) + sa6(source)
        s.setsockopt(socket.IPPROTO_IPV6, MCAST_JOIN_SOURCE_GROUP, req)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, MCAST_JOIN_GROUP, struct.pack("=I4x", idx) + sa6(group))


def sock4(idx, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    s.bind(("0.0.0.0", port))
    return s


def ancillary(anc):
    """(hop limit or TTL, destination address) of a received datagram."""
    hlim, dst = -1, None
    for level, typ, val in anc:
        if (level, typ) in ((socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT),
                            (socket.IPPROTO_IP, socket.IP_TTL)):
            hlim = struct.unpack("=i", val[:4])[0]
        if level == socket.IPPROTO_IPV6 and typ == socket.IPV6_PKTINFO:
            dst = socket.inet_ntop(socket.AF_INET6, val[:16])
        if level == socket.IPPROTO_IP and typ == IP_PKTINFO:
            dst = socket.inet_ntop(socket.AF_INET, val[8:12])  # ipi_addr
    return hlim, dst


def recv(dev, port, idle, ready, specs):
    idx = socket.if_nametoindex(dev)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    s.bind(("::", port))
    socks, res = [s], {}
    for spec in specs:
        group, _, source = spec.partition("/")
        if ":" not in group:
            if len(socks) == 1:
                socks.append(sock4(idx, port))
            socks[1].setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                                struct.pack("=4s4si", socket.inet_aton(group), b"\0" * 4, idx))
            g = group
        else:
            join(s, idx, group, source or None)
            g = socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, group))
        res[g] = {"received": 0, "seqs": set(), "hlim_min": 256, "hlim_max": -1, "corrupted": 0,
                  "sources": set()}
    open(ready, "w").close()
    last = time.time()
    while time.time() - last < idle:
        r, _, _ = select.select(socks, [], [], 0.1)
        if not r:
            continue
        data, anc, _, frm = r[0].recvmsg(2048, 256)
        last = time.time()
        hlim, dst = ancillary(anc)
        e = res.get(dst)
        if e is None:
            continue
        e["received"] += 1
        e["sources"].add(frm[0])
        e["hlim_min"] = min(e["hlim_min"], hlim)
        e["hlim_max"] = max(e["hlim_max"], hlim)
        if len(data) != 108 or data[8:] != FILL:
            e["corrupted"] += 1
        else:
            e["seqs"].add(struct.unpack("!Q", data[:8])[0])
    for e in res.values():
        e["unique"] = len(e.pop("seqs"))
        e["sources"] = sorted(e["sources"])
    print(json.dumps(res))


def frame6(src, group, port, kind, seq):
    g = socket.inet_pton(socket.AF_INET6, group)
    sa = socket.inet_pton(socket.AF_INET6, src)
    eth = b"\x33\x33" + g[12:] + bytes([0x02, 0, 0, 0, 0, 0x01]) + b"\x86\xdd"
    data = payload(seq)
    udp = struct.pack("!HHHH", 40000, port, 8 + len(data), 0) + data
    c = csum(sa + g + struct.pack("!IxxxB", len(udp), 17) + udp) or 0xFFFF
    if kind != "zero_csum":
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    first, chain = 17, b""
    if kind == "ext_chain":
        first = 0
        chain = (bytes([43, 0, 1, 4, 0, 0, 0, 0]) + bytes([60, 0, 0, 0, 0, 0, 0, 0])
                 + bytes([17, 0, 1, 4, 0, 0, 0, 0]))
    elif kind == "ext_cut":
        first, chain = 60, bytes([17, 200, 1, 4, 0, 0, 0, 0])
    elif kind == "hbh_late":
        first, chain = 60, bytes([0, 0, 1, 4, 0, 0, 0, 0]) + bytes([17, 0, 1, 4, 0, 0, 0, 0])
    elif kind == "frag":
        first, chain = 44, struct.pack("!BBHI", 17, 0, 0x0001, seq)  # offset 0, more follow
    body = chain + udp
    plen = len(body)
    if kind == "jumbo":
        plen = 0
    elif kind == "bad_plen":
        plen += 64
    ip = struct.pack("!IHBB", 6 << 28, plen, first, 8) + sa + g
    f = eth + ip + body
    if kind == "truncated":
        f = f[:14 + 30]
    return f


def inject(dev, group, port, kind, count):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    src = "fe80::1"
    for seq in range(count):
        s.send(frame6(src, group, port, kind, seq))
        if seq % 50 == 49:
            time.sleep(0.002)


def main(a):
    if a[0] == "send":
        send(a[1], a[2], int(a[3]), int(a[4]), int(a[5]) if len(a) > 5 else 8,
             a[6] if len(a) > 6 else None)
    elif a[0] == "recv":
        recv(a[1], int(a[2]), float(a[3]), a[4], a[5:])
    elif a[0] == "inject":
        inject(a[1], a[2], int(a[3]), a[4], int(a[5]))
    else:
        sys.exit("usage: see the docstring")


if __name__ == "__main__":
    main(sys.argv[1:])
