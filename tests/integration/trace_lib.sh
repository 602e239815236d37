# trace_lib.sh - shared set-up of the trace_*.sh suites (sourced after lib.sh).
#
# Logs in the demo accounts, finds the Anyuan and Qingbaijiang cooperatives,
# an Anyuan egg SKU (with GTIN), an Anyuan SKU without GTIN and a
# Qingbaijiang SKU, and offers new_lot CODE [SKU] to create a lot as the
# Anyuan farmer. Not a suite (run.sh skips *_lib.sh).

S=$(uniq_suffix)
as() { TOKEN=$1; }
membership_coop() {
    local saved=$TOKEN
    TOKEN=$1
    api GET /api/v1/me
    TOKEN=$saved
    jqr '.memberships[0].coop_id'
}

AY_ADMIN=$(login admin@anyuan.example.com "$DEMO_PASSWORD")
AY_FARMER=$(login farmer@anyuan.example.com "$DEMO_PASSWORD")
QBJ_ADMIN=$(login admin@qingbaijiang.example.com "$DEMO_PASSWORD")
QBJ_FARMER=$(login farmer@qingbaijiang.example.com "$DEMO_PASSWORD")
BUYER=$(login buyer@example.com "$DEMO_PASSWORD")
OPS=$(login ops@example.com "$DEMO_PASSWORD")
check "demo logins work" test -n "$AY_ADMIN" -a -n "$AY_FARMER" -a -n "$QBJ_ADMIN" -a -n "$BUYER" -a -n "$OPS"
AY=$(membership_coop "$AY_ADMIN")
QBJ=$(membership_coop "$QBJ_ADMIN")
EGG_SKU=$(sql "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id WHERE p.coop_id = $AY AND p.name_zh = '绿壳乌鸡蛋' AND s.spec = '30枚装'")
EGG_PRODUCT=$(sql "SELECT product_id FROM skus WHERE id = $EGG_SKU")
EGG_GTIN=$(sql "SELECT gtin FROM skus WHERE id = $EGG_SKU")
NOGTIN_SKU=$(sql "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id WHERE p.coop_id = $AY AND s.gtin IS NULL ORDER BY s.id LIMIT 1")
QBJ_SKU=$(sql "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id WHERE p.coop_id = $QBJ ORDER BY s.id LIMIT 1")
AY_BASE=$(sql "SELECT id FROM production_bases WHERE coop_id = $AY AND name = '大城基地'")
QBJ_BASE=$(sql "SELECT id FROM production_bases WHERE coop_id = $QBJ ORDER BY id LIMIT 1")
AY_FARMER_ID=$(sql "SELECT id FROM accounts WHERE email = 'farmer@anyuan.example.com'")
check "trace fixtures found" test -n "$AY" -a -n "$QBJ" -a -n "$EGG_SKU" -a -n "$NOGTIN_SKU" -a -n "$QBJ_SKU" -a -n "$AY_BASE"
DEMO_LOT=AY-EGG-20261120-01

# new_lot CODE [SKU] -> creates the lot as the Anyuan farmer (leaves STATUS/BODY)
new_lot() {
    local saved=$TOKEN
    TOKEN=$AY_FARMER
    api POST "/api/v1/coops/$AY/lots" "$(jq -nc --arg c "$1" --argjson s "${2:-$EGG_SKU}" --argjson b "$AY_BASE" \
        '{code:$c,sku_id:$s,quantity:120,base_id:$b,harvest_date:"2026-11-01",pack_date:"2026-11-02"}')"
    TOKEN=$saved
}

# add_event CODE KIND TIME [DETAILS_JSON] -> appends as the Anyuan farmer
add_event() {
    local saved=$TOKEN
    TOKEN=$AY_FARMER
    api POST "/api/v1/lots/$1/events" "$(jq -nc --arg k "$2" --arg t "$3" --argjson d "${4:-{\}}" \
        '{kind:$k,occurred_at:$t,place:"大城基地",details:$d}')"
    TOKEN=$saved
}
