#!/usr/bin/env bash
# relay_restream.sh - a session forwarded to other platforms (issue 17,
# restreaming), with a SECOND relay on loopback standing in for the
# platform:
#   API: a cooperative's admin adds, lists, turns off and removes targets;
#   the stream key is never answered in clear (nor stored: MariaDB holds
#   its secretbox); a farmer who is no admin, another cooperative's admin
#   and a guest are refused; a bad URL is 422 naming the field.
#   Relay: a push to relay A arrives at relay B (B's HTTP-FLV and HLS play,
#   ffprobe reads its frames); a target B refuses (wrong key) is in backoff
#   or failed with B's error in A's /api/streams and /metrics while A's own
#   outputs play; B restarted -> A reconnects with backoff and B plays
#   again; the session dropped on A -> the forward stops (B's publisher
#   goes); no key in clear in any log (A, B, the shop).
#
# Starts two relays ($RELAY_BIN, the sanitizer build) on free ports, both
# asking the stack's shop. The forwarded session (A) is a cooperative of its
# own; the session B receives is Anyuan's, which has no targets (a
# cooperative's own relay pushing to itself would loop).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
. "$(dirname "$0")/relay_lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

relay_need ffmpeg ffprobe curl jq
RPORT_B=$(free_port)
HPORT_B=$(free_port)
while [ "$HPORT_B" = "$RPORT_B" ] || [ "$RPORT_B" = "$RPORT" ] || [ "$RPORT_B" = "$HPORT" ] ||
    [ "$HPORT_B" = "$RPORT" ] || [ "$HPORT_B" = "$HPORT" ]; do
    RPORT_B=$(free_port)
    HPORT_B=$(free_port)
done
RA=http://127.0.0.1:$HPORT
RB=http://127.0.0.1:$HPORT_B
PID_A=
PID_B=
PIDS=()
stop_pid() { [ -n "$1" ] && kill -TERM "$1" 2>/dev/null && wait "$1" 2>/dev/null; }
trap 'for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done; stop_pid "$PID_A"; stop_pid "$PID_B"; rm -rf "$_TMP"' EXIT

# start_relay NAME RTMP_PORT HTTP_PORT -> its pid in STARTED (relay_lib.sh's
# relay_serve, its log appended to relay-NAME.log; fails the suite when it
# does not answer)
start_relay() {
    RPORT=$2 HPORT=$3 relay_serve "$_TMP/relay-$1.log" FARMLIVE_LIVE_GRACE=60 FARMLIVE_VAR_DIR="$_TMP/var-$1"
    STARTED=$RELAY_PID
}
# waits up to $1 s for CMD... to succeed
within() {
    local n=$(($1 * 5))
    shift
    for _ in $(seq 1 "$n"); do
        "$@" && return 0
        sleep 0.2
    done
    return 1
}
# target RELAY_BASE LIVE_ID TARGET_ID JQ -> jq -e over that restream target in /api/streams
target() {
    curl -s --max-time 5 "$1/api/streams" |
        jq -e --arg l "$2" --arg t "$3" ".streams[] | select(.live_id == \$l) | .restream[] | select(.id == \$t) | $4" \
            >/dev/null
}
publishing() { curl -s --max-time 5 "$1/api/streams" | jq -e --arg l "$2" 'any(.streams[]; .live_id == $l and .publishing)' >/dev/null; }
listed() { curl -s --max-time 5 "$1/api/streams" | jq -e --arg l "$2" 'any(.streams[]; .live_id == $l)' >/dev/null; }
# frames URL -> how many video frames ffprobe reads from its first 3 s
frames() {
    timeout 30 ffprobe -v error -select_streams v:0 -read_intervals '%+3' -show_entries frame=pict_type -of csv "$1" \
        2>/dev/null | grep -c frame
}
plays() { [ "$(frames "$1")" -ge 10 ]; }

# ---- the API ------------------------------------------------------------------
buy_logins
new_coop 转推测试合作社 restream
COOP=$NEW_COOP
ADMIN=$(login "$NEW_ADMIN_EMAIL" "$NEW_ADMIN_PASSWORD")
check "its admin signs in" test -n "$ADMIN"

# the session B receives: Anyuan's farmer's (its key is the target's secret part)
as "$AY_FARMER"
api POST /api/v1/live '{"title":"转推的接收端"}'
expect_status 201 "the session the platform (relay B) takes"
ID_B=$(jqr .id)
KEY_B=$(jqr .stream_key)
HOME_RTMP=$(jqr .rtmp_url) # this platform's own relay, as farmers are told it
BAD_KEY=$(printf '%064d' 0)

as "$ADMIN"
TGT_URL="rtmp://127.0.0.1:$RPORT_B/live/$KEY_B"
api POST "/api/v1/coops/$COOP/restream-targets" "$(jq -nc --arg u "$TGT_URL" '{name:"平台 B", url:$u}')"
expect_status 201 "a coop admin adds a restream target"
T1=$(jqr .id)
expect_jq .enabled true "a target is on unless said"
expect_jq .url "rtmp://127.0.0.1:$RPORT_B/live/${KEY_B:0:4}…" "the answer shows the key's first 4 characters only"
expect_jq .server_url "rtmp://127.0.0.1:$RPORT_B/live" "and the server part"
check "the key is not in the answer" test "${BODY/$KEY_B/}" = "$BODY"
check "nor cacheable" test "$(header cache-control)" = no-store
api POST "/api/v1/coops/$COOP/restream-targets" "$(jq -nc --arg u "rtmp://127.0.0.1:$RPORT_B/live/$BAD_KEY" \
    '{name:"拒绝的平台", url:$u}')"
expect_status 201 "a target whose key the platform refuses"
T2=$(jqr .id)
api POST "/api/v1/coops/$COOP/restream-targets" '{"name":"关掉的","url":"rtmps://127.0.0.1:9/app/off-target-key-123","enabled":false}'
expect_status 201 "a target added off"
T3=$(jqr .id)
expect_jq .enabled false "off as asked"
api GET "/api/v1/coops/$COOP/restream-targets"
expect_status 200 "the admin lists them"
expect_jq '[.items[].id] | length' 3 "all three"
expect_jq '.items[0].id' "$T3" "newest first"
check "no key in the list" test "${BODY/$KEY_B/}" = "$BODY" -a "${BODY/$BAD_KEY/}" = "$BODY"
api GET "/api/v1/coops/$COOP/restream-targets?limit=2"
expect_status 200 "a page of two"
expect_jq '.items | length' 2 "two of them"
check "with a cursor to the rest" test "$(jqr .next_cursor)" != null
check "MariaDB holds no key in clear" test "$(sql "SELECT COUNT(*) FROM restream_targets WHERE coop_id = $COOP AND \
    (INSTR(CONCAT(server_url, key_box, key_hint, name), '$KEY_B') > 0 OR INSTR(CONCAT(server_url, key_box), '$BAD_KEY') > 0)")" = 0
for bad_url in "http://127.0.0.1/live/k" "rtmp://127.0.0.1/live/" "rtmp://127.0.0.1/k" "rtmp://h st/live/k" \
    "rtmp://127.0.0.1:99999/live/k"; do
    api POST "/api/v1/coops/$COOP/restream-targets" "$(jq -nc --arg u "$bad_url" '{name:"x", url:$u}')"
    expect_error 422 validation_failed "url $bad_url"
    check "the refusal names url ($bad_url)" test "$(jqr .error.message | cut -c1-4)" = "url:"
done
api POST "/api/v1/coops/$COOP/restream-targets" "$(jq -nc --arg u "$HOME_RTMP/$KEY_B" '{name:"自己", url:$u}')"
expect_error 422 validation_failed "a target that is this platform's own relay ($HOME_RTMP): a loop"
check "the refusal says so" grep -q "own relay" <<<"$(jqr .error.message)"
home_port=$(sed -E 's#^rtmps?://[^/]*:([0-9]+)/.*#\1#' <<<"$HOME_RTMP")
if [ "$home_port" != "$HOME_RTMP" ]; then
    api POST "/api/v1/coops/$COOP/restream-targets" "$(jq -nc --arg u "rtmp://127.0.0.1:$home_port/live/$KEY_B" '{name:"自己", url:$u}')"
    expect_error 422 validation_failed "the same relay by another loopback name (127.0.0.1:$home_port)"
fi
api POST "/api/v1/coops/$COOP/restream-targets" '{"name":"x","url":"rtmp://push.example.net/live/key-1234","enabled":"yes"}'
expect_error 422 validation_failed "enabled must be a boolean"
api POST "/api/v1/coops/$COOP/restream-targets" '{"name":"第四个","url":"rtmp://push.example.net/live/fourth-target-key"}'
expect_status 201 "a fourth target"
T4=$(jqr .id)
api POST "/api/v1/coops/$COOP/restream-targets" '{"name":"第五个","url":"rtmp://push.example.net/live/fifth-target-key"}'
expect_error 422 validation_failed "at most 4 targets a cooperative"
api DELETE "/api/v1/coops/$COOP/restream-targets/$T4"
expect_status 204 "a target removed"
api DELETE "/api/v1/coops/$COOP/restream-targets/$T4"
expect_error 404 not_found "removed once"
api PATCH "/api/v1/coops/$COOP/restream-targets/$T3" '{"name":"仍关着"}'
expect_status 200 "a target renamed"
expect_jq .name 仍关着 "its new name"
expect_jq .enabled false "still off"
api PATCH "/api/v1/coops/$COOP/restream-targets/$T3" '{"enabled":1}'
expect_error 422 validation_failed "enabled as a number"

as "$AY_FARMER"
api GET "/api/v1/coops/$COOP/restream-targets"
expect_error 403 forbidden "a farmer who is no admin cannot list targets"
api POST "/api/v1/coops/$COOP/restream-targets" '{"name":"x","url":"rtmp://push.example.net/live/farmer-target-key"}'
expect_error 403 forbidden "nor add one"
as "$AY_ADMIN"
api GET "/api/v1/coops/$COOP/restream-targets"
expect_error 403 forbidden "another cooperative's admin cannot list them"
api PATCH "/api/v1/coops/$COOP/restream-targets/$T1" '{"enabled":false}'
expect_error 403 forbidden "nor turn one off"
api DELETE "/api/v1/coops/$COOP/restream-targets/$T1"
expect_error 403 forbidden "nor remove one"
api GET "/api/v1/coops/$AY/restream-targets"
expect_status 200 "Anyuan's admin lists Anyuan's"
expect_jq '.items | length' 0 "Anyuan has none (its sessions are not forwarded)"
as ""
api GET "/api/v1/coops/$COOP/restream-targets"
expect_error 401 unauthorized "a guest"
as "$ADMIN"
api GET "/api/v1/coops/999999999/restream-targets"
expect_error 404 not_found "a cooperative that is not there"

# ---- the relay ------------------------------------------------------------------
start_relay a "$RPORT" "$HPORT"
PID_A=$STARTED
start_relay b "$RPORT_B" "$HPORT_B"
PID_B=$STARTED

api POST /api/v1/live '{"title":"转推的直播"}'
expect_status 201 "the forwarded session"
ID_A=$(jqr .id)
KEY_A=$(jqr .stream_key)
ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i "testsrc=size=320x240:rate=25" \
    -f lavfi -i "sine=frequency=440" -t 120 -c:v libx264 -preset ultrafast -pix_fmt yuv420p -g 25 \
    -c:a aac -f flv "rtmp://127.0.0.1:$RPORT/live/$KEY_A" >>"$_TMP/ffmpeg.log" 2>&1 &
PUSH_PID=$!
PIDS+=("$PUSH_PID")
check "the push is live on relay A" within 30 publishing "$RA" "$ID_A"
check "its restream target goes live" within 30 target "$RA" "$ID_A" "t$T1" '.state == "live"'
check "and relay B has the platform's session, published" within 30 publishing "$RB" "$ID_B"
check "B's HTTP-FLV plays what A forwards (ffprobe reads its frames)" plays "$RB/live/$ID_B.flv"
check "B's HLS playlist is served" within 30 test "$(curl -s -o /dev/null -w '%{http_code}' "$RB/live/$ID_B/index.m3u8")" = 200
check "B's stream is A's picture (320x240)" within 10 eval "curl -s '$RB/api/streams' | jq -e --arg l '$ID_B' \
    'any(.streams[]; .live_id == \$l and .video.width == 320 and .video.height == 240)' >/dev/null"
check "A counts the bytes it sent" target "$RA" "$ID_A" "t$T1" '.bytes_sent > 10000'
check "the target's URL in A's /api/streams is masked" target "$RA" "$ID_A" "t$T1" \
    ".url == \"rtmp://127.0.0.1:$RPORT_B/live/${KEY_B:0:4}...\""
check "the turned-off target is not forwarded to" \
    eval "curl -s '$RA/api/streams' | jq -e --arg l '$ID_A' '[.streams[] | select(.live_id == \$l) | .restream[].id] | index(\"t$T3\") == null' >/dev/null"

# the refused target: backoff or failed, with B's refusal, and A's outputs untouched
check "the refused target is in backoff or failed" within 40 target "$RA" "$ID_A" "t$T2" \
    '(.state == "backoff" or .state == "failed") and .failures_in_a_row >= 1 and .bytes_sent == 0'
curl -s "$RA/api/streams" >"$_TMP/streams-a.json"
ERR=$(jq -r --arg l "$ID_A" --arg t "t$T2" '.streams[] | select(.live_id == $l) | .restream[] | select(.id == $t) | .error' "$_TMP/streams-a.json")
check "with the platform's error ($ERR)" test -n "$ERR" -a "$ERR" != null
check "which is no key" test "${ERR/$BAD_KEY/}" = "$ERR"
check "A's own HTTP-FLV still plays" plays "$RA/live/$ID_A.flv"
check "A's own HLS playlist is served" test "$(curl -s -o /dev/null -w '%{http_code}' "$RA/live/$ID_A/index.m3u8")" = 200
check "A dropped nothing of its own outputs" jq -e --arg l "$ID_A" \
    '.streams[] | select(.live_id == $l) | .packets_dropped.queue == 0' "$_TMP/streams-a.json"
curl -s "$RA/metrics" >"$_TMP/metrics-a.txt"
check "/metrics: the live target's state" grep -q "farmlive_relay_stream_restream_state{live_id=\"$ID_A\",target=\"t$T1\",state=\"live\"} 1" "$_TMP/metrics-a.txt"
check "/metrics: its bytes" grep -qE "farmlive_relay_stream_restream_bytes_total\{live_id=\"$ID_A\",target=\"t$T1\"\} [1-9]" "$_TMP/metrics-a.txt"
check "/metrics: the refused one is not live" grep -q "farmlive_relay_stream_restream_state{live_id=\"$ID_A\",target=\"t$T2\",state=\"live\"} 0" "$_TMP/metrics-a.txt"
check "/metrics: one TYPE line per family" test "$(grep -c '^# TYPE farmlive_relay_stream_restream_state ' "$_TMP/metrics-a.txt")" = 1

# B restarts: A backs off, reconnects, B plays again
stop_pid "$PID_B"
PID_B=
check "with B gone the target leaves live" within 30 target "$RA" "$ID_A" "t$T1" '.state != "live" and .failures_in_a_row >= 1'
check "the push to A goes on meanwhile" publishing "$RA" "$ID_A"
sleep 2 # a retry or two meets the closed port
start_relay b "$RPORT_B" "$HPORT_B"
PID_B=$STARTED
check "A reconnects to the restarted B (a second connection)" within 45 target "$RA" "$ID_A" "t$T1" \
    '.state == "live" and .connects >= 2'
check "B has the session published again" within 30 publishing "$RB" "$ID_B"
check "B plays again" plays "$RB/live/$ID_B.flv"

# the session ends on A (as the shop's end asks it): the forward stops
curl -s -o "$_TMP/drop.json" --max-time 20 -X POST --data '' -H "X-Internal-Secret: $FARMLIVE_INTERNAL_SECRET" \
    "$RA/internal/v1/streams/$ID_A/drop"
check "the session is dropped on A" jq -e '.dropped == true' "$_TMP/drop.json"
check "A no longer lists it" within 10 eval "! listed '$RA' '$ID_A'"
check "B's publisher (A's forward) is gone" within 20 eval "! publishing '$RB' '$ID_B'"
check "A logged the forward stopped" within 10 grep -q '"restream_stopped"' "$_TMP/relay-a.log"

stop_pid "$PID_A"
RC_A=$?
PID_A=
stop_pid "$PID_B"
RC_B=$?
PID_B=
check "relay A exits 0 with no sanitizer report" test "$RC_A" = 0
check "relay B too" test "$RC_B" = 0
for f in "$_TMP/relay-a.log" "$_TMP/relay-b.log" "$SHOP_LOG"; do
    check "no target key in clear in $(basename "$f")" eval "! grep -qF -e '$KEY_B' -e '$BAD_KEY' '$f'"
done
check "no sanitizer report in the relays' logs" eval "! grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error' '$_TMP'/relay-*.log"
finish
