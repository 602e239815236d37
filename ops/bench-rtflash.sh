#!/usr/bin/env bash
# bench-rtflash.sh - a live flash sale under watch: SUBS subscribers of a
# live room's event stream (bench-sse_load, one epoll process) watch its
# stock while BUYERS buyers (bench-flash_load, each with its own session)
# press buy at once on its UNITS units the moment it opens after its
# countdown. Each of ROUNDS rounds runs the same sale twice, a new room
# each time: first with nobody watching (the sale alone, on the machine as
# it is at that moment), then with SUBS subscribers watching, so the
# difference is what the watchers cost the sale.
#
#   SHOP_URL=... FARMLIVE_DB_PORT=... FARMLIVE_REDIS_PORT=... ops/bench-rtflash.sh
#
# Per sale: orders (must be UNITS) and units oversold (must be 0), both
# from MariaDB's order lines; the sale's own p50/p99 (the load client's,
# first send -> answer); the stock updates (flash_stock events) raise ->
# subscriber p50/p99/max, timed by their seq (the feed numbers an event
# with Redis's clock in microseconds when it is raised: rt/bus.c), their
# deliveries and the last level the subscribers saw (0 once sold out); the
# CPU the shop used in the burst (ms, from the load client) and the share
# of the machine left idle in it; the load average at the start. The room
# ticker (domain/live_flash.c) raises a level at most SHOP_ROOM_TICK_MS
# (100 ms) after a unit was taken, and at most one per
# SHOP_ROOM_STOCK_GAP_MS: that comes on top of what is timed here.
#
# The room is made live directly in MariaDB (no relay here: what going
# live changes for a sale is the session's status). Uses the stack's shop
# (SHOP_URL).
#
# A first sale, unwatched, warms the shop up and is not reported.
#
# Settings: BENCH_RTFLASH_SUBSCRIBERS (5000), BENCH_RTFLASH_BUYERS (1000),
# BENCH_RTFLASH_UNITS (300), BENCH_RTFLASH_ROUNDS (3), BENCH_RTFLASH_OUT
# (var/bench/rtflash.txt), BENCH_RTFLASH_PIDS ("shop=PID ...": each sale
# also reports what those processes used in the burst), BIN_DIR (bin:
# bench-sse_load, bench-flash_load). Exit 1 when a sale sold other than
# UNITS units or could not be measured.
# shellcheck disable=SC2059  # ROW is the rows' printf format
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
. ops/lib.sh # bench_sql, bench_api, bench_admin, bench_sku, bench_sold, bench_buyers

: "${SHOP_URL:?SHOP_URL must name the running shop}"
SUBS=${BENCH_RTFLASH_SUBSCRIBERS:-5000}
BUYERS=${BENCH_RTFLASH_BUYERS:-1000}
UNITS=${BENCH_RTFLASH_UNITS:-300}
ROUNDS=${BENCH_RTFLASH_ROUNDS:-3}
OUT=${BENCH_RTFLASH_OUT:-var/bench/rtflash.txt}
BIN_DIR=${BIN_DIR:-bin}
DB_PORT=${FARMLIVE_DB_PORT:-3307}
REDIS_PORT=${FARMLIVE_REDIS_PORT:-6380}
RUN=rf$(date +%s)$RANDOM
COUNTDOWN=10
SSE=$BIN_DIR/bench-sse_load
BUY=$BIN_DIR/bench-flash_load

die() { echo "bench-rtflash: $*" >&2; exit 1; }
for b in "$SSE" "$BUY"; do [ -x "$b" ] || die "$b missing (make $b)"; done
TMP=$(mktemp -d /tmp/farmlive-bench-rtflash.XXXXXX)
SSE_PID=
cleanup() {
    [ -n "$SSE_PID" ] && kill "$SSE_PID" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

# ---------------------------------------------------------------- setup
ADMIN=$(bench_admin) || die "cannot sign in as the demo Anyuan admin"
SKU=$(bench_sku "$ADMIN" "直播秒杀压测 $RUN") || die "cannot create the benchmark product"
bench_buyers "$RUN" "$BUYERS" "$TMP/buyers" || die "could not create $BUYERS buyers"

# sale N WATCHERS -> one room, one sale watched by WATCHERS subscribers
# (none: no subscriber process); appends a row
sale() {
    local n=$1 watchers=$2 id sale opens res='{}' line orders units oversold now_ms load
    load=$(cut -d' ' -f1 /proc/loadavg)
    bench_api POST "/api/v1/skus/$SKU/restock" "$ADMIN" "{\"quantity\":$UNITS}" >/dev/null
    id=$(bench_api POST /api/v1/live "$ADMIN" "$(jq -nc --arg t "rtflash $RUN $n" '{title:$t}')" | jq -r .id)
    [ -n "$id" ] && [ "$id" != null ] || { echo "bench-rtflash: cannot make a live session" >&2; return 1; }
    bench_sql "UPDATE live_sessions SET status = 'live', started_at = UTC_TIMESTAMP(3) WHERE public_id = '$id'"
    bench_api PUT "/api/v1/live/$id/shelf/$SKU" "$ADMIN" '{"live_price_fen":1990}' >/dev/null
    if [ "$watchers" -gt 0 ]; then
        rm -f "$TMP/ready"
        SSE_LOAD_TYPE=flash_stock "$SSE" "$SHOP_URL/api/v1/live/$id/events" "$watchers" $((COUNTDOWN + 15)) \
            "$TMP/ready" >"$TMP/sse.json" 2>"$TMP/sse.err" &
        SSE_PID=$!
        for _ in $(seq 1 1500); do [ -f "$TMP/ready" ] && break; sleep 0.1; done
        [ -f "$TMP/ready" ] || { echo "bench-rtflash: the subscribers did not connect" >&2; return 1; }
    fi
    sale=$(bench_api POST "/api/v1/live/$id/flash-sales" "$ADMIN" "$(jq -nc --argjson s "$SKU" --argjson q "$UNITS" \
        --argjson c "$COUNTDOWN" '{sku_id:$s, price_fen:990, quantity:$q, per_buyer_limit:1, countdown_s:$c, duration_s:60}')")
    opens=$(date -u -d "$(printf '%s' "$sale" | jq -r .starts_at)" +%s%3N)
    sale=$(printf '%s' "$sale" | jq -r .id)
    [ -n "$sale" ] && [ "$sale" != null ] || { echo "bench-rtflash: cannot start the room's sale" >&2; return 1; }
    for _ in $(seq 1 1000); do
        now_ms=$(date +%s%3N)
        [ "$now_ms" -ge "$opens" ] && break
        sleep 0.02
    done
    line=$(FLASH_LOAD_PIDS="${BENCH_RTFLASH_PIDS:-}" "$BUY" "$SHOP_URL" "$sale" "$TMP/buyers" "$RUN-$n-$watchers") ||
        echo "bench-rtflash: some requests got no answer" >&2
    if [ -n "$SSE_PID" ]; then
        wait "$SSE_PID"
        SSE_PID=
        res=$(cat "$TMP/sse.json")
        [ -n "$res" ] || { echo "bench-rtflash: no result from the subscribers: $(cat "$TMP/sse.err")" >&2; return 1; }
    fi
    read -r orders units <<<"$(bench_sold "$sale")"
    oversold=$((units > UNITS ? units - UNITS : 0))
    (
        eval "$(printf '%s' "$line" | tr ' ' '\n' | grep -E '^[a-z_0-9]+=[0-9.]+$')"
        printf "$ROW" "$n" "$watchers" "${ok:-?}" "$orders" "$oversold" "${p50_ms:-?}" "${p99_ms:-?}" \
            "${p99_ok_ms:-?}" "$(jq -r '.p50_ms // "-"' <<<"$res")" "$(jq -r '.p99_ms // "-"' <<<"$res")" \
            "$(jq -r '.max_ms // "-"' <<<"$res")" "$(jq -r '.deliveries // "-"' <<<"$res")" \
            "$(jq -r '.last.remaining // "-"' <<<"$res")" "${cpu_shop_ms:-?}" "${idle_pct:-?}" "$load"
    ) | tee -a "$TMP/rows"
    [ "$units" = "$UNITS" ] && [ "$oversold" = 0 ] || echo FAIL >>"$TMP/failed"
}

ROW='%5s %8s %5s %6s %8s %8s %8s %8s %9s %9s %9s %9s %4s %8s %5s %5s\n'
{
    echo "farmlive live flash sale under watch  $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "$UNITS units to $BUYERS buyers at once at the open of a room's sale (countdown ${COUNTDOWN}s), first with"
    echo "nobody watching, then while $SUBS subscribers watch the room's events; host: $(nproc) CPUs, $(uname -sr)"
    echo
    printf "$ROW" round watchers 201s orders oversold 'sale p50' 'sale p99' '201 p99' 'stock p50' 'stock p99' \
        'stock max' 'stock evs' left 'shop cpu' idle% load
} | tee "$TMP/head"
rc=0
# one sale first, not reported (as bench-flash.sh's warm-up rounds): the
# shop's first burst grows its connection pools and caches
sale warm 0 >/dev/null || rc=1
sed -i '/^ *warm /d' "$TMP/rows"
for n in $(seq 1 "$ROUNDS"); do
    sale "$n" 0 || rc=1
    sale "$n" "$SUBS" || rc=1
done
# the sales' p99 over the rounds: median (min-max), watched and not
summary() { # summary WATCHERS-TEST LABEL
    awk "$1"' && $7 ~ /^[0-9.]+$/ { print $7 }' "$TMP/rows" | sort -n |
        awk -v lab="$2" '{ v[++n] = $1 } END { if (!n) exit; m = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            printf "%s: the sale p99 median %.1f ms (%.1f-%.1f) over %d sales\n", lab, m, v[1], v[n], n }'
}
{
    summary '$2 > 0' "watched  "
    summary '$2 == 0' "unwatched"
} | tee "$TMP/summary"
echo "targets: 0 oversold, stock updates to subscribers p99 <= 500 ms, the sale's p99 <= 100 ms (ms throughout;
shop cpu: the shop's CPU in the burst, idle%: the machine's CPU left idle in it; load: the 1-minute load average
when the sale was set up)" |
    tee "$TMP/tail"
mkdir -p "$(dirname "$OUT")"
cat "$TMP/head" "$TMP/rows" "$TMP/summary" "$TMP/tail" >"$OUT" 2>/dev/null
echo "bench-rtflash: written to $OUT" >&2
[ ! -e "$TMP/failed" ] || die "a sale sold other than $UNITS units or oversold"
exit $rc
