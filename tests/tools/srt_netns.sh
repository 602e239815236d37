#!/usr/bin/env bash
# srt_netns.sh - the netem part of tests/integration/relay_srt.sh, run by it
# as `unshare -rn srt_netns.sh ...` inside a network namespace of its own:
# loopback up with 5 % loss (tc netem), the shop reached through
# unix_bridge.py, a relay on the namespace's loopback, an ffmpeg SRT
# publisher for 30 s; writes OUT/hls (hls_watch.py over 6 s) and
# OUT/streams.json (/api/streams at the end). Exits 3 when netem cannot be
# had. SRT_NETNS_NO_NETEM=1 leaves the loss out (to try the plumbing on a
# kernel without netem).
#   srt_netns.sh RELAY SHOP_SOCK SHOP_PORT STREAM_KEY LIVE_ID CLIP OUT
set -u
RELAY=$1 SOCK=$2 SHOP_PORT=$3 KEY=$4 ID=$5 CLIP=$6 OUT=$7
TOOLS=$(cd "$(dirname "$0")" && pwd)
HPORT=18081 SPORT=18890 RPORT=19350 # the namespace's own loopback: nobody else there
mkdir -p "$OUT"
ip link set lo up || exit 3
if [ "${SRT_NETNS_NO_NETEM-}" != 1 ]; then
    tc qdisc add dev lo root netem loss 5% || exit 3
fi
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; wait' EXIT
python3 "$TOOLS/unix_bridge.py" tcp "$SHOP_PORT" "$SOCK" 40 "$OUT/bridge.ready" &
PIDS+=($!)
for _ in $(seq 1 300); do # python starts slowly on a loaded machine
    [ -e "$OUT/bridge.ready" ] && break
    sleep 0.1
done
FARMLIVE_RTMP_PORT=$RPORT FARMLIVE_RELAY_HTTP_PORT=$HPORT FARMLIVE_SRT_PORT=$SPORT FARMLIVE_LIVE_GRACE=3 \
    FARMLIVE_SHOP_INTERNAL_URL=http://127.0.0.1:$SHOP_PORT FARMLIVE_VAR_DIR=$OUT/var "$RELAY" serve >"$OUT/relay.log" 2>&1 &
RELAY_PID=$!
PIDS+=($RELAY_PID)
for _ in $(seq 1 300); do
    curl -fsS -o /dev/null "http://127.0.0.1:$HPORT/healthz" 2>/dev/null && break
    sleep 0.1
done
timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$CLIP" -t 30 -c copy -f mpegts \
    "srt://127.0.0.1:$SPORT?streamid=$KEY" >"$OUT/push.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do
    curl -s "http://127.0.0.1:$HPORT/api/streams" | grep -q '"publishing": *true' && break
    sleep 0.1
done
python3 "$TOOLS/hls_watch.py" "http://127.0.0.1:$HPORT" 6 "$ID" >"$OUT/hls" 2>"$OUT/hls.err" &
WATCH=$!
sleep 5
curl -s "http://127.0.0.1:$HPORT/api/streams" >"$OUT/streams.json" # while it still publishes
wait "$WATCH"
echo "done: $(wc -c <"$OUT/streams.json") bytes of /api/streams"
