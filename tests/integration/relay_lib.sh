# relay_lib.sh - what the relay suites that start their own relay share
# (sourced after lib.sh and ops/lib.sh; tests/run.sh runs no *_lib.sh):
#   ROOT   the checkout        PUSH   the rtmp_push test tool (make test builds it)
#   RELAY  the relay binary (the sanitizer build unless RELAY_BIN says)
#   RPORT, HPORT  free ports for its RTMP and HTTP sides
#   relay_serve LOG [NAME=VALUE ...]  starts the relay on them (or on the
#          RPORT and HPORT given for the call: RPORT=.. HPORT=.. relay_serve ..;
#          its output appended to LOG; sanitizers
#          halting on the first report, the test shop, log level info, then
#          the settings given, which win), RELAY_PID its pid, and waits for
#          its /healthz; a relay that does not answer in 30 s fails the suite
#   RB     the relay's HTTP base        BG  pids of background jobs to stop
#   relay_need TOOL...  fails the suite when one is missing (ops/install-deps.sh
#          installs the tools, make test builds the binaries)
#   stop_relay  TERM to RELAY_PID and waits for it
#   relay_cleanup  the EXIT trap set here: BG's jobs, the relay, $_TMP (a
#          suite with more to stop sets its own trap and calls it)
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PUSH=$BUILD/tools/rtmp_push
RELAY=${RELAY_BIN:-$ROOT/bin/farmlive-relay-san}
: "${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}"
RPORT=$(free_port)
HPORT=$(free_port)
while [ "$HPORT" = "$RPORT" ]; do HPORT=$(free_port); done
RB=http://127.0.0.1:$HPORT
RELAY_PID=
BG=()

relay_need() {
    local t
    for t in "$@"; do
        if ! command -v "$t" >/dev/null; then
            bad "$t is missing (ops/install-deps.sh installs the tools, make test builds the binaries)"
            finish
            exit 1
        fi
    done
}
stop_relay() { [ -n "$RELAY_PID" ] && kill -TERM "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null; }
relay_cleanup() {
    local p
    for p in "${BG[@]}"; do kill -TERM "$p" 2>/dev/null; done
    stop_relay
    rm -rf "$_TMP"
}
trap relay_cleanup EXIT

relay_serve() {
    local log=$1
    shift
    env ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        FARMLIVE_RTMP_PORT="$RPORT" FARMLIVE_RELAY_HTTP_PORT="$HPORT" FARMLIVE_SHOP_INTERNAL_URL="$SHOP_URL" \
        FARMLIVE_LOG_LEVEL=info "$@" "$RELAY" serve >>"$log" 2>&1 &
    RELAY_PID=$!
    if ! wait_http "http://127.0.0.1:$HPORT/healthz" 30 "$RELAY_PID"; then
        bad "the relay did not start" "$(tail -n 20 "$log")"
        RELAY_PID=
        finish
        exit 1
    fi
}
