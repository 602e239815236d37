#!/usr/bin/env bash
# bench-rendition.sh - the low rendition's CPU (issue 17, benchmark 2):
# what one 360p ~400 kbps transcode costs for a 720p and a 1080p 30 fps
# push, and how many 720p transcodes one core holds.
#
#   BIN_DIR=bin ops/bench-rendition.sh     (BENCH_ONLY=rendition make bench)
#
# Two release relays (bin/farmlive-relay), FARMLIVE_RELAY_LOW_RENDITION on
# and off, and the stub shop (bench/stub_shop.py). Clips made once
# (testsrc2 with a tone, 30 fps, 1 s GOP, H.264 + AAC; synthetic pictures
# encode more easily than a camera's, so a field's footage costs more), each
# pushed with ffmpeg -re -c copy (looped).
#   1. One stream at a time, 720p (2.5 Mbps) then 1080p (4.5 Mbps): the
#      rendition thread's own CPU (the relay measures it, /api/streams
#      renditions[].cpu.seconds) over RENDITION_BENCH_SECONDS after a settling
#      time, the whole relay's CPU (/proc) with it, and the relay "off"
#      for the same clip (what the stream costs without a rendition).
#   2. The ramp: N 720p streams on the "on" relay (N = 1, 2, 3, ... up to
#      RENDITION_BENCH_MAX) until the transcodes together use a core or
#      drop frames (over 1 % of the frames handed to them in the window).
# Reported: % of one core, frames encoded a second per stream, frames
# dropped, and how many 720p transcodes a core holds by their CPU time
# (100 / one's share); the ramp says whether they did here. The
# publishers (ffmpeg -c copy) share the machine's CPUs.
#
# Settings: RENDITION_BENCH_SECONDS (15), RENDITION_BENCH_SETTLE (5),
# RENDITION_BENCH_MAX (8), BIN_DIR (bin), RENDITION_BENCH_OUT
# (var/bench/rendition.txt). Exit 0 when both parts were measured.
set -uo pipefail
cd "$(dirname "$0")/.."
. ops/lib.sh
BIN_DIR=${BIN_DIR:-bin}
SECS=${RENDITION_BENCH_SECONDS:-15}
SETTLE=${RENDITION_BENCH_SETTLE:-5}
MAX=${RENDITION_BENCH_MAX:-8}
OUT=${RENDITION_BENCH_OUT:-var/bench/rendition.txt}
RELAY=$BIN_DIR/farmlive-relay
[ -x "$RELAY" ] || { echo "bench-rendition: $RELAY missing (make $RELAY)" >&2; exit 1; }

NAME=rendition
. ops/relay-bench-lib.sh

clip() { # clip SIZE KBPS FILE
    ffmpeg -loglevel error -y -f lavfi -i "testsrc2=size=$1:rate=30" -f lavfi -i sine=sample_rate=44100 \
        -c:v libx264 -preset ultrafast -b:v "$2k" -maxrate "$2k" -bufsize "$2k" -pix_fmt yuv420p \
        -g 30 -keyint_min 30 -sc_threshold 0 -c:a aac -b:a 64k -t 20 "$3"
}
clip 1280x720 2500 "$TMP/720.flv" || exit 1
clip 1920x1080 4500 "$TMP/1080.flv" || exit 1

start_stub_shop || exit 1

start_relay() { # start_relay MODE -> sets RTMP_PORT_<MODE>, HTTP_PORT_<MODE>, PID_<MODE>
    local rp hp
    rp=$(free_port)
    hp=$(free_port)
    FARMLIVE_RTMP_PORT=$rp FARMLIVE_RELAY_HTTP_PORT=$hp FARMLIVE_VAR_DIR=$TMP/var-$1 FARMLIVE_RELAY_LOW_RENDITION=$1 \
        FARMLIVE_SHOP_INTERNAL_URL=http://127.0.0.1:$SHOP_PORT FARMLIVE_INTERNAL_SECRET=bench FARMLIVE_LIVE_GRACE=2 \
        FARMLIVE_LOG_LEVEL=warn "$RELAY" serve 2>"$TMP/relay-$1.log" &
    PIDS+=($!)
    eval "RTMP_PORT_$1=$rp HTTP_PORT_$1=$hp PID_$1=$!"
    wait_http "http://127.0.0.1:$hp/healthz" 20 "$!" || { tail -n 20 "$TMP/relay-$1.log"; exit 1; }
}
start_relay on
start_relay off

# renditions HTTP_PORT PREFIX -> "CPU_SECONDS FRAMES_IN ENCODED DROPPED STREAMS_WITH_ONE" summed over the streams
renditions() {
    curl -s "http://127.0.0.1:$1/api/streams" | jq -r --arg p "$2" \
        '[.streams[] | select(.live_id | startswith($p)) | .renditions[0] // empty] |
         "\(map(.cpu.seconds) | add // 0) \(map(.frames.in) | add // 0) \(map(.frames.encoded) | add // 0) \(map(.frames.dropped) | add // 0) \(length)"'
}

# measure MODE CLIP N PREFIX: N publishers, settle, measure; sets REL (relay % of a core), TX (renditions' %),
# FPS (encoded a second per stream), IN_W / DROP_W (frames handed / dropped in the window), UP
measure() {
    local mode=$1 clipf=$2 n=$3 prefix=$4 i rp hp pid c0 c1 t0 t1 r0 r1
    eval "rp=\$RTMP_PORT_$mode hp=\$HTTP_PORT_$mode pid=\$PID_$mode"
    for i in $(seq 1 "$n"); do
        ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$clipf" -c copy -f flv \
            "rtmp://127.0.0.1:$rp/live/$prefix$i" 2>>"$TMP/push.log" &
        PUBS+=($!)
    done
    for _ in $(seq 1 300); do
        UP=$(curl -s "http://127.0.0.1:$hp/api/streams" |
            jq --arg p "$prefix" '[.streams[] | select(.publishing and (.live_id | startswith($p)))] | length')
        [ "$UP" = "$n" ] && break
        sleep 0.1
    done
    sleep "$SETTLE"
    r0=$(renditions "$hp" "$prefix")
    c0=$(cpu_ticks "$pid")
    t0=$(date +%s%N)
    sleep "$SECS"
    c1=$(cpu_ticks "$pid")
    t1=$(date +%s%N)
    r1=$(renditions "$hp" "$prefix")
    read -r REL TX FPS IN_W DROP_W < <(awk -v c=$((c1 - c0)) -v hz="$HZ" -v ns=$((t1 - t0)) -v n="$n" -v a="$r0" -v b="$r1" '
        BEGIN { split(a, x, " "); split(b, y, " "); s = ns / 1e9
                printf "%.1f %.1f %.1f %d %d\n", 100 * c / hz / s, 100 * (y[1] - x[1]) / s, (y[3] - x[3]) / s / n,
                       y[2] - x[2], y[4] - x[4] }')
    stop_pubs
    sleep 3 # the grace period ends the streams
}

: >"$TMP/report"
say "Low rendition (360p, 400 kbps, libx264 veryfast zerolatency, one thread) CPU; $SECS s measured after $SETTLE s,"
say "$(nproc) CPUs shared by the relays, the publishers and whatever else runs (load $(cut -d' ' -f1-3 /proc/loadavg))"
for size in 720 1080; do
    measure on "$TMP/$size.flv" 1 "one$size-"
    on_rel=$REL on_tx=$TX on_fps=$FPS on_drop=$DROP_W
    [ "$size" = 720 ] && PER720=$(awk -v t="$TX" -v f="$FPS" 'BEGIN { printf "%.1f", (f > 0 ? t * 30 / f : 0) }')
    measure off "$TMP/$size.flv" 1 "off$size-"
    say "$(printf '%5sp30 push: rendition thread %5s%% of a core (%s pictures/s encoded, %s dropped); relay with it %5s%%, relay off %5s%%' \
        "$size" "$on_tx" "$on_fps" "$on_drop" "$on_rel" "$REL")"
done
HELD=0
for n in $(seq 1 "$MAX"); do
    measure on "$TMP/720.flv" "$n" "ramp$n-"
    say "$(printf 'ramp: %2s 720p30 streams (%s up): renditions %6s%% of a core together, %s pictures/s each, %s of %s dropped; relay %6s%%' \
        "$n" "$UP" "$TX" "$FPS" "$DROP_W" "$IN_W" "$REL")"
    if [ "$DROP_W" -gt $((IN_W / 100)) ] || awk -v t="$TX" 'BEGIN { exit !(t >= 100) }'; then
        break
    fi
    HELD=$n
done
say "one 720p30 transcode: ${PER720}% of a core (its thread's CPU time, scaled to 30 pictures/s): one core holds ~$(awk -v p="$PER720" 'BEGIN { printf "%d", (p > 0 ? 100 / p : 0) }') by CPU time"
say "the ramp held $HELD without dropping over 1 % (the next step used a core or dropped; on a loaded machine a transcode thread waits for a CPU and drops before its CPU time adds up; load $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir -p "$(dirname "$OUT")"
cp "$TMP/report" "$OUT"
echo "bench-rendition: report in $OUT"
