#!/usr/bin/env bash
# buy_payments.sh - POST /api/v1/payments/notify: signatures, the 5-minute
# window, repeats, refusals (logged in payment_notices), and bin/pay-notify.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"
: "${FARMLIVE_PAYMENT_SECRET:?FARMLIVE_PAYMENT_SECRET must be set}"
PAY="$BIN_DIR/pay-notify"

buy_logins
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 1990)
restock "$SKU" 20 >/dev/null
B=$(new_buyer)
as "$B"
order() { # order METHOD QTY -> order id
    cart_put "$SKU" "$2" >/dev/null
    checkout "pay-$(uniq_suffix)" "$1"
    jqr '.orders[0].id'
}
O1=$(order online 2)
O2=$(order online 1)
OC=$(order cod 1)
check "orders to pay" test -n "$O1" -a "$O1" != null -a "$OC" != null

# notify BODY [TS] [SECRET] -> signed POST
notify() {
    local ts=${2:-$(date +%s)} secret=${3:-$FARMLIVE_PAYMENT_SECRET} sig
    sig=$(printf '%s.%s' "$ts" "$1" | openssl dgst -sha256 -hmac "$secret" -r | cut -c1-64)
    as ""
    api POST /api/v1/payments/notify "$1" -H "X-Timestamp: $ts" -H "X-Signature: $sig"
}
nbody() { jq -nc --argjson o "$1" --argjson a "$2" --arg t "$3" '{order_id:$o, amount_fen:$a, transaction_id:$t, status:"paid"}'; }

# ---------------------------------------------------------------- signatures
notify "$(nbody "$O1" 3980 "t1-$S")" "" "wrong-secret"
expect_error 401 bad_signature "a bad signature"
notify "$(nbody "$O1" 3980 "t1-$S")" $(($(date +%s) - 301))
expect_error 401 bad_signature "a timestamp older than 5 minutes"
# (+330, not +301: the shop reads its clock later than this line, maybe in
# the next second, which would bring +301 back inside the window)
notify "$(nbody "$O1" 3980 "t1-$S")" $(($(date +%s) + 330))
expect_error 401 bad_signature "a timestamp more than 5 minutes ahead"
ts=$(date +%s)
sig=$(printf '%s.%s' "$ts" "$(nbody "$O1" 3980 "t1-$S")" | openssl dgst -sha256 -hmac "$FARMLIVE_PAYMENT_SECRET" -r | cut -c1-64)
api POST /api/v1/payments/notify "$(nbody "$O1" 1 "t1-$S")" -H "X-Timestamp: $ts" -H "X-Signature: $sig"
expect_error 401 bad_signature "a body changed after signing"
api POST /api/v1/payments/notify "$(nbody "$O1" 3980 "t1-$S")" -H "X-Signature: $sig"
expect_error 401 bad_signature "no timestamp"
check "unsigned notices change nothing" test "$(sql "SELECT status FROM orders WHERE id = $O1")" = pending_payment

# ---------------------------------------------------------------- notices
notify "$(nbody "$O1" 3980 "t1-$S")"
expect_status 200 "a good notice"
expect_jq .result paid "marks the order paid"
check "the order is paid" test "$(sql "SELECT status, payment_txn FROM orders WHERE id = $O1" | tr '\t' ' ')" = "paid t1-$S"
notify "$(nbody "$O1" 3980 "t1-$S")"
expect_status 200 "the same notice again"
expect_jq .result duplicate "a repeat is a duplicate"
check "a repeat changes nothing" test "$(sql "SELECT COUNT(*) FROM orders WHERE id = $O1 AND status = 'paid' AND payment_txn = 't1-$S'")" = 1
notify "$(nbody "$O1" 3980 "t9-$S")"
expect_error 409 not_payable "a second payment of a paid order is refused"
notify "$(nbody "$O2" 1000 "t2-$S")"
expect_error 422 amount_mismatch "a wrong amount"
check "a wrong amount leaves the order unpaid" test "$(sql "SELECT status FROM orders WHERE id = $O2")" = pending_payment
notify "$(nbody 999999999 100 "t3-$S")"
expect_error 404 unknown_order "an unknown order"
notify "$(nbody "$OC" 1990 "t4-$S")"
expect_error 409 not_payable "a cash-on-delivery order"
notify '{"order_id":1}'
expect_error 422 validation_failed "a notice without amount and transaction"
check "refusals are logged" test "$(sql "SELECT COUNT(*) FROM payment_notices WHERE txn_id IN ('t9-$S','t2-$S','t3-$S','t4-$S') AND outcome = 'refused'")" = 4
check "the applied notice is recorded" test "$(sql "SELECT GROUP_CONCAT(outcome ORDER BY id) FROM payment_notices WHERE txn_id = 't1-$S'")" = "paid,duplicate"

# ---------------------------------------------------------------- a failed payment
# The provider says the payment failed: the order awaiting it is cancelled,
# recorded as cancelled by a payment failure with the provider's reason.
as "$B"
O3=$(order online 2)
before=$(sql "SELECT SUM(remaining) FROM lots WHERE sku_id = $SKU")
fbody() { jq -nc --argjson o "$1" --arg t "$2" '{order_id:$o, amount_fen:3980, transaction_id:$t, status:"failed", reason:"余额不足"}'; }
notify "$(fbody "$O3" "tf-$S" | jq -c '.status = "lost"')"
expect_error 422 validation_failed "a status other than paid or failed"
notify "$(fbody "$O3" "tf-$S")"
expect_status 200 "a failed payment's notice"
expect_jq '[.result, .status] | join(" ")' "cancelled cancelled" "cancels the order awaiting it"
as "$B"
api GET "/api/v1/orders/$O3"
expect_status 200 "the order after its payment failed"
expect_jq '[.status, .cancelled_by, .cancel_reason] | join(" ")' "cancelled payment_failure 余额不足" \
    "cancelled by a payment failure, with the provider's reason"
check "its stock is back" test "$(sql "SELECT SUM(remaining) FROM lots WHERE sku_id = $SKU")" = $((before + 2))
notify "$(fbody "$O3" "tf-$S")"
expect_status 200 "the failure's notice again"
expect_jq .result duplicate "a repeated failure is a duplicate"
notify "$(fbody "$O1" "tf2-$S")"
expect_error 409 not_payable "a failure for a paid order changes nothing"
check "the paid order stays paid" test "$(sql "SELECT status FROM orders WHERE id = $O1")" = paid
check "the failure notices are recorded" test "$(sql "SELECT GROUP_CONCAT(outcome ORDER BY id) FROM payment_notices WHERE txn_id = 'tf-$S'")" = "failed,duplicate"

# ---------------------------------------------------------------- the tool
out=$("$PAY" --url "$SHOP_URL" "$O2" 1990 "tool-$S")
check "pay-notify pays an order (exit 0)" test $? -eq 0
case "$out" in *'"result":"paid"'*) ok ;; *) bad "pay-notify prints the answer" "$out" ;; esac
check "paid through the tool" test "$(sql "SELECT status FROM orders WHERE id = $O2")" = paid
"$PAY" --url "$SHOP_URL" --secret nope "$O2" 1990 >/dev/null
check "pay-notify exits 1 on a refusal" test $? -eq 1
cmd=$("$PAY" --print --url "$SHOP_URL" "$O2" 1990 "tool-$S")
case "$cmd" in "curl "*X-Signature*) ok ;; *) bad "pay-notify --print prints a curl command" "$cmd" ;; esac
res=$(eval "$cmd")
case "$res" in *'"result":"duplicate"'*) ok ;; *) bad "the printed command works (a duplicate now)" "$res" ;; esac
"$PAY" >/dev/null 2>&1
check "pay-notify without arguments is a usage error (2)" test $? -eq 2

finish
