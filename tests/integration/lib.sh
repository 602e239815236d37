# lib.sh - helpers for the integration suites (sourced, bash).
#
# Each suite runs against a live stack: SHOP_URL names the shop, DB_* and
# REDIS_* the servers (set by tests/run.sh). A suite calls `check`/`expect_*`
# for every assertion and ends with `finish`, which prints
#   SUITE: N passed, M failed
# and exits non-zero when anything failed.
#
#   api METHOD PATH [BODY] [extra curl args...]
#       sends a request; Bearer $TOKEN when TOKEN is set; a BODY is sent as
#       application/json unless a Content-Type is among the extra args.
#       Sets STATUS, BODY (response text) and HDRS (response headers, lower-cased).
#   login EMAIL PASSWORD   -> prints the session token (empty on failure)

set -u
: "${SHOP_URL:?SHOP_URL must be set}"
SUITE=${SUITE:-$(basename "$0" .sh)}
PASS=0
FAIL=0
TOKEN=${TOKEN:-}
DEMO_PASSWORD=farmlive-demo
_TMP=$(mktemp -d)
trap 'rm -rf "$_TMP"' EXIT

api() {
    local method=$1 path=$2 body=${3-}
    shift 2
    [ $# -gt 0 ] && shift
    local args=(-s -S -X "$method" -o "$_TMP/body" -D "$_TMP/hdrs" -w '%{http_code}' --max-time 30)
    [ -n "$TOKEN" ] && args+=(-H "Authorization: Bearer $TOKEN")
    if [ -n "$body" ]; then
        local has_ct=0 a
        for a in "$@"; do case "$a" in [Cc]ontent-[Tt]ype:*) has_ct=1 ;; esac; done
        [ $has_ct = 0 ] && args+=(-H 'Content-Type: application/json')
        args+=(--data-binary "$body")
    fi
    STATUS=$(curl "${args[@]}" "$@" "$SHOP_URL$path") || STATUS=000
    BODY=$(cat "$_TMP/body" 2>/dev/null)
    HDRS=$(tr 'A-Z' 'a-z' < "$_TMP/hdrs" 2>/dev/null | tr -d '\r')
}

# header NAME -> the value of response header NAME from the last api call
header() {
    printf '%s\n' "$HDRS" | sed -n "s/^$(printf '%s' "$1" | tr 'A-Z' 'a-z'): //p" | tail -n 1
}

# jqr FILTER -> jq -r FILTER over the last response body
jqr() { printf '%s' "$BODY" | jq -r "$1" 2>/dev/null; }

ok() { PASS=$((PASS + 1)); }
bad() {
    FAIL=$((FAIL + 1))
    printf 'FAIL [%s] %s\n' "$SUITE" "$1" >&2
    [ -n "${2-}" ] && printf '     %s\n' "$2" >&2
    return 0
}

# check DESC CMD...   -> passes when CMD succeeds
check() {
    local desc=$1
    shift
    if "$@"; then ok; else bad "$desc"; fi
}

# expect_status CODE DESC
expect_status() {
    if [ "$STATUS" = "$1" ]; then ok; else bad "$2: want HTTP $1, got $STATUS" "$(printf '%s' "$BODY" | head -c 400)"; fi
}

# expect_jq FILTER EXPECTED DESC  (compares jq -r output as text)
expect_jq() {
    local got
    got=$(jqr "$1")
    if [ "$got" = "$2" ]; then ok; else bad "$3: $1 = '$got', want '$2'" "$(printf '%s' "$BODY" | head -c 400)"; fi
}

# expect_error CODE ERRCODE DESC  -> status and {"error":{"code":ERRCODE,"message":...}}
expect_error() {
    expect_status "$1" "$3"
    local code msg
    code=$(jqr '.error.code')
    msg=$(jqr '.error.message')
    if [ "$code" = "$2" ] && [ -n "$msg" ] && [ "$msg" != null ]; then ok; else
        bad "$3: error body code='$code' want '$2' (message '$msg')" "$(printf '%s' "$BODY" | head -c 400)"
    fi
}

login() {
    local saved=$TOKEN
    TOKEN=
    api POST /api/v1/sessions "$(jq -nc --arg l "$1" --arg p "$2" '{login:$l,password:$p}')"
    TOKEN=$saved
    [ "$STATUS" = 200 ] && jqr '.token'
}

# unique suffix for data a suite creates
uniq_suffix() { printf '%s%04d' "$(date +%s%N | tail -c 9)" $((RANDOM % 10000)); }

# sql QUERY -> runs QUERY against the test database (tab-separated output)
sql() {
    mariadb --no-defaults -N -B -h 127.0.0.1 -P "$DB_PORT" -u "$DB_USER" ${DB_PASSWORD:+-p"$DB_PASSWORD"} "$DB_NAME" -e "$1"
}

finish() {
    printf '%s: %d passed, %d failed\n' "$SUITE" "$PASS" "$FAIL"
    [ "$FAIL" -eq 0 ]
}
