#!/usr/bin/env bash
# buy_flash.sh - flash sales: creation and its checks, buying with the Redis
# counter (replay, per-buyer limit, sold out, who buys: Bearer and cookie
# sessions looked up inside the take, not started, ended), the row-lock
# mode, cancellation giving the unit back, counters rebuilt from MariaDB, and
# 503 + Retry-After while Redis or MariaDB is down, recovering by itself.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"
. "$(dirname "$0")/../../ops/lib.sh"

buy_logins
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 3990)
LOT=$(restock "$SKU" 10)
at() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
sale_body() { # sale_body QTY [LIMIT] [MODE] [START] [END]
    jq -nc --argjson sku "$SKU" --argjson q "$1" --argjson l "${2:-1}" --arg m "${3:-redis}" \
        --arg s "$(at "${4:--1 min}")" --arg e "$(at "${5:-+1 hour}")" \
        '{sku_id:$sku, price_fen:1990, quantity:$q, per_buyer_limit:$l, starts_at:$s, ends_at:$e, mode:$m}'
}
buy() { # buy SALE KEY [BODY]
    api POST "/api/v1/flash-sales/$1/orders" "${3:-$(addr_body online)}" -H "Idempotency-Key: $2"
}
same_as_get() { # same_as_get ANSWER DESC: ANSWER is GET /orders/{its id} but for its clock fields
    local answer=$1
    api GET "/api/v1/orders/$(printf '%s' "$answer" | jq -r .id)"
    check "$2" test "$(printf '%s' "$BODY" | jq -c 'del(.created_at, .expires_at)')" = \
        "$(printf '%s' "$answer" | jq -c 'del(.created_at, .expires_at)')"
}

# ---------------------------------------------------------------- create
api POST /api/v1/flash-sales "$(sale_body 11)"
expect_error 422 not_enough_stock "a sale larger than the lots"
api POST /api/v1/flash-sales "$(sale_body 3 | jq -c '.ends_at = .starts_at')"
expect_error 422 validation_failed "ends_at not after starts_at"
api POST /api/v1/flash-sales "$(sale_body 3 | jq -c '.starts_at = "tomorrow"')"
expect_error 422 validation_failed "a malformed time"
api POST /api/v1/flash-sales "$(sale_body 3 1 fast)"
expect_error 422 validation_failed "an unknown mode"
as "$QBJ_ADMIN"
api POST /api/v1/flash-sales "$(sale_body 3)"
expect_error 403 forbidden "another cooperative's admin"
as "$BUYER"
api POST /api/v1/flash-sales "$(sale_body 3)"
expect_error 403 forbidden "a buyer"
as "$AY_ADMIN"
api POST /api/v1/flash-sales "$(sale_body 3)"
expect_status 201 "a flash sale of 3"
SALE=$(jqr .id)
expect_jq '[.state,.remaining,.per_buyer_limit,.mode] | join(" ")' "active 3 1 redis" "the sale"
check "the Redis counter is loaded at creation" test "$(rcli GET "flash:{$SALE}:stock")" = 3
as ""
api GET "/api/v1/flash-sales/$SALE"
expect_status 200 "anyone reads a sale"
api GET /api/v1/flash-sales/999999999
expect_error 404 not_found "an unknown sale"

# ---------------------------------------------------------------- buy
B1=$(new_buyer)
B2=$(new_buyer)
B3=$(new_buyer)
B4=$(new_buyer)
as "$B1"
buy "$SALE" "f1-$S" '{"payment_method":"online"}'
expect_error 422 validation_failed "an address is required"
buy "$SALE" "f1-$S" "$(addr_body online | jq -c '.quantity = 2')"
expect_error 422 validation_failed "more than the per-buyer limit in one order"
api POST "/api/v1/flash-sales/$SALE/orders" "$(addr_body online)"
expect_error 400 idempotency_key_required "no Idempotency-Key"
buy "$SALE" "f1-$S"
expect_status 201 "a buyer buys one"
FIRST=$BODY
O1=$(jqr .id)
expect_jq '[.status,.total_fen,.flash_sale_id,.lines[0].lot_id,.lines[0].quantity] | map(tostring) | join(" ")' \
    "pending_payment 1990 $SALE $LOT 1" "the flash order names its lot, at the sale price"
check "the answer is compact JSON" test "$FIRST" = "$(printf '%s' "$FIRST" | jq -c .)"
same_as_get "$FIRST" "the answer is the order as GET /orders/{id} shows it"
buy "$SALE" "f1-$S"
check "a retry replays the same order" test "$BODY" = "$FIRST"
check "marked as replayed" test "$(header idempotent-replayed)" = true
buy "$SALE" "f1-$S" "$(addr_body cod)"
expect_error 422 idempotency_key_reused "the key with another body"
buy "$SALE" "f1b-$S"
expect_error 409 limit_reached "the per-buyer limit (1)"
buy "$SALE" "f1b-$S"
expect_error 409 limit_reached "the refusal is replayed for its key"
check "replayed refusal" test "$(header idempotent-replayed)" = true
as "$B2"
ODD=$'大城镇 "1" 号\\后院\n\t二楼\x01'
buy "$SALE" "f2-$S" "$(addr_body cod | jq -c --arg d "$ODD" '.address.detail = $d')"
expect_status 201 "a cod flash order"
expect_jq .status confirmed "cod flash order"
check "quotes, backslashes and control characters in the address come back as sent" \
    test "$(jqr .address.detail)" = "$ODD"
O2=$(jqr .id)
as "$B3"
buy "$SALE" "f3-$S"
expect_status 201 "the third unit"
as "$B4"
buy "$SALE" "f4-$S"
expect_error 409 sold_out "sold out after 3"
REFUSED=$BODY
buy "$SALE" "f4-$S"
check "a refusal's retry replays it, request id and all" test "$BODY" = "$REFUSED"
check "the replayed refusal is marked" test "$(header idempotent-replayed)" = true
buy "$SALE" "f4-$S" "$(addr_body cod)"
expect_error 422 idempotency_key_reused "a refused key with another body"
check "refusals cost MariaDB nothing (no stored answer)" test "$(sql "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'f4-$S'")" = 0
# the winner's Redis mark lost: the buyer holds a unit, so MariaDB answers
as "$B1"
rcli --scan --pattern "flash:{$SALE}:idem:*:f1-$S" | xargs -r redis-cli -h 127.0.0.1 -p "$REDIS_PORT" DEL >/dev/null
buy "$SALE" "f1-$S"
check "without its Redis mark a won key still replays its order" test "$BODY" = "$FIRST"
sold() { sql "SELECT COUNT(*) FROM flash_slots WHERE sale_id = $1 AND order_id IS NOT NULL"; }
check "MariaDB holds 3 claimed slots" test "$(sold "$SALE")" = 3
check "3 orders for the sale" test "$(sql "SELECT COUNT(*) FROM orders WHERE flash_sale_id = $SALE")" = 3
check "the sale's 3 units were reserved from the lot through the ledger" test "$(sql "SELECT -SUM(delta) FROM inventory_ledger WHERE lot_id = $LOT AND reason = 'reservation' AND note = 'flash sale $SALE'")" = 3
check "the lot holds what the sale did not take" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT")" = 7

# cancel gives the unit back to the sale and the buyer
as "$B2"
api POST "/api/v1/orders/$O2/cancel"
expect_status 200 "the flash order's cancellation"
expect_jq .status cancelled "cancel a flash order"
check "the slot is free again" test "$(sold "$SALE")" = 2
check "the Redis counter got the unit back" test "$(rcli GET "flash:{$SALE}:stock")" = 1
as "$B4"
buy "$SALE" "f4b-$S"
expect_status 201 "the returned unit sells again"

# counters lost -> rebuilt from MariaDB
as "$AY_ADMIN"
api POST /api/v1/flash-sales "$(sale_body 3)"
SALE2=$(jqr .id)
as "$B1"
buy "$SALE2" "g1-$S"
expect_status 201 "a buy on the second sale"
rcli DEL "flash:{$SALE2}:stock" "flash:{$SALE2}:buyers" >/dev/null
buy "$SALE2" "g1b-$S"
expect_error 409 limit_reached "after the counters vanished, the buyer's units came back from MariaDB"
check "the counter was rebuilt from MariaDB (3 - 1)" test "$(rcli GET "flash:{$SALE2}:stock")" = 2
rcli SET "flash:{$SALE2}:stock" 50 >/dev/null
B5=$(new_buyer)
as "$B5"
buy "$SALE2" "g5-$S"
expect_status 201 "a counter too high hands out a slot that does not exist: MariaDB finds a free one"
expect_jq '.lines[0].lot_id' "$LOT" "that order names its lot"
check "two slots of the second sale held" test "$(sold "$SALE2")" = 2
for _ in $(seq 1 100); do [ "$(rcli GET "flash:{$SALE2}:stock")" = 1 ] && break; sleep 0.1; done
check "a wrong counter is corrected by the flash_counters job" test "$(rcli GET "flash:{$SALE2}:stock")" = 1

# who buys: the take looks the Bearer session up itself (in its one Redis
# call); the rules are those of any signed-in route
as "$AY_ADMIN"
restock "$SKU" 3 >/dev/null
api POST /api/v1/flash-sales "$(sale_body 3)"
SALE6=$(jqr .id)
as "$(printf '%064x' 7)"
buy "$SALE6" "s1-$S"
expect_error 401 unauthorized "an unknown Bearer token"
as "not-a-token"
buy "$SALE6" "s1-$S"
expect_error 401 unauthorized "a malformed token"
as ""
buy "$SALE6" "s1-$S"
expect_error 401 unauthorized "no token"
B6=$(new_buyer)
B6_SESS="sess:$(printf '%s' "$B6" | sha256sum | cut -c1-64)"
rcli EXPIRE "$B6_SESS" 600 >/dev/null
as "$B6"
buy "$SALE6" "s6-$S"
expect_status 201 "a Bearer buyer"
check "the take slid the session's expiry" test "$(rcli TTL "$B6_SESS")" -gt 600
api DELETE /api/v1/sessions/current
buy "$SALE6" "s6b-$S"
expect_error 401 unauthorized "a signed-out session"
check "nothing was taken for the unknown sessions" test "$(rcli GET "flash:{$SALE6}:stock")" = 2
JAR=$_TMP/jar
curl -s -c "$JAR" -o "$_TMP/login" -H 'Content-Type: application/json' \
    -d "{\"login\":\"buyer@example.com\",\"password\":\"$DEMO_PASSWORD\"}" "$SHOP_URL/api/v1/sessions"
CSRF=$(jq -r .csrf_token "$_TMP/login")
cookie_buy() { # cookie_buy KEY [CSRF]
    STATUS=$(curl -s -o "$_TMP/cb" -w '%{http_code}' -b "$JAR" ${2:+-H "X-CSRF-Token: $2"} \
        -H 'Content-Type: application/json' -H "Idempotency-Key: $1" --data-binary "$(addr_body cod)" \
        "$SHOP_URL/api/v1/flash-sales/$SALE6/orders")
    BODY=$(cat "$_TMP/cb")
}
cookie_buy "c1-$S"
expect_error 403 csrf_failed "a cookie session without X-CSRF-Token"
cookie_buy "c1-$S" "$CSRF"
expect_status 201 "a cookie session with it"
rcli SCRIPT FLUSH >/dev/null
as "$(new_buyer)"
buy "$SALE6" "s7-$S"
expect_status 201 "Redis forgot the take's script (SCRIPT FLUSH): it is loaded again"
check "3 orders for that sale" test "$(sql "SELECT COUNT(*) FROM orders WHERE flash_sale_id = $SALE6")" = 3

# not started, ended
as "$AY_ADMIN"
api POST /api/v1/flash-sales "$(sale_body 1 1 redis '+1 hour' '+2 hour')"
SALE3=$(jqr .id)
expect_status 201 "a future sale"
expect_jq .state upcoming "a future sale is upcoming"
as "$B2"
buy "$SALE3" "h1-$S"
expect_error 409 sale_not_started "before the start"
before=$(sql "SELECT remaining FROM lots WHERE id = $LOT")
sql "UPDATE flash_sales SET starts_at = UTC_TIMESTAMP() - INTERVAL 2 HOUR, ends_at = UTC_TIMESTAMP() - INTERVAL 1 HOUR WHERE id = $SALE3"
sleep 1.2 # the shop caches a sale for a second
buy "$SALE3" "h1-$S"
expect_error 409 sale_ended "after the end"
for _ in $(seq 1 80); do [ "$(sql "SELECT released FROM flash_sales WHERE id = $SALE3")" = 1 ] && break; sleep 0.1; done
check "an ended sale is released by the sweeper" test "$(sql "SELECT released FROM flash_sales WHERE id = $SALE3")" = 1
check "its unsold unit went back to the lot" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT")" = $((before + 1))
check "through a cancellation ledger row" test "$(sql "SELECT SUM(delta) FROM inventory_ledger WHERE note = 'flash sale $SALE3 ended: unsold'")" = 1

# ---------------------------------------------------------------- row-lock mode
as "$AY_ADMIN"
api POST /api/v1/flash-sales "$(sale_body 1 1 rowlock)"
SALE4=$(jqr .id)
expect_status 201 "a row-lock sale"
expect_jq .mode rowlock "a row-lock sale"
as "$B2"
buy "$SALE4" "r1-$S"
expect_status 201 "the row-lock path sells"
same_as_get "$BODY" "its answer is the order as GET /orders/{id} shows it"
as "$B3"
buy "$SALE4" "r2-$S"
expect_error 409 sold_out "and stops at the quantity"

# ---------------------------------------------------------------- ending a sale early
# A coop admin ends a sale with a reason (a wrong price); delisting its
# product or deactivating its SKU ends it too; its unsold units go back to
# their lots through the ledger, and no sale is made on what is not on sale.
as "$AY_ADMIN"
SKU_E=$(new_sku "$AY" 2990)
LOT_E=$(restock "$SKU_E" 10)
PID_E=$(sql "SELECT product_id FROM skus WHERE id = $SKU_E")
api POST /api/v1/flash-sales "$(sale_body 4 | jq -c --argjson k "$SKU_E" '.sku_id = $k')"
expect_status 201 "a sale to end early"
SALE_E=$(jqr .id)
as "$B1"
buy "$SALE_E" "e1-$S"
expect_status 201 "one unit sold before the end"
as "$QBJ_ADMIN"
api POST "/api/v1/flash-sales/$SALE_E/end" '{"reason":"wrong price"}'
expect_error 403 forbidden "another cooperative's admin cannot end it"
as "$B1"
api POST "/api/v1/flash-sales/$SALE_E/end" '{"reason":"wrong price"}'
expect_error 403 forbidden "a buyer cannot end it"
as "$AY_ADMIN"
api POST "/api/v1/flash-sales/$SALE_E/end" '{}'
expect_error 422 validation_failed "ending needs a reason"
api POST "/api/v1/flash-sales/$SALE_E/end" '{"reason":"标价错误"}'
expect_status 200 "the coop admin ends the sale"
expect_jq '[.state, .end_reason] | join(" ")' "ended 标价错误" "ended, with its reason"
check "its 3 unsold units are back in the lot" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT_E")" = 9
check "through the ledger" test "$(sql "SELECT SUM(delta) FROM inventory_ledger WHERE note = 'flash sale $SALE_E ended early: unsold'")" = 3
check "who ended it is kept" test "$(sql "SELECT ended_by IS NOT NULL AND planned_ends_at > ends_at FROM flash_sales WHERE id = $SALE_E")" = 1
sleep 1.2 # the shop caches a sale for a second
as "$B2"
buy "$SALE_E" "e2-$S"
expect_error 409 sale_ended "buying from an ended sale"
as "$AY_ADMIN"
api POST "/api/v1/flash-sales/$SALE_E/end" '{"reason":"again"}'
expect_error 409 sale_ended "a sale ends once"
api POST /api/v1/flash-sales "$(sale_body 2 | jq -c --argjson k "$SKU_E" '.sku_id = $k')"
SALE_D=$(jqr .id)
expect_status 201 "a sale on a SKU about to be deactivated"
api PATCH "/api/v1/products/$PID_E/skus/$SKU_E" '{"active":false}'
expect_status 200 "the SKU deactivated"
check "deactivating the SKU ended its sale" test "$(sql "SELECT released = 1 AND end_reason IS NOT NULL FROM flash_sales WHERE id = $SALE_D")" = 1
check "its units back in the lot" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT_E")" = 9
api POST /api/v1/flash-sales "$(sale_body 1 | jq -c --argjson k "$SKU_E" '.sku_id = $k')"
expect_error 422 sku_unavailable "no sale on an inactive SKU"
api PATCH "/api/v1/products/$PID_E/skus/$SKU_E" '{"active":true}'
api POST /api/v1/flash-sales "$(sale_body 2 | jq -c --argjson k "$SKU_E" '.sku_id = $k')"
SALE_L=$(jqr .id)
expect_status 201 "a sale on a product about to be delisted"
api POST "/api/v1/products/$PID_E/delist"
expect_status 200 "the product delisted"
check "delisting the product ended its sale" test "$(sql "SELECT released = 1 AND end_reason IS NOT NULL FROM flash_sales WHERE id = $SALE_L")" = 1
check "its units back in the lot again" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT_E")" = 9
api POST /api/v1/flash-sales "$(sale_body 1 | jq -c --argjson k "$SKU_E" '.sku_id = $k')"
expect_error 422 sku_unavailable "no sale on a delisted product"
check "remaining = ledger sum on the lot" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT_E")" = "$(sql "SELECT SUM(delta) FROM inventory_ledger WHERE lot_id = $LOT_E")"

# ---------------------------------------------------------------- refusals that say how many; oldest lots first
# Asking for more than is left says how many are left (not "sold out"); a
# buyer holding part of the limit is told how many they hold and may still
# buy; flash sales take lots oldest first, as checkout does; after the sale
# has ended, a cancelled order's unit goes back to its lot and the sale no
# longer counts it as sold. Both paths: the Redis take and the row lock.
as "$AY_ADMIN"
SKU_H=$(new_sku "$AY" 1990)
restock "$SKU_H" 5 "HN-$S" 2026-11-20 >/dev/null
LOT_HO=$(restock "$SKU_H" 4 "HO-$S" 2026-11-01)
for mode in redis rowlock; do
    as "$AY_ADMIN"
    api POST /api/v1/flash-sales "$(sale_body 3 2 "$mode" | jq -c --argjson k "$SKU_H" '.sku_id = $k')"
    expect_status 201 "a $mode sale of 3, 2 per buyer"
    SH=$(jqr .id)
    HB1=$(new_buyer)
    HB2=$(new_buyer)
    HB3=$(new_buyer)
    as "$HB1"
    buy "$SH" "h1-$mode-$S"
    expect_status 201 "$mode: a buyer takes 1"
    expect_jq '.lines[0].lot_code' "HO-$S" "$mode: from the oldest lot, as checkout takes them"
    buy "$SH" "h1b-$mode-$S" "$(addr_body online | jq -c '.quantity = 2')"
    expect_error 409 limit_reached "$mode: holding 1 of a limit of 2, asking for 2"
    expect_jq '[.error.held, .error.may_buy, .error.limit] | map(tostring) | join(" ")' "1 1 2" \
        "$mode: the refusal says how many are held and may still be bought"
    check "$mode: and its message says so" grep -q "you hold 1 .* may buy 1 more" <<<"$(jqr .error.message)"
    as "$HB2"
    buy "$SH" "h2-$mode-$S"
    expect_status 201 "$mode: another buyer takes 1 (1 left)"
    O_H2=$(jqr .id)
    as "$HB3"
    buy "$SH" "h3-$mode-$S" "$(addr_body online | jq -c '.quantity = 2')"
    expect_error 409 not_enough_left "$mode: asking for 2 with 1 left is not 'sold out'"
    expect_jq .error.left 1 "$mode: the refusal says 1 is left"
    check "$mode: its message names how many are left" grep -q "only 1 left" <<<"$(jqr .error.message)"
    REFUSED=$BODY
    buy "$SH" "h3-$mode-$S" "$(addr_body online | jq -c '.quantity = 2')"
    check "$mode: the retry replays the same refusal, counts and all" test "$BODY" = "$REFUSED"
    buy "$SH" "h3b-$mode-$S"
    expect_status 201 "$mode: the last one"
    as "$HB1"
    buy "$SH" "h1c-$mode-$S"
    expect_error 409 sold_out "$mode: then it is sold out"
    expect_jq .error.left 0 "$mode: none left"
    # ended: a cancelled order's unit goes back to its lot, and is no longer sold
    as "$AY_ADMIN"
    api POST "/api/v1/flash-sales/$SH/end" '{"reason":"测试结束"}'
    expect_status 200 "$mode: the sale ended"
    expect_jq .sold 3 "$mode: 3 sold when it ended"
    lot_h2=$(sql "SELECT lot_id FROM order_lines WHERE order_id = $O_H2")
    before=$(sql "SELECT remaining FROM lots WHERE id = $lot_h2")
    as "$HB2"
    api POST "/api/v1/orders/$O_H2/cancel" '{"reason":"不想要了"}'
    expect_status 200 "$mode: a flash order cancelled after its sale ended"
    check "$mode: its unit went back to its lot" test "$(sql "SELECT remaining FROM lots WHERE id = $lot_h2")" = $((before + 1))
    api GET "/api/v1/flash-sales/$SH"
    expect_status 200 "$mode: the ended sale"
    expect_jq .sold 2 "$mode: the sale no longer counts the cancelled unit as sold"
done
check "remaining = ledger sum on the oldest lot" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT_HO")" = \
    "$(sql "SELECT SUM(delta) FROM inventory_ledger WHERE lot_id = $LOT_HO")"

# ---------------------------------------------------------------- servers down
as "$AY_ADMIN"
api POST /api/v1/flash-sales "$(sale_body 2 1)"
SALE5=$(jqr .id)
ops/stack.sh stop-redis "$STACK_DIR" >/dev/null 2>&1
as "$B1"
buy "$SALE5" "d1-$S"
expect_status 503 "Redis down: 503"
check "with Retry-After" test -n "$(header retry-after)"
expect_jq .error.code redis_unavailable "a JSON error naming Redis"
ops/stack.sh start-redis "$STACK_DIR" "$REDIS_PORT" >/dev/null 2>&1
buy "$SALE5" "d1-$S"
expect_status 201 "Redis back: the same key succeeds without a restart"
as "$B2"
cart_put "$SKU" 1
ops/stack.sh stop-db "$STACK_DIR" >/dev/null 2>&1
buy "$SALE5" "d2-$S"
expect_status 503 "MariaDB down: 503"
check "with Retry-After" test -n "$(header retry-after)"
expect_jq .error.code database_unavailable "a JSON error naming the database"
checkout "d3-$S" cod
expect_status 503 "cart checkout with MariaDB down: 503"
ops/stack.sh start-db "$STACK_DIR" "$DB_PORT" >/dev/null 2>&1
for _ in $(seq 1 50); do curl -fsS -o /dev/null "$SHOP_URL/healthz" && break; sleep 0.2; done
buy "$SALE5" "d2-$S"
expect_status 201 "MariaDB back: the same key succeeds"
checkout "d3-$S" cod
expect_status 201 "and so does the cart checkout"

finish
