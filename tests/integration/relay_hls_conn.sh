#!/usr/bin/env bash
# relay_hls_conn.sh - the viewers' keep-alive connections the relay serves
# outside libmicrohttpd (src/relay/hls_conn.c), over raw sockets
# (tests/integration/hls_conn_probe.py): many requests on one connection
# (playlist, segment, part, init, master, thumbnail, low rendition 404,
# the same connection throughout), pipelined requests answered in order, a
# request split over several packets, HEAD (the length, no body), a
# blocking reload answered when its part is out, a 404 and a 400 with CORS,
# a preflight, HTTP/1.0 and "Connection: close" closing, a header over
# 8 KiB (431, closed), a malformed request (400, closed), the relay's API
# and HTTP-FLV on a connection that carried HLS first (handed back /
# handed on), and idle connections that the client closes; a new
# connection's first requests (the relay accepts its port itself):
# pipelined, split over packets, the API first (libmicrohttpd answers it
# and keeps the connection, which may carry HLS next), a 5 KiB header
# (larger than a connection's own buffer), silent connections. Then hls.js-like
# polling by curl with keep-alive (one connection reused) and SIGTERM with
# connections open: the relay exits 0 with no sanitizer report.
#
# Starts its own relay ($RELAY_BIN, the sanitizer build) on free ports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
. "$(dirname "$0")/relay_lib.sh"

relay_need ffmpeg curl jq python3
LOG=$_TMP/relay.log

relay_serve "$LOG" FARMLIVE_LIVE_GRACE=60 FARMLIVE_VAR_DIR=$_TMP/var

TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
api POST /api/v1/live '{"title":"keep-alive test"}'
ID=$(jqr .id)
KEY=$(jqr .stream_key)
TOKEN=
check "the shop hands out a session" test ${#KEY} = 64

ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i "testsrc=size=320x240:rate=25" \
    -f lavfi -i "sine=frequency=440" -t 90 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 \
    -c:a aac -f flv "rtmp://127.0.0.1:$RPORT/live/$KEY" >>"$_TMP/ffmpeg.log" 2>&1 &
BG+=($!)
for _ in $(seq 1 150); do
    curl -s "$RB/live/$ID/index.m3u8" 2>/dev/null | grep -q '\.m4s' && break
    sleep 0.2
done
check "the playlist lists segments" sh -c "curl -s '$RB/live/$ID/index.m3u8' | grep -q '\\.m4s'"

OUT=$(python3 "$(dirname "$0")/hls_conn_probe.py" 127.0.0.1 "$HPORT" "$ID" 2>&1)
NOK=0
while IFS= read -r line; do
    case $line in
    "ok "*) ok; NOK=$((NOK + 1)) ;;
    "FAIL "*) bad "${line#FAIL }" ;;
    esac
done <<<"$OUT"
check "the probe ran every check ($NOK passed)" test "$NOK" -ge 37
[ "$NOK" -ge 37 ] || printf '%s\n' "$OUT" | grep -v '^ok ' | tail -n 20 >&2

# curl reuses one connection for several playlist and part fetches
PL=$(curl -s "$RB/live/$ID/index.m3u8")
PART=$(printf '%s\n' "$PL" | grep -o '[0-9]*-[0-9]*\.[0-9]*\.m4s' | tail -n 1)
N=$(curl -s -v -o /dev/null -o /dev/null -o /dev/null "$RB/live/$ID/index.m3u8" "$RB/live/$ID/$PART" \
    "$RB/live/$ID/index.m3u8" 2>&1 | grep -c 'Re-using existing connection')
check "curl reuses the connection (re-used $N times)" test "$N" -ge 2

# the relay's own counters see the requests served outside libmicrohttpd
curl -s "$RB/metrics" >"$_TMP/metrics"
check "the metrics count lent connections" grep -q '^farmlive_relay_http_lent_connections ' "$_TMP/metrics"

# connections left open at SIGTERM (one idle, one waiting on a blocking reload)
python3 - "$HPORT" "$ID" <<'PY' &
import socket, sys, time
a = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
a.sendall(f"GET /live/{sys.argv[2]}/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
b = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
b.sendall(f"GET /live/{sys.argv[2]}/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
time.sleep(30)
PY
HOLD=$!
BG+=("$HOLD")
sleep 1
kill -TERM "$RELAY_PID"
RC=0
wait "$RELAY_PID" || RC=$?
RELAY_PID=
check "the relay exits 0 on SIGTERM with connections open (exit $RC)" test "$RC" = 0
check "no sanitizer report" sh -c "! grep -q -E 'AddressSanitizer|LeakSanitizer|runtime error' '$LOG'"
kill "$HOLD" 2>/dev/null
finish
