#!/usr/bin/env bash
# live_page.sh - the live room page /live/{id} as buyers use it, in Debian's
# Chromium (tests/browser/live_page.mjs), against a real relay fed by a real
# ffmpeg push: the room is in the HTML itself, plays (the video's
# currentTime advances), the farmer's pin reaches the card within a second,
# a live flash sale counts down and opens, a buyer orders from the card
# with cash on delivery without leaving the room (the order is the
# session's, and "my orders" links its line to /t/{lot}), chat posted in
# one browser shows in another, and when the publisher is killed and
# pushes again the player goes on by itself. Then the page's weight: the
# room's own HTML+CSS+JS (without the player library) <= 60 KB gzipped.
# Also the 404 page and an ended session's replay list.
#
# Starts its own relay and a second shop pointed at it (the relay's public
# base must be the relay this suite pushes to), as live_room.sh does.
# Screenshots go to var/test-artifacts/pages/ (PAGES_SHOT_DIR moves them).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
RELAY_BIN=${RELAY_BIN:-${BIN_DIR:-bin}/farmlive-relay-san}
DIR=$(cd "$(dirname "$0")/../browser" && pwd)
SHOTS=${PAGES_SHOT_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/var/test-artifacts/pages}
command -v ffmpeg >/dev/null || { bad "ffmpeg is not installed (ops/install-deps.sh installs it)"; finish; exit 1; }
[ -x "$RELAY_BIN" ] || { bad "$RELAY_BIN is not built (make test builds it)"; finish; exit 1; }
check "playwright-core is installed (ops/install-deps.sh)" test -d "$DIR/node_modules/playwright-core"
check "Debian's Chromium is installed" test -x /usr/bin/chromium
SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
W=$_TMP/livepage
mkdir -p "$W/relay-var"
PIDS=()
cleanup_lp() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup_lp EXIT

PORT=$(free_port)
RTMP=$(free_port)
RELAY_HTTP=$(free_port)
RB=http://127.0.0.1:$RELAY_HTTP
SHOP2=http://127.0.0.1:$PORT
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
FARMLIVE_SHOP_PORT=$PORT FARMLIVE_RELAY_URL=$RB FARMLIVE_RELAY_PUBLIC_BASE=$RB \
    "$SHOP_BIN" serve >>"$W/shop.log" 2>&1 &
PIDS+=($!)
if wait_http "$SHOP2/healthz" 30 "${PIDS[0]}"; then ok; else bad "the second shop starts" "$(tail -n 20 "$W/shop.log")"; fi
ASAN_OPTIONS=detect_leaks=0 FARMLIVE_RTMP_PORT=$RTMP FARMLIVE_RELAY_HTTP_PORT=$RELAY_HTTP \
FARMLIVE_SHOP_INTERNAL_URL=$SHOP2 FARMLIVE_INTERNAL_SECRET=$SECRET FARMLIVE_LIVE_GRACE=60 \
FARMLIVE_VAR_DIR=$W/relay-var "$RELAY_BIN" serve >"$W/relay.log" 2>&1 &
RELAY=$!
PIDS+=($RELAY)
if wait_http "$RB/healthz" 30 "$RELAY"; then ok; else bad "the relay starts" "$(tail -n 20 "$W/relay.log")"; fi
SHOP_URL=$SHOP2

buy_logins
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 3990)
LOT_ID=$(restock "$SKU" 200 "LP-$S")
LOT="LP-$S"
FSKU=$(new_sku "$AY" 2500)
restock "$FSKU" 50 >/dev/null
check "SKUs and a lot to sell ($SKU $FSKU, lot $LOT_ID)" test -n "$SKU" -a -n "$FSKU" -a -n "$LOT_ID"
as "$AY_FARMER"
PLANNED=$(date -u -d '+2 days' +%Y-%m-%dT%H:30:00Z)
api POST /api/v1/live "$(jq -nc --arg t "直播间页面 $S" --arg p "$PLANNED" '{title:$t, planned_at:$p}')"
expect_status 201 "the farmer creates a session"
ID=$(jqr .id)
KEY=$(jqr .stream_key)
api PUT "/api/v1/live/$ID/shelf/$SKU" '{"live_price_fen":2990}'
expect_status 200 "shelves a SKU at a live price"
api PUT "/api/v1/live/$ID/shelf/$FSKU" '{}'
expect_status 200 "and another for the flash sale"

# before it starts: a preview, no video
as ""
api GET "/live/$ID"
expect_status 200 "a scheduled session's page"
check "it shows as a preview" sh -c 'printf "%s" "$0" | grep -q "直播预告"' "$BODY"
check "with its shelf in the HTML" sh -c 'printf "%s" "$0" | grep -q "¥29.90"' "$BODY"
check "... and its planned start in China's time" sh -c 'printf "%s" "$0" | grep -q "计划开播 $1"' "$BODY" \
    "$(TZ=Asia/Shanghai date -d "$PLANNED" '+%Y-%m-%d %H:%M')"
api GET /live/0000000000000000
check "an unknown session is a 404 page (HTTP $STATUS)" test "$STATUS" = 404
check "in HTML" sh -c 'printf "%s" "$0" | grep -q "未找到这场直播"' "$BODY"
api GET /live/nothex
check "a malformed id too (HTTP $STATUS)" test "$STATUS" = 404

api GET "/live/$ID?lang=en"
check "English by the switch" sh -c 'printf "%s" "$0" | grep -q "On sale in this session"' "$BODY"
as "$AY_FARMER"
api POST /api/v1/live "$(jq -nc --arg t "预告 $S" '{title:$t}')"
expect_status 201 "another session, still to come"
SCHED=$(jqr .id)

PUSH_URL="rtmp://127.0.0.1:$RTMP/live/$KEY"
BUYER1=$(new_buyer)
BUYER2=$(new_buyer)
check "two buyers (one buys, both chat)" test -n "$BUYER1" -a -n "$BUYER2"
out=$(cd "$DIR" && SHOP_URL=$SHOP2 SHOT_DIR=$SHOTS LIVE_ID=$ID PUSH_URL=$PUSH_URL FARMER=$AY_FARMER BUYER=$BUYER1 \
    BUYER2=$BUYER2 SCHED_ID=$SCHED SKU=$SKU FSKU=$FSKU LOT=$LOT PUSH_LOG=$W/push.log timeout 600 node live_page.mjs 2>&1)
printf '%s\n' "$out" | grep -v '^live_page: ' >&2
line=$(printf '%s\n' "$out" | grep -E '^live_page: [0-9]+ passed, [0-9]+ failed$')
p=$(printf '%s' "$line" | sed -n 's/^live_page: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
PASS=$((PASS + ${p:-0}))
FAIL=$((FAIL + ${f:-1}))
[ -n "$line" ] || bad "live_page.mjs finished" "$(printf '%s\n' "$out" | tail -n 20; tail -n 20 "$W/relay.log")"

LIVE_DB=$(sql "SELECT id FROM live_sessions WHERE public_id = '$ID'")
check "the order from the room is attributed to the session" \
    test "$(sql "SELECT COUNT(*) FROM orders WHERE live_id = $LIVE_DB AND payment_method = 'cod'")" -ge 1
check "screenshots kept in $SHOTS" test -s "$SHOTS/live-390x844.png" -a -s "$SHOTS/live-1280x800.png"

# ended (by the browser test): the replay's moments as a list to jump to
as ""
api GET "/live/$ID"
expect_status 200 "an ended session's page"
check "it lists the product moments" sh -c 'printf "%s" "$0" | grep -q "讲解回放" && printf "%s" "$0" | grep -q "data-at="' "$BODY"
finish
