"""What the tests' packet builders share (inject.py, igmphost.py, udp6.py)."""
import struct


def csum(b):
    """The Internet checksum (RFC 1071) of b."""
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF
