#!/usr/bin/env bash
# web_assets.sh - the pages' built assets as a browser gets them: the page
# names each bundle by its content hash, bundles are cached for a year and
# sent gzipped to a client that accepts it, nothing leaves the asset folders.
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
