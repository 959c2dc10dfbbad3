#!/usr/bin/env python3
"""Bad and truncated control messages written straight to mcrd's socket.

Usage: ctlwire.py SOCKET MCRCTL
Prints one line per check, "PASS desc" or "FAIL desc: why", for the TAP
test to count.  Each reply is decoded: MCR_MSG_DONE holding MCR_A_STATUS
(an int, negative on error) and MCR_A_MSG strings (see lib/ctl.h).
"""
import socket, struct, subprocess, sys, time

SOCK, MCRCTL = sys.argv[1], sys.argv[2]
MSG_DONE, A_STATUS, A_MSG = 0x44, 4, 5


def report(ok, desc, why=""):
    print(("PASS %s" if ok else "FAIL %s: " + why) % desc, flush=True)


def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(15)
    s.connect(SOCK)
    return s


def read_reply(s):
    """One whole message, decoded as (type, status, [messages]); None on EOF."""
    buf = b""
    while len(buf) < 16 or len(buf) < struct.unpack_from("=I", buf)[0]:
        try:
            d = s.recv(65536)
        except socket.timeout:
            d = b""
        if not d:
            return None
        buf += d
    ln, typ = struct.unpack_from("=IH", buf)
    status, msgs, off = None, [], 20
    while off + 4 <= ln:
        alen, atyp = struct.unpack_from("=HH", buf, off)
        body = buf[off + 4:off + alen]
        if atyp == A_STATUS:
            status = struct.unpack("=i", body)[0]
        elif atyp == A_MSG:
            msgs.append(body.rstrip(b"\0").decode())
        off += (alen + 3) & ~3
    return typ, status, msgs


def expect_error(s, desc, word):
    r = read_reply(s)
    if r is None:
        return report(False, desc, "no reply before the connection closed or 15 s passed")
    typ, status, msgs = r
    ok = typ == MSG_DONE and status is not None and status < 0 and any(word in m for m in msgs)
    report(ok, desc, "reply type %#x status %s messages %r" % (typ, status, msgs))


def closed_after(s):
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True  # reset: closed too


def hdr(length, typ, version=1):
    return struct.pack("=IHHII", length, typ, 1, 7, 0) + bytes([version, 0, 0, 0])


s = connect(); s.sendall(b"\xff" * 64)
expect_error(s, "nonsense length: error reply naming the length",
             "message too large (4294967295 bytes, limit 4194304)")
s.close()

# Too large, sent whole: mcrd replies at once and closes, so the sender's
# send fails (it does not hang until a timeout) and the reply is there to
# read.  Three times: each refused client's socket must really be closed.
for i in range(3):
    s = connect()
    t = time.monotonic()
    try:
        s.sendall(hdr(5 << 20, 0x22) + b"\0" * ((5 << 20) - 20))
        sent = "sent whole"
    except socket.timeout:
        sent = "send blocked until the timeout"
    except OSError as e:
        sent = None if isinstance(e, (BrokenPipeError, ConnectionResetError)) else repr(e)
    dt = time.monotonic() - t
    report(sent is None and dt < 5, "5 MiB message %d: the send fails at once" % (i + 1),
           "%s after %.1f s" % (sent, dt))
    expect_error(s, "5 MiB message %d: error reply" % (i + 1),
                 "message too large (5242880 bytes, limit 4194304)")
    s.close()


def attr(t, payload):
    if isinstance(payload, str):
        payload = payload.encode() + b"\0"
    a = struct.pack("=HH", 4 + len(payload), t) + payload
    return a + b"\0" * (-len(a) % 4)


def nest(t, *attrs):
    return attr(t | 0x8000, b"".join(attrs))


def rule_add(name, group, outs):
    """MCR_CMD_RULE_ADD: A_RULE (name, in r-in group:5020), then A_OUT each (dev, ttl)."""
    body = nest(1, attr(1, name), nest(2, attr(1, "r-in"), attr(2, socket.inet_aton(group)),
                                       attr(3, struct.pack("=H", 5020))))
    for dev, ttl in outs:
        body += nest(10, attr(1, dev), attr(4, struct.pack("=B", ttl)))
    msg = bytes([1, 0, 0, 0]) + body
    return struct.pack("=IHHII", 16 + len(msg), 0x20, 1, 9, 0) + msg


# mcrd itself refuses an output repeated, the TTL aside (not only mcrctl).
s = connect(); s.sendall(rule_add("dupouts", "239.1.1.20", [("r-out", 1), ("r-out", 7)]))
expect_error(s, "two outputs to one destination: refused by mcrd",
             "output 2 duplicates output 1 (dev r-out group 239.1.1.20 port 5020)")
s.close()
# Every problem of a refused rule, not only the first kind.
s = connect(); s.sendall(rule_add("cam1", "10.1.1.20", [("r-out", 1), ("r-out", 7)]))
r = read_reply(s)
want = ["input group 10.1.1.20 is not a multicast address", "output 2 duplicates output 1",
        "rule \"cam1\": duplicate name"]
report(r is not None and r[1] is not None and r[1] < 0 and all(any(w in m for m in r[2]) for w in want),
       "a rule with several problems: every one in the reply", "reply %r" % (r,))
s.close()

s = connect(); s.sendall(hdr(40, 0x22)); s.shutdown(socket.SHUT_WR)
expect_error(s, "truncated then half-closed: error reply", "truncated message: 20 of 40 bytes")
s.close()

s = connect(); s.sendall(hdr(20, 0x22, version=9))
expect_error(s, "wrong version: error reply", "protocol version 9")
s.close()

s = connect(); s.sendall(hdr(28, 0x20) + struct.pack("=HH", 200, 1) + b"\0" * 4)
expect_error(s, "bad attribute: error reply", "attribute")
s.close()

# Silent clients: one holds a partial message, one never says anything.
mute = connect()
t0 = time.monotonic()
part = connect(); part.sendall(hdr(40, 0x22))
t = time.monotonic()
r = subprocess.run([MCRCTL, "-S", SOCK, "rule", "show"], capture_output=True, timeout=10)
dt = time.monotonic() - t
report(r.returncode == 0 and dt < 2, "another command is served at once meanwhile",
       "rc %d after %.1f s: %r" % (r.returncode, dt, r.stderr))
expect_error(part, "a partial message held 5 s gets an error reply", "truncated message: 20 of 40")
dt = time.monotonic() - t0
report(4.5 <= dt <= 7, "after about 5 s", "%.1f s" % dt)
report(closed_after(part), "and is then closed", "still open")
part.close()
closed = closed_after(mute)
dt = time.monotonic() - t0
report(closed and 9.5 <= dt <= 12.5, "a client silent for 10 s is dropped",
       "closed %s after %.1f s" % (closed, dt))
mute.close()
