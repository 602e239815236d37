#!/usr/bin/env bash
# bench-ingest.sh - many publishers at once (issue 17, benchmark 1): the
# relay's CPU and memory per ingested stream against nginx-rtmp's, in the
# same run.
#
#   BIN_DIR=bin ops/bench-ingest.sh        (BENCH_ONLY=ingest make bench)
#
# A 600 kbps H.264/AAC clip (640x360, 25 fps, 1 s GOP) made once. For each
# N of INGEST_RAMP, bin/bench-ingest_load (one process, one epoll) pushes
# it over RTMP to N streams at once, in real time and looped, to
#   - bin/farmlive-relay (release build, HLS + MP4 recording + thumbnails
#     as always) beside a stub shop answering its publish callback (each
#     key its own live id), then
#   - Debian's nginx with libnginx-mod-rtmp (worker_processes 1, live on,
#     hls on with 1 s fragments, ping off),
# and measures, after all of them publish and 5 s of settling,
# INGEST_BENCH_SECONDS of the server's CPU (utime + stime of its
# processes) and its resident memory at the end (the relay's over its
# resident memory before the step, per stream). The publishers stop and the
# streams end between steps. The ramp stops once the relay uses a core,
# a publisher is refused or dropped, or the pusher falls behind (a
# publisher holding 2 s of its bitrate unsent, or under 90 % of 600 kbps
# sent). Everything shares this machine's CPUs: the pusher, both servers
# (measured one at a time) and whatever else runs (the load average is
# printed).
#
# Settings: INGEST_RAMP ("10 50 100 150 200"), INGEST_BENCH_SECONDS (15),
# BIN_DIR (bin), INGEST_BENCH_OUT (var/bench/ingest.txt). Exit 0 when the
# relay was measured.
set -uo pipefail
cd "$(dirname "$0")/.."
. ops/lib.sh
BIN_DIR=${BIN_DIR:-bin}
RAMP=${INGEST_RAMP:-10 50 100 150 200}
SECS=${INGEST_BENCH_SECONDS:-15}
OUT=${INGEST_BENCH_OUT:-var/bench/ingest.txt}
RELAY=$BIN_DIR/farmlive-relay
PUSH=$BIN_DIR/bench-ingest_load
for b in "$PUSH" "$RELAY"; do
    [ -x "$b" ] || { echo "bench-ingest: $b missing (make $b)" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/farmlive-ingest-bench.XXXXXX)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    [ -f "$TMP/nginx.pid" ] && kill -TERM "$(cat "$TMP/nginx.pid")" 2>/dev/null
    sleep 0.3
    rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
say() { printf '%s\n' "$*" | tee -a "$TMP/report"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
jget() { printf '%s' "$1" | jq -r "$2"; }

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
        body = json.dumps({"live_id": key} if self.path.endswith('/publish') else {}).encode()
        self.send_response(200); self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
PY
python3 "$TMP/shop.py" "$SHOP_PORT" &
PIDS+=($!)
for _ in $(seq 1 100); do
    curl -sf -X POST -d '{}' "http://127.0.0.1:$SHOP_PORT/internal/v1/live/publish" >/dev/null && break
    sleep 0.1
done

RTMP_PORT=$(free_port) HTTP_PORT=$(free_port)
FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$HTTP_PORT FARMLIVE_VAR_DIR=$TMP/var \
    FARMLIVE_SHOP_INTERNAL_URL=http://127.0.0.1:$SHOP_PORT FARMLIVE_INTERNAL_SECRET=bench FARMLIVE_LIVE_GRACE=2 \
    FARMLIVE_LOG_LEVEL=warn "$RELAY" serve 2>"$TMP/relay.log" &
RELAY_PID=$!
PIDS+=($RELAY_PID)
wait_http "http://127.0.0.1:$HTTP_PORT/healthz" 20 "$RELAY_PID" || { tail -n 20 "$TMP/relay.log"; exit 1; }

# nginx-rtmp, started now and measured after the relay at each N
MOD=/usr/lib/nginx/modules/ngx_rtmp_module.so
NGX=0
if [ -f "$MOD" ] && command -v nginx >/dev/null; then
    N_RTMP=$(free_port)
    mkdir -p "$TMP/nginx/hls" "$TMP/nginx/logs"
    cat >"$TMP/nginx/nginx.conf" <<CONF
load_module $MOD;
user root root;
worker_processes 1;
daemon on;
pid $TMP/nginx.pid;
error_log $TMP/nginx/logs/error.log warn;
events { worker_connections 4096; }
rtmp {
    server {
        listen 127.0.0.1:$N_RTMP;
        chunk_size 4096;
        ping 0;
        application live {
            live on;
            hls on;
            hls_path $TMP/nginx/hls;
            hls_fragment 1s;
            hls_playlist_length 6s;
        }
    }
}
CONF
    if nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log"; then
        sleep 0.5
        NGX_MASTER=$(cat "$TMP/nginx.pid")
        NGX_PIDS="$NGX_MASTER,$(pgrep -P "$NGX_MASTER" | paste -sd,)"
        NGX=1
    fi
fi

# step URL PREFIX N PIDS -> RESULT (bench-ingest_load's JSON)
step() {
    RESULT=$("$PUSH" "$1" "$2" "$3" "$SECS" "$CLIP" "$4")
}
: >"$TMP/report"
say "ingest: N publishers at once of one 600 kbps clip (640x360 25 fps, 1 s GOP), one pusher process, $SECS s measured;"
say "relay: HLS + MP4 recording + thumbnails; nginx-rtmp: worker_processes 1, HLS (1 s fragments);"
say "$(nproc) CPUs shared by the servers, the pusher and whatever else runs (load $(cut -d' ' -f1-3 /proc/loadavg))"
say "$(printf '%6s | %6s %9s %8s %9s %9s | %6s %8s %9s %9s | %8s %8s' N \
    'up' 'kbps/pub' 'CPU%' 'us/stream' 'kB/stream' 'up' 'CPU%' 'us/stream' 'kB/stream' 'CPU x' 'mem x')"
BEST=0
for N in $RAMP; do
    r0=$(rss_kb "$RELAY_PID")
    step "rtmp://127.0.0.1:$RTMP_PORT/live" "s${N}_" "$N" "$RELAY_PID"
    R=$RESULT
    rpct=$(jget "$R" .cpu_pct) rup=$(jget "$R" .publishing) kbps=$(jget "$R" .kbps_per_publisher)
    rper=$(awk -v c="$rpct" -v n="$N" 'BEGIN { printf "%.0f", c * 1e4 / n }')
    rkb=$(awk -v r="$(jget "$R" .rss_kb)" -v r0="$r0" -v n="$N" 'BEGIN { printf "%.0f", (r - r0) / n }')
    sleep 4 # the grace period (2 s) ends the streams
    nup=- npct=- nper=- nkb=- cx=n/a mx=n/a
    if [ "$NGX" = 1 ]; then
        n0=$(rss_kb "$(cut -d, -f2 <<<"$NGX_PIDS")")
        # the worker's memory: pass it first
        step "rtmp://127.0.0.1:$N_RTMP/live" "s${N}_" "$N" "$(cut -d, -f2 <<<"$NGX_PIDS"),$NGX_MASTER"
        nup=$(jget "$RESULT" .publishing) npct=$(jget "$RESULT" .cpu_pct)
        nper=$(awk -v c="$npct" -v n="$N" 'BEGIN { printf "%.0f", c * 1e4 / n }')
        nkb=$(awk -v r="$(jget "$RESULT" .rss_kb)" -v r0="$n0" -v n="$N" 'BEGIN { printf "%.0f", (r - r0) / n }')
        cx=$(awk -v a="$rper" -v b="$nper" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
        mx=$(awk -v a="$rkb" -v b="$nkb" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
        sleep 2
    fi
    say "$(printf '%6s | %6s %9s %8s %9s %9s | %6s %8s %9s %9s | %8s %8s' "$N" "$rup" "$kbps" "$rpct" "$rper" "$rkb" \
        "$nup" "$npct" "$nper" "$nkb" "$cx" "$mx")"
    if [ "$rup" != "$N" ] || [ "$(jget "$R" .behind)" != 0 ] ||
        awk -v c="$rpct" -v k="$kbps" 'BEGIN { exit !(c >= 100 || k < 540) }'; then
        say "(the ramp stops at $N: $(jget "$R" .failed) publishers refused or dropped, $(jget "$R" .behind) behind, relay ${rpct}% of a core, ${kbps} kbps each)"
        break
    fi
    BEST=$N
done
say "(CPU%: of one core over the window; us/stream: microseconds of CPU per stream per second; kB/stream: resident"
say " memory over the figure before the step (nginx: its worker's), per stream; CPU x / mem x: relay / nginx-rtmp, same N)"
say "largest N with every publisher up and kept up, relay within one core: $BEST (target >= 100)"
[ "$NGX" = 1 ] || say "nginx-rtmp: not installed (ops/install-deps.sh bench installs libnginx-mod-rtmp); no ratio"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/report" "$OUT"
echo "bench-ingest: report in $OUT"
