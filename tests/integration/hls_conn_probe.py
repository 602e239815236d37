#!/usr/bin/env python3
"""hls_conn_probe.py HOST PORT LIVE_ID - raw-socket checks of the relay's
keep-alive connections (relay_hls_conn.sh). Prints "ok NAME" or
"FAIL NAME: why" per check; exits 0 (the suite counts the lines)."""
import json
import re
import socket
import sys
import time

HOST, PORT, LID = sys.argv[1], int(sys.argv[2]), sys.argv[3]
TIMEOUT = 20  # generous: a loaded machine


def check(name, cond, why=""):
    print(("ok " if cond else "FAIL ") + name + ("" if cond else ": " + why), flush=True)


def conn():
    s = socket.create_connection((HOST, PORT), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


class Reader:
    def __init__(self, s):
        self.s, self.buf = s, b""

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError
        self.buf += d

    def closed(self):
        """True when the peer closes with nothing more sent."""
        try:
            while not self.buf:
                self.fill()
            return False
        except EOFError:
            return True
        except OSError:
            return True

    def response(self, head=False):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        h, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = h.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdr = {}
        for ln in lines[1:]:
            k, v = ln.split(":", 1)
            hdr[k.strip().lower()] = v.strip()
        n = int(hdr.get("content-length", "0"))
        body = b""
        if not head:
            while len(self.buf) < n:
                self.fill()
            body, self.buf = self.buf[:n], self.buf[n:]
        return status, hdr, body


def req(path, method="GET", extra=""):
    return f"{method} {path} HTTP/1.1\r\nHost: relay\r\nUser-Agent: probe\r\n{extra}\r\n".encode()


def ask(r, path, method="GET", extra=""):
    r.s.sendall(req(path, method, extra))
    return r.response(head=method == "HEAD")


base = f"/live/{LID}/"
# 1. one connection, every kind of /live/ request on it
s = conn()
r = Reader(s)
st, h, pl = ask(r, base + "index.m3u8")
check("playlist 200 with CORS", st == 200 and h.get("access-control-allow-origin") == "*", f"{st} {h}")
check("playlist type", h.get("content-type") == "application/vnd.apple.mpegurl", str(h))
text = pl.decode()
init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text)
segs = re.findall(r"^([0-9]+-[0-9]+\.m4s)$", text, re.M)
parts = re.findall(r'#EXT-X-PART:.*URI="([^"]+)"', text)
hint = re.search(r'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"', text)
check("the playlist names an init, segments, parts, a hint", bool(init and segs and parts and hint), text[-400:])
if init and segs and parts and hint:
    st, h, b = ask(r, base + init.group(1))
    check("init segment on the same connection", st == 200 and b[4:8] == b"ftyp", f"{st} {b[:16]!r}")
    st, h, seg = ask(r, base + segs[-1])
    check("segment: immutable, its length", st == 200 and "immutable" in h.get("cache-control", "")
          and len(seg) == int(h["content-length"]) and len(seg) > 1000, f"{st} {h}")
    st, h, b = ask(r, base + segs[-1], "HEAD")
    check("HEAD: the length, no body", st == 200 and int(h["content-length"]) == len(seg) and r.buf == b"",
          f"{st} {h} {r.buf[:20]!r}")
    st, h, b = ask(r, base + parts[-1])
    check("part", st == 200 and len(b) > 100 and h.get("access-control-allow-origin") == "*", f"{st}")
    t0 = time.time()
    st, h, b = ask(r, base + hint.group(1))
    check("the preload-hinted part blocks, then 200", st == 200 and len(b) > 100, f"{st} {b[:80]!r}")
    msn = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:([0-9]+)", text).group(1)) + len(segs)
    st, h, b = ask(r, base + f"index.m3u8?_HLS_msn={msn}&_HLS_part=0")
    check("a blocking reload answers the next segment's part", st == 200 and
          f"{segs[-1].split('-')[0]}-" in b.decode() and h.get("cache-control") == "no-cache", f"{st} {b[-300:]!r}")
    st, h, b = ask(r, base + "master.m3u8")
    check("master.m3u8", st == 200 and b.startswith(b"#EXTM3U") and b"index.m3u8" in b, f"{st} {b!r}")
    st, h, b = ask(r, base + "thumb.jpg")
    check("thumbnail (or not yet, in JSON)", (st == 200 and b[:2] == b"\xff\xd8") or
          (st == 404 and json.loads(b)["error"]["code"] == "not_ready"), f"{st} {b[:60]!r}")
    st, h, b = ask(r, base + "low/index.m3u8")
    check("low rendition: played or a 404 with CORS", st in (200, 404) and h.get("access-control-allow-origin") == "*",
          f"{st}")
    st, h, b = ask(r, base + "9-9.m4s")
    check("unknown segment: 404 not_found with CORS", st == 404 and json.loads(b)["error"]["code"] == "not_found"
          and h.get("access-control-allow-origin") == "*", f"{st} {b!r}")
    st, h, b = ask(r, "/live/no_such_stream/index.m3u8")
    check("unknown stream: 404 not_live with CORS", st == 404 and json.loads(b)["error"]["code"] == "not_live"
          and h.get("access-control-allow-origin") == "*", f"{st} {b!r}")
    st, h, b = ask(r, base + "index.m3u8?_HLS_part=1")
    check("_HLS_part without _HLS_msn: 400 with CORS", st == 400 and h.get("access-control-allow-origin") == "*",
          f"{st} {b!r}")
    st, h, b = ask(r, base + "index.m3u8", "OPTIONS")
    check("preflight: 204 with the methods", st == 204 and "GET" in h.get("access-control-allow-methods", ""),
          f"{st} {h}")
    st, h, b = ask(r, base + "index.m3u8", "POST")
    check("POST on HLS: 405 with CORS", st == 405 and h.get("access-control-allow-origin") == "*", f"{st}")
    st, h, b = ask(r, base + "index.m3u8")
    check("the same connection still answers", st == 200, f"{st}")

    # 2. pipelined: four requests in one packet, answered in order (after
    # one request; the first ones of a new connection are checked in 8)
    s2 = conn()
    r2 = Reader(s2)
    st, h, b = ask(r2, base + "index.m3u8")
    s2.sendall(req(base + "index.m3u8") + req(base + segs[-1]) + req(base + segs[-1], "HEAD") + req(base + parts[-1]))
    a = r2.response()
    b2 = r2.response()
    c = r2.response(head=True)
    d = r2.response()
    check("pipelined: four answers in order", a[0] == 200 and a[2].startswith(b"#EXTM3U") and b2[2] == seg and
          c[0] == 200 and int(c[1]["content-length"]) == len(seg) and d[0] == 200, f"{a[0]} {b2[0]} {c[0]} {d[0]}")
    # 3. one request split over several packets
    raw = req(base + segs[-1])
    for i in range(0, len(raw), 7):
        s2.sendall(raw[i:i + 7])
        time.sleep(0.02)
    st, h, b = r2.response()
    check("a request split over packets", st == 200 and b == seg, f"{st}")
    # 4. the API on a connection that served HLS: handed back, then closed
    st, h, b = ask(r2, "/api/streams")
    ok = st == 200 and any(x["live_id"] == LID for x in json.loads(b)["streams"])
    check("the API on an HLS connection", ok and h.get("access-control-allow-origin") == "*", f"{st} {b[:100]!r}")
    check("... and the connection closes after it", r2.closed(), "still open")
    s2.close()

    # 5. HTTP-FLV after HLS on one connection
    s3 = conn()
    r3 = Reader(s3)
    st, h, b = ask(r3, base + segs[-1])
    s3.sendall(req(f"/live/{LID}.flv"))
    while b"\r\n\r\n" not in r3.buf or len(r3.buf.split(b"\r\n\r\n", 1)[1]) < 13:
        r3.fill()
    hh, body = r3.buf.split(b"\r\n\r\n", 1)
    check("HTTP-FLV on an HLS connection", hh.startswith(b"HTTP/1.1 200") and b"video/x-flv" in hh and
          body[:3] == b"FLV", f"{hh[:80]!r}")
    s3.close()

# 6. closing: HTTP/1.0, Connection: close, a huge header, garbage
for name, data, want in [
    ("HTTP/1.0 closes", f"GET {base}index.m3u8 HTTP/1.0\r\n\r\n".encode(), 200),
    ("Connection: close closes", req(base + "index.m3u8", extra="Connection: close\r\n"), 200),
    ("a header over 8 KiB: 431, closed", req(base + "index.m3u8", extra="X-Big: " + "a" * 9000 + "\r\n"), 431),
    ("a malformed request: 400, closed", b"HELLO\r\n\r\n", 400),
]:
    sx = conn()
    rx = Reader(sx)
    if want != 200:  # the connection is a lent one first
        st0, _, _ = ask(rx, base + "index.m3u8")
    sx.sendall(data)
    try:
        st, h, b = rx.response()
        ok = st == want and h.get("access-control-allow-origin") == "*" and rx.closed()
        check(name, ok, f"{st} {h}")
    except (EOFError, OSError) as e:
        check(name, False, repr(e))
    sx.close()

# 7. a client that leaves mid-request and one that leaves mid-answer
sx = conn()
sx.sendall(req(base + "index.m3u8"))
sx.sendall(b"GET /live/")
sx.close()
sx = conn()
sx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
if segs:
    sx.sendall(req(base + segs[-1]) * 20)
time.sleep(0.2)
sx.close()
s = conn()
r = Reader(s)
st, h, b = ask(r, base + "index.m3u8")
check("the relay answers after clients left mid-way", st == 200, f"{st}")

# 8. a new connection's first requests, as the relay accepts them itself
if segs:
    sx = conn()
    rx = Reader(sx)
    sx.sendall(req(base + "index.m3u8") + req(base + segs[-1]) + req(base + segs[-1], "HEAD"))
    try:
        a = rx.response()
        b2 = rx.response()
        c = rx.response(head=True)
        check("a new connection's first requests pipelined: three answers in order",
              a[0] == 200 and a[2].startswith(b"#EXTM3U") and b2[0] == 200 and b2[2] == seg and c[0] == 200
              and int(c[1]["content-length"]) == len(seg), f"{a[0]} {b2[0]} {c[0]}")
    except (EOFError, OSError) as e:
        check("a new connection's first requests pipelined: three answers in order", False, repr(e))
    sx.close()
# the API first: libmicrohttpd answers it and keeps the connection, which
# may then carry HLS
sx = conn()
rx = Reader(sx)
st, h, b = ask(rx, "/api/streams")
check("the API as a new connection's first request", st == 200 and
      any(x["live_id"] == LID for x in json.loads(b)["streams"]), f"{st} {b[:100]!r}")
st, h, b = ask(rx, "/healthz")
check("... the connection kept for the next API request", st == 200 and b"ok" in b, f"{st} {b[:100]!r}")
st, h, b = ask(rx, base + "index.m3u8")
check("... then HLS on it", st == 200 and b.startswith(b"#EXTM3U"), f"{st} {b[:60]!r}")
st, h, b = ask(rx, base + "index.m3u8")
check("... and again", st == 200 and b.startswith(b"#EXTM3U"), f"{st}")
sx.close()
# first requests split over packets: the relay waits for the whole header
for path, want in [("/api/streams", b'"streams"'), (base + "index.m3u8", b"#EXTM3U")]:
    sx = conn()
    rx = Reader(sx)
    raw = req(path)
    for i in range(0, len(raw), 5):
        sx.sendall(raw[i:i + 5])
        time.sleep(0.02)
    st, h, b = rx.response()
    check(f"a new connection's first request split over packets ({path.split('/')[1]})", st == 200 and want in b,
          f"{st} {b[:60]!r}")
    sx.close()
# headers larger than a connection's own buffer (2 KiB), under 8 KiB:
# answered, as a new connection's first request and as a later one
sx = conn()
rx = Reader(sx)
big = "X-Big: " + "b" * 5000 + "\r\n"
try:
    st, h, b = ask(rx, base + "index.m3u8", extra=big)
    st2, h2, b2 = ask(rx, base + "index.m3u8", extra=big)
    st3, h3, b3 = ask(rx, base + "index.m3u8")
    check("a 5 KiB header, first and later on a connection", st == 200 and st2 == 200 and st3 == 200 and
          b3.startswith(b"#EXTM3U"), f"{st} {st2} {st3}")
except (EOFError, OSError) as e:
    check("a 5 KiB header, first and later on a connection", False, repr(e))
sx.close()
# a connection that sends nothing and one that closes at once
idle = conn()
gone = conn()
gone.close()
sx = conn()
rx = Reader(sx)
st, h, b = ask(rx, base + "index.m3u8")
check("the relay answers beside a silent connection", st == 200, f"{st}")
sx.close()
idle.close()
