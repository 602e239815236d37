#!/usr/bin/env bash
# rights.sh - one cooperative can never touch another's data.
#
# For every write route of coops.c and products.c, against the demo Anyuan
# cooperative's own data:
#   the Qingbaijiang admin   -> 403 (an admin, but of another cooperative)
#   an Anyuan farmer         -> 403 (a member, but not an admin)
#   anonymous                -> 401
# then the Anyuan admin succeeds on the same request (so the refusals are
# about rights, not a broken request) and the data is checked unchanged
# after the refused attempts. Cross-references from one's own cooperative to
# the other's (a base, a SKU) are refused as 404/422.
. "$(dirname "$0")/lib.sh"

S=$(uniq_suffix)
as() { TOKEN=$1; }
me() { # me TOKEN JQ -> a field of GET /api/v1/me
    local saved=$TOKEN
    TOKEN=$1
    api GET /api/v1/me
    TOKEN=$saved
    jqr "$2"
}
gtin() {
    local d="$1$S" s=0 i
    for ((i = 0; i < 13; i++)); do
        if ((i % 2 == 0)); then s=$((s + ${d:i:1} * 3)); else s=$((s + ${d:i:1})); fi
    done
    printf '%s%d' "$d" $(((10 - s % 10) % 10))
}

AY_ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
AY_FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
QBJ_ADMIN=$(login admin@qingbaijiang.example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$AY_ADMIN" -a -n "$AY_FARMER" -a -n "$QBJ_ADMIN"
AY=$(me "$AY_ADMIN" '.memberships[0].coop_id')
QBJ=$(me "$QBJ_ADMIN" '.memberships[0].coop_id')
FARMER_ID=$(me "$AY_FARMER" '.account.id')
check "the farmer is a farmer of Anyuan" test "$(me "$AY_FARMER" "[.memberships[] | select(.coop_id == $AY) | .role][0]")" = farmer
check "the two admins run different cooperatives" test -n "$AY" -a -n "$QBJ" -a "$AY" != "$QBJ"

as ""
api GET "/api/v1/coops/$AY/bases"
AY_BASE=$(jqr '[.items[] | select(.name | contains("大城"))][0].id')
AY_BASE_NAME=$(jqr "[.items[] | select(.id == $AY_BASE) | .name][0]")
api GET "/api/v1/coops/$QBJ/bases"
QBJ_BASE=$(jqr '.items[0].id')
api GET "/api/v1/coops/$AY"
expect_status 200 "read the Anyuan cooperative"
AY_DESC=$(jqr .description)
check "demo bases found" test -n "$AY_BASE" -a "$AY_BASE" != null -a -n "$QBJ_BASE" -a "$QBJ_BASE" != null \
    -a -n "$AY_BASE_NAME" -a "$AY_BASE_NAME" != null

# An Anyuan product and SKU of this run, and one of Qingbaijiang.
product_body() { # product_body COOP BASE NAME GTIN-DIGIT
    jq -nc --argjson c "$1" --argjson b "$2" --arg n "$3" --arg g "$(gtin "$4")" \
        '{coop_id:$c, base_id:$b, name_zh:$n, category:"eggs", status:"listed",
          skus:[{spec:"30枚", unit:"盒", price_fen:3990, weight_g:1800, gtin:$g}]}'
}
as "$AY_ADMIN"
api POST /api/v1/products "$(product_body "$AY" "$AY_BASE" "权限测试蛋 $S" 1)"
expect_status 201 "the Anyuan admin creates a product"
AY_P=$(jqr .id)
AY_SKU=$(jqr '.skus[0].id')
as "$QBJ_ADMIN"
api POST /api/v1/products "$(product_body "$QBJ" "$QBJ_BASE" "权限测试茶 $S" 2)"
expect_status 201 "the Qingbaijiang admin creates a product"
QBJ_P=$(jqr .id)
QBJ_SKU=$(jqr '.skus[0].id')

# route table: METHOD PATH BODY (BODY "-" for none); each a valid request
ROUTES=(
    "PATCH /api/v1/coops/$AY {\"description\":\"hijacked $S\"}"
    "POST /api/v1/coops/$AY/members {\"login\":\"buyer@example.com\",\"role\":\"farmer\"}"
    "PATCH /api/v1/coops/$AY/members/$FARMER_ID {\"role\":\"coop_admin\"}"
    "DELETE /api/v1/coops/$AY/members/$FARMER_ID -"
    "POST /api/v1/coops/$AY/bases {\"name\":\"hijack\",\"location\":\"x\",\"area_mu\":1}"
    "PATCH /api/v1/coops/$AY/bases/$AY_BASE {\"name\":\"hijacked\"}"
    "POST /api/v1/products $(product_body "$AY" "$AY_BASE" "hijack $S" 3)"
    "PATCH /api/v1/products/$AY_P {\"name_zh\":\"hijacked\"}"
    "POST /api/v1/products/$AY_P/delist -"
    "POST /api/v1/products/$AY_P/skus {\"spec\":\"x\",\"unit\":\"x\",\"price_fen\":1,\"weight_g\":1}"
    "PATCH /api/v1/products/$AY_P/skus/$AY_SKU {\"price_fen\":1}"
)

send() { # send "METHOD PATH BODY"
    local method=${1%% *} rest=${1#* }
    local path=${rest%% *} body=${rest#* }
    [ "$body" = - ] && body=
    api "$method" "$path" "$body"
}

for route in "${ROUTES[@]}"; do
    name=${route%% \{*}
    name=${name% -}
    as "$QBJ_ADMIN"
    send "$route"
    expect_error 403 forbidden "$name as the admin of another cooperative"
    as "$AY_FARMER"
    send "$route"
    expect_error 403 forbidden "$name as a farmer of the cooperative"
    as ""
    send "$route"
    expect_error 401 unauthorized "$name anonymously"
done

# Nothing changed.
as "$AY_ADMIN"
api GET "/api/v1/coops/$AY"
expect_status 200 "read the Anyuan cooperative after the refusals"
expect_jq '.description' "$AY_DESC" "the Anyuan description is unchanged"
expect_jq "[.bases[] | select(.id == $AY_BASE) | .name][0]" "$AY_BASE_NAME" "the Dacheng base is unchanged"
expect_jq '[.bases[].name] | index("hijack")' null "no base was added"
api GET "/api/v1/coops/$AY/members"
expect_status 200 "the Anyuan admin lists the members"
expect_jq "[.items[] | select(.account_id == $FARMER_ID) | .role][0]" farmer "the farmer is still a farmer"
expect_jq '[.items[].display_name] | any(contains("买家"))' false "the buyer was not added"
api GET "/api/v1/products/$AY_P"
expect_status 200 "read the product after the refusals"
expect_jq '.name.zh' "权限测试蛋 $S" "the product name is unchanged"
expect_jq '.status' listed "the product is still listed"
expect_jq '.skus | length' 1 "no SKU was added"
expect_jq '.skus[0].price_fen' 3990 "the SKU price is unchanged"
api GET "/api/v1/products?q=hijack%20$S"
expect_status 200 "search for a product the refusals would have made"
expect_jq '.items | length' 0 "no product was created"

# The Anyuan admin may do each (harmless variants) - the refusals were rights.
api PATCH "/api/v1/coops/$AY" "$(jq -nc --arg d "$AY_DESC" '{description:$d}')"
expect_status 200 "the Anyuan admin updates the cooperative"
api PATCH "/api/v1/coops/$AY/bases/$AY_BASE" "$(jq -nc --arg n "$AY_BASE_NAME" '{name:$n}')"
expect_status 200 "the Anyuan admin updates the base"
api PATCH "/api/v1/coops/$AY/members/$FARMER_ID" '{"role":"farmer"}'
expect_status 200 "the Anyuan admin updates a member"
api PATCH "/api/v1/products/$AY_P" '{"description":"ok"}'
expect_status 200 "the Anyuan admin updates the product"
api PATCH "/api/v1/products/$AY_P/skus/$AY_SKU" '{"price_fen":3990}'
expect_status 200 "the Anyuan admin updates the SKU"
api POST "/api/v1/products/$AY_P/delist"
expect_status 200 "the Anyuan admin delists the product"

# Reaching into the other cooperative from one's own.
as "$QBJ_ADMIN"
api PATCH "/api/v1/coops/$QBJ/bases/$AY_BASE" '{"name":"hijacked"}'
expect_error 404 not_found "another cooperative's base through one's own path"
api PATCH "/api/v1/products/$QBJ_P/skus/$AY_SKU" '{"price_fen":1}'
expect_error 404 not_found "another cooperative's SKU through one's own product"
api POST /api/v1/products "$(product_body "$QBJ" "$AY_BASE" "hijack base $S" 4)"
expect_error 422 validation_failed "a product of one's own on another cooperative's base"
api PATCH "/api/v1/products/$QBJ_P" "{\"base_id\":$AY_BASE}"
expect_error 422 validation_failed "moving one's product onto another cooperative's base"
api PATCH "/api/v1/products/$QBJ_P" "{\"coop_id\":$AY}"
expect_error 422 validation_failed "moving one's product to another cooperative"
api DELETE "/api/v1/coops/$QBJ/members/$FARMER_ID"
expect_error 404 not_found "removing another cooperative's member through one's own"
api GET "/api/v1/coops/$AY/members"
expect_error 403 forbidden "listing another cooperative's members"

# Creating cooperatives is for platform admins only.
for who in "$AY_ADMIN" "$AY_FARMER"; do
    as "$who"
    api POST /api/v1/coops '{"name":"x"}'
    expect_error 403 forbidden "creating a cooperative without being a platform admin"
done
as ""
api POST /api/v1/coops '{"name":"x"}'
expect_error 401 unauthorized "creating a cooperative anonymously"

# Drafts of another cooperative stay invisible.
as "$QBJ_ADMIN"
api PATCH "/api/v1/products/$QBJ_P" '{"status":"delisted"}'
as "$AY_ADMIN"
api GET "/api/v1/products/$QBJ_P"
expect_error 404 not_found "another cooperative's delisted product is hidden"

finish
