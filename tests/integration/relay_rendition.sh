#!/usr/bin/env bash
# relay_rendition.sh - the low-bitrate rendition against the test shop, with
# ffmpeg publishing over RTMP:
#   FARMLIVE_RELAY_LOW_RENDITION=auto: a 1280x720 stream gets a 640x360
#   rendition (ffprobe decodes the low HLS variant and ?quality=low HTTP-FLV
#   at 640x360, with the audio passed through), master.m3u8 lists both
#   variants (BANDWIDTH, RESOLUTION, CODECS), /api/streams and /metrics show
#   its frames, bitrate and CPU, and one transcode thread runs; a 320x240
#   stream on the same relay gets none (no variant, 404 for low/ and
#   ?quality=low); a takeover and a reconnect keep the rendition going (its
#   frames go on growing, its playlist keeps its parts coming, HTTP-FLV low
#   decodes at 360p after both).
#   The default (off), on a second relay: no variant, no transcode thread;
#   there, a session whose cooperative chose low_rendition "on" gets the
#   360p variant all the same (the cooperative's choice wins).
# Starts its own relays ($RELAY_BIN, the sanitizer build) on free ports;
# fails at once when a tool is missing (ops/install-deps.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

. "$(dirname "$0")/relay_lib.sh"
relay_need ffmpeg ffprobe python3 "$RELAY"

W=$_TMP
LOG=$W/relay.log
OFF_PID=
trap '[ -n "$OFF_PID" ] && kill -TERM "$OFF_PID" 2>/dev/null && wait "$OFF_PID" 2>/dev/null; relay_cleanup' EXIT

# start_relay MODE RTMP_PORT HTTP_PORT LOG: a relay of that rendition mode on
# those ports (relay_lib.sh's relay_serve; fails the suite when it does not
# answer), its pid in RELAY_PID
start_relay() {
    RPORT=$2 HPORT=$3 relay_serve "$4" FARMLIVE_RELAY_LOW_RENDITION="$1" FARMLIVE_LIVE_GRACE=10 \
        FARMLIVE_VAR_DIR="$W/var-$1"
}
start_relay auto "$RPORT" "$HPORT" "$LOG"

TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
S=$(uniq_suffix)
new_session() { # new_session NAME -> "ID KEY"
    api POST /api/v1/live "$(jq -nc --arg t "rendition $1 $S" '{title:$t}')"
    printf '%s %s\n' "$(jqr .id)" "$(jqr .stream_key)"
}

# ------------------------------------------------------------ helpers
make_clip() { # make_clip SIZE FILE: 16 s, 25 fps, a keyframe a second, AAC
    ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i "testsrc2=size=$1:rate=25" \
        -f lavfi -i sine=frequency=440:sample_rate=44100 -t 16 -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
        -g 25 -keyint_min 25 -sc_threshold 0 -b:v 1500k -c:a aac -b:a 64k -ac 1 -f flv "$2"
}
make_clip 1280x720 "$W/hd.flv"
make_clip 320x240 "$W/small.flv"
check "a 16 s 1280x720 and a 320x240 test clip were made" test -s "$W/hd.flv" -a -s "$W/small.flv"

# push CLIP URL SECONDS LOG: ffmpeg replays the clip (looped) in real time over RTMP (in the foreground)
push() { # always run in the background: exec, so that $! is the publisher and kill ends it
    exec timeout $(($3 + 30)) ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$1" -t "$3" -c copy \
        -f flv "$2" >"$4" 2>&1
}
jqe() { jq -e "$@" >/dev/null; }
stream_of() { curl -s "$1/api/streams" | jq -c --arg id "$2" '.streams[] | select(.live_id == $id)'; }
wait_until() { # wait_until SECONDS JQ_FILTER BASE ID: until the stream's JSON passes the filter
    local _
    for _ in $(seq 1 $(($1 * 10))); do
        stream_of "$3" "$4" | jqe "$2" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
probe() { # probe URL SECONDS -> "WIDTH,HEIGHT,FRAMES" of the video ffprobe decodes in that much
    timeout $(($2 + 25)) ffprobe -v error -read_intervals "%+$2" -select_streams v -count_frames \
        -show_entries stream=width,height,nb_read_frames -of csv=p=0 "$1" 2>/dev/null | head -n 1
}
audio_of() {
    timeout $(($2 + 25)) ffprobe -v error -read_intervals "%+$2" -select_streams a -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1" 2>/dev/null | head -n 1
}
threads_named() { # threads_named PID NAME -> how many of the process's threads have that name
    cat /proc/"$1"/task/*/comm 2>/dev/null | grep -c -x "$2"
}
watch_hls() { python3 "$ROOT/tests/tools/hls_watch.py" "$RB" "$1" "${@:3}" >"$2" 2>"$2.err"; }
hls_verdict() { # hls_verdict NAME PATH SECONDS OUT: at least 2 new parts a second, none later than 1 s
    local n gap err
    read -r _ n gap err < <(grep "^$2 " "$4")
    if [ "${n:-0}" -ge $(($3 * 2)) ] && [ "${gap:-99999}" -le 1000 ]; then ok; else
        bad "$1: HLS keeps growing (${n:-0} new parts in $3 s, longest wait ${gap:-?} ms)" \
            "${err:-}$(head -c 300 "$4.err" 2>/dev/null)"
    fi
}
check "auto: no transcode thread before any stream" test "$(threads_named "$RELAY_PID" fl-rendition)" = 0

# ------------------------------------------------------------ 720p under auto: a 360p rendition
read -r HID HKEY < <(new_session hd)
push "$W/hd.flv" "rtmp://127.0.0.1:$RPORT/live/$HKEY" 60 "$W/push-h1.log" &
PH=$!
BG+=($PH)
check "720p: the rendition encodes pictures" wait_until 20 '.renditions[0].frames.encoded > 25' "$RB" "$HID"
J=$(stream_of "$RB" "$HID")
check "/api/streams: one rendition, low, 640x360 H.264 ($(jq -c '.renditions[0] | [.name, .width, .height, .codec, .target_kbps]' <<<"$J"))" \
    jqe '(.renditions | length) == 1 and .renditions[0].name == "low" and .renditions[0].width == 640 and .renditions[0].height == 360 and (.renditions[0].codec | startswith("avc1.")) and .renditions[0].target_kbps == 400' <<<"$J"
check "/api/streams: its URLs and the master playlist's" \
    jqe --arg id "$HID" '.renditions[0].urls.flv == "/live/\($id).flv?quality=low" and .renditions[0].urls.hls == "/live/\($id)/low/index.m3u8" and .urls.master == "/live/\($id)/master.m3u8"' <<<"$J"
for _ in $(seq 1 50); do # named just after it starts
    n=$(threads_named "$RELAY_PID" fl-rendition)
    [ "$n" = 1 ] && break
    sleep 0.2
done
check "one transcode thread runs ($n; threads: $(sort /proc/"$RELAY_PID"/task/*/comm | uniq -c | tr -s ' \n' ' '); $(ss -ltnp | grep -E ":($HPORT|$RPORT) " | tr -s ' \n' ' '); pid $RELAY_PID; $(grep -c relay_publish "$LOG") publishes logged)" test "$n" = 1

p=$(probe "$RB/live/$HID.flv?quality=low" 3)
check "HTTP-FLV ?quality=low: ffprobe decodes 640x360 frames ($p in 3 s)" \
    bash -c '[[ $1 =~ ^640,360,([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 40 ]' _ "$p"
a=$(audio_of "$RB/live/$HID.flv?quality=low" 3)
check "HTTP-FLV ?quality=low: the audio passed through (${a:-0} AAC packets in 3 s)" test "${a:-0}" -ge 60
p=$(probe "$RB/live/$HID.flv" 2)
check "HTTP-FLV without quality: the source, 1280x720 ($p)" bash -c '[[ $1 =~ ^1280,720, ]]' _ "$p"
p=$(probe "$RB/live/$HID/low/index.m3u8" 2)
check "HLS low/index.m3u8: ffprobe decodes 640x360 frames ($p in 2 s)" \
    bash -c '[[ $1 =~ ^640,360,([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 25 ]' _ "$p"

curl -s -o "$W/master.m3u8" -w '%{http_code} %{content_type}' "$RB/live/$HID/master.m3u8" >"$W/master.status"
check "master.m3u8: 200 as a playlist ($(cat "$W/master.status"))" \
    grep -q '^200 application/vnd.apple.mpegurl' "$W/master.status"
check "master.m3u8: the source first, 1280x720, then low/index.m3u8 at 640x360, with bandwidths and codecs" \
    python3 - "$W/master.m3u8" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
inf = re.findall(r'^#EXT-X-STREAM-INF:(.*)\n(\S+)$', text, re.M)
assert text.startswith('#EXTM3U\n'), text
assert [u for _, u in inf] == ['index.m3u8', 'low/index.m3u8'], text
attrs = [dict(re.findall(r'([A-Z-]+)=("[^"]*"|[^,]*)', a)) for a, _ in inf]
assert attrs[0]['RESOLUTION'] == '1280x720' and attrs[1]['RESOLUTION'] == '640x360', text
assert int(attrs[0]['BANDWIDTH']) > int(attrs[1]['BANDWIDTH']) >= 400000, text
for a in attrs:
    assert re.fullmatch(r'"avc1\.[0-9a-f]{6},mp4a\.40\.2"', a['CODECS']), text
EOF
p=$(probe "$RB/live/$HID/master.m3u8" 2)
check "master.m3u8 plays in ffprobe ($p)" bash -c '[[ $1 =~ ^[0-9]+,[0-9]+,([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 25 ]' _ "$p"
check "index.m3u8 is still the source's media playlist" \
    bash -c 'curl -s "$1" | grep -q "^#EXT-X-PART-INF"' _ "$RB/live/$HID/index.m3u8"
code=$(curl -s -o "$W/bad.json" -w '%{http_code}' "$RB/live/$HID.flv?quality=best")
check "?quality=best: 400 bad_request ($code)" \
    bash -c '[ "$1" = 400 ] && jq -e ".error.code == \"bad_request\"" "$2" >/dev/null' _ "$code" "$W/bad.json"

M=$(curl -s "$RB/metrics")
check "/metrics: the rendition's frames, CPU and bitrate" \
    bash -c 'grep -q "^farmlive_relay_stream_rendition_frames_total{live_id=\"$1\",rendition=\"low\",outcome=\"encoded\"} [1-9]" <<<"$2" &&
             grep -q "^farmlive_relay_stream_rendition_frames_total{live_id=\"$1\",rendition=\"low\",outcome=\"dropped\"} " <<<"$2" &&
             grep -q "^farmlive_relay_stream_rendition_cpu_seconds_total{live_id=\"$1\",rendition=\"low\"} " <<<"$2" &&
             grep -q "^farmlive_relay_stream_rendition_bitrate_kbps{live_id=\"$1\",rendition=\"low\"} " <<<"$2"' _ "$HID" "$M"
check "the rendition's CPU and bitrate are measured ($(stream_of "$RB" "$HID" | jq -c '.renditions[0] | [.cpu, .bitrate_kbps]'))" \
    wait_until 10 '.renditions[0].cpu.seconds > 0 and .renditions[0].cpu.percent_of_core > 0 and .renditions[0].bitrate_kbps > 100' "$RB" "$HID"

# ------------------------------------------------------------ 320x240 under auto: none
read -r SID SKEY < <(new_session small)
push "$W/small.flv" "rtmp://127.0.0.1:$RPORT/live/$SKEY" 20 "$W/push-s.log" &
PS=$!
BG+=($PS)
check "320x240: publishing" wait_until 15 '.publishing and .video.width == 320' "$RB" "$SID"
sleep 2 # what would have started a rendition (the sequence header) came 2 s ago
check "320x240 under auto: no rendition ($(stream_of "$RB" "$SID" | jq -c .renditions))" \
    jqe '.renditions == []' < <(stream_of "$RB" "$SID")
check "... and still one transcode thread in the relay" test "$(threads_named "$RELAY_PID" fl-rendition)" = 1
curl -s "$RB/live/$SID/master.m3u8" >"$W/master-small.m3u8"
check "320x240: master.m3u8 lists the source alone" \
    bash -c 'grep -c "^#EXT-X-STREAM-INF" "$1" | grep -qx 1 && grep -qx index.m3u8 "$1" && ! grep -q low/ "$1"' _ "$W/master-small.m3u8"
code=$(curl -s -o "$W/nolow.json" -w '%{http_code}' "$RB/live/$SID/low/index.m3u8")
check "320x240: low/index.m3u8 is 404 ($code)" test "$code" = 404
code=$(curl -s -o "$W/nolow.json" -w '%{http_code}' "$RB/live/$SID.flv?quality=low")
check "320x240: ?quality=low is 404 ($code)" test "$code" = 404
kill "$PS" 2>/dev/null

# ------------------------------------------------------------ takeover and reconnect keep it going
n1=$(stream_of "$RB" "$HID" | jq '.renditions[0].frames.encoded')
push "$W/hd.flv" "rtmp://127.0.0.1:$RPORT/live/$HKEY" 40 "$W/push-h2.log" &
PH2=$!
BG+=($PH2)
check "a second publisher with the key takes over (epoch 2)" wait_until 20 '.epoch == 2 and .publishing' "$RB" "$HID"
watch_hls 4 "$W/hls-low" "$HID/low" &
WL=$!
check "after the takeover: the rendition goes on encoding (from $n1 frames)" \
    wait_until 20 ".renditions[0].frames.encoded > $n1 + 50" "$RB" "$HID"
wait "$WL"
hls_verdict "after the takeover: the low variant" "$HID/low" 4 "$W/hls-low"
p=$(probe "$RB/live/$HID.flv?quality=low" 2)
check "after the takeover: ?quality=low still decodes at 640x360 ($p)" \
    bash -c '[[ $1 =~ ^640,360,([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 25 ]' _ "$p"
kill "$PH2" 2>/dev/null
wait "$PH2" 2>/dev/null
check "the publisher left: the stream waits for a reconnect" wait_until 15 '.publishing == false' "$RB" "$HID"
n2=$(stream_of "$RB" "$HID" | jq '.renditions[0].frames.encoded')
push "$W/hd.flv" "rtmp://127.0.0.1:$RPORT/live/$HKEY" 30 "$W/push-h3.log" &
PH3=$!
BG+=($PH3)
check "a reconnect within the grace period: publishing again" wait_until 20 '.publishing' "$RB" "$HID"
check "after the reconnect: the same rendition encodes on (from $n2 frames)" \
    wait_until 20 ".renditions[0].frames.encoded > $n2 + 50" "$RB" "$HID"
low_ok() { [[ $1 =~ ^640,360,([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" -ge 10 ]; }
for _ in 1 2 3 4 5; do # the new epoch's first low segments may still be being cut
    p=$(probe "$RB/live/$HID/low/index.m3u8" 2)
    low_ok "$p" && break
    sleep 1
done
check "after the reconnect: low/index.m3u8 decodes at 640x360 ($p)" low_ok "$p"
check "still one transcode thread" test "$(threads_named "$RELAY_PID" fl-rendition)" = 1
J=$(stream_of "$RB" "$HID")
# how many it drops depends on the CPU it gets (niced; the machine is shared): counted, and each
# picture handed to it is either encoded or counted as dropped (a few may still be in its queue)
check "a real-time 720p stream: every picture encoded or counted as dropped ($(jq -c '.renditions[0].frames' <<<"$J"))" \
    jqe '.renditions[0].frames as $f | $f.encoded > 0 and $f.encoded + $f.dropped <= $f.in and $f.encoded + $f.dropped + 200 >= $f.in' <<<"$J"
kill "$PH3" "$PH" 2>/dev/null

# ------------------------------------------------------------ off (the default): nothing
ORP=$(free_port)
OHP=$(free_port)
while [ "$OHP" = "$ORP" ] || [ "$OHP" = "$HPORT" ] || [ "$ORP" = "$RPORT" ]; do OHP=$(free_port); done
OB=http://127.0.0.1:$OHP
AUTO_PID=$RELAY_PID
start_relay off "$ORP" "$OHP" "$W/relay-off.log"
OFF_PID=$RELAY_PID
RELAY_PID=$AUTO_PID
read -r OID OKEY < <(new_session off)
push "$W/hd.flv" "rtmp://127.0.0.1:$ORP/live/$OKEY" 20 "$W/push-o.log" &
PO=$!
BG+=($PO)
check "off: the 720p stream is live" wait_until 20 '.publishing and .video.width == 1280 and .hls_segments > 0' "$OB" "$OID"
check "off: no rendition in /api/streams" jqe '.renditions == []' < <(stream_of "$OB" "$OID")
check "off: no transcode thread" test "$(threads_named "$OFF_PID" fl-rendition)" = 0
for _ in $(seq 1 50); do # the first answer that is a playlist
    curl -s "$OB/live/$OID/master.m3u8" >"$W/master-off.m3u8"
    grep -q '^#EXTM3U' "$W/master-off.m3u8" && break
    sleep 0.2
done
check "off: master.m3u8 lists the source alone ($(tr '\n' ' ' <"$W/master-off.m3u8"); $(stream_of "$OB" "$OID" | head -c 300); $(ss -ltnp | grep -E ":($OHP|$ORP) " | tr -s ' \n' ' '))" \
    bash -c 'grep -c "^#EXT-X-STREAM-INF" "$1" | grep -qx 1 && grep -qx index.m3u8 "$1"' _ "$W/master-off.m3u8"
code=$(curl -s -o /dev/null -w '%{http_code}' "$OB/live/$OID.flv?quality=low")
check "off: ?quality=low is 404 ($code)" test "$code" = 404
check "off: no rendition metrics" bash -c '! curl -s "$1" | grep -q "^farmlive_relay_stream_rendition_frames_total{"' _ "$OB/metrics"
kill "$PO" 2>/dev/null

# ------------------------------------------------------------ the cooperative's choice wins over the relay's
FARMER_TOKEN=$TOKEN
TOKEN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
api GET /api/v1/me
AY=$(jqr '.memberships[0].coop_id')
api PATCH "/api/v1/coops/$AY" '{"low_rendition":"on"}'
check "the coop admin sets low_rendition on ($STATUS)" test "$STATUS" = 200
TOKEN=$FARMER_TOKEN
read -r CID CKEY < <(new_session coop-on)
push "$W/hd.flv" "rtmp://127.0.0.1:$ORP/live/$CKEY" 60 "$W/push-c.log" &
PC=$!
BG+=($PC)
check "coop on, relay off: the rendition encodes pictures" wait_until 25 '.renditions[0].frames.encoded > 25' "$OB" "$CID"
for _ in $(seq 1 50); do # named just after it starts
    n=$(threads_named "$OFF_PID" fl-rendition)
    [ "$n" = 1 ] && break
    sleep 0.2
done
check "coop on, relay off: one transcode thread ($n; $(stream_of "$OB" "$CID" | head -c 300))" test "$n" = 1
p=$(probe "$OB/live/$CID.flv?quality=low" 3)
check "coop on, relay off: ?quality=low decodes at 640x360 ($p)" bash -c '[[ $1 =~ ^640,360,([0-9]+)$ ]]' _ "$p"
curl -s "$OB/live/$CID/master.m3u8" >"$W/master-coop.m3u8"
check "coop on, relay off: master.m3u8 lists the 360p variant ($(tr '\n' ' ' <"$W/master-coop.m3u8"))" \
    bash -c 'grep -c "^#EXT-X-STREAM-INF" "$1" | grep -qx 2 && grep -qx low/index.m3u8 "$1" && grep -q "RESOLUTION=640x360" "$1"' _ "$W/master-coop.m3u8"
kill "$PC" 2>/dev/null
TOKEN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
api PATCH "/api/v1/coops/$AY" '{"low_rendition":"default"}'
check "low_rendition back to default ($STATUS)" test "$STATUS" = 200
TOKEN=$FARMER_TOKEN

for pid in "$RELAY_PID" "$OFF_PID"; do # stopped, so the leak check runs
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
done
RELAY_PID=
OFF_PID=
check "no sanitizer report" \
    bash -c '! grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$1" "$2"' _ "$LOG" "$W/relay-off.log"
finish
