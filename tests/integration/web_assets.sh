#!/usr/bin/env bash
# web_assets.sh - the pages' built assets as a browser gets them: the page
# names each bundle by its content hash, bundles are cached for a year and
# sent gzipped to a client that accepts it, nothing leaves the asset folders;
# a page is gzipped, carries its style sheet inline on a first visit and
# preloads its script's imports; the pages' words for the API's refusals
# name codes the API has.
. "$(dirname "$0")/lib.sh"

: "${FARMLIVE_WEB_DIR:?FARMLIVE_WEB_DIR must be set (tests/run.sh does)}"
MANIFEST=$FARMLIVE_WEB_DIR/manifest.json
check "the build wrote a manifest" test -s "$MANIFEST"
APP=$(jq -r '."app.js"' "$MANIFEST")
CSS=$(jq -r '."style.css"' "$MANIFEST")
check "the manifest names hashed bundles ($APP, $CSS)" sh -c 'printf "%s %s" "$0" "$1" | grep -Eq "^assets/app-[A-Z0-9]{8}\.js assets/style-[A-Z0-9]{8}\.css$"' "$APP" "$CSS"

api GET /search
expect_status 200 "the catalogue browser page"
check "the page loads the hashed script" sh -c 'printf "%s" "$0" | grep -q "src=\"/$1\""' "$BODY" "$APP"
check "and the hashed style sheet" sh -c 'printf "%s" "$0" | grep -q "href=\"/$1\""' "$BODY" "$CSS"
check "and no unhashed bundle" sh -c '! printf "%s" "$0" | grep -q "/assets/app.js"' "$BODY"
check "the page is revalidated" test "$(header cache-control)" = no-cache

api GET "/$APP"
expect_status 200 "the script bundle"
check "a bundle is cached for a year, immutable" test "$(header cache-control)" = "public, max-age=31536000, immutable"
check "it is JavaScript" sh -c 'printf "%s" "$0" | grep -q "^text/javascript"' "$(header content-type)"
check "sent whole without Accept-Encoding" test "${#BODY}" -gt 1000
check "Vary: Accept-Encoding" test "$(header vary)" = accept-encoding
code=$(curl -s -o "$_TMP/app.gz" -D "$_TMP/gzh" -w '%{http_code}' -H 'Accept-Encoding: gzip, deflate' "$SHOP_URL/$APP")
check "gzip when accepted (HTTP $code)" sh -c "grep -qi '^content-encoding: gzip' '$_TMP/gzh'"
check "the gzipped bytes are the bundle's" sh -c "gunzip -c '$_TMP/app.gz' | cmp -s - '$FARMLIVE_WEB_DIR/$APP'"
check "smaller than half of it" test "$(stat -c %s "$_TMP/app.gz")" -lt $(($(stat -c %s "$FARMLIVE_WEB_DIR/$APP") / 2))

# ---- a server-rendered page on a weak network (issue 14): gzipped, the
# style sheet inline on a first visit (allowed by its hash), linked once the
# browser has it, the page script's imports preloaded with the document
api GET /p/1
expect_status 200 "a product page"
check "a page is sent whole without Accept-Encoding" sh -c 'printf "%s" "$0" | grep -q "</html>"' "$BODY"
check "a page varies with the cookie and the encoding" test "$(header vary)" = "cookie, accept-encoding"
code=$(curl -s -o "$_TMP/page.gz" -D "$_TMP/pageh" -w '%{http_code}' -H 'Accept-Encoding: gzip' "$SHOP_URL/p/1")
check "the page is gzipped when accepted (HTTP $code)" sh -c "grep -qi '^content-encoding: gzip' '$_TMP/pageh'"
gunzip -c "$_TMP/page.gz" >"$_TMP/page.html" 2>/dev/null
check "... to a third of its size or less" test "$(stat -c %s "$_TMP/page.gz")" -lt $(($(stat -c %s "$_TMP/page.html") / 3))
check "a first visit gets the style sheet inline" grep -q '<style>' "$_TMP/page.html"
check "... the same bytes as the built sheet" python3 -c '
import sys
page, css = open(sys.argv[1]).read(), open(sys.argv[2]).read()
sys.exit(page[page.index("<style>") + 7:page.index("</style>")] != css)' "$_TMP/page.html" "$FARMLIVE_WEB_DIR/$CSS"
SHA=$(openssl dgst -sha256 -binary "$FARMLIVE_WEB_DIR/$CSS" | base64)
check "the page's CSP allows just that sheet by its hash" grep -q "style-src 'self' 'sha256-$SHA'" "$_TMP/pageh"
check "the sheet itself comes later, blocking nothing" grep -q "<link rel=\"stylesheet\" href=\"/$CSS\" media=\"print\">" "$_TMP/page.html"
check "and the answer says the browser has it now" grep -qi "^set-cookie: fl_css=$(basename "$CSS");" "$_TMP/pageh"
for chunk in $(jq -r '.imports."product.js"[]' "$MANIFEST"); do
    check "the script's import $chunk is preloaded" grep -q "<link rel=\"modulepreload\" href=\"/$chunk\">" "$_TMP/page.html"
done
api GET /p/1 "" -H "Cookie: fl_css=$(basename "$CSS")"
expect_status 200 "the product page again"
check "a browser with the sheet gets it linked, not inline" sh -c 'printf "%s" "$0" | grep -q "<link rel=\"stylesheet\" href=\"/$1\">" && ! printf "%s" "$0" | grep -q "<style>"' "$BODY" "$CSS"
api GET /p/1 "" -H "Cookie: fl_css=style-OLDBUILD.css"
check "an older build's cookie gets the sheet inline again" sh -c 'printf "%s" "$0" | grep -q "<style>"' "$BODY"

# ---- the pages' words for the API's refusals name codes the API has
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
for c in $(grep -oE '^  [a-z_]+: ' "$ROOT/src/web/lib/errors.js" | tr -d ' :' | grep -vx network); do
    check "src/web/lib/errors.js's $c is in the OpenAPI Error enum" grep -Eq "[[ ]$c[],]" "$ROOT/schema/openapi.yaml"
done

api GET /assets/favicon.svg
expect_status 200 "a static file"
check "a static file is cached an hour" test "$(header cache-control)" = "public, max-age=3600"
api GET /assets/..%2Fmanifest.json
expect_status 404 "no way out of the asset folders"
api GET /assets/.hidden.js
expect_status 404 "no dot files"
api GET /assets/nothing-here.js
expect_error 404 not_found "an asset that does not exist"
finish
