#!/usr/bin/env bash
# dash.sh - the cooperative dashboard (src/shop/pages/dash*.c, web/pages/
# dash_*.js):
#
#   the pages' rights over HTTP: a guest is sent to sign in; /dash sends an
#   account of one cooperative to its dashboard and lists every cooperative
#   for a platform admin; a coop admin sees every section of her
#   cooperative, a farmer the overview, lots and certificates (the admins'
#   sections are a refusal); a farmer of another cooperative gets a
#   refusal page with nothing of the cooperative on it, not even its name;
#   a platform admin opening a cooperative that does not exist gets a 404
#   page; the account page links the dashboard; then tests/browser/dash.mjs
#   in Chromium (its header says what the admin does there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"

buy_logins
QBJ_FARMER=$(login farmer@qingbaijiang.example.com "$DEMO_PASSWORD")
check "the logins (a buyer, both cooperatives, the platform)" test -n "$AY_ADMIN" -a -n "$AY_FARMER" -a -n "$QBJ_FARMER" -a -n "$OPS"
api GET "/api/v1/coops/$AY"
expect_status 200 "the first cooperative"
AY_NAME=$(jqr .name)

# ------------------------------------------------------------ the pages' rights
as ""
api GET "/dash/$AY"
expect_status 303 "a guest is sent to sign in"
check "... and comes back to the page" test "$(header location)" = "/signin?next=%2fdash%2f$AY" # header() lower-cases
as "$AY_ADMIN"
api GET /dash
expect_status 303 "an admin of one cooperative is sent to it"
check "... to /dash/$AY" test "$(header location)" = "/dash/$AY"
api GET "/dash/$AY"
expect_status 200 "the admin's overview"
check "... names the cooperative" grep -qF "$AY_NAME" <<<"$BODY"
check "... today's orders, sessions and certificates" grep -q -e 'id="orders-h"' <<<"$BODY"
for s in members bases products lots certificates; do
    check "... links the $s section" grep -q "href=\"/dash/$AY/$s\"" <<<"$BODY"
done
api GET /account
expect_status 200 "the admin's account page"
check "... links the dashboard" grep -q 'href="/dash"' <<<"$BODY"

as "$AY_FARMER"
api GET "/dash/$AY"
expect_status 200 "a farmer's overview"
check "... links lots and certificates" grep -q "href=\"/dash/$AY/lots\"" <<<"$BODY"
check "... but not the admins' sections" test -z "$(grep -e "href=\"/dash/$AY/members\"" -e "href=\"/dash/$AY/products\"" <<<"$BODY")"

as "$QBJ_FARMER"
api GET "/dash/$AY"
expect_status 403 "another cooperative's farmer gets a refusal page"
check "... that says whose it is" grep -q "这是其他合作社的工作台" <<<"$BODY"
check "... with nothing of the cooperative" test -z "$(grep -F -e "$AY_NAME" -e "/dash/$AY/" <<<"$BODY")"

as "$BUYER"
api GET /dash
expect_status 200 "a buyer's dashboard entry"
check "... says she is no member" grep -q 'id="no-coops"' <<<"$BODY"
api GET "/dash/$AY"
expect_status 403 "... and a cooperative's dashboard is a refusal"

as "$OPS"
api GET /dash
expect_status 200 "the platform admin's entry"
check "... lists the cooperatives" grep -q "href=\"/dash/$AY\"" <<<"$BODY"
api GET "/dash/$AY"
expect_status 200 "the platform admin opens any cooperative"
api GET /dash/987654321
expect_status 404 "a cooperative that does not exist"
api GET "/dash/$AY/lots/NO-SUCH-LOT-1"
expect_status 404 "a lot that does not exist"

as "$AY_FARMER"
api GET "/dash/$AY/lots"
expect_status 200 "a farmer records lots"
api GET "/dash/$AY/certificates"
expect_status 200 "... and certificates"
for s in members bases products; do
    api GET "/dash/$AY/$s"
    expect_status 403 "... but the $s section is the admins'"
    check "... which the refusal says" grep -q "这部分工作台只对合作社管理员开放" <<<"$BODY"
done
as "$AY_ADMIN"
for s in members bases products lots certificates; do
    api GET "/dash/$AY/$s"
    expect_status 200 "the admin's $s section"
done
api GET "/dash/$AY/bases"
check "... each base with a photo upload" grep -q 'class="form base-photo" data-base="[0-9]*"' <<<"$BODY"
api GET "/dash/$AY/certificates?cursor=zz-not-a-cursor&kind=nonsense"
expect_status 200 "a stale cursor or an unknown kind shows the first page"
QBJ=$(me_coop "$QBJ_ADMIN")
as "$AY_ADMIN"
api GET "/dash/$QBJ/lots"
expect_status 403 "an admin of one cooperative is refused another's lots"

# ------------------------------------------------------------ the browser
# (tests/browser/dash.mjs: the admin's walk, and another cooperative's farmer)
DIR=$(cd "$(dirname "$0")/../browser" && pwd)
SHOTS=${PAGES_SHOT_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/var/test-artifacts/pages}
command -v ffmpeg >/dev/null || { bad "ffmpeg is not installed (ops/install-deps.sh installs it)"; finish; exit 1; }
command -v zbarimg >/dev/null || { bad "zbarimg is not installed (zbar-tools: ops/install-deps.sh)"; finish; exit 1; }
[ -x /usr/bin/chromium ] || { bad "Debian's Chromium is not installed"; finish; exit 1; }
[ -d "$DIR/node_modules/playwright-core" ] || { bad "playwright-core is not installed (ops/install-deps.sh)"; finish; exit 1; }
SFX=$(uniq_suffix)
INV_EMAIL="dash-inv-$SFX@example.com"
as ""
api POST /api/v1/accounts "{\"email\":\"$INV_EMAIL\",\"password\":\"farmer-password-1\",\"display_name\":\"新农户 $SFX\"}"
expect_status 201 "a person to invite has an account"
INVITEE=$(login "$INV_EMAIL" farmer-password-1)
BUYER2=$(new_buyer)
check "the invitee and a buyer sign in" test -n "$INVITEE" -a -n "$BUYER2"
ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i testsrc=size=800x600 -frames:v 1 "$_TMP/photo.jpg"
check "a photo to upload" test -s "$_TMP/photo.jpg"
out=$(cd "$DIR" && SHOP_URL=$SHOP_URL SHOT_DIR=$SHOTS PHOTO="$_TMP/photo.jpg" ADMIN_LOGIN=admin@anyuan.example.com \
    OTHER_LOGIN=farmer@qingbaijiang.example.com PASSWORD="$DEMO_PASSWORD" BUYER_TOKEN="$BUYER2" \
    INVITEE_LOGIN="$INV_EMAIL" INVITEE_TOKEN="$INVITEE" COOP="$AY" SUFFIX="$SFX" timeout 600 node dash.mjs 2>&1)
printf '%s\n' "$out" | grep -v '^dash: ' >&2
line=$(printf '%s\n' "$out" | grep -E '^dash: [0-9]+ passed, [0-9]+ failed$')
p=$(printf '%s' "$line" | sed -n 's/^dash: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
PASS=$((PASS + ${p:-0}))
FAIL=$((FAIL + ${f:-1}))
LOT=$(printf '%s\n' "$out" | sed -n 's/^dash-lot: //p')
check "the invited person is a farmer of the cooperative now" \
    test "$(sql "SELECT m.role FROM coop_members m JOIN accounts a ON a.id = m.account_id WHERE a.email = '$INV_EMAIL' AND m.coop_id = $AY")" = farmer
if [ -n "$LOT" ]; then
    check "the browser's lot has two trace events" test "$(sql "SELECT COUNT(*) FROM trace_events e JOIN lots l ON l.id = e.lot_id WHERE l.code = '$LOT'")" = 2
    check "... and its certificate of conformity" test "$(sql "SELECT COUNT(*) FROM certificate_links x JOIN lots l ON l.id = x.lot_id WHERE l.code = '$LOT'")" = 1
else
    bad "the browser test named its lot"
fi
check "screenshots kept in $SHOTS" test -s "$SHOTS/dash-products-1280x800.png" -a -s "$SHOTS/dash-lot-390x844.png"
finish
