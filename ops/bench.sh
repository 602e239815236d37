#!/usr/bin/env bash
# bench.sh - the catalogue read, three ways, under the same load.
#
#   SHOP_URL=http://127.0.0.1:PORT ops/bench.sh
#
# Fetches GET $SHOP_URL/api/v1/products once, then serves those exact bytes
# from two baselines on loopback:
#   nginx       Debian's nginx (nginx-light), 2 workers, access log off,
#               a static file (the most a C web server does with them)
#   mhd-static  bin/mhd-static: a bare libmicrohttpd daemon shaped like the
#               shop's (thread pool of one thread per CPU, epoll), answering
#               every GET with the bytes from memory
# and runs wrk against the shop, nginx and mhd-static in turn, printing
# requests/s for each and the ratios shop/nginx, shop/mhd and mhd/nginx.
# The result also goes to var/bench/catalogue.txt.
#
# Before measuring, each server is asked once and must answer 200 with
# application/json and a body of the same size as the shop's.
#
# Settings (environment):
#   SHOP_URL            required; the running shop
#   BENCH_SECONDS       seconds per measured run (10)
#   BENCH_WARMUP        seconds of unmeasured load before each run (2; 0 = none)
#   BENCH_THREADS       wrk threads (2)
#   BENCH_CONNECTIONS   wrk connections (64)
#   BENCH_PATH          the path measured (/api/v1/products)
#   BENCH_OUT           the results file (var/bench/catalogue.txt)
#   MHD_STATIC          the mhd-static binary (bin/mhd-static; compiled into
#                       a temp dir from bench/mhd_static.c when missing)
#
# nginx and mhd-static are started here and stopped on exit, however the
# script ends. Exit status: 0 when all three were measured, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
. ops/lib.sh # free_port, wrk_figures, nginx_temps

: "${SHOP_URL:?SHOP_URL must name the running shop, e.g. http://127.0.0.1:8080}"
SHOP_URL=${SHOP_URL%/}
SECS=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
WRK_THREADS=${BENCH_THREADS:-2}
WRK_CONNS=${BENCH_CONNECTIONS:-64}
BPATH=${BENCH_PATH:-/api/v1/products}
OUT=${BENCH_OUT:-var/bench/catalogue.txt}
MHD_BIN=${MHD_STATIC:-bin/mhd-static}

die() { echo "bench: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found (run: ops/install-deps.sh bench)"; }

for v in SECS WARMUP WRK_THREADS WRK_CONNS; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
[ "$SECS" -ge 1 ] || die "BENCH_SECONDS must be at least 1"
need curl
need wrk
NGINX=$(command -v nginx 2>/dev/null || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
[ -n "$NGINX" ] || die "nginx not found (run: ops/install-deps.sh bench)"

TMP=$(mktemp -d /tmp/farmlive-bench.XXXXXX)
NGINX_PID=
MHD_PID=

stop_pid() { # stop_pid PID: TERM, wait up to 5 s, then KILL
    local pid=$1
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pid "$NGINX_PID"
    stop_pid "$MHD_PID"
    rm -rf "$TMP"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM


# wait_http URL PID NAME -> returns when URL answers, fails if PID died
wait_http() {
    local url=$1 pid=$2 name=$3
    for _ in $(seq 1 100); do
        curl -s -o /dev/null --max-time 1 "$url" && return 0
        kill -0 "$pid" 2>/dev/null || die "$name exited at start (see above)"
        sleep 0.1
    done
    die "$name did not answer at $url within 10 s"
}

# probe NAME URL FILE -> fetches URL into FILE; checks 200 and JSON type;
# prints the body size
probe() {
    local name=$1 url=$2 file=$3 meta code type
    meta=$(curl -s -S --max-time 30 -o "$file" -w '%{http_code} %{content_type}' "$url") ||
        die "$name: request to $url failed"
    code=${meta%% *}
    type=${meta#* }
    [ "$code" = 200 ] || die "$name: GET $url answered $code: $(head -c 300 "$file")"
    case "$type" in
        application/json*) ;;
        *) die "$name: GET $url has Content-Type '$type', want application/json" ;;
    esac
    wc -c <"$file" | tr -d ' '
}

# measure NAME URL -> runs wrk; sets RPS, P50, P99, ERRS
measure() {
    local name=$1 url=$2 log=$TMP/wrk-$1.txt
    if [ "$WARMUP" -gt 0 ]; then
        wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
    fi
    echo "bench: $name: wrk -t$WRK_THREADS -c$WRK_CONNS -d${SECS}s $url" >&2
    wrk -t"$WRK_THREADS" -c"$WRK_CONNS" -d"${SECS}s" --latency "$url" >"$log" 2>&1 ||
        { cat "$log" >&2; die "$name: wrk failed"; }
    wrk_figures "$log"
    [ -n "$RPS" ] || { cat "$log" >&2; die "$name: no Requests/sec in wrk's output"; }
    if [ "$ERRS" != 0 ]; then
        echo "bench: $name: $ERRS errors or non-2xx answers during the run:" >&2
        grep -E 'Non-2xx|Socket errors' "$log" >&2 || true
    fi
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

# --------------------------------------------------------------- the body
mkdir -p "$TMP/www" "$TMP/nginx/tmp"
SHOP_SIZE=$(probe shop "$SHOP_URL$BPATH" "$TMP/www/catalogue.json")
[ "$SHOP_SIZE" -gt 0 ] || die "shop: empty body from $SHOP_URL$BPATH"
ITEMS=$(jq '.items | length' "$TMP/www/catalogue.json" 2>/dev/null || echo '?')
echo "bench: catalogue page: $SHOP_SIZE bytes, $ITEMS items" >&2

# ------------------------------------------------------------------- nginx
NGINX_PORT=$(free_port)
# nginx's workers may run as another user: let them read the file.
chmod 755 "$TMP" "$TMP/www"
chmod 644 "$TMP/www/catalogue.json"
cat >"$TMP/nginx/nginx.conf" <<EOF
# generated by ops/bench.sh
worker_processes 2;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
$(nginx_temps "$TMP/nginx/tmp")
    types { }
    default_type application/json;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    open_file_cache max=16 inactive=60s;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $TMP/www;
        location / {
            try_files /catalogue.json =404;
        }
    }
}
EOF
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" -t -q ||
    { cat "$TMP/nginx/error.log" >&2 2>/dev/null; die "nginx rejected its configuration"; }
"$NGINX" -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" &
NGINX_PID=$!
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
wait_http "$NGINX_URL/" "$NGINX_PID" nginx

# -------------------------------------------------------------- mhd-static
if [ ! -x "$MHD_BIN" ]; then
    echo "bench: $MHD_BIN missing, compiling bench/mhd_static.c" >&2
    MHD_BIN=$TMP/mhd-static
    # shellcheck disable=SC2046  # pkg-config output is meant to split
    ${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -o "$MHD_BIN" bench/mhd_static.c \
        $(pkg-config --cflags --libs libmicrohttpd) -lpthread || die "cannot compile bench/mhd_static.c"
fi
MHD_PORT=$(free_port)
"$MHD_BIN" "$MHD_PORT" "$TMP/www/catalogue.json" &
MHD_PID=$!
MHD_URL="http://127.0.0.1:$MHD_PORT"
wait_http "$MHD_URL/" "$MHD_PID" mhd-static

# --------------------------------------------------- same bytes everywhere
NGINX_SIZE=$(probe nginx "$NGINX_URL$BPATH" "$TMP/nginx-body.json")
MHD_SIZE=$(probe mhd-static "$MHD_URL$BPATH" "$TMP/mhd-body.json")
[ "$NGINX_SIZE" = "$SHOP_SIZE" ] || die "nginx serves $NGINX_SIZE bytes, the shop $SHOP_SIZE"
[ "$MHD_SIZE" = "$SHOP_SIZE" ] || die "mhd-static serves $MHD_SIZE bytes, the shop $SHOP_SIZE"
SHOP_SIZE2=$(probe shop "$SHOP_URL$BPATH" "$TMP/shop-body.json")
[ "$SHOP_SIZE2" = "$SHOP_SIZE" ] ||
    die "the shop's page changed size during the bench ($SHOP_SIZE then $SHOP_SIZE2 bytes): is something writing to the catalogue?"
cmp -s "$TMP/www/catalogue.json" "$TMP/shop-body.json" ||
    echo "bench: note: the shop's page has the same size but different bytes on a second read" >&2

# ------------------------------------------------------------------ measure
measure shop "$SHOP_URL$BPATH"
SHOP_RPS=$RPS SHOP_P50=$P50 SHOP_P99=$P99 SHOP_ERRS=$ERRS
measure nginx "$NGINX_URL$BPATH"
NGINX_RPS=$RPS NGINX_P50=$P50 NGINX_P99=$P99 NGINX_ERRS=$ERRS
measure mhd-static "$MHD_URL$BPATH"
MHD_RPS=$RPS MHD_P50=$P50 MHD_P99=$P99 MHD_ERRS=$ERRS

# ------------------------------------------------------------------ report
mkdir -p "$(dirname "$OUT")"
{
    echo "farmlive catalogue benchmark  $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "GET $BPATH: $SHOP_SIZE bytes, $ITEMS items"
    echo "wrk -t$WRK_THREADS -c$WRK_CONNS -d${SECS}s (after ${WARMUP}s warm-up), on the same host as the servers"
    echo "host: $(nproc) CPUs, $(uname -sr); $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), libmicrohttpd $(pkg-config --modversion libmicrohttpd 2>/dev/null || echo '?')"
    echo
    printf '%-12s %12s %10s %10s %8s\n' server 'requests/s' p50 p99 errors
    printf '%-12s %12s %10s %10s %8s\n' shop "$SHOP_RPS" "$SHOP_P50" "$SHOP_P99" "$SHOP_ERRS"
    printf '%-12s %12s %10s %10s %8s\n' nginx "$NGINX_RPS" "$NGINX_P50" "$NGINX_P99" "$NGINX_ERRS"
    printf '%-12s %12s %10s %10s %8s\n' mhd-static "$MHD_RPS" "$MHD_P50" "$MHD_P99" "$MHD_ERRS"
    echo
    echo "shop/nginx  $(ratio "$SHOP_RPS" "$NGINX_RPS")"
    echo "shop/mhd    $(ratio "$SHOP_RPS" "$MHD_RPS")"
    echo "mhd/nginx   $(ratio "$MHD_RPS" "$NGINX_RPS")"
} | tee "$OUT"
echo "bench: written to $OUT" >&2

if [ "$SHOP_ERRS" != 0 ] || [ "$NGINX_ERRS" != 0 ] || [ "$MHD_ERRS" != 0 ]; then
    die "some requests failed (see errors above): the numbers are not comparable"
fi
