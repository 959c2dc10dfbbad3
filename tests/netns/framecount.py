#!/usr/bin/env python3
"""Counts the UDP frames to PORT arriving on DEV, and those longer than MTU.

Usage: framecount.py DEV PORT MTU READYFILE
Captures with AF_PACKET until SIGTERM, then prints "frames N oversized M".
A UDP GSO run that crosses a veth whole arrives as one oversized frame.
"""
import signal, socket, struct, sys

DEV, PORT, MTU, READY = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ETH_P_IP = 0x0800
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
s.bind((DEV, ETH_P_IP))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
frames = big = 0
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
open(READY, "w").close()
buf = bytearray(65600)
s.settimeout(0.2)
while not stop:
    try:
        n = s.recv_into(buf, len(buf), socket.MSG_TRUNC)
    except (socket.timeout, InterruptedError):
        continue
    if n < 14 + 20 + 8:
        continue
    ihl = (buf[14] & 0x0F) * 4
    if buf[14 + 9] != 17 or n < 14 + ihl + 8:
        continue
    if struct.unpack_from("!H", buf, 14 + ihl + 2)[0] != PORT:
        continue
    frames += 1
    if n - 14 > MTU:
        big += 1
print("frames %d oversized %d" % (frames, big), flush=True)
