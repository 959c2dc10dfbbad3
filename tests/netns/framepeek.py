#!/usr/bin/env python3
"""Describes the UDP/IPv4 frames to PORT arriving on DEV, as the wire has them.

Usage: framepeek.py DEV PORT READYFILE
Captures with AF_PACKET until SIGTERM, then prints one JSON object: the
number of frames, and the sets of source MACs, source addresses, TTLs and
TOS bytes seen, and how many had a right IPv4 header checksum and a UDP
checksum that is right, absent, or left to the device (the sender asked for
checksum offload: the kernel reports TP_STATUS_CSUMNOTREADY and the field
holds only the pseudo-header's sum).  Used by the netns tests only, inside their own namespaces.
"""
import json, signal, socket, struct, sys

DEV, PORT, READY = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ETH_P_IP = 0x0800
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
s.bind((DEV, ETH_P_IP))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
SOL_PACKET, PACKET_AUXDATA, TP_STATUS_CSUMNOTREADY = 263, 8, 1 << 3
s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
seen = {"frames": 0, "macs": set(), "sources": set(), "ttls": set(), "tos": set(),
        "ip_csum_ok": 0, "udp_csum_ok": 0, "udp_csum_none": 0, "udp_csum_offloaded": 0}
stop = False


def on_term(*_):
    global stop
    stop = True


def fold(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return t


signal.signal(signal.SIGTERM, on_term)
open(READY, "w").close()
s.settimeout(0.2)
while not stop:
    try:
        f, anc, _, addr = s.recvmsg(65600, 64)
    except (socket.timeout, InterruptedError):
        continue
    status = 0
    for level, kind, data in anc:
        if level == SOL_PACKET and kind == PACKET_AUXDATA and len(data) >= 4:
            status = struct.unpack_from("I", data)[0]
    if addr[2] == socket.PACKET_OUTGOING or len(f) < 14 + 20 + 8:
        continue
    ihl = (f[14] & 0x0F) * 4
    ip, udp = f[14:14 + ihl], f[14 + ihl:]
    if ip[9] != 17 or struct.unpack_from("!H", udp, 2)[0] != PORT:
        continue
    tot = struct.unpack_from("!H", ip, 2)[0]
    udp = f[14 + ihl:14 + tot]
    seen["frames"] += 1
    seen["macs"].add(f[6:12].hex(":"))
    seen["sources"].add(socket.inet_ntoa(ip[12:16]))
    seen["ttls"].add(ip[8])
    seen["tos"].add(ip[1])
    seen["ip_csum_ok"] += fold(ip) == 0xFFFF
    if status & TP_STATUS_CSUMNOTREADY:
        seen["udp_csum_offloaded"] += 1
    elif struct.unpack_from("!H", udp, 6)[0] == 0:
        seen["udp_csum_none"] += 1
    else:
        pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, len(udp))
        seen["udp_csum_ok"] += fold(pseudo + udp) == 0xFFFF
print(json.dumps({k: sorted(v) if isinstance(v, set) else v for k, v in seen.items()}))
