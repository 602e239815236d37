#!/usr/bin/env bash
# products.sh - the catalogue: products, images, SKUs, the list and its cache
# (src/shop/products.c, src/shop/catalogue.c).
#
# Works as the demo Anyuan admin on products it creates with unique names and
# GTINs, so it can run repeatedly against the same database.
. "$(dirname "$0")/lib.sh"

S=$(uniq_suffix)
as() { TOKEN=$1; }
membership_coop() {
    local saved=$TOKEN
    TOKEN=$1
    api GET /api/v1/me
    TOKEN=$saved
    jqr '.memberships[0].coop_id'
}
# gtin N -> a GTIN-14 unique to this run (N: one digit) with its check digit
gtin() {
    local d="$1$S" s=0 i
    for ((i = 0; i < 13; i++)); do
        if ((i % 2 == 0)); then s=$((s + ${d:i:1} * 3)); else s=$((s + ${d:i:1})); fi
    done
    printf '%s%d' "$d" $(((10 - s % 10) % 10))
}
# urlq TEXT -> TEXT percent-encoded for a query string
urlq() { jq -rn --arg v "$1" '$v|@uri'; }
# msg_names FIELD DESC -> the last error message names FIELD
msg_names() {
    case "$(jqr .error.message)" in *"$1"*) ok ;; *) bad "$2: message should name $1" "$(jqr .error.message)" ;; esac
}

AY_ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
AY_FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
QBJ_ADMIN=$(login admin@qingbaijiang.example.com "$DEMO_PASSWORD")
BUYER=$(login buyer@example.com "$DEMO_PASSWORD")
OPS=$(login ops@example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$AY_ADMIN" -a -n "$AY_FARMER" -a -n "$QBJ_ADMIN" -a -n "$BUYER" -a -n "$OPS"
AY=$(membership_coop "$AY_ADMIN")
QBJ=$(membership_coop "$QBJ_ADMIN")
as ""
api GET "/api/v1/coops/$AY/bases"
AY_BASE=$(jqr '[.items[] | select(.name | contains("大城"))][0].id')
api GET "/api/v1/coops/$QBJ/bases"
QBJ_BASE=$(jqr '.items[0].id')
check "demo cooperatives and bases found" test -n "$AY_BASE" -a "$AY_BASE" != null -a -n "$QBJ_BASE" -a "$QBJ_BASE" != null

G1=$(gtin 1) G2=$(gtin 2) G3=$(gtin 3) G4=$(gtin 4) G5=$(gtin 5)
NAME="测试绿壳蛋 $S"
product_body() { # product_body JQ-UPDATE -> a valid create body with the update applied
    jq -nc --argjson coop "$AY" --argjson base "$AY_BASE" --arg name "$NAME" --arg s "$S" \
        --arg g1 "$G1" --arg g2 "$G2" \
        '{coop_id:$coop, name_zh:$name, name_en:("Test eggs 100% " + $s), category:"eggs",
          description:("散养绿壳乌鸡蛋 test_" + $s), base_id:$base, status:"listed",
          images:[{url:"https://img.example.com/eggs.jpg", alt:"一盒鸡蛋"}, {url:"/assets/eggs.svg"}],
          skus:[{spec:"30枚", unit:"盒", price_fen:3990, weight_g:1800, gtin:$g1},
                {spec:"60枚", unit:"盒", price_fen:7580, weight_g:3500, gtin:$g2}]}' | jq -c "$1"
}

# ---------------------------------------------------------------- create
as "$AY_ADMIN"
api POST /api/v1/products "$(product_body .)"
expect_status 201 "create a listed product with images and SKUs"
P=$(jqr .id)
expect_jq '.coop.id' "$AY" "coop id"
expect_jq '.coop.name | contains("安源")' true "coop name"
expect_jq '.name.zh' "$NAME" "name zh"
expect_jq '.name.en' "Test eggs 100% $S" "name en"
expect_jq '.category' eggs "category"
expect_jq '.status' listed "status"
expect_jq '.base.id' "$AY_BASE" "base id"
expect_jq '.base.name | contains("大城")' true "base name"
expect_jq '.images | length' 2 "two images"
expect_jq '.images[0].alt' 一盒鸡蛋 "image alt"
expect_jq '.images[1].url' /assets/eggs.svg "image order and site path"
expect_jq '.images[1].alt' null "missing alt is null"
expect_jq '.skus | length' 2 "two skus"
expect_jq '.skus[0] | [.spec, .unit, .price_fen, .weight_g, .gtin, .active] | map(tostring) | join("|")' \
    "30枚|盒|3990|1800|$G1|true" "sku fields"
expect_jq '.skus[0].id | type' number "sku id"
expect_jq '.certifications' '[]' "no certifications yet"
expect_jq '.created_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")' true "created_at"
expect_jq '.updated_at | test("Z$")' true "updated_at"
SKU1=$(jqr '.skus[0].id')

api POST /api/v1/products "$(product_body "del(.status, .images, .base_id, .name_en, .description) | .name_zh=\"草稿 $S\" | .skus=[{spec:\"1kg\",unit:\"袋\",price_fen:2500,weight_g:1100}]")"
expect_status 201 "create with defaults"
DRAFT=$(jqr .id)
expect_jq '.status' draft "status defaults to draft"
expect_jq '.base' null "no base"
expect_jq '.images' '[]' "no images"
expect_jq '.name.en' null "no english name"
expect_jq '.skus[0].gtin' null "no gtin"

bad_create() { # bad_create JQ-UPDATE FIELD
    api POST /api/v1/products "$(product_body "$1")"
    expect_error 422 validation_failed "create with $1"
    msg_names "$2" "create with $1"
}
bad_create 'del(.coop_id)' coop_id
bad_create '.coop_id=999999999' coop_id
bad_create '.coop_id="1"' coop_id
bad_create 'del(.name_zh)' name_zh
bad_create '.name_zh=""' name_zh
bad_create ".name_zh=\"$(printf '长%.0s' $(seq 1 129))\"" name_zh
bad_create 'del(.category)' category
bad_create ".base_id=$QBJ_BASE" base_id
bad_create '.base_id=999999999' base_id
bad_create '.base_id="x"' base_id
bad_create '.status="delisted"' status
bad_create '.status="sold"' status
bad_create '.images=[range(11)|{url:"/assets/a.svg"}]' images
bad_create '.images="x"' images
bad_create '.images[0].url="ftp://example.com/a.jpg"' 'images[0].url'
bad_create '.images[1].url="//evil.example.com/a.jpg"' 'images[1].url'
bad_create '.images[0].url="http://img.example.com/a.jpg"' 'images[0].url'
bad_create '.images[0].url="https://img.example.com/a\"onerror=\"x.jpg"' 'images[0].url'
bad_create '.images[0].url="javascript:alert(document.cookie)"' 'images[0].url'
bad_create '.images[0].url="/api/v1/me"' 'images[0].url'
bad_create '.images[0]=5' 'images[0]'
bad_create 'del(.skus)' skus
bad_create '.skus=[]' skus
bad_create '.skus[0].price_fen=0' 'skus[0].price_fen'
bad_create '.skus[1].price_fen=-5' 'skus[1].price_fen'
bad_create '.skus[0].price_fen=39.9' 'skus[0].price_fen'
bad_create '.skus[0].price_fen="3990"' 'skus[0].price_fen'
bad_create 'del(.skus[0].price_fen)' 'skus[0].price_fen'
bad_create '.skus[0].weight_g=0' 'skus[0].weight_g'
bad_create 'del(.skus[1].spec)' 'skus[1].spec'
bad_create 'del(.skus[0].unit)' 'skus[0].unit'
bad_create ".skus[0].gtin=\"${G1:0:13}$(((${G1:13:1} + 1) % 10))\"" 'skus[0].gtin'
bad_create '.skus[0].gtin="1234567890123"' 'skus[0].gtin'
bad_create '.skus[0].gtin="1234567890123X"' 'skus[0].gtin'
bad_create '.skus[0].active="yes"' 'skus[0].active'

# one transaction: the second SKU's GTIN is taken, so nothing may remain
api POST /api/v1/products "$(product_body ".name_zh=\"回滚 $S\" | .skus[0].gtin=\"$G3\" | .skus[1].gtin=\"$G1\"")"
expect_error 409 conflict "a GTIN already in use"
msg_names gtin "duplicate GTIN"
as ""
api GET "/api/v1/products?q=$(urlq "回滚 $S")"
expect_status 200 "list request: the failed product was rolled back"
expect_jq '.items | length' 0 "the failed product was rolled back"
as "$AY_ADMIN"
api POST /api/v1/products/$P/skus "$(jq -nc --arg g "$G3" '{spec:"90枚",unit:"箱",price_fen:11000,weight_g:5200,gtin:$g}')"
expect_status 201 "the rolled-back SKU's GTIN is free again"
SKU3=$(jqr .id)

# ------------------------------------------------------- read and visibility
as ""
api GET "/api/v1/products/$P"
expect_status 200 "anyone reads a listed product"
expect_jq '.skus | length' 3 "the added SKU shows"
api GET /api/v1/products/999999999
expect_error 404 not_found "unknown product"
api GET /api/v1/products/abc
expect_error 404 not_found "non-numeric product id"
for who in "" "$BUYER" "$QBJ_ADMIN"; do
    as "$who"
    api GET "/api/v1/products/$DRAFT"
    expect_error 404 not_found "a draft is hidden from ${who:+a signed-in }outsider"
done
for who in "$AY_FARMER" "$AY_ADMIN" "$OPS"; do
    as "$who"
    api GET "/api/v1/products/$DRAFT"
    expect_status 200 "a draft is visible to its cooperative and platform admins"
    expect_jq '.status' draft "draft status"
done

# ------------------------------------------------------------------ list
as ""
api GET /api/v1/products
expect_status 200 "list products"
expect_jq '[.items[].status] | all(. == "listed")' true "only listed products"
expect_jq '.items | length <= 20' true "default limit 20"
expect_jq '.items[0] | has("coop") and has("skus") and has("images") and has("certifications")' true "product shape"
api GET "/api/v1/products?q=$(urlq "$NAME")"
expect_status 200 "list request: q matches name_zh"
expect_jq '[.items[].id] | map(tostring) | join(",")' "$P" "q matches name_zh"
expect_jq '.next_cursor' null "single page"
api GET "/api/v1/products?q=$(urlq "eggs 100% $S")"
expect_status 200 "list request: q matches name_en"
expect_jq '[.items[].id] | map(tostring) | join(",")' "$P" "q matches name_en"
api GET "/api/v1/products?q=$(urlq "test_$S")"
expect_status 200 "list request: q matches description"
expect_jq '[.items[].id] | map(tostring) | join(",")' "$P" "q matches description"
api GET "/api/v1/products?q=$(urlq "草稿 $S")"
expect_status 200 "list request: drafts are not listed"
expect_jq '.items | length' 0 "drafts are not listed"
api GET "/api/v1/products?q=%25"
expect_error 400 bad_request "q % holds no word"
msg_names q "q % holds no word"
api GET "/api/v1/products?q=$(urlq "test%$S")"
expect_status 200 "list request: % separates words"
expect_jq '[.items[].id] | map(tostring) | join(",")' "$P" "% separates words, it is no wildcard"
api GET "/api/v1/products?q=$(urlq "$S eggs_100%")"
expect_status 200 "list request: _ separates words"
expect_jq '[.items[].id] | map(tostring) | join(",")' "$P" "_ separates words, in any order (search.sh: the rest)"
api GET "/api/v1/products?q=$(urlq "test_$S")&category=eggs&coop=$AY"
expect_status 200 "list request: q with category and coop"
expect_jq '.items | length' 1 "q with category and coop"
api GET "/api/v1/products?q=$(urlq "test_$S")&category=tea"
expect_status 200 "list request: category filter excludes"
expect_jq '.items | length' 0 "category filter excludes"
api GET "/api/v1/products?category=eggs&limit=100"
expect_status 200 "list request: category filter"
expect_jq '[.items[].category] | all(. == "eggs")' true "category filter"
api GET "/api/v1/products?coop=$QBJ&limit=100"
expect_status 200 "list request: coop filter"
expect_jq '[.items[].coop.id] | all(. == '"$QBJ"')' true "coop filter"
expect_jq '.items | length > 0' true "Qingbaijiang has listed products"
api GET "/api/v1/products?q=$(urlq "$NAME")&coop=$QBJ"
expect_status 200 "list request: coop filter excludes"
expect_jq '.items | length' 0 "coop filter excludes"
api GET "/api/v1/products?certified=true"
expect_status 200 "certified=true"
check "certified=true lists the demo eggs (green-food certification)" \
    sh -c "printf '%s' \"\$0\" | jq -e '[.items[].name.zh] | index(\"绿壳乌鸡蛋\") != null' >/dev/null" "$BODY"
expect_jq '[.items[] | select((.certifications | map(select(.status == "valid")) | length) == 0)] | length' 0 \
    "every certified=true product carries a valid certification"
api GET "/api/v1/products?certified=false&q=$(urlq "$NAME")"
expect_status 200 "list request: certified=false keeps uncertified"
expect_jq '.items | length' 1 "certified=false keeps uncertified"
for q in limit=0 limit=101 limit=abc limit= cursor=zz cursor=0 cursor=-1 cursor=1.2 coop=abc \
    certified=maybe category=$(printf 'x%.0s' $(seq 1 33)); do
    api GET "/api/v1/products?$q"
    expect_error 400 bad_request "list with $q"
    msg_names "${q%%=*}" "list with $q"
done

# pages: walk with limit=3 and compare with limit=100 pages
walk() { # walk LIMIT -> ids of every listed product, page by page
    local cursor= pages=0
    while :; do
        api GET "/api/v1/products?limit=$1${cursor:+&cursor=$cursor}"
        [ "$STATUS" = 200 ] || { echo "HTTP$STATUS"; return; }
        jqr '.items[].id'
        cursor=$(jqr '.next_cursor // empty')
        pages=$((pages + 1))
        { [ -z "$cursor" ] || [ $pages -gt 1000 ]; } && return
    done
}
SMALL=$(walk 3)
BIG=$(walk 100)
check "cursor pages cover the same products at any page size" test "$SMALL" = "$BIG"
check "pages are in descending id order" test "$SMALL" = "$(printf '%s\n' "$SMALL" | sort -rn -u)"
check "paging reaches the new product" bash -c "printf '%s\n' '$SMALL' | grep -qx $P"
check "more than one page at limit=3" test "$(printf '%s\n' "$SMALL" | wc -l)" -gt 3
api GET "/api/v1/products?limit=3"
expect_status 200 "first page"
C1=$(jqr .next_cursor)
api GET "/api/v1/products?limit=3&cursor="
expect_status 200 "an empty cursor"
expect_jq .next_cursor "$C1" "an empty cursor is the first page"
api GET "/api/v1/products?limit=3&cursor=$C1"
expect_status 200 "second page"
expect_jq "[.items[].id] | all(. < $(printf '%d' "0x$C1"))" true "second page is after the cursor"

# ------------------------------------------------ cache invalidation on write
as ""
api GET "/api/v1/products?coop=$AY&limit=100"
api GET "/api/v1/products?coop=$AY&limit=100"
expect_status 200 "the same page again"
check "the repeated page is served from the cache" test "$(header x-cache)" = hit
as "$AY_ADMIN"
NEWNAME="改名绿壳蛋 $S"
api PATCH "/api/v1/products/$P" "$(jq -nc --arg n "$NEWNAME" '{name_zh:$n}')"
expect_status 200 "rename a listed product"
as ""
api GET "/api/v1/products?coop=$AY&limit=100"
expect_status 200 "list request: the list shows the new name at once"
expect_jq "[.items[] | select(.id == $P) | .name.zh][0]" "$NEWNAME" "the list shows the new name at once"
api GET "/api/v1/products?q=$(urlq "$NEWNAME")"
expect_status 200 "list request: search finds the new name"
expect_jq '.items | length' 1 "search finds the new name"

# ----------------------------------------------------------------- update
as "$AY_ADMIN"
api PATCH "/api/v1/products/$P" '{"name_en":null,"description":"更新描述","category":"egg"}'
expect_status 200 "update several fields"
expect_jq '.name.en' null "name_en cleared"
expect_jq '.description' 更新描述 "description updated"
expect_jq '.category' egg "category updated"
expect_jq '.name.zh' "$NEWNAME" "untouched fields kept"
expect_jq '.skus | length' 3 "skus kept"
expect_jq '.images | length' 2 "images kept when not given"
api PATCH "/api/v1/products/$P" '{"images":[{"url":"https://img.example.com/new.jpg","alt":"新图"}]}'
expect_status 200 "replace images"
expect_jq '[.images[].url] | join(",")' https://img.example.com/new.jpg "images replaced"
api PATCH "/api/v1/products/$P" '{"images":[]}'
expect_status 200 "update request: images removed"
expect_jq '.images' '[]' "images removed"
api PATCH "/api/v1/products/$P" '{"base_id":null}'
expect_status 200 "update request: base cleared"
expect_jq '.base' null "base cleared"
api PATCH "/api/v1/products/$P" "{\"base_id\":$AY_BASE}"
expect_status 200 "update request: base set"
expect_jq '.base.id' "$AY_BASE" "base set"
api PATCH "/api/v1/products/$P" '{"status":"delisted"}'
expect_status 200 "update request: listed -> delisted"
expect_jq '.status' delisted "listed -> delisted"
api PATCH "/api/v1/products/$P" '{"status":"listed"}'
expect_status 200 "update request: delisted -> listed"
expect_jq '.status' listed "delisted -> listed"
api PATCH "/api/v1/products/$DRAFT" '{"status":"listed"}'
expect_status 200 "update request: draft -> listed"
expect_jq '.status' listed "draft -> listed"
bad_update() { # bad_update JSON FIELD
    api PATCH "/api/v1/products/$P" "$1"
    expect_error 422 validation_failed "update with $1"
    msg_names "$2" "update with $1"
}
bad_update '{"status":"draft"}' status
bad_update '{"status":"gone"}' status
bad_update "{\"base_id\":$QBJ_BASE}" base_id
bad_update "{\"coop_id\":$QBJ}" coop_id
bad_update '{"name_zh":null}' name_zh
bad_update '{"name_zh":""}' name_zh
bad_update '{"category":""}' category
bad_update '{"images":[{"url":"javascript:alert(1)"}]}' 'images[0].url'
bad_update '{"images":[{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"},{"url":"/a"}]}' images
bad_update '{"skus":[]}' skus
api PATCH "/api/v1/products/$P" "{\"coop_id\":$AY}"
expect_status 200 "the same coop_id is accepted"
api PATCH /api/v1/products/999999999 '{"name_zh":"x"}'
expect_error 404 not_found "update unknown product"

# ------------------------------------------------------------------ delist
api POST "/api/v1/products/$P/delist"
expect_status 200 "delist"
expect_jq '.status' delisted "delisted"
api POST "/api/v1/products/$P/delist"
expect_status 200 "delist again is harmless"
as ""
api GET "/api/v1/products?q=$(urlq "$NEWNAME")"
expect_status 200 "list request: a delisted product leaves the list at once"
expect_jq '.items | length' 0 "a delisted product leaves the list at once"
api GET "/api/v1/products/$P"
expect_error 404 not_found "a delisted product is hidden from the public"
as "$AY_FARMER"
api GET "/api/v1/products/$P"
expect_status 200 "a delisted product is visible to its cooperative"
as "$AY_ADMIN"
api POST /api/v1/products/999999999/delist
expect_error 404 not_found "delist unknown product"
api PATCH "/api/v1/products/$P" '{"status":"listed"}'
expect_status 200 "update request: listed again"
expect_jq '.status' listed "listed again"

# -------------------------------------------------------------------- SKUs
sku_body() {
    jq -nc --arg g "$G4" '{spec:"12枚",unit:"盒",price_fen:1690,weight_g:800,gtin:$g,active:false}' | jq -c "$1"
}
api POST "/api/v1/products/$P/skus" "$(sku_body .)"
expect_status 201 "add a SKU"
SKU4=$(jqr .id)
expect_jq '[.spec, .unit, .price_fen, .weight_g, .gtin, .active] | map(tostring) | join("|")' \
    "12枚|盒|1690|800|$G4|false" "new SKU fields"
api POST "/api/v1/products/$P/skus" "$(sku_body "del(.gtin, .active) | .spec=\"6枚\"")"
expect_status 201 "add a SKU without GTIN"
expect_jq '.active' true "active by default"
expect_jq '.gtin' null "no GTIN"
for bad in 'del(.spec)|spec' 'del(.unit)|unit' '.price_fen=0|price_fen' '.price_fen=-1|price_fen' \
    '.price_fen=4294967296|price_fen' '.weight_g=0|weight_g' '.weight_g=1.5|weight_g' \
    '.gtin="00000000000001"|gtin' '.gtin="abc"|gtin' '.spec=""|spec'; do
    api POST "/api/v1/products/$P/skus" "$(sku_body "${bad%|*}")"
    expect_error 422 validation_failed "SKU create with ${bad%|*}"
    msg_names "${bad##*|}" "SKU create with ${bad%|*}"
done
api POST "/api/v1/products/$P/skus" "$(sku_body ".gtin=\"$G1\"")"
expect_error 409 conflict "SKU with a GTIN in use"
api POST /api/v1/products/999999999/skus "$(sku_body .)"
expect_error 404 not_found "SKU for unknown product"

api PATCH "/api/v1/products/$P/skus/$SKU1" '{"price_fen":4290,"spec":"30枚装"}'
expect_status 200 "update a SKU"
expect_jq '.price_fen' 4290 "price updated"
expect_jq '.spec' 30枚装 "spec updated"
expect_jq '.weight_g' 1800 "weight kept"
expect_jq '.gtin' "$G1" "gtin kept"
api PATCH "/api/v1/products/$P/skus/$SKU1" "{\"gtin\":null,\"active\":false,\"weight_g\":1850,\"unit\":\"箱\"}"
expect_status 200 "update request: gtin cleared, inactive"
expect_jq '[.gtin, .active, .weight_g, .unit] | map(tostring) | join("|")' "null|false|1850|箱" "gtin cleared, inactive"
api PATCH "/api/v1/products/$P/skus/$SKU1" "{\"gtin\":\"$G5\",\"active\":true}"
expect_status 200 "update request: gtin set"
expect_jq '.gtin' "$G5" "gtin set"
for bad in '{"price_fen":0}|price_fen' '{"weight_g":-1}|weight_g' '{"gtin":"12345678901234"}|gtin' \
    '{"spec":null}|spec' '{"active":1}|active' '{"unit":""}|unit'; do
    api PATCH "/api/v1/products/$P/skus/$SKU1" "${bad%|*}"
    expect_error 422 validation_failed "SKU update with ${bad%|*}"
    msg_names "${bad##*|}" "SKU update with ${bad%|*}"
done
api PATCH "/api/v1/products/$P/skus/$SKU1" "{\"gtin\":\"$G3\"}"
expect_error 409 conflict "SKU update to a GTIN in use"
api PATCH "/api/v1/products/$DRAFT/skus/$SKU1" '{"price_fen":1}'
expect_error 404 not_found "a SKU through another product"
api PATCH "/api/v1/products/$P/skus/999999999" '{"price_fen":1}'
expect_error 404 not_found "unknown SKU"
as ""
api GET "/api/v1/products?q=$(urlq "$NEWNAME")"
expect_status 200 "list request: the list shows the new price at once"
expect_jq "[.items[0].skus[] | select(.id == $SKU1) | .price_fen][0]" 4290 "the list shows the new price at once"
expect_jq '.items[0].skus | length' 5 "the list shows the new SKUs"

finish
