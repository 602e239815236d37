#!/usr/bin/env bash
# studio.sh - the farmer studio (src/shop/pages/studio_pages.c, web/pages/
# studio.js and studio_live.js; the key, cover and health routes in
# api/live.c):
#
#   the API: a scheduled session (planned_at, 422 for a bad one), its key
#   as a push URL and a QR code, the key renewed by its farmer or a coop
#   admin only (the old key no longer publishes; another cooperative's
#   farmer and a farmer of the same cooperative who did not make it get
#   403), the health route's rights; the home page lists the scheduled
#   session with its planned start;
#   then tests/browser/studio.mjs in Chromium at 390x844: a farmer
#   schedules a session with a cover and two shelf products, goes live
#   with an ffmpeg push to the key the page shows (the preview plays, the
#   health shows a bitrate), pins a product, starts a flash sale with a 10 s countdown,
#   sees the orders a buyer places through the API arrive in the counters,
#   deletes a chat message, ends the session and reads the report (its
#   totals equal the orders placed); a farmer of another cooperative
#   opening the studio URL gets a refusal page without the session's data.
#
# Starts its own relay and a second shop (FARMLIVE_RELAY_URL set: health
# asks the relay, the end drops the publisher) on the stack's MariaDB and
# Redis. Fails at once when the relay, ffmpeg or Chromium is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
RELAY_BIN=${RELAY_BIN:-${BIN_DIR:-bin}/farmlive-relay-san}
DIR=$(cd "$(dirname "$0")/../browser" && pwd)
SHOTS=${PAGES_SHOT_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/var/test-artifacts/pages}
command -v ffmpeg >/dev/null || { bad "ffmpeg is not installed (ops/install-deps.sh installs it)"; finish; exit 1; }
[ -x "$RELAY_BIN" ] || { bad "$RELAY_BIN is not built (make test builds it)"; finish; exit 1; }
[ -x /usr/bin/chromium ] || { bad "Debian's Chromium is not installed"; finish; exit 1; }
[ -d "$DIR/node_modules/playwright-core" ] || { bad "playwright-core is not installed (ops/install-deps.sh)"; finish; exit 1; }
SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
W=$_TMP/studio
mkdir -p "$W/relay-var"
PIDS=()
cleanup_studio() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup_studio EXIT

PORT=$(free_port)
RTMP_PORT=$(free_port)
RELAY_HTTP=$(free_port)
while [ "$RELAY_HTTP" = "$RTMP_PORT" ]; do RELAY_HTTP=$(free_port); done
SRT_PORT=$(free_port) # the relay's SRT ingest as farmers reach it (the shop only names it)
RB=http://127.0.0.1:$RELAY_HTTP
SHOP2=http://127.0.0.1:$PORT
STACK_SHOP=$SHOP_URL
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
FARMLIVE_SHOP_PORT=$PORT FARMLIVE_RELAY_URL=$RB FARMLIVE_RELAY_PUBLIC_BASE=$RB \
FARMLIVE_RTMP_PUBLIC_URL=rtmp://127.0.0.1:$RTMP_PORT/live FARMLIVE_PUBLIC_BASE=$SHOP2 \
FARMLIVE_SRT_PUBLIC_ADDR=127.0.0.1:$SRT_PORT "$SHOP_BIN" serve >>"$W/shop.log" 2>&1 &
PIDS+=($!)
if wait_http "$SHOP2/healthz" 30 "${PIDS[0]}"; then ok; else bad "the second shop starts" "$(tail -n 20 "$W/shop.log")"; fi
ASAN_OPTIONS=detect_leaks=0 FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$RELAY_HTTP \
FARMLIVE_SHOP_INTERNAL_URL=$SHOP2 FARMLIVE_INTERNAL_SECRET=$SECRET FARMLIVE_LIVE_GRACE=30 \
FARMLIVE_VAR_DIR=$W/relay-var "$RELAY_BIN" serve >"$W/relay.log" 2>&1 &
RELAY=$!
PIDS+=($RELAY)
if wait_http "$RB/healthz" 30 "$RELAY"; then ok; else bad "the relay starts" "$(tail -n 20 "$W/relay.log")"; fi
SHOP_URL=$SHOP2 # every call below goes to the shop that knows the relay

buy_logins
QBJ_FARMER=$(login farmer@qingbaijiang.example.com "$DEMO_PASSWORD")
check "the other cooperative's farmer logs in" test -n "$QBJ_FARMER"
# a second farmer of Anyuan, who did not make the session
F2_EMAIL="studio-f2-$S@example.com"
api POST /api/v1/accounts "{\"email\":\"$F2_EMAIL\",\"password\":\"farmer-password-1\",\"display_name\":\"二号农户\"}"
F2_ID=$(jqr .account.id)
sql "INSERT INTO coop_members (coop_id, account_id, role) VALUES ($AY, $F2_ID, 'farmer')"
AY_F2=$(login "$F2_EMAIL" farmer-password-1)
check "a second farmer of the cooperative" test -n "$AY_F2"

as "$AY_ADMIN"
SKU1=$(new_sku "$AY" 2990)
SKU2=$(new_sku "$AY" 4500)
restock "$SKU1" 100 >/dev/null
restock "$SKU2" 100 >/dev/null
check "two SKUs in stock ($SKU1 $SKU2)" test -n "$SKU1" -a -n "$SKU2"

# ------------------------------------------------------------ the API
PLANNED=$(date -u -d '+1 day' +%Y-%m-%dT12:00:00Z)
as "$AY_FARMER"
api POST /api/v1/live "$(jq -nc --arg t "预约直播 $S" --arg p "$PLANNED" '{title:$t, planned_at:$p}')"
expect_status 201 "a farmer schedules a session"
ID=$(jqr .id)
KEY=$(jqr .stream_key)
expect_jq .planned_at "$PLANNED" "its planned start"
expect_jq .push_url "rtmp://127.0.0.1:$RTMP_PORT/live/$KEY" "the push URL joins server and key"
expect_jq '.qr_svg | startswith("<svg")' true "the push URL as a QR code"
expect_jq .srt_url "srt://127.0.0.1:$SRT_PORT?streamid=$KEY" "the SRT push URL: the key in its stream id"
expect_jq '.srt_qr_svg | startswith("<svg")' true "the SRT push URL as a QR code"
SHOP_URL=$STACK_SHOP # a shop without FARMLIVE_SRT_PUBLIC_ADDR names no SRT URL
api POST /api/v1/live "$(jq -nc --arg t "预约直播 $S" --arg p "$PLANNED" '{title:$t, planned_at:$p}')"
expect_status 201 "a session on a shop that names no SRT address"
expect_jq '[has("srt_url"), has("srt_qr_svg"), has("push_url")] | map(tostring) | join(" ")' "false false true" \
    "no srt_url there"
SHOP_URL=$SHOP2
api POST /api/v1/live '{"title":"x","planned_at":"tomorrow"}'
expect_error 422 validation_failed "a planned start that is no time"
api POST /api/v1/live "$(jq -nc '{title:"x", planned_at:"2099-01-01T00:00:00Z"}')"
expect_error 422 validation_failed "a planned start too far ahead"

as "$QBJ_FARMER"
api POST "/api/v1/live/$ID/key"
expect_error 403 forbidden "another cooperative's farmer cannot renew the key"
api GET "/api/v1/live/$ID/health"
expect_error 403 forbidden "... nor read the health"
as "$AY_F2"
api POST "/api/v1/live/$ID/key"
expect_error 403 forbidden "a farmer of the cooperative who did not make it cannot see a key"
api GET "/api/v1/live/$ID/health"
expect_status 200 "... but reads the health"
expect_jq '[.status, .publishing, .bitrate_kbps] | map(tostring) | join(" ")' "created false null" "nothing pushed yet"
as "$BUYER"
api POST "/api/v1/live/$ID/key"
expect_error 403 forbidden "a buyer cannot"
as "$AY_ADMIN"
api POST "/api/v1/live/$ID/key"
expect_status 200 "a coop admin renews the key"
KEY2=$(jqr .stream_key)
check "a new key" test -n "$KEY2" -a "$KEY2" != "$KEY"
expect_jq '.qr_svg | startswith("<svg")' true "with its QR code"
expect_jq .srt_url "srt://127.0.0.1:$SRT_PORT?streamid=$KEY2" "and the SRT push URL with the new key"
check "the key is stored as its hash" test "$(sql "SELECT key_hash = SHA2('$KEY2', 256) FROM live_sessions WHERE public_id = '$ID'")" = 1
as ""
api POST /internal/v1/live/publish "{\"stream_key\":\"$KEY\"}" -H "X-Internal-Secret: $SECRET"
expect_error 403 forbidden "the old key no longer publishes"

as ""
api GET /
expect_status 200 "the home page"
check "the home page lists the scheduled session" grep -q "预约直播 $S" <<<"$BODY"
check "... with its planned start" grep -q "开播时间" <<<"$BODY"

# ------------------------------------------------------------ the pages' rights
as ""
api GET "/studio/$ID"
expect_status 303 "a guest is sent to sign in"
as "$BUYER"
api GET /studio
expect_status 403 "a buyer's studio is a refusal"
check "... that says the studio is for members" grep -q "直播工作台只对合作社成员开放" <<<"$BODY"
as "$QBJ_FARMER"
api GET "/studio/$ID"
expect_status 403 "another cooperative's farmer gets a refusal page"
check "... with nothing of the session" test -z "$(grep -e "预约直播 $S" -e rtmp:// -e "$ID" <<<"$BODY")"
as "$AY_F2"
api GET "/studio/$ID"
expect_status 200 "a farmer of the cooperative runs the room"
check "... without the key's panel" grep -q 'id="key-hidden"' <<<"$BODY"
check "... and its QR code" test -z "$(grep -e 'id="stream-key"' -e 'id="new-key"' <<<"$BODY")"
as "$AY_ADMIN"
api GET "/studio/$ID"
expect_status 200 "a coop admin opens the session"
check "... with the key's panel" grep -q 'id="new-key"' <<<"$BODY"
api GET /studio
expect_status 200 "the admin's studio"
check "... lists the cooperative's session, coming up" grep -q "预约直播 $S" <<<"$BODY"

as "$AY_FARMER"
api POST "/api/v1/live/$ID/cover" "not an image" -H 'Content-Type: image/png'
expect_error 415 unsupported_media_type "a cover that is no picture"
as "$AY_ADMIN"
api POST "/api/v1/live/$ID/end"
expect_status 200 "the API session ends"
api POST "/api/v1/live/$ID/key"
expect_error 409 live_ended "no new key once ended"
api GET "/studio/$ID"
expect_status 200 "the ended session's page"
check "... offers no key or QR code to push with" test -z "$(grep -e 'id="push-panel"' -e 'id="stream-key"' <<<"$BODY")"

# ------------------------------------------------------------ the browser
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=640x360 -frames:v 1 "$W/cover.jpg"
check "a cover picture to upload" test -s "$W/cover.jpg"
out=$(cd "$DIR" && SHOP_URL=$SHOP2 SHOT_DIR=$SHOTS COVER="$W/cover.jpg" BUYER_TOKEN="$BUYER" \
    OTHER_LOGIN=farmer@qingbaijiang.example.com FARMER_LOGIN=farmer@anyuan.example.com \
    PASSWORD="$DEMO_PASSWORD" SKUS="$SKU1,$SKU2" SRT_ADDR="127.0.0.1:$SRT_PORT" timeout 400 node studio.mjs 2>&1)
printf '%s\n' "$out" | grep -v '^studio: ' >&2
line=$(printf '%s\n' "$out" | grep -E '^studio: [0-9]+ passed, [0-9]+ failed$')
p=$(printf '%s' "$line" | sed -n 's/^studio: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
PASS=$((PASS + ${p:-0}))
FAIL=$((FAIL + ${f:-1}))
LID=$(printf '%s\n' "$out" | sed -n 's/^studio-live-id: //p')
if [ -n "$LID" ]; then
    LDB=$(sql "SELECT id FROM live_sessions WHERE public_id = '$LID'")
    check "the browser's session has its cover" test "$(sql "SELECT cover_url LIKE '/media/%-1080.jpg' FROM live_sessions WHERE id = $LDB")" = 1
    check "... was scheduled" test "$(sql "SELECT planned_at IS NOT NULL FROM live_sessions WHERE id = $LDB")" = 1
    check "... and ended" test "$(sql "SELECT status FROM live_sessions WHERE id = $LDB")" = ended
else
    bad "the browser test named its session"
fi
check "screenshots kept in $SHOTS" test -s "$SHOTS/studio-390x844.png" -a -s "$SHOTS/studio-live-1280x800.png"
finish
