#!/usr/bin/env bash
# trace_lots.sh - lots (src/shop/domain/lots.c, api/lots.c): create with the
# first ledger row, list per cooperative a page at a time, get by code; every
# 422 and the rights.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

CODE="T-$S-01"
# ---------------------------------------------------------------- create
new_lot "$CODE"
expect_status 201 "farmer creates a lot"
expect_schema TraceLot "the new lot"
expect_jq '.code' "$CODE" "lot code"
expect_jq '.quantity' 120 "quantity"
expect_jq '.remaining' 120 "remaining = quantity"
expect_jq '.unit' '盒' "unit defaults to the SKU's"
expect_jq '.sku.id' "$EGG_SKU" "sku"
expect_jq '.sku.gtin' "$EGG_GTIN" "gtin"
expect_jq '.base.id' "$AY_BASE" "base"
expect_jq '.harvest_date + " " + .pack_date' '2026-11-01 2026-11-02' "dates"
expect_jq '.qr_url | endswith("/01/'"$EGG_GTIN"'/10/'"$CODE"'")' true "QR URL is a GS1 Digital Link"
expect_jq '.links.page' "/t/$CODE" "page link"
LOT_ID=$(jqr '.id')
check "one 'produced' ledger row of +120" test "$(sql "SELECT COUNT(*), SUM(delta) FROM inventory_ledger WHERE lot_id = $LOT_ID AND reason = 'produced'")" = "1	120"
check "remaining stored = quantity" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT_ID")" = 120
check "an empty signed chain head" test "$(sql "SELECT event_count, head_hash FROM lot_chain_heads WHERE lot_id = $LOT_ID")" = "0	0000000000000000000000000000000000000000000000000000000000000000"

as "$AY_ADMIN"
api POST "/api/v1/coops/$AY/lots" "$(jq -nc --arg c "T-$S-02" --argjson s "$NOGTIN_SKU" --argjson f "$AY_FARMER_ID" \
    '{code:$c,sku_id:$s,quantity:5,unit:"kg",farmer_account_id:$f}')"
expect_status 201 "admin creates a lot with a farmer and own unit"
expect_schema TraceLot "a lot with a farmer and no GTIN"
expect_jq '.unit' kg "given unit"
expect_jq '.farmer.account_id' "$AY_FARMER_ID" "responsible farmer"
expect_jq '.qr_url | endswith("/t/T-'"$S"'-02")' true "no GTIN: QR URL is the trace page"
api POST "/api/v1/coops/$AY/lots" "$(jq -nc --arg c "T-$S-11" --argjson s "$EGG_SKU" '{code:$c,sku_id:$s,quantity:1}')" \
    -H "X-Ignored: 1"
expect_status 201 "minimal lot"

new_lot "$CODE"
expect_error 409 conflict "duplicate lot code"

# ------------------------------------------------------------ the 422s
as "$AY_FARMER"
bad_lot() { # DESC JSON
    api POST "/api/v1/coops/$AY/lots" "$2"
    expect_error 422 validation_failed "$1"
}
bad_lot "missing code" "{\"sku_id\":$EGG_SKU,\"quantity\":1}"
# one case for lot codes: a code given in lower case is stored upper case
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"t-$S-x\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
expect_status 201 "a lower-case code"
expect_jq .code "T-$S-X" "stored upper case, the one case of lot codes"
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"T-$S-X\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
expect_error 409 conflict "the same code in the other case is taken"
as "$AY_FARMER"
bad_lot "code with a slash" "{\"code\":\"T/$S\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
bad_lot "code too short" "{\"code\":\"AB\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
bad_lot "missing sku" "{\"code\":\"T-$S-03\",\"quantity\":1}"
bad_lot "unknown sku" "{\"code\":\"T-$S-03\",\"sku_id\":999999999,\"quantity\":1}"
bad_lot "another cooperative's sku" "{\"code\":\"T-$S-03\",\"sku_id\":$QBJ_SKU,\"quantity\":1}"
bad_lot "another cooperative's base" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"base_id\":$QBJ_BASE}"
bad_lot "a farmer who is not a member" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"farmer_account_id\":$(sql "SELECT id FROM accounts WHERE email='buyer@example.com'")}"
bad_lot "zero quantity" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":0}"
bad_lot "text quantity" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":\"5\"}"
bad_lot "impossible harvest date" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"harvest_date\":\"2026-02-30\"}"
bad_lot "malformed pack date" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"pack_date\":\"20.11.2026\"}"
bad_lot "pack before harvest" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"harvest_date\":\"2026-11-10\",\"pack_date\":\"2026-11-09\"}"
bad_lot "harvest in the future" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"harvest_date\":\"2099-01-01\"}"
check "no lot was written by the refused requests" test "$(sql "SELECT COUNT(*) FROM lots WHERE code = 'T-$S-03'")" = 0
# "today" is the farmer's, China's (UTC+8): between 16:00 and 24:00 UTC it is UTC's tomorrow
CN_TODAY=$(date -u -d "+8 hours" +%F)
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"T-$S-CN\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"harvest_date\":\"$CN_TODAY\",\"pack_date\":\"$CN_TODAY\"}"
expect_status 201 "a harvest and packing dated China's today ($CN_TODAY)"
CN_TOMORROW=$(date -u -d "+32 hours" +%F)
bad_lot "a harvest dated China's tomorrow ($CN_TOMORROW)" "{\"code\":\"T-$S-03\",\"sku_id\":$EGG_SKU,\"quantity\":1,\"harvest_date\":\"$CN_TOMORROW\"}"

# ---------------------------------------------------------------- rights
as ""
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"T-$S-04\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
expect_error 401 unauthorized "anonymous cannot create a lot"
as "$QBJ_ADMIN"
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"T-$S-04\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
expect_error 403 forbidden "another cooperative's admin cannot create a lot"
as "$QBJ_FARMER"
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"T-$S-04\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
expect_error 403 forbidden "another cooperative's farmer cannot create a lot"
as "$BUYER"
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"T-$S-04\",\"sku_id\":$EGG_SKU,\"quantity\":1}"
expect_error 403 forbidden "a buyer cannot create a lot"
as "$OPS"
api POST "/api/v1/coops/$AY/lots" "{\"code\":\"T-$S-05\",\"sku_id\":$EGG_SKU,\"quantity\":2}"
expect_status 201 "a platform admin may create a lot"
api POST /api/v1/coops/999999999/lots "{\"code\":\"T-$S-06\",\"sku_id\":$EGG_SKU,\"quantity\":2}"
expect_error 404 not_found "unknown cooperative"

# ------------------------------------------------------------ list, get
as "$AY_FARMER"
api GET "/api/v1/coops/$AY/lots?limit=2"
expect_status 200 "list the cooperative's lots"
expect_schema TraceLotList "a page of lots"
expect_jq '.items | length' 2 "limit 2"
expect_jq '.next_cursor | type' string "a next page, as an opaque string"
NEXT=$(jqr '.next_cursor')
LAST_SHOWN=$(jqr '.items[-1].id')
api GET "/api/v1/coops/$AY/lots?limit=100&cursor=$NEXT"
expect_status 200 "the next page"
expect_schema TraceLotList "the next page of lots"
expect_jq '[.items[].id] | all(. < '"$LAST_SHOWN"')' true "next page is older"
expect_jq '.items | length > 0' true "the next page has lots"
api GET "/api/v1/coops/$AY/lots?limit=100&cursor="
expect_status 200 "an empty cursor is the first page"
expect_jq '.items[0].id > '"$LAST_SHOWN" true "the first page starts with the newest"
# every page, to the end: each lot once, newest first, a null cursor last
ALL=$(sql "SELECT COUNT(*) FROM lots WHERE coop_id = $AY")
SEEN=""
CUR=""
for _ in $(seq 1 200); do
    api GET "/api/v1/coops/$AY/lots?limit=7${CUR:+&cursor=$CUR}"
    [ "$STATUS" = 200 ] || break
    SEEN="$SEEN $(jqr '[.items[].id] | map(tostring) | join(" ")')"
    CUR=$(jqr '.next_cursor // empty')
    [ -n "$CUR" ] || break
done
expect_status 200 "paging through every lot"
check "paging shows every lot once ($ALL)" test "$(printf '%s\n' $SEEN | sort -u | wc -l)" = "$ALL" -a "$(printf '%s\n' $SEEN | wc -l)" = "$ALL"
check "paging is newest first" test "$(printf '%s\n' $SEEN)" = "$(printf '%s\n' $SEEN | sort -rn)"
check "the last page has a null next_cursor" test -z "$CUR"
api GET "/api/v1/coops/$AY/lots?sku_id=$EGG_SKU&limit=100"
expect_status 200 "filter by SKU"
expect_jq "[.items[].sku.id] | all(. == $EGG_SKU)" true "filter by SKU"
expect_jq "[.items[].code] | index(\"$CODE\") != null" true "the new lot is listed"
api GET "/api/v1/coops/$AY/lots?limit=0"
expect_error 400 bad_request "limit 0"
api GET "/api/v1/coops/$AY/lots?limit=101"
expect_error 400 bad_request "limit 101"
api GET "/api/v1/coops/$AY/lots?cursor=not-a-cursor"
expect_error 400 bad_request "a malformed cursor"
api GET "/api/v1/coops/$AY/lots?sku_id=x"
expect_error 400 bad_request "a malformed sku_id"
as "$QBJ_FARMER"
api GET "/api/v1/coops/$AY/lots"
expect_error 403 forbidden "another cooperative cannot list the lots"
as ""
api GET "/api/v1/coops/$AY/lots"
expect_error 401 unauthorized "anonymous cannot list the lots"

api GET "/api/v1/lots/$CODE"
expect_status 200 "anyone reads a lot by code"
expect_schema TraceLot "a lot read by code"
expect_jq '.id' "$LOT_ID" "same lot"
api GET "/api/v1/lots/$DEMO_LOT"
expect_status 200 "the demo lot"
expect_jq '.product.name_zh' '绿壳乌鸡蛋' "demo lot is green-shell eggs"
expect_jq '.quantity' 300 "demo lot quantity"
api GET "/api/v1/lots/NO-SUCH-$S"
expect_error 404 not_found "unknown lot code"
api GET "/api/v1/lots/bad%20code"
expect_error 404 not_found "invalid lot code"

finish
