#!/usr/bin/env python3
"""hls_watch.py - how steadily LL-HLS playlists grow, seen as a player sees
them: blocking playlist reloads (RFC 8216bis 6.2.5.2) for the part after
the newest one, one thread and one keep-alive connection per stream.

    hls_watch.py BASE_URL SECONDS LIVE_ID...

Prints one line per live id: "LIVE_ID PARTS MAX_GAP_MS [ERROR]", the new
parts seen and the longest wait between two of them (from the first part
seen to the end of the watch, so a playlist that stops growing shows the
wait since), and what stopped the watch early, if anything. A playlist not
there yet is asked for again every 100 ms."""
import http.client
import re
import sys
import threading
import time
import urllib.parse

PART = re.compile(r'^#EXT-X-PART:.*URI="([^"]+)"', re.M)


def next_part(text):
    """(msn, part) of the part after the newest one in the playlist."""
    seq = int(re.search(r'^#EXT-X-MEDIA-SEQUENCE:(\d+)', text, re.M).group(1))
    body = text.split('\n')
    done = sum(1 for line in body if line.startswith('#EXTINF'))
    after_last = 0
    for line in body:
        if line.startswith('#EXTINF'):
            after_last = 0
        elif line.startswith('#EXT-X-PART:'):
            after_last += 1
    return seq + done, after_last


def watch(base, secs, live_id, out):
    try:
        watch_one(base, secs, live_id, out)
    except Exception as e:  # reported, not lost with the thread
        parts, gap = out.get(live_id, (0, 0))[:2]
        out[live_id] = (parts, gap, '%s: %s' % (type(e).__name__, e))


def watch_one(base, secs, live_id, out):
    u = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    path = '/live/%s/index.m3u8' % live_id
    end = time.monotonic() + secs
    last_uri, last_t, gap, parts, query = None, None, 0, 0, ''
    while time.monotonic() < end:
        try:
            conn.request('GET', path + query)
            r = conn.getresponse()
            text = r.read().decode()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
            time.sleep(0.1)
            continue
        now = time.monotonic()
        uris = PART.findall(text) if r.status == 200 else []
        if not uris:
            query = ''
            time.sleep(0.1)
            continue
        if uris[-1] != last_uri:
            if last_t is not None:
                gap = max(gap, now - last_t)
            last_uri, last_t = uris[-1], now
            parts += 1
            out[live_id] = (parts, int(gap * 1000))
        msn, part = next_part(text)
        query = '?_HLS_msn=%d&_HLS_part=%d' % (msn, part)
    if last_t is not None:
        gap = max(gap, time.monotonic() - last_t)
    out[live_id] = (parts, int(gap * 1000))


def main():
    base, secs, ids = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    out = {}
    threads = [threading.Thread(target=watch, args=(base, secs, i, out)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in ids:
        r = out.get(i, (0, 0))
        print('%s %d %d%s' % (i, r[0], r[1], ' ' + r[2] if len(r) > 2 else ''))


if __name__ == '__main__':
    main()
