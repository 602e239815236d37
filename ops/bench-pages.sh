#!/usr/bin/env bash
# bench-pages.sh - the buyer's pages on a weak mobile network (issue 14),
# run by `make bench` (BENCH_ONLY=pages) on the throwaway stack:
#
#   SHOP_URL=http://127.0.0.1:PORT BIN_DIR=bin ops/bench-pages.sh
#
# Starts a relay and a second shop pointed at it (the live room's video
# comes from the relay the shop names), makes a live session as the demo
# farmer, pushes a 540x960 test picture to it with ffmpeg, then loads home
# (/), the live room (/live/ID) and a product (/p/1) in Debian's Chromium
# (bench/pages.mjs: DevTools protocol, 1.6 Mbps down, 750 kbps up, 150 ms
# round trip, CPU slowed 4x, cold cache; BENCH_PAGE_RUNS loads each, 3,
# medians): bytes before the first contentful paint, the first contentful
# paint and the live room's first video frame. Targets: FCP <= 1.5 s,
# first frame <= 2.5 s. Results in BENCH_OUT (var/bench/pages.txt).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. ops/lib.sh
: "${SHOP_URL:?SHOP_URL must name the running shop}"
BIN_DIR=${BIN_DIR:-bin}
OUT=${BENCH_OUT:-var/bench/pages.txt}
mkdir -p "$(dirname "$OUT")"
command -v ffmpeg >/dev/null || { echo "bench-pages: ffmpeg is missing" >&2; exit 1; }
[ -d tests/browser/node_modules/playwright-core ] || { echo "bench-pages: tests/browser's npm modules are missing" >&2; exit 1; }
W=$(mktemp -d /tmp/farmlive-bench-pages.XXXXXX)
PIDS=()
done_pages() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$W"
}
trap done_pages EXIT

SECRET=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
PORT=$(free_port) RTMP=$(free_port) RELAY_HTTP=$(free_port)
RB=http://127.0.0.1:$RELAY_HTTP
S2=http://127.0.0.1:$PORT
FARMLIVE_SHOP_PORT=$PORT FARMLIVE_RELAY_URL=$RB FARMLIVE_RELAY_PUBLIC_BASE=$RB FARMLIVE_INTERNAL_SECRET=$SECRET \
    "$BIN_DIR"/farmlive-shop serve 2>"$W/shop.log" &
PIDS+=($!)
wait_http "$S2/healthz" 30 "${PIDS[0]}" || { tail -n 20 "$W/shop.log"; exit 1; }
mkdir -p "$W/relay"
FARMLIVE_RTMP_PORT=$RTMP FARMLIVE_RELAY_HTTP_PORT=$RELAY_HTTP FARMLIVE_SHOP_INTERNAL_URL=$S2 \
FARMLIVE_INTERNAL_SECRET=$SECRET FARMLIVE_VAR_DIR=$W/relay "$BIN_DIR"/farmlive-relay serve 2>"$W/relay.log" &
PIDS+=($!)
wait_http "$RB/healthz" 30 "${PIDS[1]}" || { tail -n 20 "$W/relay.log"; exit 1; }

TOKEN=$(curl -s -X POST -H 'Content-Type: application/json' \
    -d '{"login":"farmer@anyuan.example.com","password":"farmlive-demo"}' "$S2/api/v1/sessions" | jq -r .token)
LIVE=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"title":"弱网测试直播"}' "$S2/api/v1/live")
ID=$(printf '%s' "$LIVE" | jq -r .id)
KEY=$(printf '%s' "$LIVE" | jq -r .stream_key)
[ -n "$ID" ] && [ "$ID" != null ] || { echo "bench-pages: no live session: $LIVE" >&2; exit 1; }
ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i testsrc=size=540x960:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 900 -c:v libx264 -preset veryfast -b:v 800k -pix_fmt yuv420p \
    -g 25 -c:a aac -b:a 64k -f flv "rtmp://127.0.0.1:$RTMP/live/$KEY" >"$W/push.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 120); do
    [ "$(curl -s "$S2/api/v1/live/$ID" | jq -r .status)" = live ] && break
    sleep 0.5
done
sleep 6 # a few HLS segments, as a viewer arriving mid-session finds them

{
    echo "# pages on a weak network: 1.6 Mbps down, 750 kbps up, 150 ms RTT, CPU 4x slower; $(date -u +%FT%TZ)"
    echo "# (medians of ${BENCH_PAGE_RUNS:-3} cold loads; targets: FCP <= 1500 ms, live room first frame <= 2500 ms)"
    SHOP_URL=$S2 RUNS=${BENCH_PAGE_RUNS:-3} PAGES="home=/ live=/live/$ID product=/p/1" node bench/pages.mjs
} | tee "$OUT"
grep -q '"page":"live"' "$OUT" || exit 1
