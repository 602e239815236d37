#!/usr/bin/env bash
# trace_certs.sh - certificates (src/shop/domain/certificates.c,
# api/certificates.c): every kind, every 422, attaching, revocation,
# signatures, rights, the list a page at a time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trace_lib.sh"

CODE="TC-$S-01"
new_lot "$CODE"
expect_status 201 "a lot to certify"
TODAY=$(date -u +%F)

conformity() { # extra jq merge
    jq -nc --arg c "$CODE" --arg d "$TODAY" --arg n "HGZ-$S" "{kind:\"conformity\",number:\$n,holder:\"萍乡市安源区大城生态农业专业合作社\",
        product_name:\"绿壳乌鸡蛋\",quantity:\"120盒\",contact:\"0799-6231088\",address:\"江西省萍乡市安源区\",
        origin:\"江西省萍乡市安源区\",issued_on:\$d,basis:\"entrusted_test\",
        commitments:[\"不使用禁用农药兽药、停用兽药和非法添加物\",\"常规农药兽药残留不超标\"],
        test_results:[{item:\"恩诺沙星\",method:\"GB 31658.17-2021\",result:\"未检出\",limit:\"不得检出\",verdict:\"pass\"}],
        attach:{lots:[\$c]}} + ${1:-{\}}"
}
green() {
    jq -nc --arg p "$EGG_PRODUCT" "{kind:\"green_food\",number:\"LB-15-2611-36-$((RANDOM % 9000 + 1000))-A\",
        issuing_body:\"中国绿色食品发展中心\",holder:\"合作社\",issued_on:\"2026-01-10\",valid_from:\"2026-01-10\",
        valid_until:\"2029-01-09\",scope:\"年产 100 万枚\",attach:{products:[(\$p|tonumber)]}} + ${1:-{\}}"
}

# ---------------------------------------------------------------- issue
as "$AY_FARMER"
api POST "/api/v1/coops/$AY/certificates" "$(conformity)"
expect_status 201 "farmer issues a certificate of conformity attached to the lot"
expect_schema Certificate "the new certificate of conformity"
expect_jq '.kind' conformity "kind"
expect_jq '.status' valid "status"
expect_jq '.basis' entrusted_test "basis"
expect_jq '.test_results[0].item' '恩诺沙星' "test results kept"
expect_jq '.commitments | length' 2 "commitments kept"
expect_jq '.signature | test("^[0-9a-f]{128}$")' true "signed"
expect_jq '.signature_valid' true "signature valid"
expect_jq '.verification' self_issued "a certificate of conformity is labelled self-issued"
expect_jq '.attached_to.lots | tojson' "[\"$CODE\"]" "attached to the lot"
CERT=$(jqr '.id')

api POST "/api/v1/coops/$AY/certificates" "$(conformity '{basis:"internal_control",test_results:null,attach:null}' | jq -c 'del(.attach)')"
expect_status 201 "internal control needs no test results"

as "$AY_ADMIN"
api POST "/api/v1/coops/$AY/certificates" "$(green)"
expect_status 201 "admin records a green-food certification on the product"
GREEN=$(jqr '.id')
expect_jq '.attached_to.products | tojson' "[$EGG_PRODUCT]" "attached to the product"
api POST "/api/v1/coops/$AY/certificates" "$(jq -nc --argjson b "$AY_BASE" '{kind:"organic",number:"COFCC-OP-26-00123",issuing_body:"中绿华夏有机食品认证中心",holder:"合作社",issued_on:"2026-03-01",valid_from:"2026-03-01",valid_until:"2027-02-28",attach:{bases:[$b]}}')"
expect_status 201 "organic certification on a base"
api POST "/api/v1/coops/$AY/certificates" '{"kind":"pollution_free","number":"WGH-JX-26-0042","issuing_body":"江西省农业农村厅","holder":"合作社","issued_on":"2026-02-01","valid_from":"2026-02-01","valid_until":"2029-01-31"}'
expect_status 201 "pollution-free certification"
api POST "/api/v1/coops/$AY/certificates" '{"kind":"geo_indication","number":"AGI-2019-03-02691","issuing_body":"农业农村部","holder":"安源区农业协会","issued_on":"2019-12-01","valid_from":"2019-12-01"}'
expect_status 201 "geographical indication without an end date"
expect_schema Certificate "a certification without an end date"
expect_jq '.valid_until' null "indefinite"

# ------------------------------------------- third parties' certificates
# A farmer records a green-food certification naming the China Green Food
# Development Center: it stays pending - unsigned, not "certified" - until a
# platform admin verifies it.
as "$AY_ADMIN"
P_PRODUCT=$(api POST /api/v1/products "$(jq -nc --argjson coop "$AY" --arg n "待核验商品 $S" \
    '{coop_id:$coop, name_zh:$n, category:"eggs", status:"listed", skus:[{spec:"30枚", unit:"盒", price_fen:990, weight_g:1800}]}')"; jqr .id)
check "a product of its own for the pending certification ($P_PRODUCT)" test -n "$P_PRODUCT" -a "$P_PRODUCT" != null
as "$AY_FARMER"
api POST "/api/v1/coops/$AY/certificates" "$(green "{attach:{products:[$P_PRODUCT]},verify_url:\"https://www.greenfood.org.cn/\"}")"
expect_status 201 "a farmer records a third party's certification"
expect_schema Certificate "a pending certificate"
expect_jq '.status' pending "it starts pending"
expect_jq '.verification' pending "labelled pending"
expect_jq '.signature' null "the platform does not sign it while pending"
expect_jq '.signature_valid' false "so no signature holds"
PENDING=$(jqr .id)
as ""
api GET "/api/v1/products/$P_PRODUCT"
expect_status 200 "the product of a pending certification"
expect_jq "[.certifications[] | select(.id == $PENDING) | .status][0]" pending "its certification shows as pending"
api GET "/api/v1/products?certified=true&coop=$AY&limit=100"
expect_status 200 "certified products"
expect_jq "[.items[] | select(.id == $P_PRODUCT)] | length" 0 "a pending certification does not make a product certified"
as "$AY_ADMIN"
api POST "/api/v1/certificates/$PENDING/verify" '{}'
expect_error 403 forbidden "a coop admin cannot verify"
as "$OPS"
api POST "/api/v1/certificates/$CERT/verify" '{}'
expect_error 409 conflict "a certificate of conformity is self-issued: nothing to verify"
api POST "/api/v1/certificates/$PENDING/verify" '{"verify_url":"javascript:alert(1)"}'
expect_error 422 validation_failed "the lookup URL is https"
api POST "/api/v1/certificates/$PENDING/verify" '{"verify_url":"https://www.greenfood.org.cn/ztzl/lbcx/"}'
expect_status 200 "a platform admin verifies it"
expect_schema Certificate "a verified certificate"
expect_jq '.status' valid "valid once verified"
expect_jq '.verification' verified "labelled verified"
expect_jq '.verified_at != null' true "when"
expect_jq '.signature_valid' true "signed once verified"
expect_jq '.verify_url' https://www.greenfood.org.cn/ztzl/lbcx/ "the lookup checked"
api POST "/api/v1/certificates/$PENDING/verify" '{}'
expect_error 409 conflict "verifying twice"
as ""
api GET "/api/v1/products?certified=true&coop=$AY&limit=100"
expect_status 200 "certified products after the verification"
expect_jq "[.items[] | select(.id == $P_PRODUCT)] | length" 1 "a verified certification makes the product certified"

# ------------------------------------------------------------ the 422s
as "$AY_FARMER"
MAX_BEFORE=$(sql "SELECT COALESCE(MAX(id), 0) FROM certificates")
bad_cert() { # DESC JSON
    api POST "/api/v1/coops/$AY/certificates" "$2"
    expect_error 422 validation_failed "$1"
}
bad_cert "unknown kind" "$(conformity '{kind:"halal"}')"
bad_cert "missing kind" "$(conformity | jq -c 'del(.kind)')"
bad_cert "impossible issue date" "$(conformity '{issued_on:"2026-13-01"}')"
bad_cert "issue date in the future" "$(conformity '{issued_on:"2099-01-01"}')"
bad_cert "valid_until before valid_from" "$(green '{valid_from:"2026-05-01",valid_until:"2026-04-30"}')"
bad_cert "valid_until before issued_on" "$(green '{issued_on:"2026-05-01",valid_from:"2026-01-01",valid_until:"2026-04-30"}')"
bad_cert "a javascript: verify_url" "$(green '{verify_url:"javascript:alert(document.cookie)"}')"
bad_cert "a plain http verify_url" "$(green '{verify_url:"http://www.greenfood.org.cn/"}')"
bad_cert "a verify_url that leaves its attribute" "$(green '{verify_url:"https://www.greenfood.org.cn/\"><script>x</script>"}')"
bad_cert "green food number of the wrong shape" "$(green '{number:"GF-123"}')"
bad_cert "organic number of the wrong shape" '{"kind":"organic","number":"12345","issuing_body":"x","holder":"x","issued_on":"2026-01-01","valid_from":"2026-01-01","valid_until":"2027-01-01"}'
bad_cert "green food without an end date" "$(green | jq -c 'del(.valid_until)')"
bad_cert "green food without an issuing body" "$(green | jq -c 'del(.issuing_body)')"
bad_cert "conformity without commitments" "$(conformity | jq -c 'del(.commitments)')"
bad_cert "conformity without producer contact" "$(conformity | jq -c 'del(.contact)')"
bad_cert "unknown basis" "$(conformity '{basis:"trust_me"}')"
bad_cert "tested basis without results" "$(conformity | jq -c 'del(.test_results)')"
bad_cert "a failed test result" "$(conformity '{test_results:[{item:"甲硝唑",method:"GB 31658.23-2022",result:"3 μg/kg",limit:"不得检出",verdict:"fail"}]}')"
bad_cert "a test result missing its method" "$(conformity '{test_results:[{item:"x",result:"y",limit:"z",verdict:"pass"}]}')"
bad_cert "conformity attached to a product" "$(conformity "{attach:{products:[$EGG_PRODUCT]}}")"
bad_cert "green food attached to a lot" "$(green "{attach:{lots:[\"$CODE\"]}}")"
bad_cert "attached to another cooperative's base" "$(green "{attach:{bases:[$QBJ_BASE]}}")"
bad_cert "attached to an unknown lot" "$(conformity '{attach:{lots:["NO-SUCH-LOT-X"]}}')"
bad_cert "an expired certificate attached" "$(green '{issued_on:"2020-01-01",valid_from:"2020-01-01",valid_until:"2023-01-01"}')"
check "refused certificates wrote nothing" test "$(sql "SELECT COUNT(*) FROM certificates WHERE id > $MAX_BEFORE AND coop_id = $AY")" = 0

# ------------------------------------------------------- attach, revoke
as "$AY_ADMIN"
api POST "/api/v1/coops/$AY/certificates" "$(green '{issued_on:"2020-01-01",valid_from:"2020-01-01",valid_until:"2023-01-01"}' | jq -c 'del(.attach)')"
expect_status 201 "an expired certificate may be recorded unattached"
EXPIRED=$(jqr '.id')
expect_jq '.expired' true "marked expired"
api POST "/api/v1/certificates/$EXPIRED/attachments" "{\"product_id\":$EGG_PRODUCT}"
expect_error 422 validation_failed "attaching an expired certificate"

CODE2="TC-$S-02"
new_lot "$CODE2"
expect_status 201 "a second lot"
as "$AY_FARMER"
api POST "/api/v1/certificates/$CERT/attachments" "{\"lot_code\":\"$CODE2\"}"
expect_status 200 "attach the conformity certificate to a second lot"
expect_schema Certificate "the attached certificate"
expect_jq '.attached_to.lots | length' 2 "two lots"
api POST "/api/v1/certificates/$CERT/attachments" "{\"lot_code\":\"$CODE2\",\"product_id\":1}"
expect_error 422 validation_failed "two targets at once"
api POST "/api/v1/certificates/$CERT/attachments" '{}'
expect_error 422 validation_failed "no target"
api POST "/api/v1/certificates/$CERT/attachments" "{\"base_id\":$AY_BASE}"
expect_error 422 validation_failed "conformity to a base"
api POST "/api/v1/certificates/999999999/attachments" "{\"lot_code\":\"$CODE2\"}"
expect_error 404 not_found "unknown certificate"

api POST "/api/v1/certificates/$GREEN/revoke" '{"reason":"年检不合格"}'
expect_error 403 forbidden "a farmer cannot revoke"
as "$QBJ_ADMIN"
api POST "/api/v1/certificates/$GREEN/revoke" '{"reason":"x"}'
expect_error 403 forbidden "another cooperative's admin cannot revoke"
as "$AY_ADMIN"
api POST "/api/v1/certificates/$GREEN/revoke" '{}'
expect_error 422 validation_failed "revocation needs a reason"
api POST "/api/v1/certificates/$GREEN/revoke" '{"reason":"年检不合格，证书撤销"}'
expect_status 200 "admin revokes"
expect_schema Certificate "the revoked certificate"
expect_jq '.status' revoked "revoked"
expect_jq '.revoked_reason' '年检不合格，证书撤销' "reason kept"
expect_jq '.revoked_at != null' true "revocation time"
expect_jq '.signature_valid' true "re-signed after revocation"
api POST "/api/v1/certificates/$GREEN/revoke" '{"reason":"again"}'
expect_error 409 conflict "revoking twice"
api POST "/api/v1/certificates/$GREEN/attachments" "{\"product_id\":$EGG_PRODUCT}"
expect_error 422 validation_failed "attaching a revoked certificate"

# ---------------------------------------------------------------- rights
as ""
api POST "/api/v1/coops/$AY/certificates" "$(conformity)"
expect_error 401 unauthorized "anonymous cannot issue"
api POST "/api/v1/certificates/$CERT/attachments" "{\"lot_code\":\"$CODE2\"}"
expect_error 401 unauthorized "anonymous cannot attach"
api POST "/api/v1/certificates/$CERT/revoke" '{"reason":"x"}'
expect_error 401 unauthorized "anonymous cannot revoke"
as "$QBJ_FARMER"
api POST "/api/v1/coops/$AY/certificates" "$(conformity)"
expect_error 403 forbidden "another cooperative cannot issue"
api POST "/api/v1/certificates/$CERT/attachments" "{\"lot_code\":\"$CODE2\"}"
expect_error 403 forbidden "another cooperative cannot attach"
as "$BUYER"
api POST "/api/v1/coops/$AY/certificates" "$(conformity)"
expect_error 403 forbidden "a buyer cannot issue"

# ---------------------------------------------------------------- reading
as ""
api GET "/api/v1/certificates/$CERT"
expect_status 200 "anyone reads a certificate"
expect_schema Certificate "a certificate read by id"
expect_jq '.signature_valid' true "its signature holds"
api GET "/api/v1/certificates/999999999"
expect_error 404 not_found "unknown certificate"
api GET "/api/v1/coops/$AY/certificates?kind=green_food"
expect_status 200 "list a cooperative's certificates"
expect_schema CertificateList "a page of certificates"
expect_jq '[.items[].kind] | unique | tojson' '["green_food"]' "filtered by kind"
expect_jq "[.items[] | select(.id == $GREEN) | .status][0]" revoked "the revoked one is listed as revoked"
api GET "/api/v1/coops/$AY/certificates?kind=nonsense"
expect_error 400 bad_request "unknown kind filter"

# Every page of the list, to the end (records are kept two years: the list
# must not stop at some number): each certificate once, newest first.
ALL=$(sql "SELECT COUNT(*) FROM certificates WHERE coop_id = $AY")
check "more than one page of certificates to list" test "$ALL" -gt 3
SEEN=""
CUR=""
PAGES=0
for _ in $(seq 1 200); do
    api GET "/api/v1/coops/$AY/certificates?limit=3${CUR:+&cursor=$CUR}"
    [ "$STATUS" = 200 ] || break
    PAGES=$((PAGES + 1))
    SEEN="$SEEN $(jqr '[.items[].id] | map(tostring) | join(" ")')"
    CUR=$(jqr '.next_cursor // empty')
    [ -n "$CUR" ] || break
done
expect_status 200 "paging through every certificate"
check "several pages ($PAGES)" test "$PAGES" -gt 1
check "paging shows every certificate once ($ALL)" test "$(printf '%s\n' $SEEN | sort -u | wc -l)" = "$ALL" -a "$(printf '%s\n' $SEEN | wc -l)" = "$ALL"
check "paging is newest first" test "$(printf '%s\n' $SEEN)" = "$(printf '%s\n' $SEEN | sort -rn)"
check "the last page has a null next_cursor" test -z "$CUR"
api GET "/api/v1/coops/$AY/certificates?limit=1"
expect_status 200 "a page of one certificate"
expect_jq '.items | length' 1 "limit 1"
NEXT=$(jqr '.next_cursor')
FIRST=$(jqr '.items[0].id')
api GET "/api/v1/coops/$AY/certificates?limit=1&cursor=$NEXT"
expect_status 200 "the second page"
expect_schema CertificateList "the second page of certificates"
expect_jq ".items[0].id < $FIRST" true "the second page is older"
api GET "/api/v1/coops/$AY/certificates?kind=conformity&limit=1&cursor=$NEXT"
expect_status 200 "a filtered page after a cursor"
expect_jq '[.items[].kind] | all(. == "conformity")' true "the filter holds on later pages"
api GET "/api/v1/coops/$AY/certificates?cursor="
expect_status 200 "an empty cursor is the first page"
expect_jq '.items[0].id' "$FIRST" "the first page again"
api GET "/api/v1/coops/$AY/certificates?limit=0"
expect_error 400 bad_request "limit 0"
api GET "/api/v1/coops/$AY/certificates?limit=101"
expect_error 400 bad_request "limit 101"
api GET "/api/v1/coops/$AY/certificates?cursor=zz"
expect_error 400 bad_request "a malformed cursor"
api GET "/api/v1/coops/999999999/certificates"
expect_error 404 not_found "unknown cooperative"

# The demo data: a conformity certificate on the demo lot and a green-food
# certification (LB-XX-YYMM-PP-NNNN-A) on the product.
api GET "/api/v1/trace/$DEMO_LOT"
expect_status 200 "the demo lot's trace"
expect_jq '[.certificates[] | select(.kind == "conformity")][0].test_results | length >= 1' true "demo conformity certificate has test results"
expect_jq '[.certificates[] | select(.kind == "green_food")][0].number | test("^LB-[0-9]{2}-[0-9]{4}-[0-9]{2}-[0-9]{4}-AA?$")' true "demo green-food number shape"
expect_jq '[.certificates[] | select(.verification != "pending") | .signature_valid] | all' true "demo certificates signed"
expect_jq '[.certificates[] | select(.kind == "green_food" and .number == "LB-15-2609-36-0213-A")][0].verification' verified "the demo green-food certification was verified"
expect_jq '[.certificates[] | select(.kind == "conformity")][0].verification' self_issued "the demo conformity certificate is self-issued"

# Tampering with a certificate row breaks its signature.
api POST "/api/v1/coops/$AY/certificates" "$(conformity)" -H "Authorization: Bearer $AY_ADMIN"
expect_status 201 "a certificate to tamper with"
T_CERT=$(jqr '.id')
sql "UPDATE certificates SET test_results = REPLACE(test_results, '未检出', '0.1') WHERE id = $T_CERT"
api GET "/api/v1/certificates/$T_CERT"
expect_status 200 "the edited certificate"
expect_jq '.signature_valid' false "an edited certificate no longer verifies"
api GET "/api/v1/trace/$CODE/verify"
expect_status 200 "verify the lot of the edited certificate"
expect_jq '.verified' false "the lot's verification fails on the edited certificate"
expect_jq '.reason | contains("certificate")' true "the reason names the certificate"

finish
