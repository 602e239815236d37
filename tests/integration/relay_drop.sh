#!/usr/bin/env bash
# relay_drop.sh - POST /internal/v1/streams/{live_id}/drop, the shop's way to
# end a session on the relay (its end-session path calls it): the shared
# secret is required (401 missing, 403 wrong, 405 for GET, 404 for a bad
# id); a drop closes the publisher (ffmpeg ends at once) and the HTTP-FLV
# viewer, takes the stream off /api/streams and HLS, and answers once the
# recording is finalised (VOD, ENDLIST, it plays in ffprobe for as long as
# it says); the shop is not told of an unpublish (it ended the session
# itself); a second drop, and one for a session never seen, answer
# dropped false; a session in its grace period (no publisher) is dropped
# too. On the way: a mid-stream HTTP-FLV viewer sees audio and video only
# (onMetaData stamped 0), a request with a browser's 3 KiB of headers is
# answered, a clean unpublish and the ends of streams log no
# misleading warning. Ends with SIGTERM: the relay must exit 0 with no sanitizer report.
#
# Starts its own relay ($RELAY_BIN, the sanitizer build) on free ports.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
. "$(dirname "$0")/relay_lib.sh"

relay_need ffmpeg ffprobe curl jq
LOG=$_TMP/relay.log

relay_serve "$LOG" FARMLIVE_LIVE_GRACE=60 FARMLIVE_VAR_DIR=$_TMP/var

TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
new_live() { # -> "ID KEY"
    api POST /api/v1/live "{\"title\":\"drop test $1\"}"
    printf '%s %s\n' "$(jqr .id)" "$(jqr .stream_key)"
}
read -r ID1 K1 < <(new_live one)
read -r ID2 K2 < <(new_live two)
TOKEN=
check "the shop hands out two sessions" test ${#K1} = 64 -a ${#K2} = 64

# drop PATH [curl args...] -> STATUS, BODY
drop() {
    local path=$1
    shift
    STATUS=$(curl -s -o "$_TMP/drop.out" -w '%{http_code}' --max-time 20 "$@" "$RB$path") || STATUS=000
    BODY=$(cat "$_TMP/drop.out")
}
SEC=(-H "X-Internal-Secret: $FARMLIVE_INTERNAL_SECRET")
push() { # push KEY SECONDS -> ffmpeg in the background, its pid in $!
    ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i "testsrc=size=320x240:rate=25" \
        -f lavfi -i "sine=frequency=440" -t "$2" -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 \
        -c:a aac -f flv "rtmp://127.0.0.1:$RPORT/live/$1" >>"$_TMP/ffmpeg.log" 2>&1 &
}
# exits_within PID SECONDS -> 0 once PID is gone
exits_within() {
    for _ in $(seq 1 $(($2 * 10))); do
        kill -0 "$1" 2>/dev/null || return 0
        sleep 0.1
    done
    return 1
}
streams_has() { curl -s "$RB/api/streams" | jq -e --arg id "$1" 'any(.streams[]; .live_id == $id)' >/dev/null; }

# 1. a live session with a publisher and an HTTP-FLV viewer
push "$K1" 60
P1=$!
BG+=("$P1")
for _ in $(seq 1 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$RB/live/$ID1/index.m3u8")" = 200 ] && break
    sleep 0.2
done
check "the session is live on the relay" streams_has "$ID1"
# the relay's per-connection memory (8 KiB) still takes what a browser sends
COOKIE="Cookie: fl_session=$(head -c 2400 /dev/zero | tr '\0' a); fl_cart=$(head -c 600 /dev/zero | tr '\0' b)"
check "an HLS playlist request with 3 KiB of browser headers is answered" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -H "$COOKIE" -H 'User-Agent: Mozilla/5.0 (Linux; Android 14)' \
        -H 'Accept-Language: zh-CN,zh;q=0.9,en;q=0.8' "$RB/live/$ID1/index.m3u8")" = 200
curl -s -o "$_TMP/view.flv" --max-time 60 "$RB/live/$ID1.flv" &
V1=$!
BG+=("$V1")
sleep 4 # a few seconds of content in the recording

# 2. the secret is required; GET is refused; a bad id is no resource
drop "/internal/v1/streams/$ID1/drop" -X POST
expect_error 401 unauthorized "a drop without X-Internal-Secret"
drop "/internal/v1/streams/$ID1/drop" -X POST -H "X-Internal-Secret: not-$FARMLIVE_INTERNAL_SECRET"
expect_error 403 forbidden "a drop with a wrong secret"
drop "/internal/v1/streams/$ID1/drop" -X POST -H "X-Internal-Secret: ${FARMLIVE_INTERNAL_SECRET:0:10}"
expect_error 403 forbidden "a drop with the secret's first characters only"
drop "/internal/v1/streams/$ID1/drop" "${SEC[@]}"
expect_error 405 method_not_allowed "GET on the drop"
drop "/internal/v1/streams/a.b/drop" -X POST "${SEC[@]}"
expect_error 404 not_found "a drop of an invalid live id"
check "the refused drops left the session live" streams_has "$ID1"
check "and its publisher connected" kill -0 "$P1"

# 3. the drop: publisher and viewer closed, recording finalised
T0=$(date +%s%N)
drop "/internal/v1/streams/$ID1/drop" --data '' "${SEC[@]}" # as the shop asks: POST, Content-Length 0
T1=$(date +%s%N)
expect_status 200 "the drop"
expect_jq .live_id "$ID1" "the drop names the session"
expect_jq .dropped true "the session was live until the drop"
expect_jq .recording.finished true "the answer comes once the recording is finalised"
expect_jq '.recording.duration_s > 3' true "the recording holds the session's seconds"
expect_jq .recording.url "/recordings/$ID1/index.m3u8" "the recording's playlist"
check "the drop answered within 5 s ($(((T1 - T0) / 1000000)) ms)" test $(((T1 - T0) / 1000000)) -lt 5000
check "the publisher is disconnected at once (ffmpeg ends)" exits_within "$P1" 5
check "the HTTP-FLV viewer is closed" exits_within "$V1" 5
check "the viewer had received the stream ($(stat -c %s "$_TMP/view.flv") bytes)" test "$(stat -c %s "$_TMP/view.flv")" -gt 10000
tracks=$(ffprobe -v error -show_entries stream=codec_type -of csv=p=0 "$_TMP/view.flv" 2>/dev/null | sort | tr '\n' ' ')
check "the viewer, joining mid-stream, sees audio and video and no data stream (onMetaData at 0): $tracks" \
    test "$tracks" = "audio video "
check "the stream is off /api/streams" bash -c "! curl -s '$RB/api/streams' | jq -e --arg id '$ID1' 'any(.streams[]; .live_id == \$id)' >/dev/null"
check "HLS answers 404 for it" test "$(curl -s -o /dev/null -w '%{http_code}' "$RB/live/$ID1/index.m3u8")" = 404
curl -s -o "$_TMP/rec.m3u8" "$RB/recordings/$ID1/index.m3u8"
check "the recording's playlist is VOD with ENDLIST" grep -q '^#EXT-X-ENDLIST' "$_TMP/rec.m3u8"
dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$RB/recordings/$ID1/index.m3u8" 2>/dev/null)
listed=$(jqr .recording.duration_s)
check "the recording plays in ffprobe for its listed duration ($dur s, listed $listed s)" \
    awk -v a="${dur:-0}" -v b="${listed:-0}" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a > 3 && d < 1) }'
check "the drop is logged" grep -q '"event":"relay_drop"' "$LOG"
check "the publisher's close is logged as the drop" grep -q '"event":"rtmp_dropped"' "$LOG"
TOKEN=
api GET "/api/v1/live/$ID1"
expect_status 200 "the shop's session"
expect_jq .status live "the shop was not told of an unpublish (it ends the session itself)"

# 4. idempotent: again, and a session the relay never saw
drop "/internal/v1/streams/$ID1/drop" -X POST "${SEC[@]}"
expect_status 200 "a second drop"
expect_jq .dropped false "a second drop drops nothing"
expect_jq .recording.finished true "and still names the finalised recording"
drop "/internal/v1/streams/never-seen-$RANDOM/drop" -X POST "${SEC[@]}"
expect_status 200 "a drop of a session never seen"
expect_jq .dropped false "drops nothing"
expect_jq .recording null "and has no recording"

# 5. a session in its grace period (its publisher left) is dropped too
push "$K2" 3
P2=$!
wait "$P2"
check "the second session stays for its grace period" streams_has "$ID2"
check "a clean unpublish is not logged as a publisher that never started" \
    bash -c "! grep -q 'did not start publishing' '$LOG'"
drop "/internal/v1/streams/$ID2/drop" -X POST "${SEC[@]}"
expect_status 200 "the drop of a session without publisher"
expect_jq .dropped true "it was live (in its grace period)"
expect_jq .recording.finished true "its recording is finalised"
check "and it is off /api/streams" bash -c "! curl -s '$RB/api/streams' | jq -e --arg id '$ID2' 'any(.streams[]; .live_id == \$id)' >/dev/null"

# 6. SIGTERM: clean exit
kill -TERM "$RELAY_PID"
wait "$RELAY_PID"
rc=$?
RELAY_PID=
check "the relay exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
check "no thumbnail warning at the end of a stream" bash -c "! grep -q 'Decoder not found' '$LOG'"
check "no sanitizer report in the relay log" bash -c "! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$LOG'"
[ "$FAIL" -gt 0 ] && { echo "--- relay log (tail)"; grep -v '"debug"' "$LOG" | tail -n 30; } >&2
finish
