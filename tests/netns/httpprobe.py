#!/usr/bin/env python3
"""Slow and malformed HTTP clients against mcrd's /metrics listener.

Usage: httpprobe.py HOST PORT CHECK...
Each CHECK prints one line, "PASS desc" or "FAIL desc: why", for the TAP
test to count:
  requests  bad methods, paths, versions, headers, sizes: each answered
            with its status, or (garbage) closed within the idle timeout
  perip     HTTPD_PER_IP (8) idle connections from 127.0.0.2: a 9th from
            there is closed at once while 127.0.0.3 is served; the idle
            ones are closed after the idle timeout (10 s)
  trickle   a client sending one header byte every 2 s is closed by the
            server after at most its lifetime (30 s), not kept for ever
"""
import socket
import sys
import time

HOST, PORT = sys.argv[1], int(sys.argv[2])


def report(ok, desc, why=""):
    print(("PASS %s" if ok else "FAIL %s: " + why) % desc, flush=True)


def conn(src=None, timeout=15):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    if src:
        s.bind((src, 0))
    s.connect((HOST, PORT))
    return s


def read_all(s):
    out = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return out, "closed"
            out += b
    except socket.timeout:
        return out, "timeout"
    except ConnectionResetError:
        return out, "reset"


def exchange(data, src=None, timeout=15):
    s = conn(src, timeout)
    t = time.time()
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    out, how = read_all(s)
    s.close()
    return out, how, time.time() - t


def status(out):
    line = out.split(b"\r\n", 1)[0].decode("latin-1")
    return int(line.split()[1]) if line.startswith("HTTP/1.") and len(line.split()) > 1 else 0


def requests():
    cases = [
        ("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, "GET /metrics"),
        ("GET /metrics HTTP/1.0\r\n\r\n", 200, "HTTP/1.0"),
        ("GET /metrics?x=1&y HTTP/1.1\r\nHost: x\r\n\r\n", 200, "a query string is ignored"),
        ("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 200, "/ points to /metrics"),
        ("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n", 404, "unknown path: 404"),
        ("GET /metrics/../x HTTP/1.1\r\nHost: x\r\n\r\n", 404, "dot segments: 404"),
        ("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 405, "POST: 405"),
        ("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405, "DELETE: 405"),
        ("GET /metrics\r\n\r\n", 400, "no HTTP version: 400"),
        ("GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n", 505, "HTTP/9.9: 505"),
        ("GET /metrics HTTP/1.1\r\nno colon\r\n\r\n", 400, "a header without a colon: 400"),
        ("GET /metrics HTTP/1.1\r\nHost: x\r\nX: " + "a" * 40000 + "\r\n\r\n", 431,
         "40 kB of headers: 431"),
        ("GET /" + "a" * 40000 + " HTTP/1.1\r\nHost: x\r\n\r\n", 414, "a 40 kB URL: 414"),
    ]
    for req, want, desc in cases:
        out, how, _ = exchange(req.encode())
        got = status(out)
        report(got == want and how == "closed", desc,
               "status %d, %s, %r" % (got, how, out[:80]))
    out, _, _ = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    head = out.split(b"\r\n\r\n", 1)[0].lower()
    report(b"content-type: text/plain; version=0.0.4; charset=utf-8" in head and
           b"connection: close" in head, "exposition content type; one request per connection",
           repr(head))
    out, _, _ = exchange(b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    report(b"allow: get, head" in out.lower(), "405 names the allowed methods", repr(out[:200]))
    out, _, _ = exchange(b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    head, _, body = out.partition(b"\r\n\r\n")
    report(status(out) == 200 and body == b"", "HEAD: 200 with no body", repr(out[:200]))
    out, how, t = exchange(b"\x00\x01\x02 garbage\r\n\r\n", timeout=20)
    report(how in ("closed", "reset") and t < 13, "binary garbage: closed within the idle timeout",
           "%s after %.1f s" % (how, t))
    out, how, t = exchange(b"GET /metr", timeout=20)
    report(how in ("closed", "reset") and 8 < t < 13, "a request cut short: closed after 10 s idle",
           "%s after %.1f s" % (how, t))


def perip():
    idle = [conn("127.0.0.2", 20) for _ in range(8)]
    for s in idle:
        s.sendall(b"GET /metrics HTTP/1.1\r\n")
    time.sleep(0.5)
    out, how, t = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.0.2", 5)
    report(status(out) == 0 and how in ("closed", "reset") and t < 2,
           "a 9th connection from one address is closed at once", "%d %s %.1f" % (status(out), how, t))
    out, how, t = exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "127.0.0.3", 5)
    report(status(out) == 200 and t < 2, "another address is served meanwhile",
           "%d %s %.1f" % (status(out), how, t))
    t = time.time()
    ends = [read_all(s)[1] for s in idle]
    el = time.time() - t
    report(all(e in ("closed", "reset") for e in ends) and el < 13,
           "the idle connections are closed after the idle timeout", "%s after %.1f s" % (ends, el))
    for s in idle:
        s.close()


def trickle():
    s = conn("127.0.0.4", 45)
    t = time.time()
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100
    closed = False
    for b in req:
        try:
            s.sendall(bytes([b]))
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        s.settimeout(2)
        try:
            if s.recv(1024) == b"":
                closed = True
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
            break
        if time.time() - t > 40:
            break
    el = time.time() - t
    report(closed and 28 < el < 36, "a client trickling a byte every 2 s is closed at its 30 s life",
           "closed=%s after %.1f s" % (closed, el))
    s.close()


for check in sys.argv[3:]:
    globals()[check]()
