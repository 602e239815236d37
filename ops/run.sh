#!/usr/bin/env bash
# run.sh - the local stack: MariaDB + Redis under var/, migrated and seeded,
# the shop, and the relay beside it (when bin/farmlive-relay is built).
#
#   ops/run.sh foreground   start everything, shop in the foreground; Ctrl-C stops all
#   ops/run.sh background   start everything in the background; returns when /healthz is green
#   ops/run.sh stop         stop what `background` started
#
# Data stays in var/ between runs. Ports: FARMLIVE_SHOP_PORT (8080),
# FARMLIVE_DB_PORT (3307), FARMLIVE_REDIS_PORT (6380), FARMLIVE_RTMP_PORT
# (1935), FARMLIVE_RELAY_HTTP_PORT (8081). The relay <-> shop secret
# (FARMLIVE_INTERNAL_SECRET) and a development payment secret
# (FARMLIVE_PAYMENT_SECRET, which bin/pay-notify finds there too) are
# generated once into var/secrets.env, unless the environment sets them.
# The relay logs to var/log/relay.log.
#
# A stack that is already up is left alone (`background` and `foreground`
# say so and change nothing); `stop` stops only processes that are this
# checkout's shop and relay (a pid file is believed only when its process
# runs our binary), and `background` fails when a process it started dies.
set -euo pipefail
cd "$(dirname "$0")/.."

export FARMLIVE_VAR_DIR=${FARMLIVE_VAR_DIR:-var}
export FARMLIVE_SHOP_PORT=${FARMLIVE_SHOP_PORT:-8080}
export FARMLIVE_DB_PORT=${FARMLIVE_DB_PORT:-3307}
export FARMLIVE_REDIS_PORT=${FARMLIVE_REDIS_PORT:-6380}
export FARMLIVE_RTMP_PORT=${FARMLIVE_RTMP_PORT:-1935}
export FARMLIVE_RELAY_HTTP_PORT=${FARMLIVE_RELAY_HTTP_PORT:-8081}
# the shop asks the relay beside it which streams it holds (sessions of a
# relay that died end by themselves)
export FARMLIVE_RELAY_URL=${FARMLIVE_RELAY_URL:-http://127.0.0.1:$FARMLIVE_RELAY_HTTP_PORT}
VAR=$FARMLIVE_VAR_DIR
SHOP_PID=$VAR/run/shop.pid
RELAY_PID=$VAR/run/relay.pid
RELAY_BIN=${BIN:-bin}/farmlive-relay
URL="http://127.0.0.1:$FARMLIVE_SHOP_PORT"
SHOP_BIN=${BIN:-bin}/farmlive-shop

# ours PIDFILE BINARY -> prints the pid when PIDFILE names a live process
# running BINARY (this checkout's build, also after a rebuild replaced the
# file); nothing otherwise
ours() {
    local pid exe want
    [ -f "$1" ] || return 0
    pid=$(cat "$1" 2>/dev/null)
    case "$pid" in '' | *[!0-9]*) return 0 ;; esac
    exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 0
    want=$(readlink -f "$2")
    [ "${exe% (deleted)}" = "$want" ] && echo "$pid"
    return 0
}

# already_up -> 0 when this checkout's shop is running (and says so)
already_up() {
    local pid
    pid=$(ours "$SHOP_PID" "$SHOP_BIN")
    [ -n "$pid" ] || return 1
    echo "run: the stack is already up (shop pid $pid, $URL/); nothing changed. Stop it with: make down"
    return 0
}

# port_free PORT NAME -> fails naming what holds PORT
port_free() {
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then
        echo "run: port $1 ($2) is taken by another process; stop it or set another port" >&2
        return 1
    fi
}

start_stack() {
    mkdir -p "$VAR/run" "$VAR/log"
    ops/stack.sh start "$VAR" "$FARMLIVE_DB_PORT" "$FARMLIVE_REDIS_PORT"
    "$SHOP_BIN" migrate
    local seeded
    seeded=$(mariadb --no-defaults -N -B -h 127.0.0.1 -P "$FARMLIVE_DB_PORT" -u "${FARMLIVE_DB_USER:-farmlive}" \
        -p"${FARMLIVE_DB_PASSWORD:-farmlive}" "${FARMLIVE_DB_NAME:-farmlive}" \
        -e "SELECT COUNT(*) FROM accounts WHERE email = 'ops@example.com'")
    if [ "$seeded" = 0 ]; then
        "$SHOP_BIN" seed-demo
    fi
}

# The shared secret of the relay and the shop's internal API, and the
# development payment secret (what a provider's notices are signed with;
# bin/pay-notify reads it from the same file): each made once (256 bits,
# mode 600), then read on every start; the environment wins.
load_secrets() {
    local f=$VAR/secrets.env name
    mkdir -p "$VAR"
    for name in FARMLIVE_INTERNAL_SECRET FARMLIVE_PAYMENT_SECRET; do
        if ! grep -q "^$name=" "$f" 2>/dev/null; then
            (umask 077 && printf '%s=%s\n' "$name" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >>"$f")
        fi
    done
    local internal=${FARMLIVE_INTERNAL_SECRET-} payment=${FARMLIVE_PAYMENT_SECRET-}
    set -a
    . "$f"
    set +a
    [ -n "$internal" ] && FARMLIVE_INTERNAL_SECRET=$internal
    [ -n "$payment" ] && FARMLIVE_PAYMENT_SECRET=$payment
    # development: the sandbox cashier (/pay/{order_id}) signs with that secret
    export FARMLIVE_PAY_SANDBOX=${FARMLIVE_PAY_SANDBOX-1}
    return 0
}

# Starts the relay in the background when it is built (same environment as
# the shop); its pid goes to var/run/relay.pid.
start_relay() {
    if [ ! -x "$RELAY_BIN" ]; then
        echo "run: $RELAY_BIN is not built: no live streaming this time"
        return 0
    fi
    nohup "$RELAY_BIN" serve >>"$VAR/log/relay.log" 2>&1 &
    local pid=$!
    echo $pid >"$RELAY_PID"
    for _ in $(seq 1 50); do
        if ! kill -0 "$pid" 2>/dev/null; then
            rm -f "$RELAY_PID"
            echo "run: the relay exited at start; its log:" >&2
            tail -n 20 "$VAR/log/relay.log" >&2
            return 1
        fi
        if curl -fsS -o /dev/null "http://127.0.0.1:$FARMLIVE_RELAY_HTTP_PORT/healthz" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "run: the relay did not answer on :$FARMLIVE_RELAY_HTTP_PORT; see $VAR/log/relay.log" >&2
    return 1
}

banner() {
    local relay="not running (build it with make)"
    [ -f "$RELAY_PID" ] && relay="http://127.0.0.1:$FARMLIVE_RELAY_HTTP_PORT/api/streams   log: $VAR/log/relay.log"
    cat <<MSG

  farmlive shop:   $URL/
  API:             $URL/api/v1/products
  health:          $URL/healthz      metrics: $URL/metrics
  live (RTMP):     ${FARMLIVE_RTMP_PUBLIC_URL:-rtmp://localhost:$FARMLIVE_RTMP_PORT/live}   <- OBS "Server";
                   the stream key comes from POST $URL/api/v1/live
  relay:           $relay

  Demo logins (password: farmlive-demo)
    buyer@example.com                 buyer
    farmer@anyuan.example.com         farmer, Anyuan cooperative
    admin@anyuan.example.com          coop admin, Anyuan cooperative
    admin@qingbaijiang.example.com    coop admin, Qingbaijiang cooperative
    ops@example.com                   platform admin

MSG
}

# wait_healthy PID -> 0 once the shop answers /healthz; fails at once when
# PID (the shop just started) exits
wait_healthy() {
    for _ in $(seq 1 300); do
        if ! kill -0 "$1" 2>/dev/null; then
            rm -f "$SHOP_PID"
            echo "run: the shop exited at start; its log:" >&2
            tail -n 20 "$VAR/log/shop.log" >&2
            return 1
        fi
        if curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "run: the shop did not become healthy; see $VAR/log/shop.log" >&2
    return 1
}

# stop_pid PIDFILE BINARY NAME -> stops the process if it is ours; a stale
# pid file (its process gone, or another program now) is only removed
stop_pid() {
    local pid
    pid=$(ours "$1" "$2")
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        echo "run: $3 stopped"
    elif [ -f "$1" ]; then
        echo "run: $1 named no running $3 (a stale pid file): removed"
    fi
    rm -f "$1"
}

stop_all() {
    stop_pid "$RELAY_PID" "$RELAY_BIN" relay # first, so the shop hears its unpublishes
    stop_pid "$SHOP_PID" "$SHOP_BIN" shop
    ops/stack.sh stop "$VAR"
}

# the ports the shop and the relay will listen on must be free
ports_free() {
    port_free "$FARMLIVE_SHOP_PORT" shop || return 1
    [ -x "$RELAY_BIN" ] || return 0
    port_free "$FARMLIVE_RTMP_PORT" "relay RTMP" && port_free "$FARMLIVE_RELAY_HTTP_PORT" "relay HTTP"
}

case "${1-}" in
    foreground)
        already_up && exit 0
        ports_free
        start_stack
        load_secrets
        mkdir -p "$VAR/log"
        "$SHOP_BIN" serve 2> >(tee -a "$VAR/log/shop.log" >&2) &
        echo $! >"$SHOP_PID"
        trap 'echo; stop_all; exit 0' INT TERM
        wait_healthy "$(cat "$SHOP_PID")" || { stop_all; exit 1; }
        start_relay || { stop_all; exit 1; }
        banner
        wait "$(cat "$SHOP_PID")" || true
        stop_all
        ;;
    background)
        already_up && exit 0
        ports_free
        start_stack
        load_secrets
        nohup "$SHOP_BIN" serve >>"$VAR/log/shop.log" 2>&1 &
        echo $! >"$SHOP_PID"
        wait_healthy "$(cat "$SHOP_PID")" || { stop_all; exit 1; }
        start_relay || { stop_all; exit 1; }
        banner
        ;;
    stop)
        stop_all
        ;;
    *)
        echo "usage: ops/run.sh foreground|background|stop" >&2
        exit 2
        ;;
esac
