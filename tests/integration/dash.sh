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
#   page; the account page links the dashboard.
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
finish
