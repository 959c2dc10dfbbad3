#!/usr/bin/env python3
"""One garbage message on mcrd's control socket; the daemon must answer it.

Usage: garbage.py SOCKET SEED
SEED picks the kind (and the random bytes), so a run is reproducible:
  0  random bytes behind a plausible length (the daemon decodes junk)
  1  a valid header and random attributes (the decoder walks junk)
  2  a header claiming 64 KiB, then 100 bytes and a close (truncated)
  3  pure random bytes, any length field at all
Exit 0 when mcrd replied with an error or closed the connection within 5 s,
1 when it could not be reached or stayed silent.
"""
import random, socket, struct, sys

SOCK, SEED = sys.argv[1], int(sys.argv[2])
rnd = random.Random(SEED)
kind = SEED % 4


def junk(n):
    return bytes(rnd.getrandbits(8) for _ in range(n))


n = rnd.randrange(20, 600)
if kind == 0:
    msg = struct.pack("=I", n) + junk(n - 4)
elif kind == 1:
    # nlmsghdr (len, type, flags, seq, pid) + mcr_ctlhdr (version 1): rule
    # add, del and get, link and worker get (lib/ctl.h); never flush, which
    # junk could not stop, nor monitor, which never answers.
    body = junk(n)
    typ = rnd.choice((0x20, 0x21, 0x22, 0x24, 0x25))
    msg = struct.pack("=IHHII", 16 + 4 + len(body), typ, 1, SEED, 0)
    msg += struct.pack("=BBH", 1, 0, 0) + body
elif kind == 2:
    msg = struct.pack("=IHHII", 65536, 0x22, 1, SEED, 0) + junk(84)
else:
    msg = junk(n)

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
try:
    s.connect(SOCK)
    s.sendall(msg)
    if kind == 2:
        s.shutdown(socket.SHUT_WR)
    got = s.recv(65536)  # an error reply, or b"" when mcrd closed
except socket.timeout:
    print("garbage kind %d: no answer within 5 s" % kind)
    sys.exit(1)
except OSError as e:
    # A reset is an answer too: mcrd dropped the connection.
    if getattr(e, "errno", None) not in (104, 32):
        print("garbage kind %d: %s" % (kind, e))
        sys.exit(1)
sys.exit(0)
