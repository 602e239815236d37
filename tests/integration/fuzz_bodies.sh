#!/usr/bin/env bash
# fuzz_bodies.sh - every route with a JSON body, given hostile bodies
# (malformed, not an object, deeply nested, invalid UTF-8, oversized, each
# field of the wrong type or hostile): never a 5xx, always the error body,
# and a refused request writes nothing. The cases are in fuzz/bodies.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
check "routes with a JSON body in the route table = in the OpenAPI file" test \
    "$(grep -cE '^ *\{"[A-Z]*", *"[^"]*", *[a-z_]*, *[A-Z_]*, *JSON(_OPT)?\},' src/shop/api/routes.c)" = \
    "$(python3 -c "
import yaml
d = yaml.safe_load(open('schema/openapi.yaml'))
print(sum(1 for p in d['paths'].values() for o in p.values()
          if isinstance(o, dict) and 'application/json' in (o.get('requestBody') or {}).get('content', {})))")"

# Everything aimed at is made here, never the demo data other suites read:
# a cooperative of its own (its members and bases), and in Anyuan a fresh
# product and SKU, a lot, a certificate, an order and a flash sale.
one() { sql "$1" | head -n 1; }
new_coop 模糊测试合作社 fuzz
COOP=$NEW_COOP
as "$OPS"
api POST "/api/v1/coops/$COOP/bases" '{"name":"模糊测试基地","location":"江西省萍乡市安源区","area_mu":12.5}'
expect_status 201 "a base to fuzz"
BASE=$(jqr .id)
MEMBER=$(one "SELECT account_id FROM coop_members WHERE coop_id = $COOP LIMIT 1")
api POST "/api/v1/coops/$COOP/restream-targets" '{"name":"模糊转推","url":"rtmp://127.0.0.1:9/live/fuzz-restream-key-0001"}'
expect_status 201 "a restream target to fuzz"
TARGET=$(jqr .id)
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 1990)
PRODUCT=$(one "SELECT product_id FROM skus WHERE id = ${SKU:-0}")
LOT_ID=$(restock "$SKU" 50 "FZ-$S")
LOT=$(one "SELECT code FROM lots WHERE id = ${LOT_ID:-0}")
api POST "/api/v1/coops/$AY/certificates" "$(jq -nc --arg c "$LOT" --arg d "$(date -u +%F)" --arg n "HGZ-FZ-$S" \
    '{kind:"conformity", number:$n, holder:"合作社", product_name:"绿壳乌鸡蛋", quantity:"10盒", contact:"0799-6231088",
      address:"江西省萍乡市安源区", origin:"江西省萍乡市安源区", issued_on:$d, basis:"internal_control",
      commitments:["不使用禁用农药兽药、停用兽药和非法添加物"], attach:{lots:[$c]}}')"
expect_status 201 "a certificate to fuzz"
CERT=$(jqr .id)
api POST "/api/v1/coops/$AY/certificates" "$(jq -nc --arg n "LB-15-2611-36-$((RANDOM % 9000 + 1000))-A" \
    '{kind:"green_food", number:$n, issuing_body:"中国绿色食品发展中心", holder:"合作社", issued_on:"2026-01-10",
      valid_from:"2026-01-10", valid_until:"2029-01-09", verify_url:"https://www.greenfood.org.cn/"}')"
expect_status 201 "a pending certificate to fuzz"
PCERT=$(jqr .id)
api POST /api/v1/flash-sales "$(jq -nc --argjson k "$SKU" --arg s "$(date -u -d '-1 min' +%FT%TZ)" --arg e "$(date -u -d '+1 hour' +%FT%TZ)" \
    '{sku_id:$k, price_fen:990, quantity:5, per_buyer_limit:1, starts_at:$s, ends_at:$e}')"
expect_status 201 "a flash sale to fuzz"
SALE=$(jqr .id)
api POST /api/v1/flash-sales "$(jq -nc --argjson k "$SKU" --arg s "$(date -u -d '-1 min' +%FT%TZ)" --arg e "$(date -u -d '+1 hour' +%FT%TZ)" \
    '{sku_id:$k, price_fen:990, quantity:1, per_buyer_limit:1, starts_at:$s, ends_at:$e}')"
expect_status 201 "a flash sale to end"
SALE_END=$(jqr .id)
as "$AY_ADMIN"
api POST /api/v1/live "$(jq -nc --arg t "模糊测试直播 $S" '{title:$t}')"
expect_status 201 "a live session to fuzz"
LIVE=$(jqr .id)
FB=$(new_buyer)
as "$FB"
cart_put "$SKU" 1
checkout "fz-$S" cod
expect_status 201 "an order to fuzz"
ORDER=$(jqr '.orders[0].id')
# two live sessions of the fuzzed cooperative: one to chat and mute in, one
# ended (likes are counted after the answer, by a job: an ended room takes none)
as "$OPS"
api POST /api/v1/live "$(jq -nc --argjson c "$COOP" '{title:"fuzz room", coop_id:$c}')"
expect_status 201 "a live session to fuzz"
ROOM=$(jqr .id)
api POST /api/v1/live "$(jq -nc --argjson c "$COOP" '{title:"fuzz room, ended", coop_id:$c}')"
expect_status 201 "a live session to end"
ENDED=$(jqr .id)
api POST /internal/v1/live/ended "$(jq -nc --arg i "$ENDED" '{live_id:$i}')" -H "X-Internal-Secret: ${FARMLIVE_INTERNAL_SECRET-}"
expect_status 200 "the session ends"
as "$FB"
api POST /api/v1/me/addresses '{"name":"模糊","phone":"13800138000","province":"江西省","city":"萍乡市","county":"安源区","detail":"1 号"}'
expect_status 201 "an address to fuzz"
ADDRESS=$(jqr .id)
for v in COOP BASE MEMBER TARGET PRODUCT SKU LOT CERT ORDER SALE SALE_END ROOM ENDED LIVE ADDRESS PCERT; do
    check "a $v to aim at (${!v})" test -n "${!v}" -a "${!v}" != null
done
PARAMS=$(jq -nc --arg coop "$COOP" --arg product "$PRODUCT" --arg sku "$SKU" --arg base "$BASE" --arg member "$MEMBER" \
    --arg lot "$LOT" --arg cert "$CERT" --arg pcert "$PCERT" --arg order "$ORDER" --arg sale "$SALE" --arg room "$ROOM" \
    --arg ended "$ENDED" --arg sale_end "$SALE_END" --arg live "$LIVE" --arg address "$ADDRESS" --arg target "$TARGET" '{
    "PATCH /api/v1/coops/{id}": {id: $coop},
    "POST /api/v1/coops/{id}/members": {id: $coop},
    "PATCH /api/v1/coops/{id}/members/{account_id}": {id: $coop, account_id: $member},
    "POST /api/v1/coops/{id}/bases": {id: $coop},
    "PATCH /api/v1/coops/{id}/bases/{base_id}": {id: $coop, base_id: $base},
    "PATCH /api/v1/products/{id}": {id: $product},
    "POST /api/v1/products/{id}/skus": {id: $product},
    "PATCH /api/v1/products/{id}/skus/{sku_id}": {id: $product, sku_id: $sku},
    "POST /api/v1/coops/{id}/lots": {id: $coop},
    "POST /api/v1/coops/{id}/certificates": {id: $coop},
    "POST /api/v1/certificates/{cert_id}/attachments": {cert_id: $cert},
    "POST /api/v1/certificates/{cert_id}/revoke": {cert_id: $cert},
    "POST /api/v1/certificates/{cert_id}/verify": {cert_id: $pcert},
    "POST /api/v1/lots/{lot_code}/events": {lot_code: $lot},
    "PUT /api/v1/cart/items/{sku_id}": {sku_id: $sku},
    "PATCH /api/v1/me/addresses/{id}": {id: $address},
    "POST /api/v1/orders/{id}/ship": {id: $order},
    "POST /api/v1/coops/{id}/orders/ship": {id: $coop},
    "POST /api/v1/orders/{id}/refund": {id: $order},
    "POST /api/v1/orders/{id}/cancel": {id: $order},
    "POST /api/v1/skus/{sku_id}/restock": {sku_id: $sku},
    "POST /api/v1/skus/{sku_id}/adjustments": {sku_id: $sku},
    "POST /api/v1/flash-sales/{id}/orders": {id: $sale},
    "POST /api/v1/flash-sales/{id}/end": {id: $sale_end},
    "POST /api/v1/live/{id}/chat": {id: $room},
    "POST /api/v1/live/{id}/mutes": {id: $room},
    "POST /api/v1/live/{id}/likes": {id: $ended},
    "POST /api/v1/coops/{id}/banned-words": {id: $coop},
    "POST /api/v1/coops/{id}/restream-targets": {id: $coop},
    "PATCH /api/v1/coops/{id}/restream-targets/{target_id}": {id: $coop, target_id: $target},

    "PUT /api/v1/live/{id}/shelf/{sku_id}": {id: $live, sku_id: $sku},
    "POST /api/v1/live/{id}/pin": {id: $live},
    "POST /api/v1/live/{id}/flash-sales": {id: $live}}')
TOKENS=$(jq -nc --arg ops "$OPS" --arg buyer "$FB" --arg admin "$AY_ADMIN" '{ops: $ops, buyer: $buyer, admin: $admin}')

# the platform's banned words apply to every room of every suite: what
# the fuzz bans there (a hostile string it accepted) goes again after it
PLATFORM_WORDS_BEFORE=$(one "SELECT IFNULL(MAX(id), 0) FROM chat_banned_words")
out=$(PARAMS=$PARAMS TOKENS=$TOKENS INTERNAL_SECRET=${FARMLIVE_INTERNAL_SECRET-} python3 "$(dirname "$0")/fuzz/bodies.py" 2>"$_TMP/fuzz.err")
line=$(printf '%s\n' "$out" | grep -E '^fuzz_bodies: [0-9]+ passed' | tail -n 1)
p=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
sql "DELETE FROM chat_banned_words WHERE coop_id IS NULL AND id > $PLATFORM_WORDS_BEFORE"
PASS=$((PASS + ${p:-0}))
FAIL=$((FAIL + ${f:-1}))
grep -E '^FAIL' "$_TMP/fuzz.err" | head -n 60 >&2
[ -z "$line" ] && tail -n 20 "$_TMP/fuzz.err" >&2
finish
