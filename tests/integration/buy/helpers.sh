# buy/helpers.sh - shared by the buy_*.sh suites (sourced after lib.sh).
#
#   buy_logins                 AY_ADMIN AY_FARMER QBJ_ADMIN BUYER OPS tokens, AY/QBJ coop ids
#   new_buyer                  -> token of a fresh buyer account (signed up via the API)
#   new_coop NAME TAG          a fresh cooperative of its own (made by $OPS) with a fresh admin:
#                              NEW_COOP, NEW_ADMIN_EMAIL, NEW_ADMIN_PASSWORD (TAG: lower-case letters)
#   new_sku COOP PRICE         -> id of a fresh listed product's SKU (as $AY_ADMIN or $QBJ_ADMIN)
#   restock SKU QTY [LOT]      -> lot id (POST restock as the SKU's coop admin in $TOKEN)
#   checkout KEY METHOD        -> POST /api/v1/orders with that Idempotency-Key
#   addr_body METHOD           -> a checkout body
#   bulk_buyers N PREFIX FILE  -> N buyer accounts with sessions written straight to
#                                 Redis (no argon2 per login); FILE gets "account_id token"
S=$(uniq_suffix)
as() { TOKEN=$1; }

me_coop() {
    local saved=$TOKEN
    TOKEN=$1
    api GET /api/v1/me
    TOKEN=$saved
    jqr '.memberships[0].coop_id'
}

buy_logins() {
    AY_ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
    AY_FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
    QBJ_ADMIN=$(login admin@qingbaijiang.example.com "$DEMO_PASSWORD")
    BUYER=$(login buyer@example.com "$DEMO_PASSWORD")
    OPS=$(login ops@example.com "$DEMO_PASSWORD")
    AY=$(me_coop "$AY_ADMIN")
    QBJ=$(me_coop "$QBJ_ADMIN")
    check "demo logins and cooperatives" test -n "$AY_ADMIN" -a -n "$QBJ_ADMIN" -a -n "$BUYER" -a -n "$AY" -a -n "$QBJ"
}

new_coop() {
    local saved=$TOKEN
    NEW_ADMIN_EMAIL="$2-admin-$S@example.com"
    NEW_ADMIN_PASSWORD="$2-password-1"
    TOKEN=
    api POST /api/v1/accounts "$(jq -nc --arg e "$NEW_ADMIN_EMAIL" --arg p "$NEW_ADMIN_PASSWORD" --arg d "$2" \
        '{email:$e, password:$p, display_name:$d}')"
    expect_status 201 "an admin for the $2 cooperative"
    TOKEN=$OPS
    api POST /api/v1/coops "$(jq -nc --arg n "$1 $S" --arg c "93$S$(printf '%.4s' "$2" | tr a-z A-Z)" \
        --arg a "$NEW_ADMIN_EMAIL" '{name:$n, credit_code:$c, province:"江西省", city:"萍乡市", county:"安源区",
        contact_name:"测试员", contact_phone:"0799-6000000", admin_login:$a}')"
    expect_status 201 "the $2 cooperative"
    NEW_COOP=$(jqr .id)
    TOKEN=$saved
}

new_buyer() { # called in $(...): the name must be unique without a counter
    local saved=$TOKEN email
    email="buy-$(uniq_suffix)$RANDOM@example.com"
    TOKEN=
    api POST /api/v1/accounts "{\"email\":\"$email\",\"password\":\"buyer-password-1\",\"display_name\":\"买家\"}"
    TOKEN=$saved
    login "$email" buyer-password-1
}

new_sku() { # new_sku COOP PRICE (token: that coop's admin)
    api POST /api/v1/products "$(jq -nc --argjson coop "$1" --argjson p "$2" --arg n "测试商品 $(uniq_suffix)" \
        '{coop_id:$coop, name_zh:$n, category:"eggs", status:"listed", skus:[{spec:"30枚", unit:"盒", price_fen:$p, weight_g:1800}]}')"
    jqr '.skus[0].id'
}

restock() { # restock SKU QTY [LOT_CODE] [PACK_DATE]
    local body
    body=$(jq -nc --argjson q "$2" --arg c "${3-}" --arg d "${4-}" \
        '{quantity:$q} + (if $c != "" then {lot_code:$c} else {} end) + (if $d != "" then {pack_date:$d} else {} end)')
    api POST "/api/v1/skus/$1/restock" "$body"
    jqr .id
}

addr_body() {
    jq -nc --arg m "$1" '{payment_method:$m, address:{name:"王丽", phone:"13800000000", province:"江西省", city:"萍乡市", county:"安源区", detail:"大城镇 1 号"}}'
}

checkout() { api POST /api/v1/orders "$(addr_body "$2")" -H "Idempotency-Key: $1"; }

cart_put() { api PUT "/api/v1/cart/items/$1" "{\"quantity\":$2}"; }

rcli() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }

bulk_buyers() { # bulk_buyers N PREFIX FILE -> FILE: "account_id token session_hash" lines
    local n=$1 prefix=$2 file=$3
    sql "INSERT INTO accounts (email, display_name, password_hash)
         SELECT CONCAT('$prefix-', seq, '@example.com'), CONCAT('buyer ', seq), 'x' FROM seq_1_to_$n"
    sql "SELECT id, t, SHA2(t, 256) FROM (SELECT a.id, SHA2(CONCAT('$prefix', a.id, '$S'), 256) t FROM accounts a
         WHERE a.email LIKE '$prefix-%@example.com') x ORDER BY id" >"$file"
    sessions_write "$file"
}

sessions_write() { # (re)creates the Redis sessions of FILE
    awk '{ printf "HSET sess:%s account_id %s platform_admin 0 csrf %s\nEXPIRE sess:%s 86400\n", $3, $1, $2, $3 }' "$1" |
        rcli >/dev/null
}
