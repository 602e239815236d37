#!/usr/bin/env bash
# relay_srt.sh - SRT ingest against the test shop: ffmpeg publishing
# MPEG-TS over SRT (srt://...?streamid=KEY) is watched over HLS and
# HTTP-FLV (ffprobe reads frames of both) and the shop sees the session
# live; srt-live-transmit publishes a TS file with the access-control
# stream id (#!::r=live/KEY,m=publish); a wrong key and a player's stream
# id are refused in the handshake (reject reasons 1403, 1405, logged and
# counted); a second SRT publisher with the same key takes over (epoch 2,
# HLS goes on growing), and so do an SRT publisher over an RTMP one and
# back (the older closed, no grace period started); /api/streams and
# /metrics show the SRT statistics.
# 5 % packet loss: with tc netem on the loopback of a network namespace the
# test makes (unshare -rn) when this machine's kernel has netem, else that
# check is skipped, saying so; in both cases a UDP forwarder losing 5 % of
# the datagrams each way (tests/tools/udp_loss.py) sits between a publisher
# and the relay, and the stream must stay continuous (losses seen and
# retransmitted, none dropped, HLS parts never more than 1 s apart).
# Starts its own relay ($RELAY_BIN, the sanitizer build) on free ports with
# SRT on; fails at once when a tool is missing (ops/install-deps.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

. "$(dirname "$0")/relay_lib.sh"
relay_need ffmpeg ffprobe srt-live-transmit python3 unshare "$RELAY"

W=$_TMP
LOG=$W/relay.log
udp_port() { python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SPORT=$(udp_port)
LPORT=$(udp_port)
while [ "$LPORT" = "$SPORT" ]; do LPORT=$(udp_port); done

relay_serve "$LOG" FARMLIVE_SRT_PORT=$SPORT FARMLIVE_LIVE_GRACE=3 FARMLIVE_VAR_DIR=$W/var
check "the relay says where SRT publishers go" grep -q "srt://127.0.0.1:$SPORT?streamid=KEY (latency 500 ms)" "$LOG"

TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
S=$(uniq_suffix)
new_session() { # new_session NAME -> "ID KEY"
    api POST /api/v1/live "$(jq -nc --arg t "srt $1 $S" '{title:$t}')"
    printf '%s %s\n' "$(jqr .id)" "$(jqr .stream_key)"
}
SRT=srt://127.0.0.1:$SPORT

# ------------------------------------------------------------ helpers
CLIP=$W/clip.ts
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=320x240:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 16 -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -g 25 -keyint_min 25 -sc_threshold 0 -b:v 400k -c:a aac -b:a 64k -ac 1 -f mpegts "$CLIP"
check "a 16 s MPEG-TS test clip was made" test -s "$CLIP"

# srt_push URL SECONDS LOG: ffmpeg replays the clip (looped) in real time over SRT (in the foreground)
srt_push() {
    timeout $(($2 + 30)) ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$CLIP" -t "$2" -c copy \
        -f mpegts "$1" >"$3" 2>&1
}
# wait_publishing ID: until /api/streams lists ID publishing (15 s at most)
wait_publishing() {
    for _ in $(seq 1 150); do
        curl -s "$RB/api/streams" | jq -e --arg id "$1" '.streams[] | select(.live_id == $id and .publishing)' \
            >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
jqe() { jq -e "$@" >/dev/null; } # jqe FILTER [ARGS...] < JSON: true or not, quietly
stream_of() { curl -s "$RB/api/streams" | jq -c --arg id "$1" '.streams[] | select(.live_id == $id)'; }
watch_hls() { python3 "$ROOT/tests/tools/hls_watch.py" "$RB" "$1" "${@:3}" >"$2" 2>"$2.err"; }
hls_verdict() { # hls_verdict NAME ID SECONDS OUT: at least 2 new parts a second, none later than 1 s
    local n gap err
    read -r _ n gap err < <(grep "^$2 " "$4")
    if [ "${n:-0}" -ge $(($3 * 2)) ] && [ "${gap:-99999}" -le 1000 ]; then ok; else
        bad "$1: HLS keeps growing (${n:-0} new parts in $3 s, longest wait ${gap:-?} ms)" \
            "${err:-}$(head -c 300 "$4.err" 2>/dev/null)"
    fi
}
frames_of() { # frames_of URL SECONDS -> video frames ffprobe decodes in that much of the stream
    timeout $(($2 + 20)) ffprobe -v error -read_intervals "%+$2" -select_streams v -count_frames \
        -show_entries stream=nb_read_frames -of csv=p=0 "$1" 2>/dev/null | head -n 1
}
audio_of() {
    timeout $(($2 + 20)) ffprobe -v error -read_intervals "%+$2" -select_streams a -count_packets \
        -show_entries stream=nb_read_packets -of csv=p=0 "$1" 2>/dev/null | head -n 1
}

# ------------------------------------------------------------ ffmpeg publishes, HLS and FLV play
read -r AID AKEY < <(new_session ffmpeg)
srt_push "$SRT?streamid=$AKEY" 40 "$W/push-a.log" & # taken over long before its end
PA=$!
BG+=($PA)
check "ffmpeg over SRT (streamid=KEY): the stream is live on the relay" wait_publishing "$AID"
api GET "/api/v1/live/$AID"
expect_status 200 "the session"
expect_jq .status live "the shop heard the SRT publish: the session is live"
watch_hls 5 "$W/hls-a" "$AID" &
WA=$!
v=$(frames_of "$RB/live/$AID.flv" 3)
a=$(audio_of "$RB/live/$AID.flv" 3)
check "HTTP-FLV plays: ffprobe decodes ${v:-0} video frames (3 s) and ${a:-0} audio packets" \
    test "${v:-0}" -ge 40 -a "${a:-0}" -ge 40
v=$(frames_of "$RB/live/$AID/index.m3u8" 2)
check "HLS plays: ffprobe decodes ${v:-0} video frames (2 s)" test "${v:-0}" -ge 25
wait "$WA"
hls_verdict "ffmpeg" "$AID" 5 "$W/hls-a"
J=$(stream_of "$AID")
check "/api/streams: 320x240 H.264 and AAC from MPEG-TS ($(jq -c '[.video.width, .video.height, .video.codec, .audio.codec]' <<<"$J"))" \
    jqe '.video.width == 320 and .video.height == 240 and (.video.codec | startswith("avc1")) and .audio.codec == "mp4a.40.2"' <<<"$J"
check "/api/streams: SRT statistics ($(jq -c .srt <<<"$J"))" \
    jqe '.srt.received_packets > 100 and .srt.latency_ms == 500 and .srt.rtt_ms >= 0 and .srt.lost_packets >= 0 and .srt.retransmitted_packets >= 0 and .srt.dropped_packets >= 0' <<<"$J"
M=$(curl -s "$RB/metrics")
check "/metrics: the stream's SRT packets, RTT, rate and latency" \
    bash -c 'grep -q "^farmlive_relay_stream_srt_packets_total{live_id=\"$1\",kind=\"received\"} [1-9]" <<<"$2" &&
             grep -q "^farmlive_relay_stream_srt_rtt_ms{live_id=\"$1\"} " <<<"$2" &&
             grep -q "^farmlive_relay_stream_srt_latency_ms{live_id=\"$1\"} 500" <<<"$2"' _ "$AID" "$M"

# ------------------------------------------------------------ a second publisher with the key takes over
srt_push "$SRT?streamid=$AKEY" 8 "$W/push-a2.log" &
PA2=$!
BG+=($PA2)
for _ in $(seq 1 100); do
    [ "$(stream_of "$AID" | jq -r .epoch)" = 2 ] && break
    sleep 0.1
done
check "a second SRT publisher with the same key takes over (epoch $(stream_of "$AID" | jq -r .epoch))" \
    test "$(stream_of "$AID" | jq -r '.epoch')" = 2
wait "$PA"
rc=$?
check "the first publisher was closed (ffmpeg exit $rc)" test "$rc" != 0
check "the takeover is logged" grep -q '"event":"srt_takeover"' "$LOG"
watch_hls 4 "$W/hls-a2" "$AID"
hls_verdict "after the takeover" "$AID" 4 "$W/hls-a2"
check "after the takeover: still publishing with SRT statistics" \
    jqe '.publishing and .srt.received_packets > 0' <<<"$(stream_of "$AID")"
wait "$PA2"

# ------------------------------------------------------------ takeovers across protocols
# RTMP first, then SRT with the same key; then RTMP again: each newer one
# takes over, the older is closed, and the stream never goes into its grace
# period (3 s here) while the newer one publishes.
read -r XID XKEY < <(new_session cross)
timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$CLIP" -t 30 -c copy -f flv \
    "rtmp://127.0.0.1:$RPORT/live/$XKEY" >"$W/push-x1.log" 2>&1 &
PX1=$!
BG+=($PX1)
check "RTMP publisher: live" wait_publishing "$XID"
srt_push "$SRT?streamid=$XKEY" 30 "$W/push-x2.log" &
PX2=$!
BG+=($PX2)
for _ in $(seq 1 100); do
    [ "$(stream_of "$XID" | jq -r .srt.received_packets)" != null ] && break
    sleep 0.1
done
wait "$PX1"
rc=$?
check "an SRT publisher takes over from an RTMP one: the RTMP publisher is closed (ffmpeg exit $rc)" test "$rc" != 0 -a "$rc" != 124
sleep 4 # past the grace period, had the RTMP publisher's going started one
J=$(stream_of "$XID")
check "... the stream goes on, the SRT publisher's ($(jq -c '[.publishing, .epoch, .srt.received_packets]' <<<"$J"))" \
    jqe '.publishing and .epoch == 2 and .srt.received_packets > 0' <<<"$J"
timeout 60 ffmpeg -nostdin -hide_banner -loglevel error -re -stream_loop -1 -i "$CLIP" -t 8 -c copy -f flv \
    "rtmp://127.0.0.1:$RPORT/live/$XKEY" >"$W/push-x3.log" 2>&1 &
PX3=$!
BG+=($PX3)
wait "$PX2"
rc=$?
check "an RTMP publisher takes over from an SRT one: the SRT publisher is closed (ffmpeg exit $rc)" test "$rc" != 0 -a "$rc" != 124
sleep 4
J=$(stream_of "$XID")
check "... the stream goes on, the RTMP publisher's, without SRT statistics ($(jq -c '[.publishing, .epoch, .srt]' <<<"$J"))" \
    jqe '.publishing and .epoch == 3 and .srt == null' <<<"$J"
check "the takeovers are logged" bash -c 'grep -q "\"event\":\"rtmp_takeover\".*another protocol" "$1" && grep -q "\"event\":\"srt_takeover\".*another protocol" "$1"' _ "$LOG"
wait "$PX3"

# ------------------------------------------------------------ srt-live-transmit, the access-control stream id
read -r BID BKEY < <(new_session srt-live-transmit)
(ffmpeg -nostdin -hide_banner -loglevel error -re -i "$CLIP" -t 10 -c copy -f mpegts - 2>"$W/slt-ff.log" |
    timeout 14 srt-live-transmit -q file://con "$SRT?streamid=#!::r=live/$BKEY,m=publish" >"$W/slt.log" 2>&1) &
PB=$!
BG+=($PB)
check "srt-live-transmit (#!::r=live/KEY,m=publish): the stream is live" wait_publishing "$BID"
watch_hls 4 "$W/hls-b" "$BID"
hls_verdict "srt-live-transmit" "$BID" 4 "$W/hls-b"
v=$(frames_of "$RB/live/$BID.flv" 2)
check "srt-live-transmit: HTTP-FLV plays (${v:-0} video frames in 2 s)" test "${v:-0}" -ge 25

# ------------------------------------------------------------ refusals in the handshake
R0=$(curl -s "$RB/api/streams" | jq -c .ingest.srt)
timeout 20 ffmpeg -nostdin -hide_banner -loglevel error -i "$CLIP" -t 1 -c copy -f mpegts \
    "$SRT?streamid=not-a-key-$S" >"$W/push-bad.log" 2>&1
rc=$?
check "a wrong key is refused (ffmpeg exit $rc)" test "$rc" != 0 -a "$rc" != 124
check "the refusal is logged with its reject reason (1403)" \
    grep -q '"event":"srt_publish_refused".*not-.*(reject reason 1403)' "$LOG"
timeout 20 ffmpeg -nostdin -hide_banner -loglevel error -i "$CLIP" -t 1 -c copy -f mpegts \
    "$SRT?streamid=#!::r=live/$BKEY,m=request" >"$W/push-play.log" 2>&1
rc=$?
check "a player's stream id (m=request) is refused (ffmpeg exit $rc)" test "$rc" != 0 -a "$rc" != 124
check "... with reject reason 1405" grep -q '"event":"srt_publish_refused".*(reject reason 1405)' "$LOG"
R1=$(curl -s "$RB/api/streams" | jq -c .ingest.srt)
check "/api/streams counts the refusals ($R0 -> $R1)" \
    jqe --argjson a "$R0" '.refused.key == $a.refused.key + 1 and .refused.stream_id == $a.refused.stream_id + 1' <<<"$R1"
check "/metrics counts refused keys" bash -c 'curl -s "$1/metrics" | grep -q "^farmlive_relay_srt_refused_total{reason=\"key\"} [1-9]"' _ "$RB"
wait "$PB" 2>/dev/null

# ------------------------------------------------------------ 5 % loss
# (a) tc netem on the loopback of a network namespace of our own
NETEM_ERR=$(unshare -rn sh -c 'ip link set lo up && tc qdisc add dev lo root netem loss 5%' 2>&1)
if [ $? -ne 0 ]; then
    printf 'SKIP [%s] 5 %% loss with tc netem in a network namespace: this machine cannot (%s); the same check runs through a lossy UDP forwarder below\n' \
        "$SUITE" "$(printf '%s' "$NETEM_ERR" | head -n 1)"
else
    read -r NID NKEY < <(new_session netem)
    SOCK=$W/shop.sock
    python3 "$ROOT/tests/tools/unix_bridge.py" listen "$SOCK" "127.0.0.1:${SHOP_URL##*:}" 40 "$W/bridge.ready" &
    BG+=($!)
    for _ in $(seq 1 300); do [ -e "$W/bridge.ready" ] && break; sleep 0.1; done
    unshare -rn "$ROOT/tests/tools/srt_netns.sh" "$RELAY" "$SOCK" "${SHOP_URL##*:}" "$NKEY" "$NID" "$CLIP" "$W/netns" \
        >"$W/netns.log" 2>&1
    check "netem 5 %: the run in the namespace finished ($(tail -n 3 "$W/netns.log" | tr '\n' ' '))" test -s "$W/netns/streams.json"
    J=$(jq -c --arg id "$NID" '.streams[] | select(.live_id == $id)' "$W/netns/streams.json" 2>/dev/null)
    check "netem 5 %: losses seen and retransmitted, none dropped ($(jq -c .srt <<<"$J"))" \
        jqe '.srt.lost_packets > 0 and .srt.retransmitted_packets > 0 and .srt.dropped_packets == 0' <<<"$J"
    hls_verdict "netem 5 %" "$NID" 6 "$W/netns/hls"
fi

# (b) a forwarder that loses 5 % of the datagrams each way
read -r LID LKEY < <(new_session loss)
python3 "$ROOT/tests/tools/udp_loss.py" "$LPORT" "$SPORT" 0.05 40 17 "$W/loss.ready" >"$W/loss.log" 2>&1 &
PL=$!
BG+=($PL)
for _ in $(seq 1 300); do [ -e "$W/loss.ready" ] && break; sleep 0.1; done
check "the lossy forwarder is up" test -e "$W/loss.ready"
srt_push "srt://127.0.0.1:$LPORT?streamid=$LKEY" 20 "$W/push-loss.log" &
PP=$!
BG+=($PP)
check "through 5 % loss: the stream is live" wait_publishing "$LID"
watch_hls 8 "$W/hls-loss" "$LID" &
WL=$!
sleep 6
J=$(stream_of "$LID") # while it still publishes
wait "$WL"
hls_verdict "through 5 % loss" "$LID" 8 "$W/hls-loss"
check "through 5 % loss: losses seen and retransmitted, none too late to play ($(jq -c .srt <<<"$J"))" \
    jqe '.srt.lost_packets > 0 and .srt.retransmitted_packets > 0 and .srt.dropped_packets == 0' <<<"$J"
check "through 5 % loss: 25 fps kept ($(jq -r .video.fps <<<"$J") fps over 5 s)" \
    jqe '.video.fps >= 22' <<<"$J"
wait "$PP"
rc=$?
check "through 5 % loss: the publisher was never cut off (ffmpeg exit $rc)" test "$rc" = 0
kill "$PL" 2>/dev/null

check "no sanitizer report" bash -c '! grep -q -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:" "$1"' _ "$LOG"
finish
