#!/usr/bin/env bash
# pages.sh - the server-rendered pages in Debian's Chromium (tests/browser/
# pages.mjs, playwright-core and axe-core from npm): each page at a phone's
# and a laptop's size, its content in the HTML itself, no script error, no
# serious or critical axe-core violation, and what the page is for. The
# screenshots are kept in var/test-artifacts/pages/ (PAGES_SHOT_DIR moves
# them) for people to look at.
. "$(dirname "$0")/lib.sh"
DIR=$(cd "$(dirname "$0")/../browser" && pwd)
SHOTS=${PAGES_SHOT_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/var/test-artifacts/pages}

check "playwright-core is installed (ops/install-deps.sh)" test -d "$DIR/node_modules/playwright-core"
check "axe-core is installed (ops/install-deps.sh)" test -f "$DIR/node_modules/axe-core/axe.min.js"
check "Debian's Chromium is installed" test -x /usr/bin/chromium
out=$(cd "$DIR" && SHOP_URL=$SHOP_URL SHOT_DIR=$SHOTS node pages.mjs 2>&1)
printf '%s\n' "$out" | grep -v '^pages: ' >&2
line=$(printf '%s\n' "$out" | grep -E '^pages: [0-9]+ passed, [0-9]+ failed$')
p=$(printf '%s' "$line" | sed -n 's/^pages: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
PASS=$((PASS + ${p:-0}))
FAIL=$((FAIL + ${f:-1}))
check "screenshots kept in $SHOTS" test -s "$SHOTS/product-390x844.png" -a -s "$SHOTS/home-390x844.png" -a -s "$SHOTS/order-390x844.png"
finish
