#!/usr/bin/env bash
# bench-rt.sh - the realtime fan-out benchmark: N subscribers of one live
# room's event stream (Server-Sent Events), a chat message every 200 ms and
# a stock update every second for SECONDS, first from the shop, then from
# Debian's nginx with the nchan module (one worker, an EventSource
# subscriber location) serving the same N subscribers the same messages.
#
#   SHOP_URL=... FARMLIVE_DB_PORT=... FARMLIVE_REDIS_PORT=... ops/bench-rt.sh
#
# For each N, each server is a fresh process (so its memory says what N
# subscribers cost, not what an earlier round left in its heap):
#   shop    bin/farmlive-shop serve on a free port, beside the stack's shop
#           (same MariaDB and Redis); a new live session; chat POSTed to
#           /api/v1/live/{id}/chat by BENCH_RT_ACCOUNTS buyers in turn (no
#           account meets the chat's rate limit), stock raised on the room's
#           topic through the shop's feed code as a flash.stock (not coalescing)
#           event (bench/rt_publish.c)
#   nchan   nginx -c (generated), worker_processes 1, nchan_subscriber
#           eventsource on /sub, nchan_publisher on /pub, 256 messages kept;
#           both kinds of message POSTed to /pub
# The subscribers: bench-sse_load (one epoll process, N connections)
# beside the server on this machine. Measured per server and N:
#   p50/p99/max  delivery latency, publisher's clock at send -> subscriber
#   lost         deliveries of published messages that never arrived
#   cpu/msg      the server process's user+system CPU over the publishing
#                window (/proc/PID/stat) / the deliveries in it
#   mem/sub      (resident memory with N subscribers connected - before
#                they connected) / N; the shop's whole process, nginx's
#                worker (nchan keeps its messages in shared memory, which
#                the worker's resident set includes once touched)
#
# Settings: BENCH_RT_SUBSCRIBERS ("1000 5000 10000"), BENCH_RT_SECONDS
# (20), BENCH_RT_ACCOUNTS (20), BENCH_RT_CHAT (auto: api when the shop has
# the chat route (schema/openapi.yaml), else feed; feed: chat raised on the
# feed directly, as the stock is, no HTTP or MariaDB in its path),
# BENCH_RT_OUT (var/bench/rt.txt), BENCH_RT_SERVERS ("shop nchan": either
# alone, to A/B one of them against itself), BIN_DIR
# (bin: farmlive-shop, bench-sse_load, bench-rt_publish). Exit 1 when a
# server could not be measured.
set -uo pipefail
cd "$(dirname "$0")/.."
. ops/lib.sh

: "${SHOP_URL:?SHOP_URL must name the running shop (accounts, sessions)}"
BIN_DIR=${BIN_DIR:-bin}
SUBS=${BENCH_RT_SUBSCRIBERS:-1000 5000 10000}
SECS=${BENCH_RT_SECONDS:-20}
ACCOUNTS=${BENCH_RT_ACCOUNTS:-20}
CHAT=${BENCH_RT_CHAT:-auto}
if [ "$CHAT" = auto ]; then
    CHAT=feed
    grep -q '^  /api/v1/live/{id}/chat:' schema/openapi.yaml && CHAT=api
fi
OUT=${BENCH_RT_OUT:-var/bench/rt.txt}
SERVERS=" ${BENCH_RT_SERVERS:-shop nchan} "
DB_PORT=${FARMLIVE_DB_PORT:-3307}
REDIS_PORT=${FARMLIVE_REDIS_PORT:-6380}
RUN=rt$(date +%s)$RANDOM
LOAD=$BIN_DIR/bench-sse_load
PUB=$BIN_DIR/bench-rt_publish
NCHAN_MOD=/usr/lib/nginx/modules/ngx_nchan_module.so

die() { echo "bench-rt: $*" >&2; exit 1; }
say() { echo "bench-rt: $*" >&2; }
for b in "$LOAD" "$PUB" "$BIN_DIR/farmlive-shop"; do [ -x "$b" ] || die "$b missing (make $b)"; done
[ -f "$NCHAN_MOD" ] || die "nchan is not installed (ops/install-deps.sh bench)"
command -v nginx >/dev/null || die "nginx is not installed (ops/install-deps.sh bench)"
sql() {
    mariadb --no-defaults -N -B -h 127.0.0.1 -P "$DB_PORT" -u "${FARMLIVE_DB_USER:-farmlive}" \
        -p"${FARMLIVE_DB_PASSWORD:-farmlive}" "${FARMLIVE_DB_NAME:-farmlive}" -e "$1"
}
TMP=$(mktemp -d /tmp/farmlive-bench-rt.XXXXXX)
chmod 755 "$TMP"
SRV_PID=
cleanup() {
    [ -n "$SRV_PID" ] && kill -TERM "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
    [ -f "$TMP/nginx/nginx.pid" ] && kill -TERM "$(cat "$TMP/nginx/nginx.pid")" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ulimit -n "$(ulimit -Hn)"

# ---------------------------------------------------------------- setup
FARMER=$(curl -sS -H 'Content-Type: application/json' \
    -d '{"login":"farmer@anyuan.example.com","password":"farmlive-demo"}' "$SHOP_URL/api/v1/sessions" | jq -r .token)
[ -n "$FARMER" ] && [ "$FARMER" != null ] || die "cannot sign in as the demo farmer"
# the chatting buyers: accounts and sessions made directly, as bench-flash.sh does
TOKENS=()
if [ "$CHAT" = api ]; then
    bench_buyers "$RUN" "$ACCOUNTS" "$TMP/buyers" || die "could not make $ACCOUNTS chatting buyers"
    mapfile -t TOKENS < <(cut -f2 "$TMP/buyers")
    [ "${#TOKENS[@]}" -eq "$ACCOUNTS" ] || die "could not make $ACCOUNTS chatting buyers"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
jget() { printf '%s' "$1" | jq -r "$2"; }

# measure NAME PID SUB_URL PUBLISH_ARGS... -> one row: subscribers connect,
# then the publisher runs SECS; sets ROW
measure() {
    local name=$1 pid=$2 url=$3 n=$4
    shift 4
    local ready=$TMP/ready-$name-$n rss0 rss1 c0 c1 res pub lost cpu_us deliveries hz
    rm -f "$ready"
    rss0=$(rss_kb "$pid")
    "$LOAD" "$url" "$n" $((SECS + 3)) "$ready" >"$TMP/load-$name-$n.json" 2>"$TMP/load-$name-$n.err" &
    local lp=$!
    for _ in $(seq 1 1500); do [ -f "$ready" ] && break; sleep 0.1; done
    [ -f "$ready" ] || { kill "$lp" 2>/dev/null; say "$name: the subscribers did not connect"; return 1; }
    sleep 1
    rss1=$(rss_kb "$pid")
    c0=$(cpu_ticks "$pid")
    pub=$("$PUB" "$1" "$2" "$SECS" "$ready" "${@:3}") # KIND TARGET SECONDS READY [TOKEN...]
    c1=$(cpu_ticks "$pid")
    wait "$lp"
    res=$(cat "$TMP/load-$name-$n.json")
    [ -n "$res" ] || { say "$name: no result from the subscribers: $(cat "$TMP/load-$name-$n.err")"; return 1; }
    hz=$(getconf CLK_TCK)
    deliveries=$(jget "$res" .seq_deliveries)
    cpu_us=$(((c1 - c0) * 1000000 / hz))
    lost=$(($(jget "$res" .lost) + ($(jget "$pub" .published) - $(jget "$res" .seqs)) * $(jget "$res" .streaming)))
    ROW=$(printf '%-6s %6s %9s %7s %7s %7s %7s %9s %9s %9s' "$name" "$n" "$(jget "$res" .streaming)" \
        "$(jget "$res" .p50_ms)" "$(jget "$res" .p99_ms)" "$(jget "$res" .max_ms)" "$lost" \
        "$(awk -v c="$cpu_us" -v d="$deliveries" 'BEGIN { printf "%.2f", d ? c / d : 0 }')" \
        "$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / n }')" \
        "$(jget "$pub" .chat_p99_ms)")
    CPU_PER[$name]=$(awk -v c="$cpu_us" -v d="$deliveries" 'BEGIN { printf "%.3f", d ? c / d : 0 }')
    MEM_PER[$name]=$(awk -v a="$rss0" -v b="$rss1" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }')
    say "$ROW  (publisher: $pub)"
}

# shop_round N -> the shop's row for N subscribers
shop_round() {
    local n=$1 port id
    port=$(free_port)
    FARMLIVE_SHOP_PORT=$port "$BIN_DIR/farmlive-shop" serve 2>"$TMP/shop-$n.log" &
    SRV_PID=$!
    wait_http "http://127.0.0.1:$port/healthz" 30 "$SRV_PID" || { tail -n 20 "$TMP/shop-$n.log" >&2; return 1; }
    id=$(curl -sS -H "Authorization: Bearer $FARMER" -H 'Content-Type: application/json' \
        -d "{\"title\":\"bench $RUN $n\"}" "$SHOP_URL/api/v1/live" | jq -r .id)
    [ -n "$id" ] && [ "$id" != null ] || { say "cannot make a live session"; return 1; }
    curl -sS -o /dev/null "http://127.0.0.1:$port/api/v1/live/$id" # warm: the worker threads, the pools
    SHOP_URL=http://127.0.0.1:$port measure shop "$SRV_PID" "http://127.0.0.1:$port/api/v1/live/$id/events" "$n" \
        shop "$id" $([ "$CHAT" = api ] && echo "${TOKENS[@]}")
    local rc=$?
    kill -TERM "$SRV_PID" && wait "$SRV_PID"
    SRV_PID=
    return $rc
}

# nchan_round N -> nginx + nchan's row for N subscribers
nchan_round() {
    local n=$1 port worker
    port=$(free_port)
    mkdir -p "$TMP/nginx/tmp"
    cat >"$TMP/nginx/nginx.conf" <<EOF
# generated by ops/bench-rt.sh
load_module $NCHAN_MOD;
worker_processes 1;
worker_rlimit_nofile $(ulimit -Hn);
daemon on;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections $((n + 1024)); }
http {
    access_log off;
$(nginx_temps "$TMP/nginx/tmp")
    nchan_shared_memory_size 256M;
    server {
        listen 127.0.0.1:$port;
        location = /sub {
            nchan_subscriber eventsource;
            nchan_channel_id room$n;
        }
        location = /pub {
            nchan_publisher;
            nchan_channel_id room$n;
            nchan_message_buffer_length 256;
        }
    }
}
EOF
    nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" ||
        { say "nginx did not start: $(tail -n 5 "$TMP/nginx/error.log")"; return 1; }
    for _ in $(seq 1 50); do [ -s "$TMP/nginx/nginx.pid" ] && break; sleep 0.1; done
    worker=$(pgrep -P "$(cat "$TMP/nginx/nginx.pid")" | head -n 1)
    [ -n "$worker" ] || { say "no nginx worker"; return 1; }
    curl -sS -o /dev/null -X POST -d '{"warm":1}' "http://127.0.0.1:$port/pub"
    measure nchan "$worker" "http://127.0.0.1:$port/sub" "$n" nchan "http://127.0.0.1:$port/pub"
    local rc=$?
    kill -TERM "$(cat "$TMP/nginx/nginx.pid")"
    for _ in $(seq 1 50); do [ -f "$TMP/nginx/nginx.pid" ] || break; sleep 0.1; done
    return $rc
}

declare -A CPU_PER MEM_PER
rc=0
mkdir -p "$(dirname "$OUT")"
{
    echo "farmlive realtime fan-out benchmark  $(date -u '+%Y-%m-%dT%H:%M:%SZ')"
    echo "one room, a chat message every 200 ms and a stock update every second for ${SECS}s (shop's chat: $CHAT);"
    echo "subscribers: bench-sse_load (one epoll process) on the same host; host: $(nproc) CPUs, $(uname -sr),"
    echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nginx -v 2>&1 | sed 's/^nginx version: //'), nchan $(dpkg-query -W -f '${Version}' libnginx-mod-nchan 2>/dev/null)"
    echo
    printf '%-6s %6s %9s %7s %7s %7s %7s %9s %9s %9s\n' server subs streaming p50_ms p99_ms max_ms lost \
        'cpu_us/msg' 'kB/sub' 'chat_p99'
} | tee "$OUT"
for n in $SUBS; do
    case $SERVERS in *" shop "*) if shop_round "$n"; then echo "$ROW" | tee -a "$OUT"; else rc=1; fi ;; esac
    sleep 2 # the closed connections' ports
    case $SERVERS in *" nchan "*) if nchan_round "$n"; then echo "$ROW" | tee -a "$OUT"; else rc=1; fi ;; esac
    if [ -n "${CPU_PER[shop]-}" ] && [ -n "${CPU_PER[nchan]-}" ]; then
        echo "  $n subscribers: cpu/msg shop/nchan $(awk -v a="${CPU_PER[shop]}" -v b="${CPU_PER[nchan]}" \
            'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'), memory/subscriber shop/nchan $(awk -v a="${MEM_PER[shop]}" \
            -v b="${MEM_PER[nchan]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" | tee -a "$OUT"
    fi
    unset 'CPU_PER[shop]' 'CPU_PER[nchan]'
    sleep 2
done
say "written to $OUT"
exit $rc
