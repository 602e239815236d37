#!/usr/bin/env bash
# browser.sh - the storefront in Debian's Chromium (playwright-core from npm).
. "$(dirname "$0")/lib.sh"
DIR=$(cd "$(dirname "$0")/../browser" && pwd)

# installed by ops/install-deps.sh (make test runs it first)
check "playwright-core is installed (ops/install-deps.sh)" test -d "$DIR/node_modules/playwright-core"
check "Debian's Chromium is installed" test -x /usr/bin/chromium
out=$(cd "$DIR" && SHOP_URL=$SHOP_URL node storefront.mjs 2>&1)
printf '%s\n' "$out" | grep -v '^browser: ' >&2
line=$(printf '%s\n' "$out" | grep -E '^browser: [0-9]+ passed, [0-9]+ failed$')
p=$(printf '%s' "$line" | sed -n 's/^browser: \([0-9]*\) passed.*/\1/p')
f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
PASS=$((PASS + ${p:-0}))
FAIL=$((FAIL + ${f:-1}))
finish
