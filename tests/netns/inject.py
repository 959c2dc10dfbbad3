#!/usr/bin/env python3
"""Send hand-made (mostly malformed) IPv4/UDP multicast frames on an interface.

    inject.py DEV GROUP PORT KIND COUNT [TTL]

KIND: valid | bad_ip_length | bad_udp_length | fragment | vlan | options
      | short (cut inside the IPv4 header, before the destination)
      | noport (cut inside the UDP header, before the destination port)
      | bad_ihl (IHL 4) | bad_ihl_fragment (IHL 4, MF set)
      | tcp (protocol 6) | ipv6 (EtherType 0x86dd, the same bytes after it)
      | version6 (IPv4 EtherType, IP version 6)
      | udp_csum (valid, with a UDP checksum) | bad_udp_csum | bad_ip_csum
TTL: the IP TTL (default 16).
Used by the netns tests only, inside their own namespaces.
"""
import socket
import struct
import sys

from pktutil import csum


def udp_csum(src, dst, udp):
    pseudo = src + dst + struct.pack("!BBH", 0, 17, len(udp))
    c = csum(pseudo + udp)
    return c or 0xFFFF


def frame(group, port, kind, seq, ttl=16):
    g = socket.inet_aton(group)
    dmac = bytes([0x01, 0x00, 0x5E, g[1] & 0x7F, g[2], g[3]])
    smac = bytes([0x02, 0, 0, 0, 0, 0x01])
    payload = struct.pack("!IQ", 0xDEADBEEF, seq) + b"m" * 100
    opts = b"\x01\x01\x01\x00" if kind == "options" else b""  # NOP NOP NOP EOL
    ihl = 5 + len(opts) // 4
    first = 0x40 | ihl
    if kind in ("bad_ihl", "bad_ihl_fragment"):
        first = 0x44
    if kind == "version6":
        first = 0x60 | ihl
    ulen = 8 + len(payload)
    if kind == "bad_udp_length":
        ulen += 50  # claims more than the IP payload holds
    udp = struct.pack("!HHHH", 40000, port, ulen, 0) + payload
    src = socket.inet_aton("198.18.1.1")
    if kind in ("udp_csum", "bad_udp_csum"):
        c = udp_csum(src, g, udp)
        if kind == "bad_udp_csum":
            c ^= 0x0100  # as if a bit of the payload flipped on the way
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    tot = ihl * 4 + len(udp)
    frag = 0
    if kind == "bad_ip_length":
        tot += 200  # claims more than was sent
    if kind in ("fragment", "bad_ihl_fragment"):
        frag = 0x2000  # MF: first fragment of a larger datagram
    proto = 6 if kind == "tcp" else 17
    hdr = struct.pack("!BBHHHBBH4s4s", first, 0, tot, seq & 0xFFFF, frag, ttl, proto, 0,
                      src, g) + opts
    c = csum(hdr)
    if kind == "bad_ip_csum":
        c ^= 0x0001
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    eth = dmac + smac
    if kind == "vlan":
        eth += struct.pack("!HH", 0x8100, 100)
    f = eth + struct.pack("!H", 0x86DD if kind == "ipv6" else 0x0800) + hdr + udp
    if kind == "short":
        return f[:len(eth) + 2 + 12]
    if kind == "noport":
        return f[:len(eth) + 2 + len(hdr) + 2]
    return f


def main():
    dev, group, port, kind, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
    ttl = int(sys.argv[6]) if len(sys.argv) > 6 else 16
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    for i in range(count):
        s.send(frame(group, port, kind, i, ttl))


if __name__ == "__main__":
    main()
