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
# (FARMLIVE_INTERNAL_SECRET) is generated once into var/secrets.env, unless
# the environment already sets it. The relay logs to var/log/relay.log.
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

start_stack() {
    mkdir -p "$VAR/run" "$VAR/log"
    ops/stack.sh start "$VAR" "$FARMLIVE_DB_PORT" "$FARMLIVE_REDIS_PORT"
    bin/farmlive-shop migrate
    local seeded
    seeded=$(mariadb --no-defaults -N -B -h 127.0.0.1 -P "$FARMLIVE_DB_PORT" -u "${FARMLIVE_DB_USER:-farmlive}" \
        -p"${FARMLIVE_DB_PASSWORD:-farmlive}" "${FARMLIVE_DB_NAME:-farmlive}" \
        -e "SELECT COUNT(*) FROM accounts WHERE email = 'ops@example.com'")
    if [ "$seeded" = 0 ]; then
        bin/farmlive-shop seed-demo
    fi
}

# The shared secret of the relay and the shop's internal API: made once
# (256 bits, mode 600), then read on every start; the environment wins.
load_secrets() {
    local f=$VAR/secrets.env
    mkdir -p "$VAR"
    if [ ! -s "$f" ]; then
        (umask 077 && printf 'FARMLIVE_INTERNAL_SECRET=%s\n' \
            "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$f")
    fi
    if [ -z "${FARMLIVE_INTERNAL_SECRET-}" ]; then
        set -a
        . "$f"
        set +a
    fi
}

# Starts the relay in the background when it is built (same environment as
# the shop); its pid goes to var/run/relay.pid.
start_relay() {
    if [ ! -x "$RELAY_BIN" ]; then
        echo "run: $RELAY_BIN is not built: no live streaming this time"
        return 0
    fi
    nohup "$RELAY_BIN" serve >>"$VAR/log/relay.log" 2>&1 &
    echo $! >"$RELAY_PID"
    for _ in $(seq 1 50); do
        if curl -fsS -o /dev/null "http://127.0.0.1:$FARMLIVE_RELAY_HTTP_PORT/healthz" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "run: the relay did not answer on :$FARMLIVE_RELAY_HTTP_PORT; see $VAR/log/relay.log" >&2
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

wait_healthy() {
    for _ in $(seq 1 300); do
        if curl -fsS -o /dev/null "$URL/healthz" 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "run: the shop did not become healthy; see $VAR/log/shop.log" >&2
    return 1
}

stop_all() {
    if [ -f "$RELAY_PID" ]; then # first, so the shop hears its unpublishes
        local rpid
        rpid=$(cat "$RELAY_PID")
        kill -TERM "$rpid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$rpid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$RELAY_PID"
        echo "run: relay stopped"
    fi
    if [ -f "$SHOP_PID" ]; then
        local pid
        pid=$(cat "$SHOP_PID")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        rm -f "$SHOP_PID"
        echo "run: shop stopped"
    fi
    ops/stack.sh stop "$VAR"
}

case "${1-}" in
    foreground)
        start_stack
        load_secrets
        bin/farmlive-shop serve 2> >(tee -a "$VAR/log/shop.log" >&2) &
        echo $! >"$SHOP_PID"
        trap 'echo; stop_all; exit 0' INT TERM
        wait_healthy
        start_relay
        banner
        wait "$(cat "$SHOP_PID")" || true
        stop_all
        ;;
    background)
        start_stack
        load_secrets
        nohup bin/farmlive-shop serve >>"$VAR/log/shop.log" 2>&1 &
        echo $! >"$SHOP_PID"
        wait_healthy
        start_relay
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
