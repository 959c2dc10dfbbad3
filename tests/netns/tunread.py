#!/usr/bin/env python3
"""Creates tun device NAME and counts the IPv4/UDP datagrams to PORT sent into it.

Usage: tunread.py NAME PORT READYFILE
The device exists while this runs (a tun has carrier only while a reader
holds it).  On SIGTERM it prints "datagrams N".  A tun is a non-Ethernet
interface: what mcrd must send to through a UDP socket.  Used by the netns
tests only, inside their own namespaces.
"""
import fcntl, os, select, signal, struct, sys

NAME, PORT, READY = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", NAME.encode(), IFF_TUN | IFF_NO_PI))
count = 0
stop = False


def on_term(*_):
    global stop
    stop = True


signal.signal(signal.SIGTERM, on_term)
open(READY, "w").close()
while not stop:
    r, _, _ = select.select([fd], [], [], 0.2)
    if not r:
        continue
    p = os.read(fd, 65600)
    if len(p) < 28 or p[0] >> 4 != 4 or p[9] != 17:
        continue
    ihl = (p[0] & 0x0F) * 4
    if struct.unpack_from("!H", p, ihl + 2)[0] == PORT:
        count += 1
print("datagrams %d" % count)
