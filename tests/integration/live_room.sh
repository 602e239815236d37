#!/usr/bin/env bash
# live_room.sh - a live session that sells (src/shop/domain/live_room.c,
# live_flash.c, live_report.c, live_replay.c; routes in api/live_room.c):
#
#   the shelf (rights: a farmer of another cooperative gets 403), pins,
#   switches and unpins as product moments whose offsets match the time
#   live; a flash sale started from the room with a countdown, bought
#   through both shop processes (the last unit raced for by three buyers
#   at once on both: one wins, no unit sold twice), its countdown / open /
#   stock / sold-out events seen by an SSE client of each process (stock
#   updates coalesced: never more than the units sold); orders attributed
#   to the session (the cart, a one-tap buy, the room's flash sale; the
#   other cooperative's order of a mixed cart is not), with the shelf's
#   live price; the session report and the cooperative's list against the
#   orders table; the end, the replay (played and seeked by ffmpeg at a
#   moment), a buy from the replay; the lots' trace document and page name
#   the session, the units sold and the replay at the product's moment.
#
# Starts its own relay and a second shop here (FARMLIVE_RELAY_URL set: the
# end asks the relay to drop the publisher, the replay job reads the
# recording) on the stack's MariaDB and Redis; the rest goes to the
# stack's shop. The relay's drop route (POST /internal/v1/streams/{id}/drop)
# is probed: where the relay has it, the end must drop the live publisher;
# where it answers 404, the publisher is stopped before the end and the
# shop must log that it was not dropped. ROOM_EXPECT_DROP=1 makes the drop
# route required.
# Fails at once when the relay binary, ffmpeg or ffprobe is missing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
RELAY_BIN=${RELAY_BIN:-${BIN_DIR:-bin}/farmlive-relay-san}
for t in ffmpeg ffprobe; do
    command -v "$t" >/dev/null || { bad "$t is not installed (ops/install-deps.sh installs it)"; finish; exit 1; }
done
[ -x "$RELAY_BIN" ] || { bad "$RELAY_BIN is not built (make test builds it)"; finish; exit 1; }
SECRET=${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}
W=$_TMP/room
mkdir -p "$W/relay-var"
PIDS=()
cleanup_room() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup_room EXIT

MAIN=$SHOP_URL
PORT=$(free_port)
RTMP_PORT=$(free_port)
RELAY_HTTP=$(free_port)
RB=http://127.0.0.1:$RELAY_HTTP
SHOP2=http://127.0.0.1:$PORT
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
FARMLIVE_SHOP_PORT=$PORT FARMLIVE_RELAY_URL=$RB FARMLIVE_RELAY_PUBLIC_BASE=$RB \
    "$SHOP_BIN" serve >>"$W/shop.log" 2>&1 &
PIDS+=($!)
if wait_http "$SHOP2/healthz" 30 "${PIDS[0]}"; then ok; else bad "the second shop starts" "$(tail -n 20 "$W/shop.log")"; fi
# grace 15 s: long enough to end the session from the shop after the
# publisher stops, short enough that its recording is finalized soon after
ASAN_OPTIONS=detect_leaks=0 FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$RELAY_HTTP \
FARMLIVE_SHOP_INTERNAL_URL=$SHOP2 FARMLIVE_INTERNAL_SECRET=$SECRET FARMLIVE_LIVE_GRACE=15 \
FARMLIVE_VAR_DIR=$W/relay-var "$RELAY_BIN" serve >"$W/relay.log" 2>&1 &
RELAY=$!
PIDS+=($RELAY)
if wait_http "$RB/healthz" 30 "$RELAY"; then ok; else bad "the relay starts" "$(tail -n 20 "$W/relay.log")"; fi

buy_logins
QBJ_FARMER=$(login farmer@qingbaijiang.example.com "$DEMO_PASSWORD")
check "the other cooperative's farmer logs in" test -n "$QBJ_FARMER"
ms_of() { date -u -d "$1" +%s%3N; } # RFC 3339 -> unix ms
within() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
status_of() { local saved=$TOKEN; TOKEN=; api GET "/api/v1/live/$1"; TOKEN=$saved; jqr .status; }
wait_status() { # wait_status ID STATUS SECONDS
    for _ in $(seq 1 $(($3 * 5))); do [ "$(status_of "$1")" = "$2" ] && return 0; sleep 0.2; done
    return 1
}

# ------------------------------------------------------------ what is sold
as "$AY_ADMIN"
SKU1=$(new_sku "$AY" 2990)
SKU2=$(new_sku "$AY" 4500)
LOT1=$(restock "$SKU1" 100 "LR-$S-1")
restock "$SKU2" 100 "LR-$S-2" >/dev/null
as "$QBJ_ADMIN"
QSKU=$(new_sku "$QBJ" 1200)
restock "$QSKU" 50 >/dev/null
check "SKUs and lots to sell ($SKU1 $SKU2 $QSKU, lot $LOT1)" test -n "$SKU1" -a -n "$SKU2" -a -n "$QSKU" -a -n "$LOT1"

as "$AY_FARMER"
api POST /api/v1/live "$(jq -nc --arg t "直播带货 $S" '{title:$t}')"
expect_status 201 "the farmer creates a session"
ID=$(jqr .id)
KEY=$(jqr .stream_key)
LIVE_DB=$(sql "SELECT id FROM live_sessions WHERE public_id = '$ID'")
as "$QBJ_ADMIN"
api POST /api/v1/live "$(jq -nc --arg t "别人的直播 $S" '{title:$t}')"
expect_status 201 "another cooperative's session"
QBJ_LIVE=$(jqr .id)

# ------------------------------------------------------------ the shelf: rights
shelf_put() { api PUT "/api/v1/live/$1/shelf/$2" "${3:-{\}}"; }
as ""
shelf_put "$ID" "$SKU1"
expect_error 401 unauthorized "anonymous cannot fill a shelf"
as "$BUYER"
shelf_put "$ID" "$SKU1"
expect_error 403 forbidden "a buyer cannot fill a shelf"
as "$QBJ_FARMER"
shelf_put "$ID" "$SKU1"
expect_error 403 forbidden "a farmer of another cooperative gets 403"
api POST "/api/v1/live/$ID/pin" "{\"sku_id\":$SKU1}"
expect_error 403 forbidden "... and cannot pin"
api POST "/api/v1/live/$ID/end"
expect_error 403 forbidden "... nor end the session"
as "$AY_FARMER"
shelf_put "$ID" "$QSKU"
expect_error 404 not_found "another cooperative's SKU is not on offer here"
shelf_put 0000000000000000 "$SKU1"
expect_error 404 not_found "an unknown session"
shelf_put "$ID" "$SKU1" '{"live_price_fen":0}'
expect_error 422 validation_failed "a live price must be positive"
check "refusals wrote nothing" test "$(sql "SELECT COUNT(*) FROM live_shelf WHERE live_id = $LIVE_DB")" = 0

# ------------------------------------------------------------ the shelf
shelf_put "$ID" "$SKU1" '{"live_price_fen":1500}'
expect_status 200 "the farmer shelves a SKU with a live price"
expect_jq '.items | length' 1 "one item"
expect_jq '.items[0] | [.number, .sku_id, .price_fen, .live_price_fen, .stock, .on_sale, .pinned] | map(tostring) | join(" ")' \
    "1 $SKU1 2990 1500 100 true false" "number, prices, stock"
as "$AY_ADMIN"
shelf_put "$ID" "$SKU2"
expect_status 200 "a coop admin shelves another"
expect_jq '[.items[] | .number] | join(",")' "1,2" "numbered in order"
expect_jq '.items[1].live_price_fen' null "no live price: the everyday one"
as "$AY_FARMER"
shelf_put "$ID" "$SKU2" '{"live_price_fen":4000}'
expect_status 200 "set a live price on a shelved SKU"
expect_jq '.items | length' 2 "still two items"
shelf_put "$ID" "$SKU2" '{"live_price_fen":null}'
expect_status 200 "back to the everyday price"
expect_jq '.items[1].live_price_fen' null "live price cleared"
as ""
api GET "/api/v1/live/$ID/shelf"
expect_status 200 "anyone reads the shelf"
expect_jq '[.items[].sku_id] | map(tostring) | join(",")' "$SKU1,$SKU2" "the shelf as put"

as "$AY_FARMER"
api POST "/api/v1/live/$ID/pin" "{\"sku_id\":$QSKU}"
expect_error 422 not_on_shelf "only a shelf SKU is pinned"
as "$BUYER"
api POST /api/v1/orders "$(addr_body cod | jq -c --argjson k "$SKU1" --arg l "$ID" '. + {items:[{sku_id:$k,quantity:1}], live_id:$l}')" \
    -H "Idempotency-Key: nl-$S"
expect_error 409 live_not_started "a session not yet live sells nothing"

# ------------------------------------------------------------ live, with an SSE client
curl -s -N -H 'Accept: text/event-stream' --max-time 900 "$MAIN/api/v1/live/$ID/events" >"$W/sse.txt" 2>/dev/null &
PIDS+=($!)
# and one of the second shop process: the room's events raised on either reach both
curl -s -N -H 'Accept: text/event-stream' --max-time 900 "$SHOP2/api/v1/live/$ID/events" >"$W/sse2.txt" 2>/dev/null &
PIDS+=($!)
ffmpeg -nostdin -hide_banner -loglevel error -re -f lavfi -i testsrc=size=320x240:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=44100 -t 120 -c:v libx264 -preset ultrafast -pix_fmt yuv420p \
    -g 25 -c:a aac -b:a 64k -f flv "rtmp://127.0.0.1:$RTMP_PORT/live/$KEY" >"$W/push.log" 2>&1 &
PUSH=$!
PIDS+=($PUSH)
if wait_status "$ID" live 30; then ok; else bad "the session goes live" "$(tail -n 5 "$W/push.log"; tail -n 10 "$W/relay.log")"; fi
LIVE_AT=$(sql "SELECT ROUND(UNIX_TIMESTAMP(MIN(created_at)) * 1000) FROM live_status_log WHERE live_id = $LIVE_DB AND to_status = 'live'")

# ------------------------------------------------------------ pins and moments
sleep 2
as "$AY_FARMER"
api POST "/api/v1/live/$ID/pin" "{\"sku_id\":$SKU1}"
expect_status 200 "pin the first product"
M1=$(jqr .id)
expect_jq '.ended_at' null "its moment is open"
M1_START=$(jqr .started_at)
M1_OFF=$(jqr .start_offset_ms)
check "its offset into the recording is the time live ($M1_OFF ms vs $(($(ms_of "$M1_START") - LIVE_AT)))" \
    within "$M1_OFF" "$(($(ms_of "$M1_START") - LIVE_AT))" 50
api POST "/api/v1/live/$ID/pin" "{\"sku_id\":$SKU1}"
expect_status 200 "pinning it again"
expect_jq .id "$M1" "changes nothing"
api GET "/api/v1/live/$ID/shelf"
expect_status 200 "the shelf while pinned"
expect_jq '[.items[] | .pinned] | map(tostring) | join(",")' "true,false" "the shelf says what is pinned"
sleep 2
api POST "/api/v1/live/$ID/pin" "{\"sku_id\":$SKU2}"
expect_status 200 "switch to the second product"
M2=$(jqr .id)
check "a new moment" test "$M2" != "$M1"
api GET "/api/v1/live/$ID/moments?limit=1"
expect_status 200 "the moments, a page"
expect_jq '.items[0].id' "$M1" "oldest first"
C=$(jqr .next_cursor)
m1_dur=$(jqr '(.items[0].end_offset_ms - .items[0].start_offset_ms)')
m1_wall=$(($(ms_of "$(jqr .items[0].ended_at)") - $(ms_of "$(jqr .items[0].started_at)")))
check "the switch ended the first moment ($m1_dur ms into the recording, $m1_wall ms on the clock)" within "$m1_dur" "$m1_wall" 5
check "it lasted about the 2 s it was shown ($m1_wall ms)" test "$m1_wall" -ge 1900
api GET "/api/v1/live/$ID/moments?limit=1&cursor=$C"
expect_status 200 "the next page"
expect_jq '[.items[0].id, .items[0].ended_at] | map(tostring) | join(" ")' "$M2 null" "the second is open"
sleep 1
api DELETE "/api/v1/live/$ID/pin"
expect_status 200 "unpin"
expect_jq '.moment.id' "$M2" "the moment ended"
check "ended after it started" test "$(jqr '.moment.end_offset_ms >= .moment.start_offset_ms')" = true
api DELETE "/api/v1/live/$ID/pin"
expect_status 200 "unpin with nothing pinned"
expect_jq .moment null "nothing ended"
api POST "/api/v1/live/$ID/pin" "{\"sku_id\":$SKU1}"
expect_status 200 "pin the first again (a third moment, kept open until the end)"
M3=$(jqr .id)

# ------------------------------------------------------------ a flash sale from the room
flash() { api POST "/api/v1/live/$ID/flash-sales" "$1"; }
as "$QBJ_ADMIN"
flash "{\"sku_id\":$SKU1,\"price_fen\":990,\"quantity\":5}"
expect_error 403 forbidden "another cooperative cannot start one"
as "$AY_FARMER"
flash "{\"sku_id\":$SKU1,\"price_fen\":990,\"quantity\":5,\"countdown_s\":9}"
expect_error 422 validation_failed "a countdown under 10 s"
flash "{\"sku_id\":$SKU1,\"price_fen\":990,\"quantity\":5,\"countdown_s\":301}"
expect_error 422 validation_failed "a countdown over 300 s"
flash "{\"sku_id\":$QSKU,\"price_fen\":990,\"quantity\":5}"
expect_error 422 not_on_shelf "only a shelf SKU"
fbuy() { api POST "/api/v1/flash-sales/$SALE/orders" "$(addr_body cod | jq -c --argjson q "$2" '. + {quantity:$q}')" -H "Idempotency-Key: $1"; }
B0=$(new_buyer) # the buyers first: signing up takes a while on a loaded machine
B1=$(new_buyer)
B2=$(new_buyer)
B3=$(new_buyer)
B4=$(new_buyer)
as "$AY_FARMER"
flash "{\"sku_id\":$SKU1,\"price_fen\":990,\"quantity\":5,\"per_buyer_limit\":2,\"countdown_s\":15,\"duration_s\":120}"
expect_status 201 "the farmer starts a flash sale with a 15 s countdown"
SALE=$(jqr .id)
expect_jq '[.state, .live_id, .remaining] | map(tostring) | join(" ")' "upcoming $ID 5" "counting down, the room's"
opens=$(ms_of "$(jqr .starts_at)")
as "$B0"
fbuy "early-$S" 1
expect_error 409 sale_not_started "not before the countdown ends"
as "$AY_FARMER"
check "it opens about 15 s after it was started" within "$opens" "$(date +%s%3N)" 16500
flash "{\"sku_id\":$SKU2,\"price_fen\":990,\"quantity\":5}"
expect_error 409 flash_running "one sale at a time in a room"
api GET "/api/v1/live/$ID/flash-sales"
expect_status 200 "the room's sales"
expect_jq '.items[0].id' "$SALE" "listed"
for _ in $(seq 1 100); do [ "$(date +%s%3N)" -ge "$opens" ] && break; sleep 0.2; done
sleep 0.3
as "$B1"; fbuy "f1-$S" 2
expect_status 201 "buyer 1 takes 2"
expect_jq .live_id "$ID" "the sale's order is the room's"
SHOP_URL=$SHOP2 # buyers on both shop processes, behind the one Redis and MariaDB
as "$B2"; fbuy "f2-$S" 2
expect_status 201 "buyer 2 takes 2 through the second shop process"
as "$B3"; fbuy "f3-$S" 2
expect_error 409 not_enough_left "2 of the 1 left: refused, not as sold out (the second process knows)"
expect_jq .error.left 1 "the room's refusal says 1 is left"
check "and its message names it" grep -q "only 1 left" <<<"$(jqr .error.message)"
SHOP_URL=$MAIN
# the last unit raced for by three buyers at once, on both processes: one wins
race() { # race NAME BASE TOKEN KEY: a one-unit attempt in the background; its status in $W/race-NAME
    curl -s -o "$W/race-$1.json" -w '%{http_code}' --max-time 30 -H "Authorization: Bearer $3" \
        -H 'Content-Type: application/json' -H "Idempotency-Key: $4" \
        --data-binary "$(addr_body cod | jq -c '. + {quantity:1}')" "$2/api/v1/flash-sales/$SALE/orders" >"$W/race-$1" &
    RACERS+=($!)
}
RACERS=()
race b3 "$SHOP2" "$B3" "f4-$S"
race b4 "$MAIN" "$B4" "f5-$S"
race b0 "$SHOP2" "$B0" "f6-$S"
for p in "${RACERS[@]}"; do wait "$p"; done
won=$(cat "$W"/race-b3 "$W"/race-b4 "$W"/race-b0 | grep -o 201 | wc -l)
check "three buyers race for the last unit on two processes: one wins ($(cat "$W"/race-b3 "$W"/race-b4 "$W"/race-b0 | tr '\n' ' '))" \
    test "$won" = 1
check "the others are told it is sold out" test "$(cat "$W"/race-b*.json | jq -r 'select(.error) | .error.code' | sort -u)" = sold_out
check "5 units sold, never more" test "$(sql "SELECT COALESCE(SUM(l.quantity), 0) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE o.flash_sale_id = $SALE")" = 5
check "each unit sold is one slot one order claimed" test "$(sql "SELECT COUNT(*) FROM flash_slots WHERE sale_id = $SALE AND order_id IS NOT NULL")" = 5
check "every sale order carries the session" test "$(sql "SELECT COUNT(*) FROM orders WHERE flash_sale_id = $SALE AND live_id = $LIVE_DB")" = 3
for f in sse sse2; do
    for _ in $(seq 1 50); do grep -q '^event: flash_sold_out' "$W/$f.txt" && break; sleep 0.2; done
    check "the SSE client of $f.txt saw the countdown" grep -q '^event: flash_countdown' "$W/$f.txt"
    check "... the sale open" grep -q '^event: flash_open' "$W/$f.txt"
    check "... then sold out" grep -q '^event: flash_sold_out' "$W/$f.txt"
    nstock=$(grep -c '^event: flash_stock' "$W/$f.txt")
    check "stock updates coalesced: $nstock for 3 orders (at most one per order, at least one)" test "$nstock" -ge 1 -a "$nstock" -le 3
    check "the last stock update says 0 left" test "$(grep -A2 '^event: flash_stock' "$W/$f.txt" | sed -n 's/^data: //p' | tail -n 1 | jq -r .remaining)" = 0
    # the winners were answered first; the room ticker raised the notice
    for _ in $(seq 1 50); do grep -q '^event: bought' "$W/$f.txt" && break; sleep 0.2; done
    check "... and a sale's order announced (\"just bought\", raised after its buyer's answer)" \
        test "$(grep -A2 '^event: bought' "$W/$f.txt" | sed -n 's/^data: //p' | head -n 1 | jq -r '.buyer | endswith("**")')" = true
done
check "the SSE client saw the pins" test "$(grep -c '^event: pin' "$W/sse.txt")" = 3

# ------------------------------------------------------------ attribution
as "$BUYER"
live_buy() { # live_buy KEY LIVE_ID [ITEMS]: a cart checkout, or a one-tap buy of ITEMS
    api POST /api/v1/orders "$(addr_body cod | jq -c --arg l "$2" --argjson i "${3:-null}" '. + {live_id:$l} + (if $i then {items:$i} else {} end)')" \
        -H "Idempotency-Key: $1"
}
live_buy "tap-$S" "$ID" "[{\"sku_id\":$SKU1,\"quantity\":2}]"
expect_status 201 "a one-tap buy from the room"
expect_jq '.orders[0] | [.live_id, .lines[0].unit_price_fen, .total_fen] | map(tostring) | join(" ")' "$ID 1500 3000" \
    "attributed, at the shelf's live price"
TAP_ORDER=$(jqr '.orders[0].id')
api GET "/api/v1/orders/$TAP_ORDER"
expect_status 200 "the order read back"
expect_jq .live_id "$ID" "names its session"
live_buy "tap-$S" "$ID" "[{\"sku_id\":$SKU1,\"quantity\":2}]"
expect_status 201 "the same key again"
check "replayed" test "$(header idempotent-replayed)" = true
cart_put "$SKU2" 1; cart_put "$QSKU" 3
live_buy "cart-$S" "$ID"
expect_status 201 "a mixed cart checked out in the room"
expect_jq '.orders | length' 2 "one order per cooperative"
expect_jq "[.orders[] | select(.coop_id == $AY) | .live_id] | join(\"\")" "$ID" "the session's cooperative's order is attributed"
expect_jq "[.orders[] | select(.coop_id == $QBJ) | .live_id] | map(tostring) | join(\"\")" null "the other cooperative's is not"
expect_jq "[.orders[] | select(.coop_id == $AY) | .lines[0].unit_price_fen] | join(\"\")" 4500 "no live price: the everyday one"
api GET /api/v1/cart
expect_status 200 "the cart after checkout"
expect_jq '.items | length' 0 "emptied"
live_buy "other-$S" "$QBJ_LIVE" "[{\"sku_id\":$SKU1,\"quantity\":1}]"
expect_error 422 validation_failed "a session of another cooperative than the products'"
live_buy "none-$S" 0000000000000000 "[{\"sku_id\":$SKU1,\"quantity\":1}]"
expect_error 422 validation_failed "an unknown session"
live_buy "bad-$S" "not-a-session" "[{\"sku_id\":$SKU1,\"quantity\":1}]"
expect_error 422 validation_failed "a malformed session id"
live_buy "dup-$S" "$ID" "[{\"sku_id\":$SKU1,\"quantity\":1},{\"sku_id\":$SKU1,\"quantity\":1}]"
expect_error 422 validation_failed "a SKU named twice"

# ------------------------------------------------------------ the report
counted="o.live_id = $LIVE_DB AND o.status NOT IN ('cancelled', 'refunded')"
want_orders=$(sql "SELECT COUNT(*) FROM orders o WHERE $counted")
want_units=$(sql "SELECT SUM(l.quantity) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE $counted")
want_fen=$(sql "SELECT SUM(l.quantity * l.unit_price_fen) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE $counted")
as "$QBJ_ADMIN"
api GET "/api/v1/live/$ID/report"
expect_error 403 forbidden "another cooperative's admin cannot read the report"
as "$AY_FARMER"
api GET "/api/v1/live/$ID/report"
expect_status 200 "the farmer reads the report"
expect_jq '[.orders, .units, .revenue_fen] | map(tostring) | join(" ")' "$want_orders $want_units $want_fen" \
    "orders, units and revenue as the orders table has them ($want_orders $want_units $want_fen)"
check "5 orders in the room so far" test "$want_orders" = 5
expect_jq '[.products[] | .revenue_fen] | add' "$want_fen" "the products add up"
expect_jq "[.products[] | select(.product_id == $(sql "SELECT product_id FROM skus WHERE id = $SKU1")) | .units] | add" 7 \
    "the first product: 5 in the flash sale, 2 in a one-tap buy"
expect_jq "[.moments[] | select(.id == $M3) | .units] | add" 7 "... all while its third moment ran"
expect_jq "[.moments[] | select(.id == $M1) | .orders] | add" 0 "nothing while the first one ran"
expect_jq '.status' live "still live"
as "$AY_ADMIN"
api GET "/api/v1/coops/$AY/live?limit=100"
expect_status 200 "the cooperative's sessions"
expect_jq "[.items[] | select(.id == \"$ID\") | [.orders, .units, .revenue_fen] | map(tostring) | join(\" \")] | join(\"\")" \
    "$want_orders $want_units $want_fen" "with the same totals"
as "$QBJ_ADMIN"
api GET "/api/v1/coops/$AY/live"
expect_error 403 forbidden "not for another cooperative"

# ------------------------------------------------------------ the end and the replay
# The relay's drop route: present, the end must drop the live publisher;
# absent (404, the relay on this branch), stop the publisher first so that
# the grace period finalizes the recording.
drop_code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "X-Internal-Secret: $SECRET" \
    "$RB/internal/v1/streams/0000000000000000/drop")
if [ "$drop_code" = 200 ] || [ "${ROOM_EXPECT_DROP-}" = 1 ]; then HAS_DROP=1; else HAS_DROP=0; fi
if [ $HAS_DROP = 0 ]; then
    kill -INT "$PUSH" 2>/dev/null
    wait "$PUSH" 2>/dev/null
    if wait_status "$ID" idle 20; then ok; else bad "the stopped publisher leaves the session idle"; fi
fi
SHOP_URL=$SHOP2
as "$AY_FARMER"
api POST "/api/v1/live/$ID/end"
expect_status 200 "the farmer ends the session"
expect_jq .status ended "ended"
if [ $HAS_DROP = 1 ]; then
    check "the relay dropped the publisher" grep -q "relay_dropped.*$ID" "$W/shop.log"
    for _ in $(seq 1 50); do kill -0 "$PUSH" 2>/dev/null || break; sleep 0.2; done
    check "the publisher was cut off" sh -c "! kill -0 $PUSH 2>/dev/null"
else
    if grep -q "relay_drop_unsupported.*$ID" "$W/shop.log"; then ok; else
        bad "a relay without the drop route: logged, not dropped" "$(grep -E "relay_|$ID" "$W/shop.log" | tail -n 8)"; fi
fi
api POST "/api/v1/live/$ID/end"
expect_status 200 "ending again changes nothing"
SHOP_URL=$MAIN
check "the open moment ended with the session" test "$(sql "SELECT COUNT(*) FROM live_moments WHERE live_id = $LIVE_DB AND ended_at IS NULL")" = 0
check "the room's sale ended with it" test "$(sql "SELECT ends_at <= UTC_TIMESTAMP(3) FROM flash_sales WHERE id = $SALE")" = 1
as "$AY_FARMER"
shelf_put "$ID" "$SKU1" '{"live_price_fen":100}'
expect_error 409 live_ended "an ended session's shelf stays as it was"
api POST "/api/v1/live/$ID/pin" "{\"sku_id\":$SKU1}"
expect_error 409 live_ended "... and its pins"
check "the SSE client saw the end" grep -q '^data: {.*"status":"ended"' "$W/sse.txt"

as ""
for _ in $(seq 1 300); do # the relay's grace period, then a pass of the replay job
    api GET "/api/v1/live/$ID/replay"
    [ "$(jqr '.replay != null')" = true ] && break
    sleep 0.2
done
expect_status 200 "the replay"
expect_jq '.replay != null' true "the recording is finalized and known"
REPLAY=$(jqr .replay.url)
DUR=$(jqr .replay.duration_s)
expect_jq '.moments | length' 3 "with its three moments"
expect_jq '[.shelf[].sku_id] | map(tostring) | join(",")' "$SKU1,$SKU2" "and its shelf"
AT=$(jqr '.moments[1].at_s')
expect_jq '.replay.url as $u | [.moments[].replay_at | startswith($u + "#t=")] | all' true "each moment links the replay at its start"
probe=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$REPLAY" 2>"$W/probe.err")
check "ffprobe reads the replay ($probe s, listed $DUR s)" within "${probe:-0}" "$DUR" 1.5
last_end=$(jqr '[.moments[].end_offset_ms] | max / 1000')
check "every moment lies within the recording (last ends at $last_end s of $probe s)" \
    awk -v e="$last_end" -v d="${probe:-0}" 'BEGIN { exit !(e <= d + 1) }'
if timeout 60 ffmpeg -nostdin -v error -ss "$AT" -i "$REPLAY" -t 1 -f null - >"$W/seek.log" 2>&1; then ok; else
    bad "the replay is seekable to the second moment ($AT s)" "$(tail -n 5 "$W/seek.log")"; fi

as "$BUYER"
live_buy "replay-$S" "$ID" "[{\"sku_id\":$SKU1,\"quantity\":1}]"
expect_status 201 "a buy from the replay"
expect_jq '.orders[0] | [.live_id, .lines[0].unit_price_fen] | map(tostring) | join(" ")' "$ID 2990" \
    "attributed to the session, at the everyday price"
as "$AY_FARMER"
api GET "/api/v1/live/$ID/report"
expect_status 200 "the report after the end"
expect_jq '[.replay.orders, .replay.units, .replay.revenue_fen] | map(tostring) | join(" ")' "1 1 2990" "what the replay sold"
expect_jq '.status' ended "ended"
check "its duration is the time live, about ($(jqr .duration_s) s)" test "$(jqr '.duration_s >= .on_air_s and .on_air_s > 5')" = true

# ------------------------------------------------------------ the lot's livestream moment
as ""
for _ in $(seq 1 20); do # the trace document is cached up to FARMLIVE_CATALOGUE_CACHE_MS
    api GET "/api/v1/trace/LR-$S-1"
    [ "$(jqr "[.live_sessions[] | select(.live_id == \"$ID\") | .units_sold] | add")" = 8 ] && break
    sleep 0.25
done
expect_status 200 "the trace document of the lot sold"
expect_jq "[.live_sessions[] | select(.live_id == \"$ID\") | .units_sold] | add" 8 \
    "it names the session and the units of the lot sold there (5 flash, 2 one-tap, 1 from the replay)"
expect_jq "[.live_sessions[] | select(.live_id == \"$ID\") | .farmer] | .[0]" "$(sql "SELECT display_name FROM accounts a JOIN live_sessions l ON l.account_id = a.id WHERE l.id = $LIVE_DB")" \
    "and the farmer who presented it"
expect_jq "[.live_sessions[] | select(.live_id == \"$ID\") | .moment.id] | .[0]" "$M1" "the product's first moment"
expect_jq "[.live_sessions[] | select(.live_id == \"$ID\") | .replay_at] | .[0] | startswith(\"$REPLAY#t=\")" true \
    "a link to the replay at that moment"
api GET "/api/v1/trace/LR-$S-2"
expect_status 200 "the other lot's trace document"
expect_jq "[.live_sessions[] | select(.live_id == \"$ID\") | .units_sold] | add" 1 "one unit of it sold in the room"
api GET "/t/LR-$S-1"
expect_status 200 "the trace page a buyer scans to"
check "the page names the livestream" grep -q "直播带货 $S" <<<"$BODY"
check "... and links its replay at the moment" grep -q -F "href=\"$REPLAY#t=" <<<"$BODY"
api GET "/t/LR-$S-1?lang=en"
expect_status 200 "in English"
check "the English page says where it was sold" grep -q "Sold in a livestream" <<<"$BODY"

check "no sanitizer report in the second shop's log" sh -c "! grep -q -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$W/shop.log'"
finish
