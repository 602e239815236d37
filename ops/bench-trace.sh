#!/usr/bin/env bash
# bench-trace.sh - traceability benchmarks, run by `make bench` after
# ops/bench.sh on the same throwaway stack.
#
#   SHOP_URL=http://127.0.0.1:PORT BIN_DIR=bin ops/bench-trace.sh
#
# 1. The trace JSON lookup GET /api/v1/trace/{lot} (what a scanned QR code
#    asks for) against the catalogue read GET /api/v1/products, each under
#    the same wrk load in this run; prints requests/s and the ratio.
#    Target: trace >= 0.5 x catalogue.
# 2. Verifying a lot with 1,000 events: bin/bench-trace_verify (bench/
#    trace_verify.c), which needs the FARMLIVE_DB_* settings of the stack.
#    Target: < 20 ms (median).
# Results also go to var/bench/trace.txt. Exit 1 when something could not be
# measured; a missed target is reported, not an error.
#
# Settings: BENCH_SECONDS (10), BENCH_THREADS (2), BENCH_CONNECTIONS (64),
# BENCH_LOT (AY-EGG-20261120-01), BENCH_OUT (var/bench/trace.txt).
set -uo pipefail
cd "$(dirname "$0")/.."

: "${SHOP_URL:?SHOP_URL must name the running shop}"
SHOP_URL=${SHOP_URL%/}
SECS=${BENCH_SECONDS:-10}
WRK_THREADS=${BENCH_THREADS:-2}
WRK_CONNS=${BENCH_CONNECTIONS:-64}
LOT=${BENCH_LOT:-AY-EGG-20261120-01}
OUT=${BENCH_OUT:-var/bench/trace.txt}
BIN_DIR=${BIN_DIR:-bin}

die() { echo "bench-trace: $*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk not found (run: ops/install-deps.sh bench)"

# rps PATH -> requests/s of wrk against PATH (after a 2 s warm-up)
rps() {
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d2s "$SHOP_URL$1" >/dev/null 2>&1
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${SECS}s" "$SHOP_URL$1" 2>/dev/null |
        awk '/^Requests\/sec:/ {print $2}'
}

for p in /api/v1/products "/api/v1/trace/$LOT"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$SHOP_URL$p")
    [ "$code" = 200 ] || die "GET $p answered $code"
done
cat_rps=$(rps /api/v1/products)
trace_rps=$(rps "/api/v1/trace/$LOT")
[ -n "$cat_rps" ] && [ -n "$trace_rps" ] || die "wrk gave no figure"
ratio=$(awk -v a="$trace_rps" -v b="$cat_rps" 'BEGIN {printf "%.2f", a / b}')
verdict=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.5) ? "meets" : "MISSES"}')

mkdir -p "$(dirname "$OUT")"
{
    echo "== trace ($(date -u +%FT%TZ), $(nproc) CPUs, wrk -t$WRK_THREADS -c$WRK_CONNS -d${SECS}s)"
    printf 'catalogue read  GET /api/v1/products          %10.0f req/s\n' "$cat_rps"
    printf 'trace lookup    GET /api/v1/trace/%s %10.0f req/s\n' "$LOT" "$trace_rps"
    echo "ratio trace/catalogue: $ratio ($verdict the 0.5 target)"
} | tee "$OUT"

verify_out=$("$BIN_DIR/bench-trace_verify" 1000 50) || die "bench-trace_verify failed: $verify_out"
median=$(printf '%s' "$verify_out" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
verdict=$(awk -v m="$median" 'BEGIN {print (m < 20) ? "meets" : "MISSES"}')
printf '%s\n%s\n' "$verify_out" "verify 1,000 events: median $median ms ($verdict the 20 ms target)" | tee -a "$OUT"
