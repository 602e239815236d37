#!/usr/bin/env bash
# bench-srt.sh - the relay's CPU per ingested stream, SRT against RTMP, for
# the same clip (issue 17, benchmark 3).
#
#   BIN_DIR=bin ops/bench-srt.sh        (BENCH_ONLY=srt make bench)
#
# One release relay (bin/farmlive-relay, SRT on, HLS + MP4 recording +
# thumbnails as always) and a stub shop answering the publish callback
# (each key is its own live id). A 600 kbps H.264/AAC clip (640x360, 25 fps,
# 1 s GOP) made once, as FLV and as MPEG-TS with the same encoded streams
# (-c copy). Then N publishers (ffmpeg -re, looped, -c copy) over RTMP for
# SRT_BENCH_SECONDS, the relay's CPU from /proc/PID/stat (utime+stime) over
# that window after a settling time; they stop; then N over SRT the same
# way. Reported: % of one core, microseconds of relay CPU per stream per
# second, and SRT / RTMP. The publishers (ffmpeg) share the machine's CPUs
# with the relay; only the relay is measured.
#
# Settings: SRT_BENCH_N (10), SRT_BENCH_SECONDS (20), SRT_BENCH_SETTLE (5),
# BIN_DIR (bin), SRT_BENCH_OUT (var/bench/srt.txt). Exit 0 when both were
# measured.
set -uo pipefail
cd "$(dirname "$0")/.."
. ops/lib.sh
BIN_DIR=${BIN_DIR:-bin}
N=${SRT_BENCH_N:-10}
SECS=${SRT_BENCH_SECONDS:-20}
SETTLE=${SRT_BENCH_SETTLE:-5}
OUT=${SRT_BENCH_OUT:-var/bench/srt.txt}
RELAY=$BIN_DIR/farmlive-relay
[ -x "$RELAY" ] || { echo "bench-srt: $RELAY missing (make $RELAY)" >&2; exit 1; }

NAME=srt
. ops/relay-bench-lib.sh

ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=sample_rate=44100 \
    -c:v libx264 -preset veryfast -tune zerolatency -b:v 530k -maxrate 560k -bufsize 560k -pix_fmt yuv420p \
    -g 25 -keyint_min 25 -sc_threshold 0 -c:a aac -b:a 64k -t 60 "$TMP/clip.flv" || exit 1
ffmpeg -loglevel error -y -i "$TMP/clip.flv" -c copy -f mpegts "$TMP/clip.ts" || exit 1

start_stub_shop || exit 1

RTMP_PORT=$(free_port) HTTP_PORT=$(free_port)
SRT_PORT=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$HTTP_PORT FARMLIVE_SRT_PORT=$SRT_PORT FARMLIVE_VAR_DIR=$TMP/var \
    FARMLIVE_SHOP_INTERNAL_URL=http://127.0.0.1:$SHOP_PORT FARMLIVE_INTERNAL_SECRET=bench FARMLIVE_LIVE_GRACE=2 \
    FARMLIVE_LOG_LEVEL=warn "$RELAY" serve 2>"$TMP/relay.log" &
RELAY_PID=$!
PIDS+=($RELAY_PID)
wait_http "http://127.0.0.1:$HTTP_PORT/healthz" 20 "$RELAY_PID" || { tail -n 20 "$TMP/relay.log"; exit 1; }

# run PROTO -> starts N publishers, waits until all publish, measures; sets PCT and PER
run() {
    local proto=$1 i url c0 c1 t0 t1 up
    for i in $(seq 1 "$N"); do
        if [ "$proto" = rtmp ]; then
            url=rtmp://127.0.0.1:$RTMP_PORT/live/$proto$i
            ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$TMP/clip.flv" -c copy -f flv "$url" 2>>"$TMP/push.log" &
        else
            url="srt://127.0.0.1:$SRT_PORT?streamid=$proto$i"
            ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$TMP/clip.ts" -c copy -f mpegts "$url" 2>>"$TMP/push.log" &
        fi
        PUBS+=($!)
    done
    for _ in $(seq 1 300); do
        up=$(curl -s "http://127.0.0.1:$HTTP_PORT/api/streams" |
            jq --arg p "$proto" '[.streams[] | select(.publishing and (.live_id | startswith($p)))] | length')
        [ "$up" = "$N" ] && break
        sleep 0.1
    done
    sleep "$SETTLE"
    c0=$(cpu_ticks "$RELAY_PID")
    t0=$(date +%s%N)
    sleep "$SECS"
    c1=$(cpu_ticks "$RELAY_PID")
    t1=$(date +%s%N)
    KBPS=$(curl -s "http://127.0.0.1:$HTTP_PORT/api/streams" |
        jq --arg p "$proto" '[.streams[] | select(.live_id | startswith($p)) | .bitrate_kbps] | add / length | floor')
    PCT=$(awk -v c=$((c1 - c0)) -v hz="$HZ" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", 100 * c / hz / (ns / 1e9) }')
    PER=$(awk -v p="$PCT" -v n="$N" 'BEGIN { printf "%.0f", p * 1e4 / n }')
    say "$(printf '%-6s %4s publishers (%s up), %s kbps each: relay %5s%% of one core, %s us of CPU per stream per second' \
        "$proto" "$N" "$up" "$KBPS" "$PCT" "$PER")"
    stop_pubs
    sleep 3 # the grace period ends the streams
}

: >"$TMP/report"
say "SRT against RTMP ingest: $N publishers of one 600 kbps clip (640x360 25 fps, 1 s GOP) each, $SECS s measured,"
say "HLS + recording + thumbnails on; $(nproc) CPUs shared by the relay, the publishers and whatever else runs (load $(cut -d' ' -f1-3 /proc/loadavg))"
run rtmp
RTMP_PER=$PER
run srt
SRT_PER=$PER
say "SRT / RTMP relay CPU per stream: $(awk -v s="$SRT_PER" -v r="$RTMP_PER" 'BEGIN { printf "%.2f", (r > 0 ? s / r : 0) }')"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/report" "$OUT"
echo "bench-srt: report in $OUT"
