#!/usr/bin/env bash
# buy_orders.sh - checkout (Idempotency-Key, one order per cooperative, price
# snapshots, lots oldest first, ledger in the same transaction), the order
# lifecycle with every illegal transition, listings and who may read what.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
as "$AY_ADMIN"
SKU_A=$(new_sku "$AY" 3990)
LOT_OLD=$(restock "$SKU_A" 2 "OLD-$S" 2026-11-01)
LOT_NEW=$(restock "$SKU_A" 10 "NEW-$S" 2026-11-20)
as "$QBJ_ADMIN"
SKU_Q=$(new_sku "$QBJ" 2500)
LOT_Q=$(restock "$SKU_Q" 5)
check "SKUs and lots" test -n "$LOT_OLD" -a "$LOT_OLD" != null -a "$LOT_NEW" != null -a "$LOT_Q" != null
B1=$(new_buyer)
B2=$(new_buyer)
remaining() { sql "SELECT remaining FROM lots WHERE id = $1"; }

# ---------------------------------------------------------------- checkout errors
as "$B1"
api POST /api/v1/orders "$(addr_body online)"
expect_error 400 idempotency_key_required "checkout without Idempotency-Key"
api POST /api/v1/orders "$(addr_body online)" -H "Idempotency-Key: $(head -c 300 /dev/zero | tr '\0' k)"
expect_error 422 idempotency_key_invalid "a key longer than 255 characters"
api POST /api/v1/orders "$(addr_body online)" -H "Idempotency-Key: $(printf 'k\xff\xfe')"
expect_error 422 idempotency_key_invalid "a key that is not printable ASCII"
api POST /api/v1/orders '{"payment_method":"card","address":{}}' -H "Idempotency-Key: bad-$S"
expect_error 422 validation_failed "an unknown payment method"
api POST /api/v1/orders '{"payment_method":"cod"}' -H "Idempotency-Key: bad-$S"
expect_error 422 validation_failed "no address"
api POST /api/v1/orders "$(addr_body cod | jq -c '.address.phone = ""')" -H "Idempotency-Key: bad-$S"
expect_error 422 validation_failed "an empty phone"
for ph in abc 12345 138000000000 "tel:13800000000"; do
    api POST /api/v1/orders "$(addr_body cod | jq -c --arg p "$ph" '.address.phone = $p')" -H "Idempotency-Key: ph-$S-$RANDOM"
    expect_error 422 validation_failed "a phone no courier can call ($ph)"
    check "the refusal names address.phone ($ph)" grep -q address.phone <<<"$(jqr .error.message)"
done
checkout "empty-$S" online
expect_error 409 cart_empty "an empty cart"
checkout "empty-$S" online
expect_error 409 cart_empty "the refusal is replayed"
check "replay header on a stored refusal" test "$(header idempotent-replayed)" = true
as ""
checkout "anon-$S" online
expect_error 401 unauthorized "checkout needs a session"

# ---------------------------------------------------------------- checkout
as "$B1"
cart_put "$SKU_A" 3
cart_put "$SKU_Q" 2
checkout "k1-$S" online
expect_status 201 "checkout of two cooperatives"
FIRST=$BODY
expect_jq '.orders | length' 2 "one order per cooperative"
OA=$(jqr "[.orders[] | select(.coop_id == $AY)][0].id")
OQ=$(jqr "[.orders[] | select(.coop_id == $QBJ)][0].id")
expect_jq "[.orders[] | select(.coop_id == $AY)][0].status" pending_payment "online orders await payment"
expect_jq "[.orders[] | select(.coop_id == $AY)][0].total_fen" 11970 "Anyuan total"
expect_jq "[.orders[] | select(.coop_id == $QBJ)][0].total_fen" 5000 "Qingbaijiang total"
expect_jq "[.orders[] | select(.coop_id == $AY)][0].expires_at != null" true "an expiry is set"
expect_jq "[.orders[] | select(.coop_id == $AY)][0].lines | map(.lot_code) | join(\",\")" "OLD-$S,NEW-$S" \
    "lots consumed oldest first, each line naming its lot"
expect_jq "[.orders[] | select(.coop_id == $AY)][0].lines | map(.quantity) | join(\",\")" "2,1" "2 from the old lot, 1 from the new"
check "old lot emptied" test "$(remaining "$LOT_OLD")" = 0
check "new lot down by 1" test "$(remaining "$LOT_NEW")" = 9
check "reservation ledger rows name the order" test "$(sql "SELECT COUNT(*) FROM inventory_ledger WHERE order_id = $OA AND reason = 'reservation'")" = 2
api GET /api/v1/cart
expect_status 200 "the cart after checkout"
expect_jq .item_count 0 "the cart is emptied by checkout"

checkout "k1-$S" online
expect_status 201 "a retry with the same key and body"
check "the retry answers the first body" test "$BODY" = "$FIRST"
check "Idempotent-Replayed: true" test "$(header idempotent-replayed)" = true
check "no second order" test "$(sql "SELECT COUNT(*) FROM orders WHERE buyer_account_id = (SELECT buyer_account_id FROM orders WHERE id = $OA)")" = 2
checkout "k1-$S" cod
expect_error 422 idempotency_key_reused "the same key with another body"
check "idempotency key kept >= 24 h (purged after 48)" test "$(sql "SELECT COUNT(*) FROM idempotency_keys WHERE idem_key = 'k1-$S'")" = 1

# ---------------------------------------------------------------- one cart, one checkout
# Three checkouts of one cart at the same moment, each with its own key (a
# double tap, a phone and a laptop): exactly one order, the others 409
# cart_empty; a cart changed after a checkout began is not emptied by it.
RACE_ROUNDS=8
as "$QBJ_ADMIN"
SKU_R=$(new_sku "$QBJ" 1200)
restock "$SKU_R" 100 >/dev/null
race_ok=0 race_refused=0 race_orders=0 race_bad=
for round in $(seq 1 $RACE_ROUNDS); do
    RB=$(new_buyer)
    as "$RB"
    cart_put "$SKU_R" 1
    for i in 1 2 3; do
        curl -s -o "$_TMP/race$i.body" -w '%{http_code}' -X POST -H "Authorization: Bearer $RB" \
            -H 'Content-Type: application/json' -H "Idempotency-Key: race-$round-$i-$S" \
            --data-binary "$(addr_body cod)" "$SHOP_URL/api/v1/orders" >"$_TMP/race$i.code" &
    done
    wait
    for i in 1 2 3; do
        case "$(cat "$_TMP/race$i.code")" in
        201) race_ok=$((race_ok + 1)) ;;
        409) [ "$(jq -r .error.code "$_TMP/race$i.body")" = cart_empty ] && race_refused=$((race_refused + 1)) ;;
        *) race_bad="$race_bad $(cat "$_TMP/race$i.code")" ;;
        esac
    done
    rid=$(jq -r '.orders[0].buyer_account_id // empty' "$_TMP"/race?.body | head -n 1)
    race_orders=$((race_orders + $(sql "SELECT COUNT(*) FROM orders WHERE buyer_account_id = ${rid:-0}")))
done
check "parallel checkouts of one cart: one 201 per round ($race_ok of $RACE_ROUNDS)" test "$race_ok" = "$RACE_ROUNDS"
check "the others answer 409 cart_empty ($race_refused of $((2 * RACE_ROUNDS)); other answers:${race_bad:- none})" \
    test "$race_refused" = $((2 * RACE_ROUNDS))
check "one order per cart in MariaDB ($race_orders in $RACE_ROUNDS rounds)" test "$race_orders" = "$RACE_ROUNDS"
api GET /api/v1/cart
expect_status 200 "the raced cart"
expect_jq .item_count 0 "the raced cart is empty after its checkout"
# a cart version consumed but not cleared (as after a crash between commit
# and clear): the next checkout of that same cart is refused and empties it
cart_put "$SKU_R" 1
RACE_ACCT=$(sql "SELECT buyer_account_id FROM orders ORDER BY id DESC LIMIT 1")
sql "INSERT INTO cart_checkouts (account_id, cart_version) VALUES ($RACE_ACCT, '$(rcli HGET "cart:a:$RACE_ACCT" v)')"
checkout "stale-$S" cod
expect_error 409 cart_empty "a cart version already checked out is refused"
api GET /api/v1/cart
expect_status 200 "the stale cart"
expect_jq .item_count 0 "and the stale cart is emptied"
cart_put "$SKU_R" 1
checkout "fresh-$S" cod
expect_status 201 "a cart filled again checks out"
as "$B1"

# price snapshot: a later price change does not touch the order
as "$AY_ADMIN"
PID=$(sql "SELECT product_id FROM skus WHERE id = $SKU_A")
api PATCH "/api/v1/products/$PID/skus/$SKU_A" '{"price_fen":4990}'
as "$B1"
api GET "/api/v1/orders/$OA"
expect_status 200 "the order after a price change"
expect_jq '.lines[0].unit_price_fen' 3990 "prices are snapshots"

# out of stock: nothing is written
cart_put "$SKU_Q" 4
checkout "k2-$S" cod
expect_error 409 out_of_stock "more than the lots hold"
check "the failed checkout wrote nothing" test "$(remaining "$LOT_Q")" = 3
api DELETE /api/v1/cart

# ---------------------------------------------------------------- cash on delivery
cart_put "$SKU_Q" 1
checkout "cod-$S" cod
expect_status 201 "cash on delivery"
OC=$(jqr '.orders[0].id')
expect_jq '.orders[0].status' confirmed "cod goes straight to confirmed"
expect_jq '.orders[0].expires_at' null "no expiry for cod"

# ---------------------------------------------------------------- who reads what
as "$B2"
api GET "/api/v1/orders/$OA"
expect_error 404 not_found "another buyer cannot read the order"
api POST "/api/v1/orders/$OA/cancel"
expect_error 404 not_found "another buyer cannot cancel it"
api GET /api/v1/orders
expect_status 200 "another buyer's list"
expect_jq '.items | length' 0 "another buyer lists none of them"
as "$QBJ_ADMIN"
api GET "/api/v1/orders/$OA"
expect_error 404 not_found "another cooperative cannot read it"
api GET "/api/v1/coops/$AY/orders"
expect_error 403 forbidden "another cooperative's list is forbidden"
as "$AY_FARMER"
api GET "/api/v1/orders/$OA"
expect_status 200 "a farmer of the cooperative reads it"
as "$OPS"
api GET "/api/v1/orders/$OA"
expect_status 200 "a platform admin reads it"
as ""
api GET "/api/v1/orders/$OA"
expect_status 401 "no session"
as "$B1"
api GET /api/v1/orders
expect_status 200 "the buyer's list"
expect_jq '[.items[].id] | sort | map(tostring) | join(",")' "$(printf '%s\n' "$OA" "$OQ" "$OC" | sort -n | paste -sd,)" "the buyer lists their orders"
api GET "/api/v1/orders?status=confirmed"
expect_status 200 "the list filtered by status"
expect_jq '[.items[].id] | map(tostring) | join(",")' "$OC" "filter by status"
api GET "/api/v1/orders?limit=1"
expect_status 200 "a page of one"
expect_jq '.items | length' 1 "a page of one"
expect_jq '.next_cursor | type' string "next_cursor is an opaque string"
NEXT=$(jqr .next_cursor)
PAGE1=$(jqr '.items[0].id')
api GET "/api/v1/orders?limit=1&cursor=$NEXT"
expect_status 200 "the next page"
expect_jq '.items | length' 1 "the next page"
expect_jq ".items[0].id < $PAGE1" true "the next page holds older orders"
api GET "/api/v1/orders?limit=3"
expect_status 200 "the whole list in one page"
expect_jq '[(.items | length), .next_cursor] | map(tostring) | join(" ")' "3 null" "the last page's next_cursor is null"
api GET "/api/v1/orders?limit=1&cursor="
expect_status 200 "an empty cursor"
expect_jq '.items[0].id' "$PAGE1" "an empty cursor is the first page"
for bad in "status=lost" "cursor=not-a-cursor" "cursor=0" "limit=0" "limit=101" "limit=x"; do
    api GET "/api/v1/orders?$bad"
    expect_error 400 bad_request "a bad query value: $bad"
done
as "$AY_ADMIN"
api GET "/api/v1/coops/$AY/orders?cursor=-1"
expect_error 400 bad_request "a bad cursor in a cooperative's list"
as "$B1"
api GET /api/v1/orders/999999999
expect_error 404 not_found "an unknown order"
as "$AY_ADMIN"
api GET "/api/v1/coops/$AY/orders?status=pending_payment"
expect_status 200 "the cooperative's list by status"
expect_jq "[.items[] | select(.id == $OA)] | length" 1 "the cooperative lists its orders by status"
expect_jq "[.items[] | select(.coop_id != $AY)] | length" 0 "and only its own"

# ---------------------------------------------------------------- lifecycle
# OA pending_payment: illegal moves
as "$AY_ADMIN"
api POST "/api/v1/orders/$OA/ship" '{"carrier":"顺丰","tracking_no":"SF1"}'
expect_error 409 illegal_transition "ship an unpaid order"
api POST "/api/v1/orders/$OA/deliver"
expect_error 409 illegal_transition "deliver an unpaid order"
api POST "/api/v1/orders/$OA/refund" '{"reason":"x"}'
expect_error 409 illegal_transition "refund an unpaid order"
as "$B1"
api POST "/api/v1/orders/$OA/complete"
expect_error 409 illegal_transition "complete an unpaid order"
# pay OA (the provider's notice), then ship, deliver, complete
"$BIN_DIR/pay-notify" "$OA" 11970 "txn-$S" >/dev/null
as "$B1"
api GET "/api/v1/orders/$OA"
expect_status 200 "the order after the notice"
expect_jq .status paid "paid after the notice"
api POST "/api/v1/orders/$OA/cancel"
expect_error 409 illegal_transition "a paid order cannot be cancelled (refund it)"
api POST "/api/v1/orders/$OA/ship" '{"carrier":"顺丰","tracking_no":"SF1"}'
expect_error 403 forbidden "a buyer cannot ship"
as "$AY_FARMER"
api POST "/api/v1/orders/$OA/ship" '{"carrier":"顺丰"}'
expect_error 422 validation_failed "ship needs a tracking number"
api POST "/api/v1/orders/$OA/ship" '{"carrier":"顺丰","tracking_no":"SF1234567890"}'
expect_status 200 "a farmer ships it"
expect_jq '[.status,.carrier,.tracking_no] | join(" ")' "shipped 顺丰 SF1234567890" "carrier and tracking recorded"
api POST "/api/v1/orders/$OA/ship" '{"carrier":"顺丰","tracking_no":"SF1"}'
expect_error 409 illegal_transition "ship twice"
as "$B1"
api POST "/api/v1/orders/$OA/complete"
expect_error 409 illegal_transition "complete before delivery"
as "$AY_FARMER"
api POST "/api/v1/orders/$OA/deliver"
expect_status 200 "deliver"
expect_jq .status delivered "delivered"
api POST "/api/v1/orders/$OA/complete"
expect_error 403 forbidden "only the buyer completes"
as "$B1"
api POST "/api/v1/orders/$OA/complete"
expect_status 200 "complete"
expect_jq .status completed "the buyer completes it"
api POST "/api/v1/orders/$OA/complete"
expect_error 409 illegal_transition "complete twice"
as "$AY_ADMIN"
api POST "/api/v1/orders/$OA/refund" '{"reason":"late"}'
expect_error 422 validation_failed "a completed (shipped) order's refund must say whether the goods come back"
check "the refusal names return" grep -q "return is required" <<<"$(jqr .error.message)"

# cancel (cod, by the buyer): stock back through the ledger
before=$(remaining "$LOT_Q")
as "$B1"
api POST "/api/v1/orders/$OC/cancel"
expect_status 200 "the buyer's cancellation"
expect_jq .status cancelled "the buyer cancels a cod order"
expect_jq '[.cancelled_by, .cancel_reason] | map(tostring) | join(" ")' "buyer null" \
    "who cancelled is stored; no reason given, none invented"
check "stock returned to its lot" test "$(remaining "$LOT_Q")" = $((before + 1))
check "a cancellation ledger row" test "$(sql "SELECT SUM(delta) FROM inventory_ledger WHERE order_id = $OC AND reason = 'cancellation'")" = 1
api POST "/api/v1/orders/$OC/cancel"
expect_error 409 illegal_transition "cancel twice"
as "$QBJ_ADMIN"
api POST "/api/v1/orders/$OC/ship" '{"carrier":"x","tracking_no":"y"}'
expect_error 409 illegal_transition "ship a cancelled order"

# refund (paid, by the coop admin)
"$BIN_DIR/pay-notify" "$OQ" 5000 "txnq-$S" >/dev/null
before=$(remaining "$LOT_Q")
as "$B1"
api POST "/api/v1/orders/$OQ/refund" '{"reason":"x"}'
expect_error 403 forbidden "a buyer cannot refund"
as "$QBJ_ADMIN"
api POST "/api/v1/orders/$OQ/refund" '{}'
expect_error 422 validation_failed "a refund needs a reason"
api POST "/api/v1/orders/$OQ/refund" '{"reason":"鸡蛋破损"}'
expect_status 200 "the refund"
expect_jq .status refunded "the cooperative refunds a paid order"
check "refund returns stock" test "$(remaining "$LOT_Q")" = $((before + 2))
check "refund ledger rows" test "$(sql "SELECT SUM(delta) FROM inventory_ledger WHERE order_id = $OQ AND reason = 'refund'")" = 2

# cancel by the cooperative admin, and order expiry (a periodic job)
as "$B2"
cart_put "$SKU_A" 2
checkout "exp-$S" online
OE=$(jqr '.orders[0].id')
before=$(remaining "$LOT_NEW")
sql "UPDATE orders SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = $OE"
for _ in $(seq 1 50); do
    [ "$(sql "SELECT status FROM orders WHERE id = $OE")" = cancelled ] && break
    sleep 0.1
done
api GET "/api/v1/orders/$OE"
expect_status 200 "the expired order"
expect_jq .status cancelled "the order_expiry job cancels an expired unpaid order"
expect_jq .cancel_reason "payment window expired" "with the reason"
expect_jq .cancelled_by expiry "cancelled by the payment window's expiry"
check "the expired order's stock is back" test "$(remaining "$LOT_NEW")" = $((before + 2))
"$BIN_DIR/pay-notify" "$OE" 7980 "late-$S" >/dev/null
check "a payment after expiry is refused" test "$(sql "SELECT outcome FROM payment_notices WHERE txn_id = 'late-$S'")" = refused

cart_put "$SKU_A" 1
checkout "adm-$S" online
OD=$(jqr '.orders[0].id')
as "$QBJ_ADMIN"
api POST "/api/v1/orders/$OD/cancel"
expect_error 404 not_found "another cooperative's admin cannot cancel"
as "$AY_FARMER"
api POST "/api/v1/orders/$OD/cancel"
expect_error 403 forbidden "a farmer cannot cancel"
as "$AY_ADMIN"
api POST "/api/v1/orders/$OD/cancel" "{\"reason\":\"$(head -c 256 /dev/zero | tr '\0' x)\"}"
expect_error 422 validation_failed "a cancellation's reason is at most 255 characters"
api POST "/api/v1/orders/$OD/cancel" '{"reason":"该批次鸡蛋检测未通过，暂停发货"}'
expect_status 200 "the cooperative admin's cancellation"
expect_jq .status cancelled "the cooperative admin cancels"
expect_jq '[.cancelled_by, .cancel_reason] | join(" ")' "coop_admin 该批次鸡蛋检测未通过，暂停发货" \
    "the admin's cancellation says who and why"
as "$B2"
api GET "/orders/$OD?lang=en"
expect_status 200 "the order's page"
check "the order page says who cancelled and why" grep -q "Cancelled by the cooperative: 该批次鸡蛋检测未通过" <<<"$BODY"
check "no fixed 'cancelled by request' text" test "$(grep -c 'cancelled by request' <<<"$BODY")" = 0

finish
