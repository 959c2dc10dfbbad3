#!/usr/bin/env python3
"""Holds many connections to mcrd's control socket, as a greedy client would.

Usage: ctlflood.py SOCKET N {idle|noread}

Opens N connections one after another.  idle: each says nothing.  noread:
each sends 2000 "rule show" requests at once and never reads a reply.
Prints "ready" once all are connected, then waits for a line (or EOF) on
stdin, then prints "open K": how many of its idle connections mcrd has not
closed (always 0 for noread, which cannot tell).
"""
import select, socket, struct, sys, time

SOCK, N, MODE = sys.argv[1], int(sys.argv[2]), sys.argv[3]
RULE_GET = 0x22
# nlmsghdr (len, type, flags, seq, pid) and the 4-byte header (version 1).
SHOW = b"".join(struct.pack("=IHHII", 20, RULE_GET, 1, seq, 0) + bytes([1, 0, 0, 0])
                for seq in range(1, 2001))


def still_open(s):
    """Not closed by the peer: nothing readable, or readable but not EOF."""
    if not select.select([s], [], [], 0)[0]:
        return True
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except OSError:
        return False


def connect():
    """A connection, retried while the listen backlog is full (EAGAIN), up to 10 s."""
    end = time.monotonic() + 10
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(SOCK)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.001)


conns = []
for i in range(N):
    s = connect()
    if MODE == "noread":
        try:
            s.sendall(SHOW)
        except OSError:
            pass  # closed to make room already
    conns.append(s)
print("ready", flush=True)
sys.stdin.readline()
print("open %d" % (sum(still_open(s) for s in conns) if MODE == "idle" else 0), flush=True)
