#!/usr/bin/env bash
# buy_refunds.sh - refunds say what becomes of the goods: an order never
# shipped goes back to its lots at once; a shipped one's goods either come
# back (nothing on sale until the cooperative records the return received,
# then to the same lots through the ledger) or not (written off through the
# ledger, nothing back on sale); a completed order is refundable within the
# window (FARMLIVE_REFUND_WINDOW_DAYS, 15) and 409 refund_window_closed
# after it; the order page says what happened.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 1500)
LOT=$(restock "$SKU" 20 "RF-$S")
check "a SKU and its lot" test -n "$LOT" -a "$LOT" != null
B=$(new_buyer)
remaining() { sql "SELECT remaining FROM lots WHERE id = $LOT"; }
ledger() { sql "SELECT COALESCE(SUM(delta), 0), COUNT(*) FROM inventory_ledger WHERE order_id = $1 AND reason = '$2'" | tr '\t' ' '; }
order_of() { # order_of QTY -> a cash-on-delivery order of QTY units, shipped
    as "$B"
    cart_put "$SKU" "$1" >/dev/null
    checkout "rf-$1-$RANDOM-$S" cod
    local id
    id=$(jqr '.orders[0].id')
    as "$AY_FARMER"
    api POST "/api/v1/orders/$id/ship" '{"carrier":"顺丰","tracking_no":"SF-RF"}'
    printf '%s' "$id"
}

# ---------------------------------------------------------------- shipped, goods come back
O1=$(order_of 3)
before=$(remaining)
as "$AY_ADMIN"
api POST "/api/v1/orders/$O1/refund" '{"reason":"运输途中破损"}'
expect_error 422 validation_failed "a shipped order's refund must say whether the goods come back"
check "the refusal names return" grep -q "return is required" <<<"$(jqr .error.message)"
api POST "/api/v1/orders/$O1/refund" '{"reason":"运输途中破损","return":"yes"}'
expect_error 422 validation_failed "return is a boolean"
check "refused refunds changed nothing" test "$(sql "SELECT status FROM orders WHERE id = $O1")" = shipped
api POST "/api/v1/orders/$O1/refund" '{"reason":"运输途中破损","return":true}'
expect_status 200 "a refund whose goods come back"
expect_jq '[.status, .refund_goods, .refund_reason] | join(" ")' "refunded awaiting_return 运输途中破损" \
    "refunded, awaiting the return, with its reason"
expect_jq .cancel_reason null "a refund's reason is not a cancellation's"
check "nothing back on sale before the return arrives ($(remaining) vs $before)" test "$(remaining)" = "$before"
check "no ledger row returns stock yet" test "$(ledger "$O1" refund)" = "0 0"
as "$B"
api POST "/api/v1/orders/$O1/return-received"
expect_error 403 forbidden "the buyer does not record the return"
as "$AY_FARMER"
api POST "/api/v1/orders/$O1/return-received"
expect_status 200 "the cooperative records the return received"
expect_jq '[.status, .refund_goods, (.returned_at != null)] | map(tostring) | join(" ")' "refunded returned true" \
    "the goods are returned, and when"
check "the units are on sale again in the same lot" test "$(remaining)" = $((before + 3))
check "through 'return' ledger rows naming the order" test "$(ledger "$O1" return)" = "3 1"
api POST "/api/v1/orders/$O1/return-received"
expect_error 409 no_return_awaited "a return received twice"
as "$B"
api GET "/orders/$O1?lang=en"
expect_status 200 "the refunded order's page"
check "the page says the goods were returned" grep -q "运输途中破损 · Goods returned" <<<"$BODY"
check "the page's timeline has the return" grep -q "Return received" <<<"$BODY"

# ---------------------------------------------------------------- shipped, goods lost
O2=$(order_of 2)
before=$(remaining)
as "$AY_ADMIN"
api POST "/api/v1/orders/$O2/refund" '{"reason":"快递丢件","return":false}'
expect_status 200 "a refund of goods that do not come back"
expect_jq '[.status, .refund_goods] | join(" ")' "refunded written_off" "written off"
check "nothing goes back on sale" test "$(remaining)" = "$before"
check "a write-off through the ledger, of 0 units (they left with the order)" test "$(ledger "$O2" write_off)" = "0 1"
check "its note says how many" grep -q "2 units" <<<"$(sql "SELECT note FROM inventory_ledger WHERE order_id = $O2 AND reason = 'write_off'")"
as "$AY_FARMER"
api POST "/api/v1/orders/$O2/return-received"
expect_error 409 no_return_awaited "no return awaited for written-off goods"
check "still nothing back on sale" test "$(remaining)" = "$before"

# ---------------------------------------------------------------- completed: within the window, then not
O3=$(order_of 1)
as "$AY_FARMER"
api POST "/api/v1/orders/$O3/deliver"
expect_status 200 "delivered"
as "$B"
api POST "/api/v1/orders/$O3/complete"
expect_status 200 "completed"
O4=$(order_of 1)
as "$AY_FARMER"
api POST "/api/v1/orders/$O4/deliver"
as "$B"
api POST "/api/v1/orders/$O4/complete"
expect_jq .status completed "a second completed order"
as "$AY_ADMIN"
api POST "/api/v1/orders/$O3/refund" '{"reason":"买家反映有异味","return":true}'
expect_status 200 "a completed order refunded within the window (after-sales)"
expect_jq '[.status, .refund_goods] | join(" ")' "refunded awaiting_return" "awaiting its return"
sql "UPDATE orders SET completed_at = UTC_TIMESTAMP(3) - INTERVAL 16 DAY WHERE id = $O4"
api POST "/api/v1/orders/$O4/refund" '{"reason":"太晚了","return":false}'
expect_error 409 refund_window_closed "16 days after completion the window (15) is closed"
check "the refusal says the window" grep -q "more than 15 days" <<<"$(jqr .error.message)"
check "the late order stays completed" test "$(sql "SELECT status FROM orders WHERE id = $O4")" = completed
sql "UPDATE orders SET completed_at = UTC_TIMESTAMP(3) - INTERVAL 14 DAY WHERE id = $O4"
api POST "/api/v1/orders/$O4/refund" '{"reason":"第14天","return":false}'
expect_status 200 "14 days after completion it is still open"

# ---------------------------------------------------------------- a cancelled order is not refunded
as "$B"
cart_put "$SKU" 2 >/dev/null
checkout "rf-unshipped-$S" cod
O5=$(jqr '.orders[0].id')
before=$(remaining)
as "$AY_ADMIN"
api POST "/api/v1/orders/$O5/cancel" >/dev/null
api POST "/api/v1/orders/$O5/refund" '{"reason":"x","return":false}'
expect_error 409 illegal_transition "a cancelled order is not refunded"
check "the cancellation gave the stock back once" test "$(remaining)" = $((before + 2))

finish
