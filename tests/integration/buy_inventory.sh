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
api POST "/api/v1/skus/$SKU/restock" '{"quantity":1,"harvest_date":"2026-11-20","pack_date":"2026-11-19"}'
expect_error 422 value_out_of_range "packed before harvested"
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
expect_jq .available 7 "available = sum over lots"
expect_jq '.lots | length' 2 "both lots"
expect_jq '.ledger[0].reason' adjustment "latest ledger row first"
as "$AY_FARMER"
api GET "/api/v1/skus/$SKU/stock"
expect_status 200 "a farmer of the cooperative reads stock"
as "$QBJ_ADMIN"
api GET "/api/v1/skus/$SKU/stock"
expect_error 403 forbidden "another cooperative cannot read it"

finish
