# relay-bench-lib.sh - what the relay benchmarks that run their own relay
# and publishers share (sourced after ops/lib.sh by ops/bench-srt.sh and
# ops/bench-rendition.sh, from the checkout's root):
#   TMP            a fresh temporary directory (removed at exit)
#   PIDS / PUBS    processes to stop at exit / the publishers of a step
#   stop_pubs      stops the step's publishers
#   say TEXT       prints a report line and keeps it in $TMP/report
#   cpu_ticks PID  user + system CPU of a process, in clock ticks (HZ)
#   start_stub_shop  the publish callback's stub (bench/stub_shop.py) on a
#                  free port, in SHOP_PORT, once it answers
# NAME is the benchmark's name (the temporary directory's).
HZ=$(getconf CLK_TCK)
TMP=$(mktemp -d "/tmp/farmlive-$NAME-bench.XXXXXX")
PIDS=()
PUBS=()
stop_pubs() {
    for p in "${PUBS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PUBS[@]}"; do wait "$p" 2>/dev/null; done
    PUBS=()
}
cleanup() {
    stop_pubs
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
    rm -rf "$TMP"
}
trap cleanup EXIT
say() { printf '%s\n' "$*" | tee -a "$TMP/report"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start_stub_shop() {
    SHOP_PORT=$(free_port)
    python3 bench/stub_shop.py "$SHOP_PORT" &
    PIDS+=($!)
    for _ in $(seq 1 100); do
        curl -sf -X POST -d '{}' "http://127.0.0.1:$SHOP_PORT/internal/v1/live/publish" >/dev/null && return 0
        sleep 0.1
    done
    return 1
}
