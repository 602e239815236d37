#!/usr/bin/env bash
# relay_publishers.sh - the relay with publishers other than the ffmpeg
# command line, against the test shop: GStreamer's RTMP client
# (rtmp2sink, x264enc + avenc_aac), alone and several at once for a
# minute, and tests/tools/rtmp_push replaying real clips with hostile
# timestamps and timings (repeated audio / video times, a step back of 1 s,
# a jump of 30 s, a clock starting at 5 h, audio stamped 12 s late, audio
# starting 2 s late, its header 2 s late, a resolution change mid-stream,
# media sent before the publish reply, audio only); a 10 s GOP with
# viewers joining every second; a relay whose disk fills up.
#
# For each publisher: it is never disconnected; its HLS playlist keeps
# growing (a new part within 1 s of the one before, watched by
# tests/tools/hls_watch.py with blocking reloads, as a player does);
# an HTTP-FLV viewer joining mid-stream gets audio and video; once the
# session ended, its recording plays in ffprobe with the content's
# duration (within 1 s), one recording per session. Starts its own relay ($RELAY_BIN, the sanitizer
# build) on free ports with a 2 s grace period, and fails at once when
# gst-launch-1.0, ffmpeg, ffprobe or the rtmp_push tool is missing
# (ops/install-deps.sh installs them, make test builds rtmp_push).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

. "$(dirname "$0")/relay_lib.sh"
relay_need gst-launch-1.0 ffmpeg ffprobe "$PUSH" "$RELAY"
for e in rtmp2sink x264enc avenc_aac flvmux; do
    if ! gst-inspect-1.0 "$e" >/dev/null 2>&1; then
        bad "GStreamer element $e is missing (ops/install-deps.sh installs gstreamer1.0-*)"
        finish
        exit 1
    fi
done

W=$_TMP
URL=rtmp://127.0.0.1:$RPORT/live
LOG=$W/relay.log
GRACE=2

relay_serve "$LOG" FARMLIVE_LIVE_GRACE=$GRACE FARMLIVE_VAR_DIR=$W/var

TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
S=$(uniq_suffix)
new_session() { # new_session NAME -> "ID KEY"
    api POST /api/v1/live "$(jq -nc --arg t "publishers $1 $S" '{title:$t}')"
    printf '%s %s\n' "$(jqr .id)" "$(jqr .stream_key)"
}

# ------------------------------------------------------------ helpers
# watch_hls SECONDS OUT ID...: tests/tools/hls_watch.py (blocking reloads,
# as a player) over those streams; OUT gets "ID PARTS MAXGAP_MS" lines
watch_hls() {
    local secs=$1 out=$2
    shift 2
    python3 "$ROOT/tests/tools/hls_watch.py" "$RB" "$secs" "$@" >"$out" 2>"$out.err"
}
hls_verdict() { # hls_verdict NAME ID SECONDS OUT [MAX_WAIT_MS]: at least 2 new parts a second, none later than 1 s
    local n gap err max=${5:-1000}
    read -r _ n gap err < <(grep "^$2 " "$4")
    if [ "${n:-0}" -ge $(($3 * 2)) ] && [ "${gap:-99999}" -le "$max" ]; then ok; else
        bad "$1: HLS keeps growing (${n:-0} new parts in $3 s, longest wait ${gap:-?} ms)" \
            "${err:-}$(head -c 300 "$4.err" 2>/dev/null)"
    fi
}
# flv_join ID OUT: an HTTP-FLV viewer for 2 s; OUT gets "VIDEO_PACKETS
# AUDIO_PACKETS FLAGS" (FLAGS: the FLV header's, 05 audio+video, 04 audio)
flv_join() {
    curl -s --max-time 2 "$RB/live/$1.flv" -o "$2.flv"
    local v a
    v=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$2.flv" 2>/dev/null | head -n 1)
    a=$(ffprobe -v error -select_streams a -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$2.flv" 2>/dev/null | head -n 1)
    echo "${v:-0} ${a:-0} $(od -An -tx1 -j4 -N1 "$2.flv" | tr -d ' ')" >"$2"
}
# recording_of ID -> "DURATION_S DECODE_ERROR_LINES" of the session's one
# recording ("" when none); waits up to 20 s for it to be listed, finished
recording_of() {
    local url='' body
    for _ in $(seq 1 80); do
        body=$(curl -s "$RB/api/recordings?live_id=$1")
        url=$(jq -r '.recordings[] | select(.finished) | .url' <<<"$body" 2>/dev/null)
        [ -n "$url" ] && break
        sleep 0.25
    done
    [ "$(jq '.recordings | length' <<<"$body")" = 1 ] || return 0 # one per session
    [ -n "$url" ] || return 0
    # decoded with the recording's own times (-enc_time_base -1): at a
    # 25 fps tick, frames a nudge put 20 ms apart would collide in ffmpeg's
    # null output, an error of the reader, not of the file
    printf '%s %s\n' "$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$RB$url" 2>/dev/null)" \
        "$(ffmpeg -nostdin -v error -i "$RB$url" -fps_mode passthrough -enc_time_base -1 -f null - 2>&1 | wc -l)"
}
# the HLS and FLV verdicts of one publisher, and its recording's duration
# against the content's (none: not checked)
check_outputs() { # check_outputs NAME ID CONTENT_SECONDS HLS_WATCH_SECONDS
    local name=$1 id=$2 want=$3 v a flags dur errs
    hls_verdict "$name" "$id" "$4" "$W/hls-batch"
    read -r v a flags <"$W/flv-$id"
    if [ "$name" = audio-only ]; then
        check "$name: an HTTP-FLV viewer joining mid-stream gets audio ($a packets), announced alone ($flags)" \
            test "$a" -gt 0 -a "$flags" = 04
    else
        check "$name: an HTTP-FLV viewer joining mid-stream gets video and audio ($v / $a packets)" test "$v" -gt 0 -a "$a" -gt 0
    fi
    [ -n "$want" ] || return 0
    read -r dur errs < <(recording_of "$id")
    check "$name: one recording, ${dur:-none} s for $want s of content" \
        awk -v d="${dur:-0}" -v w="$want" 'BEGIN { exit !(d > 0 && d - w <= 1 && w - d <= 1) }'
    check "$name: the recording decodes end to end without an error (${errs:-?} error lines)" test "${errs:-1}" = 0
}
# join_later ID: an FLV viewer joining 3 s in
join_later() {
    (sleep 3; flv_join "$1" "$W/flv-$1") &
    BG+=($!)
}

# ------------------------------------------------------------ clips
CLIP=$W/clip8.flv
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 8 -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -g 25 -keyint_min 25 -sc_threshold 0 -b:v 400k -c:a aac -b:a 64k -ac 1 -f flv "$CLIP"
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=640x360:rate=25 \
    -f lavfi -i sine=frequency=660:sample_rate=44100 -t 4 -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -g 25 -keyint_min 25 -sc_threshold 0 -b:v 600k -c:a aac -b:a 64k -ac 1 -f flv "$W/clip4-360p.flv"
check "test clips were made" test -s "$CLIP" -a -s "$W/clip4-360p.flv"

gst_push() { # gst_push KEY SECONDS LOG -> a GStreamer publisher, in the foreground
    local frames=$(($2 * 25)) abufs=$(($2 * 44100 / 1024))
    timeout $(($2 + 30)) gst-launch-1.0 -q \
        videotestsrc is-live=true num-buffers=$frames pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 ! \
        videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=400 ! \
        h264parse ! flvmux name=m streamable=true ! rtmp2sink location="$URL/$1" \
        audiotestsrc is-live=true num-buffers=$abufs ! audioconvert ! audioresample ! avenc_aac ! aacparse ! m. \
        >"$3" 2>&1
}

# ------------------------------------------------------------ GStreamer, then hostile clips
read -r GID GKEY < <(new_session gstreamer)
join_later "$GID"
(sleep 2; watch_hls 6 "$W/hls-batch" "$GID") &
BG+=($!)
gst_push "$GKEY" 10 "$W/gst.log"
rc=$?
check "GStreamer (rtmp2sink) published 10 s without being cut off (exit $rc)" test "$rc" = 0
wait "${BG[@]}" 2>/dev/null
check_outputs "GStreamer" "$GID" 10 6

MODES="clean a-repeat v-repeat back jump start5h a-off12 a-start2 aseq-late resize early audio-only"
declare -A IDS KEYS PUSHED
for m in $MODES; do # sessions first, so that the publishers start together
    read -r id key < <(new_session "$m")
    IDS[$m]=$id KEYS[$m]=$key
done
for m in $MODES; do
    clips=("$CLIP")
    [ "$m" = resize ] && clips=("$W/clip4-360p.flv" "$CLIP") # 640x360, then 320x240
    rewrite=$m
    [ "$m" = resize ] && rewrite=clean
    ("$PUSH" 127.0.0.1 "$RPORT" "${KEYS[$m]}" "$rewrite" "${clips[@]}" >"$W/push-$m.log" 2>&1; echo $? >"$W/push-$m.rc") &
    PUSHED[$m]=$!
    join_later "${IDS[$m]}"
done
(sleep 1; watch_hls 4 "$W/hls-batch" "${IDS[@]}") & # well before the 8 s clips end
BG+=($!)
(sleep 5; curl -s "$RB/api/streams" >"$W/streams.json") &
BG+=($!)
for m in $MODES; do wait "${PUSHED[$m]}"; done
wait "${BG[@]}" 2>/dev/null
BG=()
for m in $MODES; do
    check "$m: the publisher was never disconnected ($(cat "$W/push-$m.log"))" test "$(cat "$W/push-$m.rc")" = 0
    want=8
    [ "$m" = resize ] && want=12
    check_outputs "$m" "${IDS[$m]}" "$want" 4
done
check "corrected timestamps are logged" grep -q '"event":"stream_timestamp"' "$LOG"
stat_of() { jq -r --arg id "${IDS[$1]}" ".streams[] | select(.live_id == \$id) | $2" "$W/streams.json"; }
check "/api/streams: a-repeat's timestamps nudged ($(stat_of a-repeat .timestamps_corrected.nudged))" \
    test "$(stat_of a-repeat .timestamps_corrected.nudged)" -gt 0
check "/api/streams: jump's timestamps rebased ($(stat_of jump .timestamps_corrected.rebased))" \
    test "$(stat_of jump .timestamps_corrected.rebased)" -gt 0
check "/api/streams: clean's timestamps not rebased, nothing dropped" \
    test "$(stat_of clean '[.timestamps_corrected.rebased, .packets_dropped[]] | add')" = 0
check "/api/streams: GOP length 1 s ($(stat_of clean .video.gop_s))" test "$(stat_of clean .video.gop_s)" = 1
check "the early publisher's media was held, then replayed" grep -q '"event":"rtmp_early_media"' "$LOG"
check "no output stopped" bash -c "! grep -q -E 'stopped for this epoch' '$LOG'"
check "no thumbnail warning at the ends of streams" bash -c "! grep -q 'Decoder not found' '$LOG'"

# ------------------------------------------------------------ a long GOP
# a 10 s GOP: HLS is there within 3 s (segments cut at 2 s without a
# keyframe), every HTTP-FLV viewer joining (one a second) gets video, none
# is dropped for the GOP backlog it is sent; one recording
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 16 -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -g 250 -keyint_min 250 -sc_threshold 0 -b:v 400k -c:a aac -b:a 64k -ac 1 -f flv "$W/gop10.flv"
read -r LID LKEY < <(new_session long-gop)
"$PUSH" 127.0.0.1 "$RPORT" "$LKEY" clean "$W/gop10.flv" >"$W/push-gop.log" 2>&1 &
GP1=$!
t0=$(date +%s%3N) hls_ms=
for _ in $(seq 1 60); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$RB/live/$LID/index.m3u8")" = 200 ]; then
        hls_ms=$(($(date +%s%3N) - t0))
        break
    fi
    sleep 0.1
done
check "long GOP: the HLS playlist is there within 3 s (${hls_ms:-never} ms)" test -n "$hls_ms" -a "${hls_ms:-9999}" -le 3000
JOINS=()
for i in $(seq 1 11); do
    (curl -s --max-time 2.5 "$RB/live/$LID.flv" -o "$W/gopv-$i.flv") &
    JOINS+=($!)
    sleep 1
done
curl -s "$RB/api/streams" >"$W/streams-gop.json" # ~13 s in: live, two keyframes seen
wait "${JOINS[@]}"
got=0
for i in $(seq 1 11); do
    n=$(ffprobe -v error -select_streams v -count_packets -show_entries stream=nb_read_packets -of csv=p=0 "$W/gopv-$i.flv" 2>/dev/null | head -n 1)
    [ "${n:-0}" -gt 0 ] && got=$((got + 1))
done
check "long GOP: all 11 HTTP-FLV viewers joining once a second got video ($got)" test "$got" = 11
dropped=$(jq -r --arg id "$LID" '.streams[] | select(.live_id == $id) | .viewers_dropped.flv_could_not_keep_up' "$W/streams-gop.json")
gop=$(jq -r --arg id "$LID" '.streams[] | select(.live_id == $id) | .video.gop_s' "$W/streams-gop.json")
check "long GOP: no viewer dropped for its backlog ($dropped), GOP length $gop s" test "$dropped" = 0 -a "$gop" = 10
wait "$GP1"
rc=$?
check "long GOP: the publisher was never disconnected (exit $rc)" test "$rc" = 0
read -r dur errs < <(recording_of "$LID")
check "long GOP: one recording, ${dur:-none} s for 16 s, decoding without error (${errs:-?})" \
    awk -v d="${dur:-0}" -v e="${errs:-1}" 'BEGIN { exit !(d > 15 && d < 17 && e == 0) }'

# ------------------------------------------------------------ disk full
# a relay whose recordings' disk (a 100 KiB tmpfs) fills up: the recording
# stops, with a log line and a metric; the publisher and the live outputs
# go on
FULL=$W/full
mkdir -p "$FULL"
if mount -t tmpfs -o size=100k tmpfs "$FULL"; then ok; else bad "a small tmpfs for the disk-full case (needs root)"; fi
RPORT2=$(free_port) HPORT2=$(free_port)
FARMLIVE_RTMP_PORT=$RPORT2 FARMLIVE_RELAY_HTTP_PORT=$HPORT2 FARMLIVE_SHOP_INTERNAL_URL=$SHOP_URL \
    FARMLIVE_LIVE_GRACE=$GRACE FARMLIVE_VAR_DIR=$FULL FARMLIVE_LOG_LEVEL=info "$RELAY" serve >"$W/relay-full.log" 2>&1 &
FULL_PID=$!
BG+=($FULL_PID)
if wait_http "http://127.0.0.1:$HPORT2/healthz" 30 "$FULL_PID"; then ok; else bad "the second relay starts"; fi
read -r FID FKEY < <(new_session disk-full)
"$PUSH" 127.0.0.1 "$RPORT2" "$FKEY" clean "$CLIP" "$CLIP" >"$W/push-full.log" 2>&1 & # 16 s
FP=$!
sleep 6 # the first segment (4 s, ~200 KB) does not fit
python3 "$ROOT/tests/tools/hls_watch.py" "http://127.0.0.1:$HPORT2" 2 "$FID" >"$W/hls-full"
curl -s "http://127.0.0.1:$HPORT2/api/streams" >"$W/streams-full.json"
FM=$(curl -s "http://127.0.0.1:$HPORT2/metrics")
wait "$FP"
rc=$?
check "disk full: the publisher was never disconnected ($(cat "$W/push-full.log"))" test "$rc" -eq 0
check "disk full: the recording stopped with a log line" grep -q '"event":"record_stopped"' "$W/relay-full.log"
check "disk full: /api/streams says so" test "$(jq -r '.streams[0].recording' "$W/streams-full.json")" = stopped
check "disk full: and /metrics" grep -q "^farmlive_relay_stream_recording_stopped{live_id=\"$FID\"} 1" <<<"$FM"
read -r _ n gap <"$W/hls-full"
check "disk full: HLS goes on (${n:-0} new parts in 2 s, longest wait ${gap:-?} ms)" test "${n:-0}" -ge 4 -a "${gap:-9999}" -le 1000
kill -TERM "$FULL_PID"
wait "$FULL_PID"
rc=$?
check "disk full: that relay exits 0 (got $rc), no sanitizer report" \
    test "$rc" -eq 0 -a "$(grep -c -E 'Sanitizer|runtime error' "$W/relay-full.log")" = 0
umount "$FULL"

# ------------------------------------------------------------ several GStreamer publishers, a minute each
MULTI=3
GP=()
for i in $(seq 1 $MULTI); do
    read -r id key < <(new_session "gst-multi-$i")
    MID[$i]=$id
    gst_push "$key" 62 "$W/gst-multi-$i.log" &
    GP+=($!)
done
(sleep 2; watch_hls 58 "$W/hls-multi" "${MID[@]}") &
BG+=($!)
for i in $(seq 1 $MULTI); do
    wait "${GP[$((i - 1))]}"
    rc=$?
    check "GStreamer publisher $i of $MULTI kept up for a minute (exit $rc)" test "$rc" = 0
done
wait "${BG[@]}" 2>/dev/null
BG=()
# three x264 encoders on two shared cores: a publisher may stall a few
# seconds; "keeps growing" is no wait past 5 s (the relay's own per-part
# pace is what the hostile cases check, at 1 s)
for i in $(seq 1 $MULTI); do
    hls_verdict "GStreamer publisher $i of $MULTI, for a minute" "${MID[$i]}" 58 "$W/hls-multi" 5000
done

kill -TERM "$RELAY_PID"
wait "$RELAY_PID"
rc=$?
RELAY_PID=
check "the relay exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
check "no sanitizer report in the relay log" bash -c "! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$LOG'"
[ "$FAIL" -gt 0 ] && { echo "--- relay log (warnings)"; grep -E '"(warn|error)"' "$LOG" | tail -n 30; } >&2
finish
