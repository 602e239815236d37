#!/usr/bin/env bash
# run.sh - the local stack: MariaDB + Redis under var/, migrated and seeded,
# and the shop.
#
#   ops/run.sh foreground   start everything, shop in the foreground; Ctrl-C stops all
#   ops/run.sh background   start everything in the background; returns when /healthz is green
#   ops/run.sh stop         stop what `background` started
#
# Data stays in var/ between runs. Ports: FARMLIVE_SHOP_PORT (8080),
# FARMLIVE_DB_PORT (3307), FARMLIVE_REDIS_PORT (6380).
set -euo pipefail
cd "$(dirname "$0")/.."

export FARMLIVE_VAR_DIR=${FARMLIVE_VAR_DIR:-var}
export FARMLIVE_SHOP_PORT=${FARMLIVE_SHOP_PORT:-8080}
export FARMLIVE_DB_PORT=${FARMLIVE_DB_PORT:-3307}
export FARMLIVE_REDIS_PORT=${FARMLIVE_REDIS_PORT:-6380}
VAR=$FARMLIVE_VAR_DIR
SHOP_PID=$VAR/run/shop.pid
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

banner() {
    cat <<MSG

  farmlive shop:   $URL/
  API:             $URL/api/v1/products
  health:          $URL/healthz      metrics: $URL/metrics

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
        bin/farmlive-shop serve 2> >(tee -a "$VAR/log/shop.log" >&2) &
        echo $! >"$SHOP_PID"
        trap 'echo; stop_all; exit 0' INT TERM
        wait_healthy
        banner
        wait "$(cat "$SHOP_PID")" || true
        stop_all
        ;;
    background)
        start_stack
        nohup bin/farmlive-shop serve >>"$VAR/log/shop.log" 2>&1 &
        echo $! >"$SHOP_PID"
        wait_healthy
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
