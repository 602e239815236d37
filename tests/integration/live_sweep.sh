#!/usr/bin/env bash
# live_sweep.sh - a relay that dies does not leave its sessions live.
#
# Starts an extra shop here (FARMLIVE_RELAY_URL set, grace 3 s; the stack's
# MariaDB and Redis) and a relay reporting to it, pushes a clip with ffmpeg:
# the session goes live; the shop keeps it live while the relay lists it;
# then the relay is stopped (SIGSTOP: its socket still accepts, nothing
# answers): a slow relay changes nothing; then killed (-9): once nothing
# listens, the shop moves the session to idle ("relay_lost") and, after the
# grace period, ends it ("grace_expired").
# Fails at once when the relay binary or ffmpeg is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
RELAY_BIN=${RELAY_BIN:-${BIN_DIR:-bin}/farmlive-relay-san}
if [ ! -x "$RELAY_BIN" ] || ! command -v ffmpeg >/dev/null; then
    bad "$RELAY_BIN or ffmpeg is missing (make test builds the one, ops/install-deps.sh installs the other)"
    finish
    exit 1
fi
SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
W=$_TMP/sweep
mkdir -p "$W/relay-var"
PIDS=()
cleanup_sweep() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup_sweep EXIT

PORT=$(free_port)
RTMP_PORT=$(free_port)
RELAY_HTTP=$(free_port)
URL=http://127.0.0.1:$PORT
# sanitizer reports into its own log (not run.sh's log_path), checked at the end
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
FARMLIVE_SHOP_PORT=$PORT FARMLIVE_RELAY_URL=http://127.0.0.1:$RELAY_HTTP FARMLIVE_LIVE_GRACE=3 \
    "$SHOP_BIN" serve >>"$W/shop.log" 2>&1 &
SHOP2=$!
PIDS+=("$SHOP2")
if wait_http "$URL/healthz" 30 "$SHOP2"; then ok; else bad "the extra shop starts" "$(tail -n 20 "$W/shop.log")"; fi
ASAN_OPTIONS=detect_leaks=0 FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$RELAY_HTTP \
FARMLIVE_SHOP_INTERNAL_URL=$URL FARMLIVE_INTERNAL_SECRET=$SECRET FARMLIVE_LIVE_GRACE=60 \
FARMLIVE_VAR_DIR=$W/relay-var "$RELAY_BIN" serve >"$W/relay.log" 2>&1 &
RELAY=$!
PIDS+=("$RELAY")
if wait_http "http://127.0.0.1:$RELAY_HTTP/healthz" 30 "$RELAY"; then ok; else bad "the relay starts" "$(tail -n 20 "$W/relay.log")"; fi

SHOP_URL=$URL
TOKEN=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
api POST /api/v1/live "$(jq -nc --arg t "sweep $(uniq_suffix)" '{title:$t}')"
expect_status 201 "a live session"
ID=$(jqr .id)
KEY=$(jqr .stream_key)
status_of() { TOKEN= api GET "/api/v1/live/$ID"; jqr .status; }
wait_status() { # wait_status STATUS SECONDS
    for _ in $(seq 1 $(($2 * 5))); do [ "$(status_of)" = "$1" ] && return 0; sleep 0.2; done
    return 1
}

ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 60 -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -g 25 -c:a aac -b:a 64k -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/$KEY" >"$W/push.log" 2>&1 &
PUSH=$!
PIDS+=("$PUSH")
if wait_status live 20; then ok; else bad "the session goes live" "$(tail -n 5 "$W/push.log"; tail -n 10 "$W/relay.log")"; fi
# meanwhile an FLV viewer on the relay and an SSE client of the room: the
# room's viewer count adds the relay's viewers (from the sweep's answer) to
# the room's realtime subscribers
curl -s -o /dev/null --max-time 40 "http://127.0.0.1:$RELAY_HTTP/live/$ID.flv" &
PIDS+=("$!")
curl -s -N -H 'Accept: text/event-stream' -o "$W/room.out" --max-time 40 "$URL/api/v1/live/$ID/events" &
PIDS+=("$!")
sleep 16 # longer than LIVE_LOST_AFTER_S plus a sweep: the relay lists the stream, so nothing changes
check "while the relay holds the stream, the shop keeps it live" test "$(status_of)" = live
room_viewers() { awk '/^event: /{e=substr($0,8)} /^data: /{if(e=="viewers")print substr($0,7)}' "$W/room.out" | tr -d '\r'; }
for _ in $(seq 1 100); do # the sweep asks the relay once the session is LIVE_LOST_AFTER_S old
    room_viewers | jq -e 'select(.flv >= 1 and .realtime >= 1 and .viewers >= 2)' >/dev/null 2>&1 && break
    sleep 0.2
done
if room_viewers | jq -e 'select(.flv >= 1 and .realtime >= 1 and .viewers >= 2)' >/dev/null 2>&1; then ok; else
    bad "the room's viewer count has the relay's FLV viewer and the SSE client" "$(room_viewers | tail -n 3)"; fi

check "a listed session was never touched" sh -c "! grep -q 'live_relay_lost.*$ID' '$W/shop.log'"
# a relay that accepts and never answers is slow, not gone: nothing
# changes. Stopped, its listening socket stays (the kernel still accepts
# connections) and nothing answers them; there is no moment in between
# when a connection would be refused.
kill -STOP "$RELAY"
kill "$PUSH" 2>/dev/null
sleep 8 # a sweep or two past LIVE_LOST_AFTER_S, each waiting out the 2 s timeout
check "a relay that does not answer is not taken for a dead one" test "$(status_of)" = live
check "the shop said it decided nothing" grep -q "live_relay_unclear" "$W/shop.log"
kill -9 "$RELAY" # now gone: connections are refused
wait "$RELAY" 2>/dev/null
if wait_status idle 25; then ok; else bad "the relay is gone (connection refused): the session goes idle" "status $(status_of)"; fi
check "the shop logged why" grep -q "live_relay_lost.*$ID" "$W/shop.log"
if wait_status ended 25; then ok; else bad "after the grace period it ends" "status $(status_of)"; fi
check "the reasons are in the status log" test "$(sql "SELECT GROUP_CONCAT(g.reason ORDER BY g.id) FROM live_status_log g JOIN live_sessions l ON l.id = g.live_id WHERE l.public_id = '$ID'")" = "publish,relay_lost,grace_expired"

kill -TERM "$SHOP2"
wait "$SHOP2"
check "the extra shop stops cleanly (exit 0)" test $? = 0
check "no sanitizer report from the extra shop" sh -c "! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$W/shop.log'"
PIDS=()
finish
