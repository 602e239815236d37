#!/usr/bin/env bash
# relay_ingest.sh - the relay's RTMP publish side against the real shop:
# FFmpeg publishers (two at once on one port), the shop's publish check
# (a wrong key is refused), a reconnect taking over a lingering publisher,
# and bad input (HEVC, a huge chunk size or message, garbage and an HTTP
# request on the port) closing only the connection at fault, each with its
# log line (HEVC with an onStatus error naming it), while another stream
# goes on; timestamps going back or jumping are corrected, not closed;
# before authorisation the small limits (probes leaving 8 MiB messages
# unfinished are closed and memory stays flat, the per-address and command
# caps), each refusal logged and counted in /metrics.
# Ends with SIGTERM: the relay must exit 0.
#
# Starts its own relay ($RELAY_BIN, the sanitizer build) on free ports, so
# it can run beside other relay suites. Needs ffmpeg and the rtmp_push test
# tool ($BUILD_DIR/tools/rtmp_push, built by `make test`).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

. "$(dirname "$0")/relay_lib.sh"
LOG=$_TMP/relay.log

# Sanitizer reports go to the relay's own log (stderr), which this suite scans.
relay_serve "$LOG" FARMLIVE_VAR_DIR=$_TMP/var

# A live session of the demo farmer -> its stream key.
TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
new_key() {
    api POST /api/v1/live "{\"title\":\"ingest test $1\"}"
    jqr .stream_key
}
K1=$(new_key one)
K2=$(new_key two)
K3=$(new_key three)
TOKEN=
check "the shop hands out stream keys" test -n "$K1" -a "$K1" != null -a -n "$K2" -a -n "$K3"

URL=rtmp://127.0.0.1:$RPORT/live
push_ffmpeg() { # push_ffmpeg KEY SECONDS -> ffmpeg's exit code
    timeout $(($2 + 20)) ffmpeg -nostdin -hide_banner -loglevel error -re \
        -f lavfi -i "testsrc=size=320x240:rate=25" -f lavfi -i "sine=frequency=440" -t "$2" \
        -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 -c:a aac -f flv "$URL/$1" \
        >>"$_TMP/ffmpeg.log" 2>&1
}
logged() { grep -q -- "$1" "$LOG"; }
count_logged() { grep -c -- "$1" "$LOG"; }

# 1. two publishers at once on the one port; bad input meanwhile
push_ffmpeg "$K1" 8 & P1=$!
push_ffmpeg "$K2" 8 & P2=$!
sleep 2
for mode in hevc hevc-enhanced chunk-huge msg-huge; do
    out=$("$PUSH" 127.0.0.1 "$RPORT" "$K3" "$mode" 2>&1)
    check "$mode: the relay closes the connection ($out)" test $? -eq 0
done
for mode in ts-back ts-jump; do
    out=$("$PUSH" 127.0.0.1 "$RPORT" "$K3" "$mode" 2>&1)
    check "$mode: the relay keeps the publisher ($out)" test $? -eq 0
done
printf 'GET /live/x.flv HTTP/1.1\r\nHost: relay\r\n\r\n' >"$_TMP/http.txt"
{ printf '\377'; head -c 4000 /dev/urandom; } >"$_TMP/garbage.bin"
for f in http.txt garbage.bin; do
    timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$RPORT; cat '$_TMP/$f' >&3; cat <&3 >/dev/null" 2>/dev/null
done
out=$("$PUSH" 127.0.0.1 "$RPORT" "not-a-key-$RANDOM" refused 2>&1)
check "a wrong key is refused with an onStatus error ($out)" test $? -eq 0
wait "$P1"; r1=$?
wait "$P2"; r2=$?
check "publisher 1 ran to the end beside the bad input (ffmpeg exit $r1)" test "$r1" -eq 0
check "publisher 2 ran to the end beside the bad input (ffmpeg exit $r2)" test "$r2" -eq 0
check "both publishes logged" test "$(count_logged '"event":"rtmp_publish"')" -ge 2
check "HEVC refused, naming the codec" logged 'rtmp_codec_refused.*HEVC'
check "enhanced-RTMP HEVC refused, naming the codec" logged 'rtmp_codec_refused.*hvc1'
check "the timestamps corrected are logged" logged '"event":"stream_timestamp"'
check "and never cut a publisher off" bash -c "! grep -q rtmp_bad_timestamp '$LOG'"
check "huge chunk size logged" logged 'Set Chunk Size of 0 or above'
check "huge message logged" logged 'message longer than the limit'
check "HTTP on the RTMP port logged" logged 'an HTTP request on the RTMP port'
check "garbage logged" logged 'not RTMP: C0 is not version 3'
check "refusal logged" logged 'rtmp_publish_refused'
check "keys never logged whole" bash -c "! grep -q -- '$K1' '$LOG'"

# 1b. before its publish is authorised a connection holds little: six
# probes each leaving two 8 MiB messages unfinished are closed at once and
# the relay's memory stays flat; the 17th connection from one address that
# is not publishing is refused; so is the 33rd command
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$RELAY_PID/status"; }
R0=$(rss_kb) PEAK=$(rss_kb)
BIG=()
for i in 1 2 3 4 5 6; do
    "$PUSH" 127.0.0.1 "$RPORT" x preauth-big >"$_TMP/big.$i" 2>&1 & BIG+=($!)
done
for _ in $(seq 1 20); do r=$(rss_kb); [ "$r" -gt "$PEAK" ] && PEAK=$r; sleep 0.1; done
for i in 1 2 3 4 5 6; do
    wait "${BIG[$((i - 1))]}"
    rc=$?
    check "pre-auth probe $i is closed early ($(cat "$_TMP/big.$i"))" test "$rc" -eq 0
done
check "the relay's memory stays flat under the probes (${R0} -> peak ${PEAK} kB)" test $((PEAK - R0)) -lt 16384
IDLE=()
for i in $(seq 1 20); do "$PUSH" 127.0.0.1 "$RPORT" x idle >"$_TMP/idle.$i" 2>&1 & IDLE+=($!); done
wait "${IDLE[@]}"
nclosed=$(cat "$_TMP"/idle.* | grep -c closed)
check "20 idle connections from one address: 4 refused (got $nclosed)" test "$nclosed" -eq 4
out=$("$PUSH" 127.0.0.1 "$RPORT" x preauth-cmds 2>&1)
check "over 32 commands before authorisation: closed ($out)" test $? -eq 0
check "each refusal logged" test "$(count_logged '"event":"rtmp_preauth_refused"')" -ge 11
M=$(curl -s "http://127.0.0.1:$HPORT/metrics")
metric() { sed -n "s/^farmlive_relay_rtmp_refused_total{reason=\"$1\"} //p" <<<"$M"; }
check "and counted: message size $(metric preauth_message_size), per address $(metric preauth_per_address), commands $(metric preauth_commands)" \
    test "$(metric preauth_message_size)" -ge 6 -a "$(metric preauth_per_address)" -eq 4 -a "$(metric preauth_commands)" -eq 1

# 2. a reconnect takes over a lingering publisher at once (no "stream busy")
push_ffmpeg "$K1" 10 & PA=$!
sleep 3
push_ffmpeg "$K1" 3; rb=$?
wait "$PA"
check "the second publisher with the same key streamed (ffmpeg exit $rb)" test "$rb" -eq 0
check "the takeover is logged" logged '"event":"rtmp_takeover"'

# 3. SIGTERM: clean exit (recordings finalised by the hub)
kill -TERM "$RELAY_PID"
wait "$RELAY_PID"; rc=$?
RELAY_PID=
check "the relay exits 0 on SIGTERM (got $rc)" test "$rc" -eq 0
check "no sanitizer report in the relay log" bash -c "! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$LOG'"
[ "$FAIL" -gt 0 ] && { echo "--- relay log (tail)"; grep -v '"debug"' "$LOG" | tail -n 30; } >&2
finish
