#!/usr/bin/env bash
# relay_fuzz.sh - the RTMP ingest fuzzers (tests/fuzz/fuzz_*.c, built by
# `make fuzz` into $BUILD_DIR/fuzz/), each for a bounded time, in parallel,
# over a scratch copy of its seed corpus (tests/fuzz/corpus/NAME/), so new
# inputs never dirty the tree. One check per fuzzer: it ran its time out
# without a crash, leak, timeout or sanitizer report. A crashing input is
# kept under $KEEP (default /tmp/farmlive-fuzz-artifacts) and named in the
# failure line; add it to the corpus once fixed.
#
#   FUZZ_TIME=20   seconds per fuzzer
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ_DIR=${BUILD_DIR:-build}/fuzz
case $FUZZ_DIR in /*) ;; *) FUZZ_DIR=$ROOT/$FUZZ_DIR ;; esac
FUZZ_TIME=${FUZZ_TIME:-20}
KEEP=${KEEP:-/tmp/farmlive-fuzz-artifacts}
NAMES=(handshake chunk amf0)

pids=()
for n in "${NAMES[@]}"; do
    bin=$FUZZ_DIR/fuzz_$n
    mkdir -p "$_TMP/$n/corpus" "$_TMP/$n/art"
    cp "$ROOT/tests/fuzz/corpus/$n/"* "$_TMP/$n/corpus/" 2>/dev/null
    if [ ! -x "$bin" ]; then
        echo "missing $bin (make fuzz)" >"$_TMP/$n/log"
        echo 127 >"$_TMP/$n/rc"
        continue
    fi
    ( "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$_TMP/$n/art/" "$_TMP/$n/corpus" >"$_TMP/$n/log" 2>&1
      echo $? >"$_TMP/$n/rc" ) &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

for n in "${NAMES[@]}"; do
    rc=$(cat "$_TMP/$n/rc" 2>/dev/null || echo 1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$_TMP/$n/log" | tail -n 1)
    if [ "$rc" = 0 ] && [ -z "$(ls -A "$_TMP/$n/art")" ]; then
        ok
        echo "fuzz_$n: ${runs:-?} runs in ${FUZZ_TIME}s, no finding"
    else
        mkdir -p "$KEEP"
        cp "$_TMP/$n/art/"* "$KEEP/" 2>/dev/null
        bad "fuzz_$n exited $rc; inputs kept in $KEEP" "$(grep -E 'ERROR|SUMMARY|missing|runtime error' "$_TMP/$n/log" | head -n 5)"
    fi
done
finish
