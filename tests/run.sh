#!/usr/bin/env bash
# run.sh - the whole test suite against throwaway servers.
#
# Starts MariaDB and Redis in a temporary folder on free loopback ports,
# migrates, seeds the demo, starts the sanitizer build of the shop, runs the
# unit tests (build/tests/**) and the integration suites
# (tests/integration/*.sh), stops everything and prints one summary line:
#   N passed, M failed
# A sanitizer report in any log fails the run.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD_DIR=${BUILD_DIR:-build}
BIN_DIR=$(cd "${BIN_DIR:-bin}" && pwd)
export BUILD_DIR BIN_DIR

TMP=$(mktemp -d /tmp/farmlive-test.XXXXXX)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1:log_path=$TMP/asan}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:log_path=$TMP/ubsan}

. ops/lib.sh

export DB_PORT=$(free_port) REDIS_PORT=$(free_port) SHOP_PORT=$(free_port)
export RTMP_PORT=$(free_port) RELAY_HTTP_PORT=$(free_port)
export FARMLIVE_RTMP_PORT=$RTMP_PORT FARMLIVE_RELAY_HTTP_PORT=$RELAY_HTTP_PORT
export FARMLIVE_INTERNAL_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export FARMLIVE_PAYMENT_SECRET=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export FARMLIVE_PAY_SANDBOX=1 # the sandbox cashier (pages.sh pays through it)
export RELAY_BIN=$BIN_DIR/farmlive-relay-san
export DB_USER=farmlive DB_PASSWORD=farmlive DB_NAME=farmlive
export FARMLIVE_DB_PORT=$DB_PORT FARMLIVE_REDIS_PORT=$REDIS_PORT FARMLIVE_SHOP_PORT=$SHOP_PORT
export FARMLIVE_VAR_DIR=$TMP/var FARMLIVE_LOG_LEVEL=${FARMLIVE_LOG_LEVEL:-info}
case "$BUILD_DIR" in /*) FARMLIVE_WEB_DIR=$BUILD_DIR/web ;; *) FARMLIVE_WEB_DIR=$ROOT/$BUILD_DIR/web ;; esac
export FARMLIVE_WEB_DIR
# the shared shop takes every suite's sign-ups from 127.0.0.1: no per-address sign-up limit
# (login_limits.sh checks the limits on shops of its own)
export FARMLIVE_SIGNUP_MAX_IP=${FARMLIVE_SIGNUP_MAX_IP:-1000000}
export SHOP_URL=http://127.0.0.1:$SHOP_PORT
export STACK_DIR=$TMP/stack SHOP_LOG=$TMP/shop.log SHOP_BIN=$BIN_DIR/farmlive-shop-san
SHOP_PID=

PASSED=0
FAILED=0
FAILED_NAMES=()

cleanup() {
    [ -n "$SHOP_PID" ] && kill -TERM "$SHOP_PID" 2>/dev/null && wait "$SHOP_PID" 2>/dev/null
    ops/stack.sh stop "$STACK_DIR" >/dev/null 2>&1
    if [ -z "${KEEP_TMP-}" ]; then rm -rf "$TMP"; else echo "kept $TMP"; fi
}
trap cleanup EXIT

note() { printf '== %s\n' "$*"; }

start_shop() {
    "$SHOP_BIN" serve >>"$SHOP_LOG" 2>&1 &
    SHOP_PID=$!
    export SHOP_PID
    wait_http "$SHOP_URL/healthz" 30 "$SHOP_PID" && return 0
    echo "the shop did not start; its log:" >&2
    tail -n 50 "$SHOP_LOG" >&2
    return 1
}

record() { # record NAME PASSED FAILED
    PASSED=$((PASSED + $2))
    FAILED=$((FAILED + $3))
    [ "$3" -gt 0 ] && FAILED_NAMES+=("$1")
    return 0
}

# Every lot's remaining quantity must equal the sum of its ledger rows.
ledger_check() {
    local bad
    bad=$(mariadb --no-defaults -N -B -h 127.0.0.1 -P "$DB_PORT" -u "$DB_USER" -p"$DB_PASSWORD" "$DB_NAME" -e \
        "SELECT GROUP_CONCAT(l.code) FROM lots l WHERE l.remaining <> (SELECT COALESCE(SUM(g.delta), 0) FROM inventory_ledger g WHERE g.lot_id = l.id)" 2>&1)
    if [ "$bad" = NULL ]; then record "ledger-after-$1" 1 0; else
        echo "ledger check after $1: lots whose remaining differs from their ledger: $bad"; record "ledger-after-$1" 0 1; fi
}

note "stack in $TMP (MariaDB :$DB_PORT, Redis :$REDIS_PORT, shop :$SHOP_PORT)"
ops/stack.sh start "$STACK_DIR" "$DB_PORT" "$REDIS_PORT" || exit 1
"$BIN_DIR/farmlive-shop" migrate >"$TMP/migrate.log" 2>&1 || { cat "$TMP/migrate.log"; exit 1; }
"$BIN_DIR/farmlive-shop" seed-demo >"$TMP/seed.log" 2>&1 || { cat "$TMP/seed.log"; exit 1; }

note "unit tests"
for t in $(find "$BUILD_DIR/tests" -type f -perm -u+x -name 'test_*' | sort); do
    out=$("$t" 2>&1)
    rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    printf '%s: %d passed, %d failed\n' "${t#"$BUILD_DIR"/tests/}" "$p" "$f"
    [ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -v '^\[ \(RUN\|       OK\) ' | tail -n 30
    record "${t#"$BUILD_DIR"/tests/}" "$p" "$f"
done

note "integration suites"
start_shop || { record shop-start 0 1; }
if [ -n "$SHOP_PID" ] && kill -0 "$SHOP_PID" 2>/dev/null; then
    for s in tests/integration/*.sh; do
        case "$(basename "$s")" in lib.sh | *_lib.sh) continue ;; esac # helpers, not suites
        # TESTS_ONLY="buy_flash relay_e2e" runs only those suites (while working on them)
        case " ${TESTS_ONLY:-$(basename "$s" .sh)} " in *" $(basename "$s" .sh) "*) ;; *) continue ;; esac
        out=$(SUITE=$(basename "$s" .sh) bash "$s" 2>&1)
        rc=$?
        line=$(printf '%s\n' "$out" | grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
        p=$(printf '%s' "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
        f=$(printf '%s' "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
        p=${p:-0}
        f=${f:-0}
        if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
        printf '%s\n' "${line:-$(basename "$s" .sh): no summary (exit $rc)}"
        printf '%s\n' "$out" | grep -E '^SKIP ' # a check a suite could not run here says so, even when it passed
        [ "$f" -gt 0 ] && printf '%s\n' "$out" | grep -v -E '^[a-z0-9_-]+: [0-9]+ passed' | tail -n 40
        record "$(basename "$s" .sh)" "$p" "$f"
        ledger_check "$(basename "$s" .sh)"
    done
fi

# Every error code the shop answered during the suites (its access log
# names each) must be in schema/openapi.yaml's Error enum: the file is the
# clients' list of what they may meet.
note "error codes"
if [ -s "$SHOP_LOG" ]; then
    missing=$(python3 - "$SHOP_LOG" <<'PY'
import json, sys, yaml
spec = yaml.safe_load(open("schema/openapi.yaml"))
known = set(spec["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"])
seen = set()
for line in open(sys.argv[1], errors="replace"):
    if '"event":"access"' in line and '"error":' in line:
        try:
            seen.add(json.loads(line)["error"])
        except ValueError:
            pass
print(" ".join(sorted(seen - known)))
PY
)
    if [ -z "$missing" ]; then record error-codes 1 0; echo "every error code answered is in the OpenAPI Error enum"; else
        record error-codes 0 1; echo "error codes answered but not in the OpenAPI Error enum: $missing"; fi
fi

note "shutdown"
# SIGTERM while a request is still arriving (its body trickles in at 2 KB/s
# for about 3 s): the shop must stop accepting, finish that request, exit 0.
if [ -n "$SHOP_PID" ] && kill -0 "$SHOP_PID" 2>/dev/null; then
    pad=$(head -c 6000 /dev/zero | tr '\0' ' ')
    printf '{"email":"slow%s@example.com","password":"slow-request","display_name":"slow"%s}' "$RANDOM$RANDOM" "$pad" >"$TMP/slow.json"
    curl -s -o "$TMP/slow.out" -w '%{http_code}' --limit-rate 2k -H 'Content-Type: application/json' \
        --data-binary @"$TMP/slow.json" "$SHOP_URL/api/v1/accounts" >"$TMP/slow.code" &
    CURL_PID=$!
    sleep 0.5
    kill -TERM "$SHOP_PID"
    wait "$SHOP_PID"
    rc=$?
    SHOP_PID=
    wait "$CURL_PID"
    code=$(cat "$TMP/slow.code")
    if [ $rc -eq 0 ]; then record shutdown 1 0; echo "shop exited 0 on SIGTERM"; else
        record shutdown 0 1; echo "shop exited $rc on SIGTERM"; tail -n 30 "$SHOP_LOG"; fi
    if [ "$code" = 201 ]; then record shutdown-inflight 1 0; echo "the in-flight request finished (201)"; else
        record shutdown-inflight 0 1; echo "the in-flight request got '$code'"; cat "$TMP/slow.out"; fi
fi

note "sanitizers"
reports=$(ls "$TMP"/asan.* "$TMP"/ubsan.* 2>/dev/null; grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$SHOP_LOG" 2>/dev/null)
if [ -n "$reports" ]; then
    for f in $reports; do echo "--- $f"; head -n 60 "$f"; done
    record sanitizers 0 1
else
    echo "no sanitizer reports"
    record sanitizers 1 0
fi

echo
[ ${#FAILED_NAMES[@]} -gt 0 ] && echo "failed: ${FAILED_NAMES[*]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
