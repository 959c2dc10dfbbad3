"""What the tests' packet builders share (inject.py, igmphost.py, mldhost.py, udp6.py)."""
import signal
import socket
import struct


def csum(b):
    """The Internet checksum (RFC 1071) of b."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def count_until_term(s, ready):
    """Touches ready, then counts what socket s receives until SIGTERM."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    open(ready, "w").close()
    s.settimeout(0.1)
    n = 0
    while not stop:
        try:
            s.recv(65536)
            n += 1
        except (socket.timeout, InterruptedError):
            pass
    return n
