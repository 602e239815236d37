#!/usr/bin/env bash
# bench-relay.sh - the relay benchmark (issue 5): HTTP-FLV fan-out against
# nginx-rtmp, and latency.
#
#   BIN_DIR=bin ops/bench-relay.sh
#
# 1. fan-out: a 600 kbps H.264/AAC clip (640x360, 25 fps, 1 s GOP) pushed
#    by ffmpeg (-re, looped, -c copy) to bin/farmlive-relay; N HTTP-FLV
#    viewers from bin/bench-flv_load (one epoll process) for each N of
#    RELAY_RAMP; relay CPU from /proc/PID/stat (utime+stime) over the
#    measured window. Reported: CPU % of one core, marginal CPU per viewer
#    ((cpu - idle cpu) / N), stalls, publisher -> viewer delay p95 at that
#    N, relay memory per viewer (VmRSS over the publisher-only figure / N),
#    and the largest N held within one core with no stalls. The ramp goes
#    on until a core is used, a viewer stalls or the load client saturates
#    (under 90 % of the stream's bitrate per viewer).
#    The same clip pushed to Debian's nginx with libnginx-mod-rtmp
#    (worker_processes 1, hls on, 1 s fragments): for each N of
#    RELAY_NGINX_RAMP, N RTMP players from the same load client
#    (bench-flv_load rtmp: handshake, connect, play) and N HLS players
#    (bench-flv_load hls: playlist every target duration, every new
#    segment, keep-alive); nginx CPU (master + worker) the same way.
#    Ratios: relay CPU per HTTP-FLV viewer / nginx CPU per RTMP player,
#    and relay CPU per HLS player / nginx CPU per HLS player, both at the
#    same N in the same run (targets <= 0.6 and <= 0.5).
# 2. latency: publisher -> viewer delay of HTTP-FLV tags (wall clock minus
#    the publisher's start, taken as the relay's publish time, minus the
#    tag's timestamp), time to first frame of a new viewer, the
#    HLS live edge's age (now - PROGRAM-DATE-TIME - duration when a segment
#    first appears, seen by RELAY_HLS_POLL_MS polling so that the polling
#    phase does not inflate it) and an HLS player's delay: hls.js's
#    defaults (lowLatencyMode on) play PART-HOLD-BACK (3 x 0.2 s parts)
#    behind the LL-HLS part edge, so PART-HOLD-BACK + the part edge's age
#    (now - the newest EXT-X-PART's end, its segment's PROGRAM-DATE-TIME
#    plus the parts' DURATIONs, when it first appears, same fast polling);
#    hls.js itself (tests/browser/hlsjs_latency.mjs, npm) plays the stream
#    in Debian's Chromium for 15 s and reports its latency; and
#    a player without LL-HLS (or hls.js with lowLatencyMode off) plays
#    liveSyncDurationCount (3) target durations behind the segment edge,
#    so about 3 x 1 s + the segment edge's age.
#
# 3. glass to glass: bench/clock_publisher.py (GStreamer, its wall clock
#    burnt into the picture) pushes to the relay; hls.js (defaults, then
#    allowed to catch up: maxLiveSyncPlaybackRate 1.5) and mpegts.js (live
#    low-latency settings) in Chromium play it
#    (tests/browser/glass_delay.mjs) and save the playing frame every
#    500 ms with the capture's wall clock; tesseract reads the clock back:
#    delay = capture - clock in the picture (targets: HLS <= 2 s, HTTP-FLV
#    <= 1 s).
#
# The shop is replaced by a stub answering the publish callback (key
# "benchkey" is live id "bench", any other key its own live id). Everything runs on this machine: the load client and
# ffmpeg share its CPUs with the server measured.
#
# Settings: RELAY_BENCH_PARTS (the parts to run, any of "flv latency hls
# glass"; all by default: "hls" alone measures the relay's HLS and nginx's
# HLS at each N of RELAY_NGINX_RAMP and nothing else), BIN_DIR (bin), RELAY_RAMP ("500 1000 2000 3000 5000 7500 10000"),
# RELAY_NGINX_RAMP ("500 1000 2000 3000"), RELAY_BENCH_SECONDS (10),
# RELAY_HLS_POLL_MS (10), RELAY_BENCH_OUT (var/bench/relay.txt). Exit 0 when
# the relay was measured.
set -uo pipefail
cd "$(dirname "$0")/.."
. ops/lib.sh
BIN_DIR=${BIN_DIR:-bin}
RAMP=${RELAY_RAMP:-500 1000 2000 3000 5000 7500 10000}
NGX_RAMP=${RELAY_NGINX_RAMP:-500 1000 2000 3000}
SECS=${RELAY_BENCH_SECONDS:-10}
HLS_POLL_MS=${RELAY_HLS_POLL_MS:-10}
OUT=${RELAY_BENCH_OUT:-var/bench/relay.txt}
PARTS=" ${RELAY_BENCH_PARTS:-flv latency hls glass} "
part() { case $PARTS in *" $1 "*) return 0 ;; esac; return 1; }
LOAD=$BIN_DIR/bench-flv_load
RELAY=$BIN_DIR/farmlive-relay
HZ=$(getconf CLK_TCK)
for b in "$LOAD" "$RELAY"; do
    [ -x "$b" ] || { echo "bench-relay: $b missing (make $b)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/farmlive-relay-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ -f "$TMP/nginx.pid" ] && kill -TERM "$(cat "$TMP/nginx.pid")" 2>/dev/null
    sleep 0.3
    rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || true

say() { printf '%s\n' "$*" | tee -a "$TMP/report"; }
# cpu_ticks PID... -> utime+stime of those processes, in clock ticks
cpu_ticks() {
    local t=0 p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$t"
}
# measure "PIDS" CMD... -> runs CMD, sets CPU_PCT (% of one core over its run) and RESULT (its stdout)
measure() {
    local pids=$1; shift
    local c0 c1 t0 t1
    c0=$(cpu_ticks $pids); t0=$(date +%s%N)
    RESULT=$("$@")
    c1=$(cpu_ticks $pids); t1=$(date +%s%N)
    CPU_PCT=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", 100 * c / hz / (ns / 1e9) }')
}
idle_cpu() { # idle_cpu "PIDS" SECONDS -> % of one core
    local c0 c1
    c0=$(cpu_ticks $1); sleep "$2"; c1=$(cpu_ticks $1)
    awk -v c=$((c1 - c0)) -v hz="$HZ" -v s="$2" 'BEGIN { printf "%.1f", 100 * c / hz / s }'
}
jget() { printf '%s' "$1" | jq -r "$2"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# measure_rss "PIDS" RSS_PID CMD... -> measure, and RSS_KB: RSS_PID's VmRSS
# sampled at the end of the run's measured window (while the viewers are on)
measure_rss() {
    local pids=$1 rpid=$2
    shift 2
    (sleep $((SECS + 2)); rss_kb "$rpid" >"$TMP/rss") &
    local sampler=$!
    measure "$pids" "$@"
    wait "$sampler"
    RSS_KB=$(cat "$TMP/rss")
}

# -- the clip and the stub shop ----------------------------------------------
CLIP=$TMP/clip600.flv
ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=sample_rate=44100 \
    -c:v libx264 -preset veryfast -tune zerolatency -b:v 530k -maxrate 560k -bufsize 560k -pix_fmt yuv420p \
    -g 25 -keyint_min 25 -sc_threshold 0 -c:a aac -b:a 64k -t 60 "$CLIP" || exit 1

SHOP_PORT=$(free_port)
cat >"$TMP/shop.py" <<'PY'
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        key = json.loads(self.rfile.read(int(self.headers.get('Content-Length') or 0)) or b'{}').get('stream_key')
        body = json.dumps({"live_id": "bench" if key == "benchkey" else key} if self.path.endswith('/publish') else {}).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
python3 "$TMP/shop.py" "$SHOP_PORT" & PIDS+=($!)
for _ in $(seq 1 50); do
    curl -sf -X POST -d '{}' "http://127.0.0.1:$SHOP_PORT/internal/v1/live/publish" >/dev/null && break
    sleep 0.1
done

# -- the relay ---------------------------------------------------------------------
RTMP_PORT=$(free_port) HTTP_PORT=$(free_port)
FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$HTTP_PORT FARMLIVE_VAR_DIR=$TMP/var \
    FARMLIVE_SHOP_INTERNAL_URL=http://127.0.0.1:$SHOP_PORT FARMLIVE_INTERNAL_SECRET=bench \
    FARMLIVE_LOG_LEVEL=warn "$RELAY" serve 2>"$TMP/relay.log" & RELAY_PID=$!
PIDS+=($RELAY_PID)
wait_http "http://127.0.0.1:$HTTP_PORT/healthz" 20 "$RELAY_PID" || { tail -n 20 "$TMP/relay.log"; exit 1; }
ffmpeg -loglevel error -re -stream_loop -1 -i "$CLIP" -c copy -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/benchkey" \
    2>"$TMP/push.log" & PIDS+=($!)
for _ in $(seq 1 50); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/live/bench/index.m3u8" >/dev/null && break
    sleep 0.2
done
curl -sf "http://127.0.0.1:$HTTP_PORT/live/bench/index.m3u8" >/dev/null || {
    echo "bench-relay: the relay never served the stream" >&2; tail -n 20 "$TMP/relay.log" "$TMP/push.log" >&2; exit 1; }

# the publisher's start on the wall clock: now minus the stream's uptime in
# the relay (its publish; the publisher sends timestamp 0 right after)
PUB_START=$(curl -sf "http://127.0.0.1:$HTTP_PORT/api/streams" |
    jq -r --arg now "$(date +%s%3N)" '($now | tonumber) - (.streams[0].uptime_s * 1000) | floor')
: >"$TMP/report"
say "relay benchmark: one 600 kbps stream (640x360 25 fps, 1 s GOP), $(nproc) CPUs shared by server, load client and ffmpeg"
R_IDLE=$(idle_cpu "$RELAY_PID" 5)
say "farmlive-relay, publisher only (ingest + HLS + MP4 recording + thumbnails): ${R_IDLE}% of one core"
say ""
BEST=0
declare -A R_PER
if part flv; then
R_RSS0=$(rss_kb "$RELAY_PID")
say "HTTP-FLV fan-out (farmlive-relay); publisher only: ${R_RSS0} kB resident"
say "$(printf '%8s %8s %10s %12s %8s %8s %10s %11s %10s' viewers alive 'kbps/view' 'relay CPU%' 'us/view' stalls 'ttff p95' 'delay p95' 'kB/view')"
for N in $RAMP; do
    measure_rss "$RELAY_PID" "$RELAY_PID" "$LOAD" flv "http://127.0.0.1:$HTTP_PORT/live/bench.flv" "$N" "$SECS" "$PUB_START"
    per=$(awk -v c="$CPU_PCT" -v i="$R_IDLE" -v n="$N" 'BEGIN { v = (c - i) * 1e4 / n; printf "%.1f", v < 0 ? 0 : v }')
    R_PER[$N]=$per
    alive=$(jget "$RESULT" .alive) stalls=$(jget "$RESULT" .stalls) kbps=$(jget "$RESULT" .kbps_per_viewer)
    kb=$(awk -v r="$RSS_KB" -v r0="$R_RSS0" -v n="$N" 'BEGIN { printf "%.1f", (r - r0) / n }')
    say "$(printf '%8s %8s %10s %12s %8s %8s %10s %11s %10s' "$N" "$alive" "$kbps" "$CPU_PCT" "$per" "$stalls" "$(jget "$RESULT" .first_frame_ms.p95)" "$(jget "$RESULT" .delay_ms.p95)" "$kb")"
    if [ "$stalls" = 0 ] && [ "$alive" = "$N" ] && awk -v c="$CPU_PCT" 'BEGIN { exit !(c < 100) }'; then BEST=$N; fi
    if [ "$stalls" != 0 ] || [ "$alive" != "$N" ] || awk -v c="$CPU_PCT" -v k="$kbps" 'BEGIN { exit !(c >= 100 || k < 540) }'; then
        say "(the ramp stops at $N: a core used, a stall, a viewer lost ($(jget "$RESULT" .failed) failed to connect,"
        say " $(jget "$RESULT" .closed) closed), or the load client under 90 % of 600 kbps a viewer)"
        break
    fi
done
say "(us/view: marginal relay CPU per viewer, microseconds per second; CPU% includes the publisher's work;"
say " kB/view: relay resident memory over the publisher-only figure, per viewer)"
say "largest N measured within one core, no stalls: $BEST"
fi

if part latency; then
say ""
say "latency (farmlive-relay)"
measure "$RELAY_PID" "$LOAD" flv "http://127.0.0.1:$HTTP_PORT/live/bench.flv" 20 "$SECS" "$PUB_START"
say "  HTTP-FLV publisher->viewer delay p50 $(jget "$RESULT" .delay_ms.p50) ms, p95 $(jget "$RESULT" .delay_ms.p95) ms (target <= 1000)"
say "  HTTP-FLV time to first frame p50 $(jget "$RESULT" .first_frame_ms.p50) ms, p95 $(jget "$RESULT" .first_frame_ms.p95) ms (target <= 500)"
measure "$RELAY_PID" "$LOAD" hls "http://127.0.0.1:$HTTP_PORT/live/bench/index.m3u8" 5 "$SECS" "$HLS_POLL_MS"
EDGE=$(jget "$RESULT" .hls_edge_age_ms.p50)
say "  HLS live edge age (playlist polled every $HLS_POLL_MS ms) p50 ${EDGE} ms, p95 $(jget "$RESULT" .hls_edge_age_ms.p95) ms"
# A negative age: the date origin (the muxer's start, at the epoch's first
# keyframe) lags the media's arrival; the player's delay cannot be below
# its hold-back, so the age counts from 0 there.
EDGE0=$((EDGE > 0 ? EDGE : 0))
PEDGE=$(jget "$RESULT" .hls_part_edge_age_ms.p50) PHB=$(jget "$RESULT" .part_hold_back_ms)
say "  LL-HLS part edge age (same polling) p50 ${PEDGE} ms, p95 $(jget "$RESULT" .hls_part_edge_age_ms.p95) ms"
if [ "${PHB:--1}" -ge 0 ] && [ "${PEDGE:--1}" != -1 ]; then
    PEDGE0=$((PEDGE > 0 ? PEDGE : 0))
    say "  LL-HLS player delay, hls.js defaults (low-latency mode: PART-HOLD-BACK $PHB ms behind the part edge) >= $((PEDGE0 + PHB)) ms (target <= 3000)"
else
    say "  LL-HLS: the playlist has no parts / PART-HOLD-BACK"
fi
say "  HLS player delay without LL-HLS (3 x 1 s target duration behind the segment edge) >= $((EDGE0 + 3000)) ms, with 1 segment >= $((EDGE0 + 1000)) ms"
measure "$RELAY_PID" "$LOAD" hls "http://127.0.0.1:$HTTP_PORT/live/bench/index.m3u8" 20 "$SECS"
say "  (polled every target duration like a player: edge age p50 $(jget "$RESULT" .hls_edge_age_ms.p50) ms, depends on the players' common phase)"
say "  HLS time to first segment p50 $(jget "$RESULT" .first_frame_ms.p50) ms"
# a real player: hls.js (npm, its defaults: low-latency mode) in Chromium
if command -v node >/dev/null && [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
    [ -d tests/browser/node_modules/hls.js ] ||
        (cd tests/browser && npm install --no-audit --no-fund --loglevel=error >/dev/null 2>&1)
    HLSJS=$(cd tests/browser && node hlsjs_latency.mjs "http://127.0.0.1:$HTTP_PORT/live/bench/index.m3u8" 15 \
        2>"$TMP/hlsjs.log" | tail -n 1)
    case $HLSJS in
    hlsjs:*)
        say "  hls.js $(jq -r .version tests/browser/node_modules/hls.js/package.json 2>/dev/null) in Chromium (defaults): $(printf '%s' "$HLSJS" |
            sed 's/^hlsjs: //') (behind_ms: now - the playing frame's program date; target <= 3000)" ;;
    *) say "  hls.js in Chromium: did not play ($(tail -n 3 "$TMP/hlsjs.log" | tr '\n' ' '))" ;;
    esac
fi
fi
declare -A R_HLS_PER
part hls && for N in $NGX_RAMP; do
    measure "$RELAY_PID" "$LOAD" hls "http://127.0.0.1:$HTTP_PORT/live/bench/index.m3u8" "$N" "$SECS"
    R_HLS_PER[$N]=$(awk -v c="$CPU_PCT" -v i="$R_IDLE" -v n="$N" 'BEGIN { v = (c - i) * 1e4 / n; printf "%.1f", v < 0 ? 0 : v }')
    say "  farmlive-relay HLS, $N players (non-LL, as nginx's): ${CPU_PCT}% CPU, ${R_HLS_PER[$N]} us/viewer, stalls $(jget "$RESULT" .stalls)"
done

# -- glass to glass --------------------------------------------------------------------
# glass_read DIR -> "N P50 P95 MIN MAX" (ms) over DIR/CAPTURE_MS.png frames
glass_read() {
    local f at txt
    for f in "$1"/*.png; do
        [ -e "$f" ] || continue
        at=$(basename "$f" .png)
        txt=$(tesseract "$f" - --psm 7 -c tessedit_char_whitelist=0123456789:. 2>/dev/null | tr -d ' \n')
        printf '%s %s\n' "$at" "$txt"
    done | awk -F'[ :.]' 'NF == 5 && length($5) == 3 {
            day = $1 - $1 % 86400000
            shown = day + $2 * 3600000 + $3 * 60000 + $4 * 1000 + $5
            d = $1 - shown
            if (d < -43200000) d += 86400000
            if (d >= 0 && d < 60000) print d
        }' | sort -n | awk '{ v[NR] = $1 } END {
            if (NR == 0) { print "0 - - - -"; exit }
            printf "%d %d %d %d %d\n", NR, v[int((NR + 1) / 2)], v[int(NR * 0.95 + 0.999)], v[1], v[NR] }'
}
say ""
if ! part glass; then
    :
elif [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import gi' 2>/dev/null && command -v tesseract >/dev/null &&
    gst-inspect-1.0 textoverlay >/dev/null 2>&1 && command -v node >/dev/null; then
    [ -d tests/browser/node_modules/mpegts.js ] ||
        (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1)
    /usr/bin/python3 bench/clock_publisher.py "rtmp://127.0.0.1:$RTMP_PORT/live/glass" 150 2>"$TMP/clock.log" &
    CLOCK_PID=$!
    PIDS+=($CLOCK_PID)
    wait_http "http://127.0.0.1:$HTTP_PORT/live/glass/index.m3u8" 20 || say "glass-to-glass: the clock publisher's stream never came ($(tail -n 2 "$TMP/clock.log"))"
    # hls.js twice: its defaults, and allowed to catch up (it otherwise
    # stays as far behind as it started, at the GOP's keyframe)
    for run in hls flv hls-catchup; do
        kind=${run%-catchup} cfg='{}' player="hls.js (defaults)" target=2000
        url=http://127.0.0.1:$HTTP_PORT/live/glass/index.m3u8
        [ $run = hls-catchup ] && cfg='{"maxLiveSyncPlaybackRate":1.5}' player="hls.js (maxLiveSyncPlaybackRate 1.5)"
        [ $kind = flv ] && url=http://127.0.0.1:$HTTP_PORT/live/glass.flv player="mpegts.js (live low-latency)" target=1000
        (cd tests/browser && node glass_delay.mjs "$kind" "$url" 30 "$TMP/glass-$run" "$cfg" >"$TMP/glass-$run.log" 2>&1)
        read -r n p50 p95 lo hi < <(glass_read "$TMP/glass-$run")
        say "glass to glass, $kind in $player, Chromium: p50 ${p50} ms, p95 ${p95} ms (min $lo, max $hi; $n frames read) (target <= $target ms)"
    done
    kill -TERM "$CLOCK_PID" 2>/dev/null
else
    say "glass-to-glass: needs /usr/bin/python3 with gi, tesseract, GStreamer's textoverlay and node (ops/install-deps.sh bench)"
fi

# -- nginx-rtmp ------------------------------------------------------------------------
MOD=/usr/lib/nginx/modules/ngx_rtmp_module.so
if ! part flv && ! part hls; then
    mkdir -p "$(dirname "$OUT")" && cp "$TMP/report" "$OUT"
    exit 0
fi
if [ ! -f "$MOD" ] || ! command -v nginx >/dev/null; then
    say ""
    say "nginx-rtmp: not installed (ops/install-deps.sh bench installs libnginx-mod-rtmp); no ratio"
    mkdir -p "$(dirname "$OUT")" && cp "$TMP/report" "$OUT"
    exit 0
fi
N_RTMP=$(free_port) N_HTTP=$(free_port)
mkdir -p "$TMP/nginx/hls" "$TMP/nginx/logs"
cat >"$TMP/nginx/nginx.conf" <<CONF
load_module $MOD;
user root root;
worker_processes 1;
daemon on;
pid $TMP/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 20000; }
rtmp {
    server {
        listen 127.0.0.1:$N_RTMP;
        chunk_size 4096;
        application live {
            live on;
            hls on;
            hls_path $TMP/nginx/hls;
            hls_fragment 1s;
            hls_playlist_length 6s;
        }
    }
}
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 65;
    server {
        listen 127.0.0.1:$N_HTTP;
        location /hls/ {
            types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
            alias $TMP/nginx/hls/;
            add_header Cache-Control no-cache;
        }
    }
}
CONF
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" || { say "nginx did not start"; exit 0; }
sleep 0.5
NGX_MASTER=$(cat "$TMP/nginx.pid")
NGX_PIDS="$NGX_MASTER $(pgrep -P "$NGX_MASTER" | tr '\n' ' ')"
ffmpeg -loglevel error -re -stream_loop -1 -i "$CLIP" -c copy -f flv "rtmp://127.0.0.1:$N_RTMP/live/bench" \
    2>"$TMP/push-nginx.log" & PIDS+=($!)
for _ in $(seq 1 50); do
    [ -f "$TMP/nginx/hls/bench.m3u8" ] && grep -q '\.ts' "$TMP/nginx/hls/bench.m3u8" 2>/dev/null && break
    sleep 0.2
done
sleep 3
N_IDLE=$(idle_cpu "$NGX_PIDS" 5)
say ""
say "nginx-rtmp (worker_processes 1), same clip: publisher only (ingest + HLS) ${N_IDLE}% of one core"
say "$(printf '%8s %6s %10s %10s %8s %7s %14s %10s %10s %8s %7s %14s' viewers \
    'alive' 'kbps/view' 'RTMP CPU%' 'us/view' stalls 'FLV/RTMP ratio' 'alive' 'HLS CPU%' 'us/view' stalls 'relay/ngx HLS')"
for N in $NGX_RAMP; do
    RT='{}' RT_CPU=- rper=0 RESULT='{}' CPU_PCT=- hper=0
    if part flv; then
        measure "$NGX_PIDS" "$LOAD" rtmp "rtmp://127.0.0.1:$N_RTMP/live/bench" "$N" "$SECS"
        RT=$RESULT RT_CPU=$CPU_PCT
        rper=$(awk -v c="$CPU_PCT" -v i="$N_IDLE" -v n="$N" 'BEGIN { v = (c - i) * 1e4 / n; printf "%.1f", v < 0 ? 0 : v }')
    fi
    part hls && measure "$NGX_PIDS" "$LOAD" hls "http://127.0.0.1:$N_HTTP/hls/bench.m3u8" "$N" "$SECS"
    part hls && hper=$(awk -v c="$CPU_PCT" -v i="$N_IDLE" -v n="$N" 'BEGIN { v = (c - i) * 1e4 / n; printf "%.1f", v < 0 ? 0 : v }')
    ratio=$(awk -v r="${R_PER[$N]:-0}" -v g="$rper" 'BEGIN { if (g > 0 && r > 0) printf "%.2f", r / g; else print "n/a" }')
    hratio=$(awk -v r="${R_HLS_PER[$N]:-0}" -v g="$hper" 'BEGIN { if (g > 0 && r > 0) printf "%.2f", r / g; else print "n/a" }')
    say "$(printf '%8s %6s %10s %10s %8s %7s %14s %10s %10s %8s %7s %14s' "$N" "$(jget "$RT" .alive)" "$(jget "$RT" .kbps_per_viewer)" \
        "$RT_CPU" "$rper" "$(jget "$RT" .stalls)" "$ratio" "$(jget "$RESULT" .alive)" "$CPU_PCT" "$hper" "$(jget "$RESULT" .stalls)" "$hratio")"
done
say "(FLV/RTMP ratio: relay CPU per HTTP-FLV viewer / nginx CPU per RTMP player, same load client, target <= 0.6;"
say " relay/ngx HLS: relay CPU per HLS player / nginx CPU per HLS player, target <= 0.5; both at the same N, this run)"

mkdir -p "$(dirname "$OUT")" && cp "$TMP/report" "$OUT"
exit 0
