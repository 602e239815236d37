# relay_lib.sh - what the relay suites that start their own relay share
# (sourced after lib.sh and ops/lib.sh; tests/run.sh runs no *_lib.sh):
#   ROOT   the checkout        PUSH   the rtmp_push test tool (make test builds it)
#   RELAY  the relay binary (the sanitizer build unless RELAY_BIN says)
#   RPORT, HPORT  free ports for its RTMP and HTTP sides
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD_DIR:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PUSH=$BUILD/tools/rtmp_push
RELAY=${RELAY_BIN:-$ROOT/bin/farmlive-relay-san}
: "${FARMLIVE_INTERNAL_SECRET:?FARMLIVE_INTERNAL_SECRET must be set}"
RPORT=$(free_port)
HPORT=$(free_port)
while [ "$HPORT" = "$RPORT" ]; do HPORT=$(free_port); done
