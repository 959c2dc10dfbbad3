#!/usr/bin/env python3
"""IGMP from a host's side, for 27-demand.t.

  igmphost.py member DEV GROUP PORT READYFILE
      joins GROUP on DEV with an ordinary UDP socket (the kernel reports, in
      the version net.ipv4.conf.DEV.force_igmp_version says), counts the
      datagrams until SIGTERM, then leaves (closing the socket) and prints
      "received N".
  igmphost.py query DEV SRC COUNT INTERVAL [QQI]
      sends COUNT IGMPv2 general queries from SRC (raw, IP_HDRINCL), one per
      INTERVAL seconds: another querier on the link.  With QQI: IGMPv3 ones
      saying QRV 2 and QQI seconds, which a router that is not querier adopts.
  igmphost.py flood DEV SRC GROUP N
      sends N forged or malformed reports for GROUP, round-robin: bad
      checksum, no Router Alert, wrong length, TTL 2, truncated records.
  igmphost.py queries DEV SRC SECONDS
      counts the IGMP queries from SRC seen on DEV for SECONDS; prints it.
"""
import socket, struct, sys, time

from pktutil import count_until_term, csum

IPPROTO_IGMP = 2


def ip_packet(src, dst, payload, ra=True, ttl=1):
    opt = b"\x94\x04\x00\x00" if ra else b""
    hl = 20 + len(opt)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | hl // 4, 0xC0, hl + len(payload), 0, 0, ttl,
                    IPPROTO_IGMP, 0, socket.inet_aton(src), socket.inet_aton(dst)) + opt
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def igmp8(t, code, group, bad_sum=False):
    m = struct.pack("!BBH4s", t, code, 0, socket.inet_aton(group))
    c = csum(m) ^ (0x5A5A if bad_sum else 0)
    return m[:2] + struct.pack("!H", c) + m[4:]


def raw(dev):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    return s


def member(dev, group, port, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((group, port))
    ifindex = socket.if_nametoindex(dev)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                 socket.inet_aton(group) + struct.pack("=I", 0) + struct.pack("=i", ifindex))
    n = count_until_term(s, ready)
    s.close()  # the kernel sends the leave
    print("received %d" % n, flush=True)


def query3(qqi):
    assert qqi < 128  # a QQIC below 128 is the value itself
    m = struct.pack("!BBH4sBBH", 0x11, 10, 0, socket.inet_aton("0.0.0.0"), 2, qqi, 0)
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def query(dev, src, count, interval, qqi=None):
    s = raw(dev)
    q = igmp8(0x11, 10, "0.0.0.0") if qqi is None else query3(qqi)
    for i in range(count):
        s.sendto(ip_packet(src, "224.0.0.1", q), ("224.0.0.1", 0))
        if i + 1 < count:
            time.sleep(interval)


def flood(dev, src, group, n):
    s = raw(dev)
    kinds = [
        lambda: ip_packet(src, group, igmp8(0x16, 0, group, bad_sum=True)),
        lambda: ip_packet(src, group, igmp8(0x16, 0, group), ra=False),
        lambda: ip_packet(src, group, igmp8(0x16, 0, group) + b"\0\0\0\0"),
        lambda: ip_packet(src, group, igmp8(0x16, 0, group), ttl=2),
        # a v3 report announcing 3 records with only one there
        lambda: ip_packet(src, "224.0.0.22", v3_bad(group)),
    ]
    for i in range(n):
        pkt = kinds[i % len(kinds)]()
        dst = socket.inet_ntoa(pkt[16:20])
        try:
            s.sendto(pkt, (dst, 0))
        except BlockingIOError:
            time.sleep(0.001)


def v3_bad(group):
    rec = struct.pack("!BBH4s", 4, 0, 0, socket.inet_aton(group))
    m = struct.pack("!BBHHH", 0x22, 0, 0, 0, 3) + rec
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def queries(dev, src, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800))
    s.bind((dev, 0x0800))
    s.settimeout(0.1)
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        try:
            p = s.recv(2048)
        except socket.timeout:
            continue
        hl = (p[0] & 0xF) * 4
        if len(p) > hl and p[9] == IPPROTO_IGMP and socket.inet_ntoa(p[12:16]) == src and p[hl] == 0x11:
            n += 1
    print(n)


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "member":
        member(a[0], a[1], int(a[2]), a[3])
    elif cmd == "query":
        query(a[0], a[1], int(a[2]), float(a[3]), int(a[4]) if len(a) > 4 else None)
    elif cmd == "flood":
        flood(a[0], a[1], a[2], int(a[3]))
    elif cmd == "queries":
        queries(a[0], a[1], float(a[2]))
    else:
        sys.exit(__doc__)
