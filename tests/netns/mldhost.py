#!/usr/bin/env python3
"""MLD from a host's side, for 28-demand-mld.t.

  mldhost.py member DEV GROUP PORT READYFILE
      joins GROUP on DEV with an ordinary UDP socket (the kernel reports, in
      the version net.ipv6.conf.DEV.force_mld_version says), counts the
      datagrams until SIGTERM, then leaves (closing the socket) and prints
      "received N".
  mldhost.py send DEV GROUP PORT RATE
      sends RATE datagrams a second to GROUP:PORT out of DEV until SIGTERM.
  mldhost.py frames DEV PORT SECONDS
      counts the IPv6 UDP frames to PORT arriving on DEV for SECONDS; prints it.
  mldhost.py query DEV SRC COUNT INTERVAL [QQI]
      sends COUNT MLDv2 general queries from SRC (a link-local address; hand-made
      frames, Router Alert, hop limit 1), one per INTERVAL seconds: another
      querier on the link.  They say QRV 2 and QQI seconds (default: INTERVAL
      rounded, at least 1), which a router that is not querier adopts.
  mldhost.py flood DEV SRC GROUP N
      sends N forged or malformed MLDv1 reports for GROUP, round-robin: bad
      checksum, hop limit 64, no Router Alert, wrong length, a global source.
  mldhost.py queries DEV SRC SECONDS
      counts the MLD queries from SRC seen on DEV for SECONDS; prints it.
Used by the netns tests only, inside their own namespaces.
"""
import signal, socket, struct, sys, time

from pktutil import count_until_term, csum

ETH_P_IPV6 = 0x86DD
ICMPV6 = 58


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def frame(dev, src, dst, msg, hops=1, ra=True, bad_sum=False):
    """Ethernet, IPv6, a hop-by-hop header with Router Alert (MLD) unless not ra, msg."""
    s, d = a6(src), a6(dst)
    msg = msg[:2] + b"\0\0" + msg[4:]
    c = csum(s + d + struct.pack("!IxxxB", len(msg), ICMPV6) + msg) ^ (0x5A5A if bad_sum else 0)
    msg = msg[:2] + struct.pack("!H", c) + msg[4:]
    ext = bytes([ICMPV6, 0, 5, 2, 0, 0, 1, 0]) if ra else b""
    ip = struct.pack("!IHBB", 6 << 28, len(ext) + len(msg), 0 if ra else ICMPV6, hops) + s + d
    mac = open("/sys/class/net/%s/address" % dev).read().strip().replace(":", "")
    return b"\x33\x33" + d[12:] + bytes.fromhex(mac) + struct.pack("!H", ETH_P_IPV6) + ip + ext + msg


def packet(dev):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    return s


def member(dev, group, port, ready):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ifindex = socket.if_nametoindex(dev)
    s.bind((group, port, 0, ifindex))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, a6(group) + struct.pack("=I", ifindex))
    n = count_until_term(s, ready)
    s.close()  # the kernel sends the done (v1) or TO_IN {} (v2)
    print("received %d" % n, flush=True)


def send(dev, group, port, rate):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, socket.if_nametoindex(dev))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 8)
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    seq, t0 = 0, time.monotonic()
    while not stop:
        s.sendto(struct.pack("!Q", seq) + b"m" * 100, (group, port))
        seq += 1
        time.sleep(max(0.0, t0 + seq / rate - time.monotonic()))


def frames(dev, port, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    s.bind((dev, ETH_P_IPV6))
    s.settimeout(0.1)
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        try:
            p, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_OUTGOING and len(p) >= 48 and p[6] == 17 and \
                struct.unpack_from("!H", p, 42)[0] == port:
            n += 1
    print(n)


def v1(t, group, delay=0):
    return struct.pack("!BBHHH16s", t, 0, 0, delay, 0, a6(group))


def query(dev, src, count, interval, qqi=None):
    s = packet(dev)
    qqi = max(1, round(interval)) if qqi is None else qqi
    assert qqi < 128  # a QQIC below 128 is the value itself
    q = v1(130, "::", 1000) + bytes([2, qqi, 0, 0])  # v2: QRV 2, QQIC, no source
    for i in range(count):
        s.send(frame(dev, src, "ff02::1", q))
        if i + 1 < count:
            time.sleep(interval)


def flood(dev, src, group, n):
    s = packet(dev)
    kinds = [
        lambda: frame(dev, src, group, v1(131, group), bad_sum=True),
        lambda: frame(dev, src, group, v1(131, group), hops=64),
        lambda: frame(dev, src, group, v1(131, group), ra=False),
        lambda: frame(dev, src, group, v1(131, group) + b"\0\0\0\0"),
        lambda: frame(dev, "2001:db8:2::99", group, v1(131, group)),
    ]
    for i in range(n):
        try:
            s.send(kinds[i % len(kinds)]())
        except BlockingIOError:
            time.sleep(0.001)


def queries(dev, src, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IPV6))
    s.bind((dev, ETH_P_IPV6))
    s.settimeout(0.1)
    end, n, want = time.monotonic() + seconds, 0, a6(src)
    while time.monotonic() < end:
        try:
            p = s.recv(2048)
        except socket.timeout:
            continue
        # a hop-by-hop header of 8 bytes, then ICMPv6 type 130
        if len(p) > 48 and p[8:24] == want and p[6] == 0 and p[40] == ICMPV6 and p[48] == 130:
            n += 1
    print(n)


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "member":
        member(a[0], a[1], int(a[2]), a[3])
    elif cmd == "send":
        send(a[0], a[1], int(a[2]), float(a[3]))
    elif cmd == "frames":
        frames(a[0], int(a[1]), float(a[2]))
    elif cmd == "query":
        query(a[0], a[1], int(a[2]), float(a[3]), int(a[4]) if len(a) > 4 else None)
    elif cmd == "flood":
        flood(a[0], a[1], a[2], int(a[3]))
    elif cmd == "queries":
        queries(a[0], a[1], float(a[2]))
    else:
        sys.exit(__doc__)
