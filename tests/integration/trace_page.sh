#!/usr/bin/env bash
# trace_page.sh - what a buyer's phone sees (src/shop/trace_page.c,
# labels.c, epcis.c): the trace page in Chinese and English, a revoked
# certificate, the 404 page, QR codes decoded with zbarimg and followed to
# the page, the GS1 Digital Link resolver, the A4 label sheet, and the EPCIS
# 2.0 export validated against the GS1 JSON schema.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

# What the shop puts in QR codes: FARMLIVE_PUBLIC_BASE, by default
# http://localhost:PORT (config.c).
PUBLIC_BASE=${FARMLIVE_PUBLIC_BASE:-http://localhost:${FARMLIVE_SHOP_PORT:-8080}}
PUBLIC_BASE=${PUBLIC_BASE%/}
PUBLIC_HOSTPORT=${PUBLIC_BASE#*://}
PUBLIC_HOSTPORT=${PUBLIC_HOSTPORT%%/*}
case "$PUBLIC_HOSTPORT" in *:*) ;; *) PUBLIC_HOSTPORT="$PUBLIC_HOSTPORT:80" ;; esac

# ------------------------------------------------------------------ page
as ""
api GET "/t/$DEMO_LOT"
expect_status 200 "the demo lot's page"
check "page is HTML" test "$(header content-type)" = "text/html; charset=utf-8"
check "page is Chinese by default" grep -q 'lang="zh-CN"' <<<"$BODY"
check "mobile viewport" grep -q 'name="viewport"' <<<"$BODY"
for want in 绿壳乌鸡蛋 萍乡市安源区大城生态农业专业合作社 大城基地 承诺达标合格证 恩诺沙星 未检出 绿色食品 LB-15-2609-36-0213-A 生产流通记录 养殖 发货 "$DEMO_LOT" '记录完整'; do
    check "page shows $want" grep -qF "$want" <<<"$BODY"
done
check "page has no script" bash -c '! grep -qi "<script" <<<"$1"' _ "$BODY"
api GET "/t/$DEMO_LOT?lang=en"
expect_status 200 "English page"
check "English page is marked en" grep -q 'lang="en"' <<<"$BODY"
for want in "Green-shell black-chicken eggs" "Certificate of conformity" "Test results" "From farm to you" "Record intact"; do
    check "English page shows $want" grep -qF "$want" <<<"$BODY"
done
check "the English page links back to Chinese" grep -qF "href=\"/t/$DEMO_LOT\"" <<<"$BODY"

api GET "/t/NO-SUCH-$S"
expect_status 404 "unknown lot: 404"
check "the 404 is an HTML page" test "$(header content-type)" = "text/html; charset=utf-8"
check "the 404 page says so" grep -qF '未找到该批次' <<<"$BODY"
check "the 404 page is not a JSON error" bash -c '! grep -q "\"error\"" <<<"$1"' _ "$BODY"
api GET "/t/%3Cscript%3E"
expect_status 404 "a malformed code: 404 page"
check "the code is escaped on the 404 page" bash -c '! grep -q "<script>" <<<"$1"' _ "$BODY"

# A revoked certificate shows as revoked.
CODE="TP-$S-01"
new_lot "$CODE"
expect_status 201 "a lot for the page"
as "$AY_ADMIN"
api POST "/api/v1/coops/$AY/certificates" "$(jq -nc --arg c "$CODE" --arg d "$(date -u +%F)" '{kind:"conformity",holder:"合作社",product_name:"绿壳乌鸡蛋",quantity:"120盒",contact:"0799-6231088",address:"安源区",origin:"安源区",issued_on:$d,basis:"self_test",commitments:["不使用禁用药物"],test_results:[{item:"<b>恩诺沙星</b>",method:"速测卡",result:"阴性",limit:"阴性",verdict:"pass"}],attach:{lots:[$c]}}')"
expect_status 201 "certificate for the page"
CERT=$(jqr '.id')
api POST "/api/v1/certificates/$CERT/revoke" '{"reason":"抽检发现问题，召回"}'
expect_status 200 "revoke it"
as ""
api GET "/t/$CODE"
expect_status 200 "page of the lot with a revoked certificate"
check "the revoked stamp shows" grep -qF '<span class="stamp">已撤销</span>' <<<"$BODY"
check "the revoked card is marked" grep -qF 'class="card revoked"' <<<"$BODY"
check "the reason shows" grep -qF '抽检发现问题，召回' <<<"$BODY"
check "user text is escaped" grep -qF '&lt;b&gt;恩诺沙星&lt;/b&gt;' <<<"$BODY"
api GET "/t/$CODE?lang=en"
check "REVOKED in English" grep -qF '>REVOKED<' <<<"$BODY"
api GET "/api/v1/trace/$CODE"
expect_status 200 "the JSON of the lot with a revoked certificate"
expect_jq '.certificates[0].status' revoked "JSON shows revoked"

# ------------------------------------------------------------ QR codes
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD" "$_TMP"' EXIT
for lot in "$DEMO_LOT" "$CODE"; do
    curl -s -o "$TMPD/qr.png" -w '%{http_code} %{content_type}' "$SHOP_URL/api/v1/lots/$lot/qr.png" >"$TMPD/st"
    check "QR PNG of $lot" test "$(cat "$TMPD/st")" = "200 image/png"
    URL=$(zbarimg -q --raw "$TMPD/qr.png" 2>/dev/null | head -n 1)
    check "zbarimg decodes the PNG of $lot" test -n "$URL"
    check "the QR URL is a GS1 Digital Link for $lot" test "$URL" = "$PUBLIC_BASE/01/$EGG_GTIN/10/$lot"
    # follow it, redirect included (the public base may name another host:
    # reach the shop where the tests do)
    code=$(curl -s -o "$TMPD/page.html" -w '%{http_code}' -L "$URL" --connect-to "${PUBLIC_HOSTPORT}:127.0.0.1:${SHOP_URL##*:}")
    check "following the QR URL of $lot reaches its page" test "$code" = 200
    check "the page reached from the QR names $lot" grep -qF "$lot" "$TMPD/page.html"
done
curl -s -o "$TMPD/big.png" "$SHOP_URL/api/v1/lots/$DEMO_LOT/qr.png?scale=3"
check "a smaller scale still decodes" test -n "$(zbarimg -q --raw "$TMPD/big.png" 2>/dev/null)"
api GET "/api/v1/lots/$DEMO_LOT/qr.png?scale=0"
expect_error 400 bad_request "scale 0"
api GET "/api/v1/lots/NO-SUCH-$S/qr.png"
expect_error 404 not_found "QR of an unknown lot"

api GET "/api/v1/lots/$DEMO_LOT/qr.svg"
expect_status 200 "QR SVG"
check "SVG type" test "$(header content-type)" = "image/svg+xml"
check "SVG document" grep -q '<svg xmlns="http://www.w3.org/2000/svg"' <<<"$BODY"
printf '%s' "$BODY" >"$TMPD/qr.svg"
if command -v ffmpeg >/dev/null && ffmpeg -loglevel quiet -y -i "$TMPD/qr.svg" "$TMPD/svg.png" 2>/dev/null; then
    check "the SVG decodes too" test -n "$(zbarimg -q --raw "$TMPD/svg.png" 2>/dev/null)"
fi
check "the SVG says what it holds" test "$(header x-qr-content)" != ""
api GET "/api/v1/lots/NO-SUCH-$S/qr.svg"
expect_error 404 not_found "SVG of an unknown lot"

# A lot whose SKU has no GTIN: the QR holds /t/{code}.
NOG="TP-$S-02"
new_lot "$NOG" "$NOGTIN_SKU"
expect_status 201 "a lot without a GTIN"
curl -s -o "$TMPD/nog.png" "$SHOP_URL/api/v1/lots/$NOG/qr.png"
URL=$(zbarimg -q --raw "$TMPD/nog.png" 2>/dev/null | head -n 1)
check "without a GTIN the QR holds the trace page URL" test "${URL##*/t/}" = "$NOG"

# ---------------------------------------------------- GS1 Digital Link
api GET "/01/$EGG_GTIN/10/$DEMO_LOT"
expect_status 302 "Digital Link resolves"
# (lib.sh lower-cases the whole header block)
check "to the trace page" test "$(header location)" = "$(printf '%s/t/%s' "$PUBLIC_BASE" "$DEMO_LOT" | tr 'A-Z' 'a-z')"
api GET "/01/${EGG_GTIN#0}/10/$DEMO_LOT"
expect_status 302 "a GTIN-13 is padded to 14 digits"
api GET "/01/$EGG_GTIN/10/$DEMO_LOT?lang=en"
check "the language is kept" test -n "$(header location | grep 'lang=en')"
api GET "/01/06970615000129/10/$DEMO_LOT"
expect_status 404 "another SKU's GTIN does not resolve"
check "that 404 is the HTML page" grep -qF '未找到该批次' <<<"$BODY"
api GET "/01/12ab/10/$DEMO_LOT"
expect_status 404 "a malformed GTIN"

# ---------------------------------------------------------- label sheet
api GET "/api/v1/lots/$DEMO_LOT/labels?n=6"
expect_status 200 "label sheet"
check "A4 page" grep -qF '@page{size:A4' <<<"$BODY"
check "six labels" test "$(grep -o 'class="label"' <<<"$BODY" | wc -l)" = 6
check "labels carry the product name" grep -qF '绿壳乌鸡蛋' <<<"$BODY"
check "labels carry the lot code" grep -qF "$DEMO_LOT" <<<"$BODY"
check "labels carry the QR" test "$(grep -o '<svg' <<<"$BODY" | wc -l)" = 6
api GET "/api/v1/lots/$DEMO_LOT/labels"
check "24 labels by default" test "$(grep -o 'class="label"' <<<"$BODY" | wc -l)" = 24
api GET "/api/v1/lots/$DEMO_LOT/labels?n=1000"
expect_error 400 bad_request "too many labels"
api GET "/api/v1/lots/NO-SUCH-$S/labels"
expect_error 404 not_found "labels of an unknown lot"

# ---------------------------------------------------------------- EPCIS
api GET "/api/v1/trace/$DEMO_LOT/epcis"
expect_status 200 "EPCIS export"
expect_schema EpcisDocument "the EPCIS export as schema/openapi.yaml says"
expect_jq '.type' EPCISDocument "document type"
expect_jq '.schemaVersion' 2.0 "schema version"
expect_jq '."@context"[0]' https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld "GS1 context"
expect_jq '.epcisBody.eventList | length >= 5' true "one event per trace event"
expect_jq '[.epcisBody.eventList[].type] | unique | tojson' '["ObjectEvent"]' "ObjectEvents"
expect_jq '.epcisBody.eventList[0].action' ADD "the first adds the lot"
expect_jq '.epcisBody.eventList[1].action' OBSERVE "later ones observe it"
expect_jq '.epcisBody.eventList[0].quantityList[0].epcClass' "https://id.gs1.org/01/$EGG_GTIN/10/$DEMO_LOT" "the lot as an epcClass"
expect_jq '.epcisBody.eventList[0].quantityList[0].quantity' 300 "its quantity"
expect_jq '[.epcisBody.eventList[].bizStep] | index("shipping") != null' true "CBV shipping"
expect_jq '[.epcisBody.eventList[].bizStep] | index("inspecting") != null' true "CBV inspecting"
expect_jq '[.epcisBody.eventList[] | select(.bizStep == "shipping")][0].disposition' in_transit "CBV disposition"
expect_jq '.epcisBody.eventList | all(.readPoint.id != null)' true "readPoint on every event"
expect_jq '.epcisBody.eventList[0].bizLocation.id != null' true "bizLocation on farm events"
expect_jq '.epcisBody.eventList[0].certificationInfo | length >= 1' true "certificationInfo"
printf '%s' "$BODY" >"$TMPD/epcis.json"
# The schema: ../shared/epcis beside the repository (CI), else /work/shared/epcis.
SCHEMA=""
for d in "$(dirname "$0")/../../../shared/epcis" /work/shared/epcis; do
    [ -f "$d/EPCIS-JSON-Schema.json" ] && { SCHEMA="$d/EPCIS-JSON-Schema.json"; break; }
done
PY=""
for p in /usr/bin/python3 python3; do
    "$p" -c 'import jsonschema' 2>/dev/null && { PY=$p; break; }
done
[ -n "$PY" ] || bad "python3 with jsonschema is missing (ops/install-deps.sh installs python3-jsonschema)"
if [ -n "$SCHEMA" ] && [ -n "$PY" ]; then
    validate() {
        "$PY" -c 'import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])), format_checker=jsonschema.FormatChecker())' "$SCHEMA" "$1" 2>"$TMPD/why"
    }
    check "the export validates against the EPCIS 2.0 JSON schema" validate "$TMPD/epcis.json"
    [ -s "$TMPD/why" ] && tail -n 5 "$TMPD/why" >&2
    jq 'del(.epcisBody.eventList[0].eventTimeZoneOffset)' "$TMPD/epcis.json" >"$TMPD/broken.json"
    invalid() { ! validate "$1"; }
    check "the validator is real: a document without eventTimeZoneOffset fails" invalid "$TMPD/broken.json"
    api GET "/api/v1/trace/$CODE/epcis"
    expect_status 200 "EPCIS of a lot with no events"
    expect_schema EpcisDocument "an EPCIS export without events"
    printf '%s' "$BODY" >"$TMPD/epcis2.json"
    check "a lot with no events validates too" validate "$TMPD/epcis2.json"
else
    echo "trace_page: the EPCIS schema (../shared/epcis) is not beside the repository: checked the shape only" >&2
    expect_jq '.epcisBody.eventList | all(.eventTime != null and .eventTimeZoneOffset != null and .action != null)' true "EPCIS required fields"
fi
api GET "/api/v1/trace/NO-SUCH-$S/epcis"
expect_error 404 not_found "EPCIS of an unknown lot"

finish
