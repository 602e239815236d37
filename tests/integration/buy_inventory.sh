#!/usr/bin/env bash
# buy_inventory.sh - restock and adjustments through the ledger, rights, and
# remaining = ledger sum for every lot touched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 1280)
ledger_sum() { sql "SELECT COALESCE(SUM(delta), 0) FROM inventory_ledger WHERE lot_id = $1"; }

# ---------------------------------------------------------------- restock
api POST "/api/v1/skus/$SKU/restock" "{\"quantity\":30,\"lot_code\":\"INV-$S\",\"harvest_date\":\"2026-11-18\",\"pack_date\":\"2026-11-19\"}"
expect_status 201 "restock creates a named lot"
LOT=$(jqr .id)
expect_jq '[.code,.quantity,.remaining,.pack_date] | join(" ")' "INV-$S 30 30 2026-11-19" "the new lot"
check "a produced ledger row" test "$(sql "SELECT reason, delta FROM inventory_ledger WHERE lot_id = $LOT" | tr '\t' ' ')" = "produced 30"
api POST "/api/v1/skus/$SKU/restock" "{\"quantity\":5,\"lot_code\":\"INV-$S\",\"note\":\"second picking\"}"
expect_status 201 "restock adds to an existing lot"
expect_jq '[.quantity,.remaining] | join(" ")' "35 35" "quantity and remaining grow"
check "a restock ledger row with the note" test "$(sql "SELECT note FROM inventory_ledger WHERE lot_id = $LOT AND reason = 'restock'")" = "second picking"
api POST "/api/v1/skus/$SKU/restock" '{"quantity":7}'
expect_status 201 "restock without a code creates a lot with a generated code"
GEN=$(jqr .code)
case "$GEN" in "L$SKU-"*) ok ;; *) bad "generated lot code names the SKU" "$GEN" ;; esac
SKU2=$(new_sku "$AY" 990)
api POST "/api/v1/skus/$SKU2/restock" "{\"quantity\":1,\"lot_code\":\"INV-$S\"}"
expect_error 422 validation_failed "a lot of another SKU"
api POST "/api/v1/skus/$SKU/restock" '{"quantity":0}'
expect_error 422 validation_failed "quantity 0"
api POST "/api/v1/skus/$SKU/restock" '{"quantity":1,"pack_date":"19/11/2026"}'
expect_error 422 validation_failed "a malformed date"
refused_naming() { # refused_naming BODY FIELD DESC: 422 whose message names FIELD
    api POST "/api/v1/skus/$SKU/restock" "$1"
    expect_error 422 validation_failed "$3"
    check "the refusal names $2 ($3)" grep -q "$2" <<<"$(jqr .error.message)"
}
refused_naming '{"quantity":1,"harvest_date":"2026-11-20","pack_date":"2026-11-19"}' pack_date "packed before harvested"
refused_naming '{"quantity":1,"harvest_date":"2030-06-01"}' harvest_date "a harvest in the future"
refused_naming '{"quantity":1,"pack_date":"2026-02-30"}' pack_date "a date that does not exist"
refused_naming '{"quantity":1,"lot_code":"bad code"}' lot_code "a lot code with a space"
api POST "/api/v1/skus/$SKU/restock" "{\"quantity\":1,\"lot_code\":\"INV-$S\",\"harvest_date\":\"2026-11-18\"}"
expect_error 422 validation_failed "dates for a lot that exists"
check "nothing written by the refused restocks" test "$(sql "SELECT COUNT(*) FROM lots WHERE sku_id = $SKU")" = 2

# ------------------------------------ a restocked lot is a lot like any other
# One case for lot codes: a made-up code is upper case, a code given in lower
# case is stored upper case, and every route finds a lot by either case.
case "$GEN" in *[a-z]*) bad "a generated lot code is upper case" "$GEN" ;; *) ok ;; esac
api POST "/api/v1/skus/$SKU/restock" "{\"quantity\":4,\"lot_code\":\"inv-low-$S\"}"
expect_status 201 "restock names a lot in lower case"
expect_jq .code "INV-LOW-$S" "stored in upper case"
check "a signed chain head for the generated lot" test "$(sql "SELECT COUNT(*) FROM lot_chain_heads h JOIN lots l ON l.id = h.lot_id WHERE l.code = '$GEN'")" = 1
LOWER=$(tr 'A-Z' 'a-z' <<<"$GEN")
for c in "$GEN" "$LOWER"; do
    api GET "/api/v1/lots/$c"
    expect_status 200 "GET /api/v1/lots/{lot} of a restocked lot ($c)"
    expect_jq .code "$GEN" "the lot by $c"
    api GET "/api/v1/trace/$c"
    expect_status 200 "its trace document ($c)"
    api GET "/api/v1/trace/$c/verify"
    expect_status 200 "its verification ($c)"
    expect_jq .verified true "a restocked lot verifies: its head is signed ($c)"
    api GET "/t/$c"
    expect_status 200 "its trace page ($c)"
    check "the page says intact and signed ($c)" grep -qF "记录完整" <<<"$BODY"
    api GET "/api/v1/lots/$c/qr.png"
    expect_status 200 "its QR code ($c)"
done
api POST "/api/v1/lots/$LOWER/events" '{"kind":"packed","occurred_at":"2026-11-20T08:00:00Z","place":"安源区"}'
expect_status 201 "an event on the lot by its lower-case code"
api GET "/api/v1/trace/$GEN/verify"
expect_status 200 "verify after the event"
expect_jq '[.verified, .events_checked] | map(tostring) | join(" ")' "true 1" "the event sealed into the signed chain"
# a lot nothing signed never shows as verified, even with no events
LOTS_NOHEAD=$(sql "SELECT id FROM lots WHERE code = 'INV-LOW-$S'")
sql "DELETE FROM lot_chain_heads WHERE lot_id = $LOTS_NOHEAD"
api GET "/api/v1/trace/INV-LOW-$S/verify"
expect_status 200 "verify a lot with no signed head"
expect_jq .verified false "a lot without a signed head is not verified"
api GET "/t/INV-LOW-$S"
expect_status 200 "the page of a lot without a signed head"
check "the page does not say intact and signed" test "$(grep -cF "记录完整" <<<"$BODY")" = 0
api POST /api/v1/skus/999999999/restock '{"quantity":1}'
expect_error 404 not_found "an unknown SKU"
as "$AY_FARMER"
api POST "/api/v1/skus/$SKU/restock" '{"quantity":1}'
expect_error 403 forbidden "a farmer cannot restock"
as "$QBJ_ADMIN"
api POST "/api/v1/skus/$SKU/restock" '{"quantity":1}'
expect_error 403 forbidden "another cooperative's admin cannot restock"
as "$BUYER"
api POST "/api/v1/skus/$SKU/adjustments" '{"lot_code":"x","delta":1,"reason":"x"}'
expect_error 403 forbidden "a buyer cannot adjust"

# ---------------------------------------------------------------- adjustments
as "$AY_ADMIN"
api POST "/api/v1/skus/$SKU/adjustments" "{\"lot_code\":\"INV-$S\",\"delta\":-3,\"reason\":\"破损 3 盒\"}"
expect_status 201 "a negative adjustment"
expect_jq .remaining 32 "remaining down by 3"
api POST "/api/v1/skus/$SKU/adjustments" "{\"lot_id\":$LOT,\"delta\":2,\"reason\":\"盘点多出\"}"
expect_status 201 "a positive adjustment"
expect_jq .remaining 34 "a positive adjustment by lot id"
expect_jq .quantity 37 "units found make the lot bigger (35 in, 2 found); units lost leave its size"
check "remaining never above the lot's size" test "$(sql "SELECT COUNT(*) FROM lots WHERE sku_id = $SKU AND remaining > quantity")" = 0
api POST "/api/v1/skus/$SKU/adjustments" "{\"lot_id\":$LOT,\"delta\":-35,\"reason\":\"too many\"}"
expect_error 422 below_zero "an adjustment below zero"
check "nothing written by the refused adjustment" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT")" = 34
api POST "/api/v1/skus/$SKU/adjustments" "{\"lot_id\":$LOT,\"delta\":-34,\"reason\":\"all sold at the market\"}"
expect_status 201 "an adjustment down to zero"
expect_jq .remaining 0 "down to exactly zero is allowed"
api POST "/api/v1/skus/$SKU/adjustments" "{\"lot_id\":$LOT,\"delta\":-1}"
expect_error 422 validation_failed "an adjustment needs a reason"
api POST "/api/v1/skus/$SKU/adjustments" "{\"lot_id\":$LOT,\"delta\":0,\"reason\":\"x\"}"
expect_error 422 validation_failed "delta 0"
api POST "/api/v1/skus/$SKU/adjustments" '{"delta":1,"reason":"x"}'
expect_error 422 validation_failed "no lot named"
api POST "/api/v1/skus/$SKU2/adjustments" "{\"lot_id\":$LOT,\"delta\":1,\"reason\":\"x\"}"
expect_error 404 not_found "a lot of another SKU"
check "adjustment ledger rows carry their reason" test "$(sql "SELECT COUNT(*) FROM inventory_ledger WHERE lot_id = $LOT AND reason = 'adjustment' AND note IS NOT NULL")" = 3
check "remaining = ledger sum" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT")" = "$(ledger_sum "$LOT")"

# ---------------------------------------------------------------- the stock view
api GET "/api/v1/skus/$SKU/stock"
expect_status 200 "the stock view"
expect_jq .available 11 "available = sum over lots"
expect_jq '.lots | length' 3 "the three lots"
expect_jq '.ledger[0].reason' adjustment "latest ledger row first"
as "$AY_FARMER"
api GET "/api/v1/skus/$SKU/stock"
expect_status 200 "a farmer of the cooperative reads stock"
as "$QBJ_ADMIN"
api GET "/api/v1/skus/$SKU/stock"
expect_error 403 forbidden "another cooperative cannot read it"

# ------------------------------- an order line takes as many lots as it needs
# Co-ops that pack small daily lots: 40 one-unit lots, one line of 40 takes
# them all, oldest first (one order line per lot).
as "$AY_ADMIN"
SMALL=$(new_sku "$AY" 100)
for i in $(seq 1 40); do
    restock "$SMALL" 1 "SMALL-$S-$i" "$(date -u -d "-$((41 - i)) days" +%F)" >/dev/null
done
check "forty one-unit lots" test "$(sql "SELECT COUNT(*) FROM lots WHERE sku_id = $SMALL AND remaining = 1")" = 40
SMALL_PID=$(sql "SELECT product_id FROM skus WHERE id = $SMALL")
api GET "/api/v1/products/$SMALL_PID"
expect_status 200 "the product in the catalogue"
expect_jq ".skus[] | select(.id == $SMALL) | .availability" in_stock "the catalogue says in stock"
expect_jq "[.skus[] | select(.id == $SMALL) | has(\"units\")] | .[0]" false "a level, not a count"
as "$(new_buyer)"
cart_put "$SMALL" 40
expect_status 200 "40 in the cart"
checkout "small40-$S" cod
expect_status 201 "a line of 40 over forty one-unit lots is bought (17 was refused once)"
expect_jq '.orders[0].lines | length' 40 "one order line per lot"
expect_jq '.orders[0].lines | map(.quantity) | add' 40 "40 units"
expect_jq '.orders[0].lines | map(.lot_code) | .[0]' "SMALL-$S-1" "the oldest lot first"
expect_jq '.orders[0].lines | map(.lot_code) | .[39]' "SMALL-$S-40" "the newest lot last"
api GET "/api/v1/products/$SMALL_PID"
expect_status 200 "the product after its stock sold out"
expect_jq ".skus[] | select(.id == $SMALL) | .availability" out_of_stock "the catalogue says out of stock at once"
check "every small lot is empty" test "$(sql "SELECT SUM(remaining) FROM lots WHERE sku_id = $SMALL")" = 0
check "ledger sums match for every small lot" test "$(sql "SELECT COUNT(*) FROM lots l WHERE l.sku_id = $SMALL AND l.remaining <> (SELECT SUM(delta) FROM inventory_ledger g WHERE g.lot_id = l.id)")" = 0

finish
