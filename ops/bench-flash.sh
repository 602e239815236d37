#!/usr/bin/env bash
# bench-flash.sh - the flash-sale benchmark: BUYERS buyers (each with its own
# account and session) press buy at once on a sale of UNITS units, ROUNDS
# times, first through the Redis counter (the shop's flash path), then
# through the plain MariaDB row-lock path (mode "rowlock": SELECT ... FOR
# UPDATE on the sale row, no Redis). Prints per round: orders (must equal
# UNITS), oversold units (must be 0), attempts/s, p50 and p99 latency (and
# p99 of the winners' 201s and of the refusals' 409s apart); then
# the means and the ratio redis/rowlock. Each path first runs two unmeasured
# warm-up rounds. The result also goes to
# var/bench/flash.txt.
#
#   SHOP_URL=... FARMLIVE_DB_PORT=... FARMLIVE_REDIS_PORT=... ops/bench-flash.sh
#
# Settings: BENCH_FLASH_BUYERS (1000), BENCH_FLASH_UNITS (300),
# BENCH_FLASH_ROUNDS (5), BENCH_FLASH_OUT (var/bench/flash.txt),
# BIN_DIR (bin; holds bench-flash_load), BENCH_FLASH_PIDS ("shop=PID db=PID
# redis=PID": each round then also reports the CPU each used in the burst,
# in ms, from the load client). The load client's own CPU in the burst
# (load=) and the share of the machine's CPU left idle in it (idle=, and
# idle waiting for I/O: iowait=) are always reported. Exit 1 when a round sold a number of orders other than
# UNITS or oversold.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/lib.sh # bench_sql, bench_api, bench_admin, bench_sku, bench_sold, bench_buyers

: "${SHOP_URL:?SHOP_URL must name the running shop}"
BUYERS=${BENCH_FLASH_BUYERS:-1000}
UNITS=${BENCH_FLASH_UNITS:-300}
ROUNDS=${BENCH_FLASH_ROUNDS:-5}
OUT=${BENCH_FLASH_OUT:-var/bench/flash.txt}
LOAD=${BIN_DIR:-bin}/bench-flash_load
DB_PORT=${FARMLIVE_DB_PORT:-3307}
REDIS_PORT=${FARMLIVE_REDIS_PORT:-6380}
RUN=fb$(date +%s)$RANDOM

die() { echo "bench-flash: $*" >&2; exit 1; }
[ -x "$LOAD" ] || die "$LOAD missing (make $LOAD)"
TMP=$(mktemp -d /tmp/farmlive-bench-flash.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# ---------------------------------------------------------------- setup
ADMIN=$(bench_admin) || die "cannot sign in as the demo Anyuan admin"
SKU=$(bench_sku "$ADMIN" "秒杀压测 $RUN") || die "cannot create the benchmark product"
bench_buyers "$RUN" "$BUYERS" "$TMP/buyers" || die "could not create $BUYERS buyers"

# ---------------------------------------------------------------- rounds
# round MODE N -> one sale, every buyer at once; appends a result row
round() {
    local mode=$1 n=$2 sale line orders units oversold
    bench_api POST "/api/v1/skus/$SKU/restock" "$ADMIN" "{\"quantity\":$UNITS}" >/dev/null
    sale=$(bench_api POST /api/v1/flash-sales "$ADMIN" "$(jq -nc --argjson sku "$SKU" --argjson q "$UNITS" --arg m "$mode" \
        --arg s "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)" --arg e "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" \
        '{sku_id:$sku, price_fen:1990, quantity:$q, per_buyer_limit:1, starts_at:$s, ends_at:$e, mode:$m}')" | jq -r .id)
    [ -n "$sale" ] && [ "$sale" != null ] || die "cannot create a $mode sale"
    line=$(FLASH_LOAD_PIDS="${BENCH_FLASH_PIDS:-}" "$LOAD" "$SHOP_URL" "$sale" "$TMP/buyers" "$RUN-$mode-$n") || echo "bench-flash: some requests got no answer" >&2
    read -r orders units <<<"$(bench_sold "$sale")"
    oversold=$((units > UNITS ? units - UNITS : 0))
    # shellcheck disable=SC2086  # the key=value words are meant to split
    (
        eval "$(printf '%s' "$line" | tr ' ' '\n' | grep -E '^[a-z_0-9]+=[0-9.]+$')"
        cpu=$(for kv in ${BENCH_FLASH_PIDS:-}; do
            v=cpu_${kv%%=*}_ms # set by the eval above, when the client read that process
            printf '%s=%s\n' "${kv%%=*}" "${!v:-?}"
        done | paste -sd, -)
        printf '%-8s %5s %8s %8s %8s %12s %9s %9s %9s %9s %7s  %s\n' "$mode" "$n" "${ok:-?}" "$orders" "$oversold" \
            "${attempts_per_s:-?}" "${p50_ms:-?}" "${p99_ms:-?}" "${p99_ok_ms:-?}" "${p99_refused_ms:-?}" "${other:-?}" \
            "${cpu:+$cpu,}load=${load_cpu_ms:-?},idle=${idle_pct:-?}%,iowait=${iowait_pct:-?}%"
    ) | tee -a "$TMP/rows"
    [ "$orders" = "$UNITS" ] && [ "$oversold" = 0 ] || echo FAIL >>"$TMP/failed"
}

mean() { awk -v m="$1" -v c="$2" '$1 == m { s += $c; n++ } END { if (n) printf "%.1f", s / n; else print "n/a" }' "$TMP/rows"; }
{
    echo "farmlive flash-sale benchmark  $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "$BUYERS buyers with their own sessions, $UNITS units, all at once, $ROUNDS rounds per path; one shop process"
    echo "host: $(nproc) CPUs, $(uname -sr)"
    echo
    printf '%-8s %5s %8s %8s %8s %12s %9s %9s %9s %9s %7s  %s\n' path round '201s' orders oversold 'attempts/s' 'p50 ms' 'p99 ms' \
        '201 p99' '409 p99' 'other' 'CPU ms in the burst'
} | tee "$TMP/head"
for mode in ${BENCH_FLASH_MODES:-redis rowlock}; do
    # two unmeasured rounds first: pool connections open, statements
    # prepared and memory grown, as in a shop that has been running a while
    for _ in 1 2; do round "$mode" warm >/dev/null; done
    sed -i '/ warm /d' "$TMP/rows"
    for n in $(seq 1 "$ROUNDS"); do round "$mode" "$n"; done
done
R_RPS=$(mean redis 6) L_RPS=$(mean rowlock 6)
{
    echo
    printf 'mean  redis:   %s attempts/s, p50 %s ms, p99 %s ms\n' "$R_RPS" "$(mean redis 7)" "$(mean redis 8)"
    printf 'mean  rowlock: %s attempts/s, p50 %s ms, p99 %s ms\n' "$L_RPS" "$(mean rowlock 7)" "$(mean rowlock 8)"
    printf 'redis/rowlock  %s\n' "$(awk -v a="$R_RPS" -v b="$L_RPS" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
    echo "targets: >= 2000 attempts/s, p99 <= 100 ms, >= 5x the row-lock path; orders = $UNITS and 0 oversold every round"
} | tee "$TMP/tail"
mkdir -p "$(dirname "$OUT")"
cat "$TMP/head" "$TMP/rows" "$TMP/tail" >"$OUT"
echo "bench-flash: written to $OUT" >&2
[ ! -e "$TMP/failed" ] || die "a round sold other than $UNITS orders or oversold"
