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

# expect_schema NAME DESC -> the last response body is what the OpenAPI file
# says: it validates against components.schemas.NAME of schema/openapi.yaml
# (OpenAPI 3.0 read as JSON Schema: nullable becomes "or null"). Stricter
# than a client needs to be: an object may hold no property its schema does
# not name (unless the schema says additionalProperties), so the file must
# describe every field the code sends.
OPENAPI_FILE=${FARMLIVE_OPENAPI:-$(cd "$(dirname "$0")/../.." && pwd)/schema/openapi.yaml}
SCHEMA_PY=""
for p in /usr/bin/python3 python3; do
    "$p" -c 'import jsonschema, yaml' 2>/dev/null && { SCHEMA_PY=$p; break; }
done
# schema_errors NAME -> says why $BODY is not a NAME, and fails then
schema_errors() {
    printf '%s' "$BODY" | "${SCHEMA_PY:-false}" -c '
import json, sys, yaml, jsonschema
spec = yaml.safe_load(open(sys.argv[1]))

def conv(x):
    if isinstance(x, list):
        return [conv(v) for v in x]
    if not isinstance(x, dict):
        return x
    y = {}
    for k, v in x.items():
        if k in ("nullable", "example", "description") or k.startswith("x-"):
            continue
        if k == "properties":
            y[k] = {name: conv(s) for name, s in v.items()}
        elif k == "$ref":
            y[k] = v.replace("#/components/schemas/", "#/$defs/")
        else:
            y[k] = conv(v)
    if y.get("type") == "object" and "properties" in y and "additionalProperties" not in y:
        y["additionalProperties"] = False
    return {"anyOf": [y, {"type": "null"}]} if x.get("nullable") is True else y

root = {"$defs": {n: conv(s) for n, s in spec["components"]["schemas"].items()}, "$ref": "#/$defs/" + sys.argv[2]}
v = jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
errors = sorted(v.iter_errors(json.load(sys.stdin)), key=lambda e: list(e.absolute_path))
for e in errors[:3]:
    print("at /%s: %s" % ("/".join(str(p) for p in e.absolute_path), e.message[:300]))
sys.exit(1 if errors else 0)
' "$OPENAPI_FILE" "$1" 2>&1
}

expect_schema() {
    local why
    if [ -z "$SCHEMA_PY" ]; then
        bad "$2: python3 with jsonschema and yaml is missing (ops/install-deps.sh installs them)"
        return 0
    fi
    if why=$(schema_errors "$1"); then ok; else bad "$2: the answer is not a $1 as schema/openapi.yaml says" "$why"; fi
}

# not_a NAME -> succeeds when $BODY is not a NAME (to show the check is real)
not_a() { [ -n "$SCHEMA_PY" ] && ! schema_errors "$1" >/dev/null; }
