#!/usr/bin/env bash
# fuzz_bodies.sh - every route with a JSON body, given hostile bodies
# (malformed, not an object, deeply nested, invalid UTF-8, oversized, each
# field of the wrong type or hostile): never a 5xx, always the error body,
# and a refused request writes nothing. The cases are in fuzz/bodies.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
check "routes with a JSON body in the route table = in the OpenAPI file" test \
    "$(grep -c '^ *{"[A-Z]*", *"[^"]*", *[a-z_]*, *[A-Z_]*, *JSON},' src/shop/api/routes.c)" = \
    "$(python3 -c "
import yaml
d = yaml.safe_load(open('schema/openapi.yaml'))
print(sum(1 for p in d['paths'].values() for o in p.values()
          if isinstance(o, dict) and 'application/json' in (o.get('requestBody') or {}).get('content', {})))")"

one() { sql "$1" | head -n 1; }
COOP=$AY
PRODUCT=$(one "SELECT id FROM products WHERE coop_id = $AY ORDER BY id LIMIT 1")
SKU=$(one "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id WHERE p.coop_id = $AY ORDER BY s.id LIMIT 1")
BASE=$(one "SELECT id FROM production_bases WHERE coop_id = $AY ORDER BY id LIMIT 1")
MEMBER=$(one "SELECT account_id FROM coop_members WHERE coop_id = $AY ORDER BY account_id DESC LIMIT 1")
LOT=$(one "SELECT code FROM lots WHERE coop_id = $AY ORDER BY id LIMIT 1")
CERT=$(one "SELECT id FROM certificates WHERE coop_id = $AY ORDER BY id LIMIT 1")
ORDER=$(one "SELECT id FROM orders WHERE coop_id = $AY ORDER BY id DESC LIMIT 1")
SALE=$(one "SELECT id FROM flash_sales WHERE coop_id = $AY ORDER BY id DESC LIMIT 1")
for v in PRODUCT SKU BASE MEMBER LOT CERT ORDER SALE; do
    check "a $v to aim at" test -n "${!v}"
done
PARAMS=$(jq -nc --arg coop "$COOP" --arg product "$PRODUCT" --arg sku "$SKU" --arg base "$BASE" --arg member "$MEMBER" \
    --arg lot "$LOT" --arg cert "$CERT" --arg order "$ORDER" --arg sale "$SALE" '{
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
    "POST /api/v1/lots/{lot_code}/events": {lot_code: $lot},
    "PUT /api/v1/cart/items/{sku_id}": {sku_id: $sku},
    "POST /api/v1/orders/{id}/ship": {id: $order},
    "POST /api/v1/orders/{id}/refund": {id: $order},
    "POST /api/v1/skus/{sku_id}/restock": {sku_id: $sku},
    "POST /api/v1/skus/{sku_id}/adjustments": {sku_id: $sku},
    "POST /api/v1/flash-sales/{id}/orders": {id: $sale}}')
TOKENS=$(jq -nc --arg ops "$OPS" --arg buyer "$BUYER" --arg admin "$AY_ADMIN" '{ops: $ops, buyer: $buyer, admin: $admin}')

out=$(PARAMS=$PARAMS TOKENS=$TOKENS INTERNAL_SECRET=${FARMLIVE_INTERNAL_SECRET-} python3 "$(dirname "$0")/fuzz/bodies.py" 2>"$_TMP/fuzz.err")
line=$(printf '%s\n' "$out" | grep -E '^fuzz_bodies: [0-9]+ passed' | tail -n 1)
p=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
PASS=$((PASS + ${p:-0}))
FAIL=$((FAIL + ${f:-1}))
grep -E '^FAIL' "$_TMP/fuzz.err" | head -n 60 >&2
[ -z "$line" ] && tail -n 20 "$_TMP/fuzz.err" >&2
finish
