#!/usr/bin/env bash
# search.sh - the catalogue's full-text search, GET /api/v1/products?q=
# (src/shop/domain/product_search.c on MariaDB's Mroonga engine):
# Chinese words without spaces, English words, any order, ranked (a word in
# the name counts more than one in the description), no match, paging by
# (score, id), filters beside q, only listed products, and the derived
# table kept in step by every write in its own transaction (product,
# SKU, delist, relist, a cooperative's new name) and mended by
# `farmlive-shop search-rebuild`.
#
# Works in a cooperative it creates (as the platform admin), so each
# question names exactly the products it expects (coop=C).
. "$(dirname "$0")/lib.sh"

S=$(uniq_suffix)
as() { TOKEN=$1; }
urlq() { jq -rn --arg v "$1" '$v|@uri'; }
# ids -> the last answer's product ids, comma-separated, in order
ids() { jqr '[.items[].id] | map(tostring) | join(",")'; }
# sorted -> the same, sorted (for answers whose order is not the question)
sorted() { jqr '[.items[].id] | sort | map(tostring) | join(",")'; }
# search WORDS [EXTRA-QUERY] -> GET the cooperative's products matching WORDS
search() { api GET "/api/v1/products?coop=$C&q=$(urlq "$1")${2:+&$2}"; }

OPS=$(login ops@example.com "$DEMO_PASSWORD")
check "the platform admin signs in" test -n "$OPS"
as "$OPS"
api POST /api/v1/coops "$(jq -nc --arg s "$S" '{name:("搜索测试合作社" + $s), name_en:("Search test coop " + $s),
    credit_code:("93" + $s + "SRCH"), province:"江西省", city:"萍乡市", county:"安源区",
    contact_name:"测试员", contact_phone:"0799-6000000"}')"
expect_status 201 "a cooperative for the search"
C=$(jqr .id)

# product ZH EN CATEGORY DESCRIPTION [STATUS] -> the new product's id
product() {
    api POST /api/v1/products "$(jq -nc --argjson c "$C" --arg zh "$1" --arg en "$2" --arg cat "$3" --arg d "$4" \
        --arg st "${5:-listed}" '{coop_id:$c, name_zh:$zh, name_en:$en, category:$cat, description:$d, status:$st,
        skus:[{spec:"标准装", unit:"盒", price_fen:3990, weight_g:1800}]}')"
    [ "$STATUS" = 201 ] || bad "create $1: HTTP $STATUS" "$BODY"
    jqr .id
}
E1=$(product 绿壳乌鸡蛋 "Green-shell black-chicken eggs" eggs "林下养殖，蛋壳青绿。QA passed by batch.")
E2=$(product 散养土鸡蛋 "Farm eggs" eggs "当天拣蛋。")
E3=$(product 明前绿茶 "Pre-Qingming green tea" tea "高山茶园，QA sampled.")
E4=$(product 咸鸭蛋 "Salted duck eggs" eggs "林下散养麻鸭，QA self-tested.")
D1=$(product 绿壳鸡蛋草稿 "Green-shell eggs draft" eggs "QA pending" draft)
check "five products made" test -n "$E1" -a -n "$E2" -a -n "$E3" -a -n "$E4" -a -n "$D1"

# ------------------------------------------------------------- the words
as ""
search "绿壳 鸡蛋"
expect_status 200 "绿壳 鸡蛋"
expect_jq '.items | length' 1 "绿壳 鸡蛋: one product"
check "绿壳 鸡蛋 finds the green-shell eggs (words apart in the name)" test "$(ids)" = "$E1"
expect_jq '.next_cursor' null "绿壳 鸡蛋: one page"
search "鸡蛋 绿壳"
expect_status 200 "鸡蛋 绿壳"
check "the words in the other order find the same" test "$(ids)" = "$E1"
search "绿壳鸡蛋"
expect_status 200 "绿壳鸡蛋"
check "绿壳鸡蛋 without a space finds 绿壳乌鸡蛋" test "$(ids)" = "$E1"
search "green-shell eggs"
expect_status 200 "green-shell eggs"
check "green-shell eggs finds the English name" test "$(ids)" = "$E1"
search "EGGS Green-Shell"
expect_status 200 "EGGS Green-Shell"
check "English in any order and case" test "$(ids)" = "$E1"
search "eggs QA"
expect_status 200 "eggs QA"
check "eggs QA: eggs in the name, QA in the description" test "$(sorted)" = "$(printf '%s\n' "$E1" "$E4" | sort | paste -sd,)"
search "QA eggs"
expect_status 200 "QA eggs"
check "QA eggs: the same two" test "$(sorted)" = "$(printf '%s\n' "$E1" "$E4" | sort | paste -sd,)"
search "鸡蛋 eggs"
expect_status 200 "鸡蛋 eggs"
check "Chinese and English mixed" test "$(sorted)" = "$(printf '%s\n' "$E1" "$E2" | sort | paste -sd,)"
search "绿茶，QA！"
expect_status 200 "绿茶，QA！"
check "Chinese punctuation separates words" test "$(ids)" = "$E3"
search "茶"
expect_status 200 "茶"
check "a category's Chinese word (茶) finds the tea" test "$(ids)" = "$E3"

# ranked: a word in the name before the same word in the description
search "散养"
expect_status 200 "散养"
check "散养: the name match first, then the description match" test "$(ids)" = "$E2,$E4"
expect_jq '.items[0].name.zh' 散养土鸡蛋 "the best match first"

# --------------------------------------------------------------- no match
for q in "榴莲" "durian" "绿壳 durian" "绿壳 鸭蛋"; do
    search "$q"
    expect_status 200 "no match: $q"
    expect_jq '.items | length' 0 "nothing for $q"
    expect_jq '.next_cursor' null "no cursor for $q"
done
search "绿壳鸡蛋草稿"
expect_status 200 "the draft's own name"
expect_jq '.items | length' 0 "a draft is never found"
for q in "！！" "-- ..." "🥚"; do
    api GET "/api/v1/products?q=$(urlq "$q")"
    expect_error 400 bad_request "a search without a word: $q"
    expect_jq '.error.message | startswith("q ")' true "the message names q ($q)"
done
api GET "/api/v1/products?q=$(printf 'x%.0s' $(seq 1 101))"
expect_error 400 bad_request "a search of 101 characters"
api GET "/api/v1/products?coop=$C&q="
expect_status 200 "an empty q is no search"
expect_jq '.items | length' 4 "an empty q lists the cooperative's listed products"

# ----------------------------------------------------------------- filters
search "QA" "category=tea"
expect_status 200 "QA in tea"
check "q with a category" test "$(ids)" = "$E3"
search "eggs QA" "category=tea"
expect_status 200 "eggs QA in tea"
expect_jq '.items | length' 0 "q with a category that excludes"
search "QA" "certified=true"
expect_status 200 "QA certified"
expect_jq '.items | length' 0 "q with certified=true: none of these is certified"
api GET "/api/v1/products?q=$(urlq "绿壳 鸡蛋")&limit=100"
expect_status 200 "绿壳 鸡蛋 across every cooperative"
expect_jq '[.items[].name.zh] | index("绿壳乌鸡蛋") != null' true "the demo's seeded eggs are searchable"
expect_jq '[.items[].status] | all(. == "listed")' true "only listed products"
check "a search is not served from the catalogue cache" test -z "$(header x-cache)"

# ------------------------------------------------------------------ paging
search "eggs"
expect_status 200 "eggs"
ALL=$(ids)
check "eggs: the three egg products" test "$(sorted)" = "$(printf '%s\n' "$E1" "$E2" "$E4" | sort | paste -sd,)"
for limit in 1 2; do
    got='' cursor='' pages=0
    while :; do
        search "eggs" "limit=$limit${cursor:+&cursor=$cursor}"
        [ "$STATUS" = 200 ] || { bad "eggs page $pages at limit $limit: HTTP $STATUS" "$BODY"; break; }
        got=${got:+$got,}$(ids)
        cursor=$(jqr '.next_cursor // empty')
        pages=$((pages + 1))
        { [ -z "$cursor" ] || [ $pages -gt 10 ]; } && break
    done
    check "pages of $limit give the same products in the same order" test "$got" = "$ALL"
    check "pages of $limit: as many pages as it takes" test $pages = $(((3 + limit - 1) / limit))
done
search "eggs" "limit=1"
expect_status 200 "the first page of one"
expect_jq '.next_cursor | test("^[0-9a-f]+\\.[0-9a-f]+$")' true "a search's cursor holds the score and the id"
for cur in zz 1f 0.0 1.2.3; do
    search "eggs" "cursor=$cur"
    expect_error 400 bad_request "a search with cursor $cur"
done
search "eggs" "limit=1&cursor="
expect_status 200 "an empty cursor"
check "an empty cursor is the first page" test "$(ids)" = "${ALL%%,*}"

# -------------------------------------------- kept in step with the writes
as "$OPS"
api POST "/api/v1/products/$E4/delist"
expect_status 200 "delist the duck eggs"
as ""
search "eggs QA"
expect_status 200 "eggs QA after a delisting"
check "a delisted product is not found" test "$(ids)" = "$E1"
as "$OPS"
api PATCH "/api/v1/products/$E4" '{"status":"listed"}'
expect_status 200 "list it again"
as ""
search "QA eggs"
expect_status 200 "QA eggs after listing again"
check "listed again, found again" test "$(sorted)" = "$(printf '%s\n' "$E1" "$E4" | sort | paste -sd,)"

as "$OPS"
api PATCH "/api/v1/products/$E2" '{"name_zh":"散养柴鸡蛋","description":"当天拣蛋，谷物喂养。"}'
expect_status 200 "rename the farm eggs"
as ""
search "柴鸡"
expect_status 200 "柴鸡"
check "the new name is found at once" test "$(ids)" = "$E2"
search "土鸡蛋"
expect_status 200 "土鸡蛋"
expect_jq '.items | length' 0 "the old name is gone"
search "谷物"
expect_status 200 "谷物"
check "the new description is found" test "$(ids)" = "$E2"

as "$OPS"
api POST "/api/v1/products/$E3/skus" '{"spec":"礼盒装","unit":"盒","price_fen":12800,"weight_g":600}'
expect_status 201 "a gift-box SKU"
SKU=$(jqr .id)
as ""
search "礼盒"
expect_status 200 "礼盒"
check "a SKU's spec is found" test "$(ids)" = "$E3"
as "$OPS"
api PATCH "/api/v1/products/$E3/skus/$SKU" '{"active":false}'
expect_status 200 "deactivate it"
as ""
search "礼盒"
expect_status 200 "礼盒 after deactivating"
expect_jq '.items | length' 0 "an inactive SKU's spec is not"
as "$OPS"
api PATCH "/api/v1/products/$E3/skus/$SKU" '{"price_fen":9900}'
expect_status 200 "a price change"
api PATCH "/api/v1/products/$E3/skus/999999999" '{"price_fen":9900}'
expect_error 404 not_found "a SKU that is not the product's"
api POST "/api/v1/products/999999999/skus" '{"spec":"x","unit":"盒","price_fen":1,"weight_g":1}'
expect_error 404 not_found "a SKU for no product"

api PATCH "/api/v1/coops/$C" "$(jq -nc --arg s "$S" '{name_en:("Renamed orchard " + $s)}')"
expect_status 200 "rename the cooperative"
as ""
search "orchard"
expect_status 200 "orchard"
check "the cooperative's new name finds its listed products" test "$(sorted)" = \
    "$(printf '%s\n' "$E1" "$E2" "$E3" "$E4" | sort | paste -sd,)"
check "each product's row says what it says now" test "$(sql "SELECT COUNT(*) FROM product_search x JOIN products p ON p.id = x.product_id WHERE p.coop_id = $C AND x.title LIKE '%Renamed orchard%'")" = 4
check "a draft has no row" test "$(sql "SELECT COUNT(*) FROM product_search WHERE product_id = $D1")" = 0

# ---------------------------------------------- mended from the products
sql "DELETE FROM product_search WHERE product_id = $E1; UPDATE product_search SET title = 'stale', body = 'stale' WHERE product_id = $E3"
OUT=$("$SHOP_BIN" search-rebuild 2>&1)
# (the shop's own repair job, a pass every 5 minutes, may have mended them first)
check "search-rebuild mends the two rows" grep -Eqx "search-rebuild: [0-2] products' search rows written" <<<"$OUT"
search "绿壳 鸡蛋"
expect_status 200 "after search-rebuild"
check "the lost row is back" test "$(ids)" = "$E1"
search "明前绿茶"
expect_status 200 "明前绿茶 after search-rebuild"
check "the stale row says the product again" test "$(ids)" = "$E3"
OUT=$("$SHOP_BIN" search-rebuild 2>&1)
check "a second rebuild finds nothing to mend" test "$OUT" = "search-rebuild: 0 products' search rows written"

finish
