#!/usr/bin/env bash
# stack.sh - throwaway MariaDB and Redis servers on loopback, under one folder.
#
#   ops/stack.sh start DIR DB_PORT REDIS_PORT   start both (initialise on first use)
#   ops/stack.sh stop DIR                       stop both, keep the data
#   ops/stack.sh start-db DIR DB_PORT | stop-db DIR
#   ops/stack.sh start-redis DIR REDIS_PORT | stop-redis DIR
#
# MariaDB runs with utf8mb4, no binary log, no file per table and the
# Mroonga engine loaded (see start_db); a database and user named by
# FARMLIVE_DB_NAME / FARMLIVE_DB_USER / FARMLIVE_DB_PASSWORD (defaults
# farmlive/farmlive/farmlive) are created.
# Redis runs with AOF on. Both also listen on a Unix socket
# (DIR/mariadb/mariadbd.sock, DIR/redis/redis.sock when that path fits in a
# socket address). Each start returns only when the server answers.
set -euo pipefail

DB_NAME=${FARMLIVE_DB_NAME:-farmlive}
DB_USER=${FARMLIVE_DB_USER:-farmlive}
DB_PASSWORD=${FARMLIVE_DB_PASSWORD:-farmlive}

die() { echo "stack: $*" >&2; exit 1; }

wait_for() { # wait_for SECONDS DESC CMD...
    local secs=$1 desc=$2
    shift 2
    for _ in $(seq 1 $((secs * 10))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    die "$desc did not answer within ${secs}s"
}

mariadbd_bin() {
    command -v mariadbd 2>/dev/null || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } || die "mariadbd not found (run ops/install-deps.sh)"
}

# mroonga_opt MARIADBD -> the option that loads the Mroonga storage engine
# (product search, schema/migrations/055; Debian: mariadb-plugin-mroonga).
# INSTALL SONAME would need privileges the shop's user does not have:
# loading belongs to the server's start. A server without it cannot run
# the shop, so its absence stops here, naming the package.
mroonga_opt() {
    local dir
    dir=$("$1" --no-defaults --verbose --help 2>/dev/null | awk '$1 == "plugin-dir" { print $2 }')
    if [ -z "$dir" ] || [ ! -f "${dir%/}/ha_mroonga.so" ]; then
        die "the Mroonga plugin ha_mroonga.so is not in the plugin dir ($dir): run ops/install-deps.sh (mariadb-plugin-mroonga)"
    fi
    echo --plugin-load-add=ha_mroonga
}

start_db() {
    local dir=$1/mariadb port=$2
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/mariadbd.pid" ] && kill -0 "$(cat "$dir/mariadbd.pid")" 2>/dev/null; then
        echo "stack: MariaDB already running (pid $(cat "$dir/mariadbd.pid"))"
        return 0
    fi
    if [ ! -d "$dir/data/mysql" ]; then
        mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
            --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 ||
            { cat "$dir/install.log" >&2; die "mariadb-install-db failed"; }
    fi
    # --innodb-file-per-table=OFF: the tables live in the system tablespace,
    # which grows 64 MB at a time. A table in a file of its own grows one
    # 16 KB page at a time until its file reaches 1 MB, each page with a
    # fallocate and an fdatasync inside the statement that needed it: a new
    # stack's first flash-sale rounds paid about 200 of them (strace), and
    # measured 20-40 ms slower at p99 than a stack whose tables were past
    # their first MB, as any running platform's are.
    local bin mroonga
    bin=$(mariadbd_bin)
    mroonga=$(mroonga_opt "$bin") || exit 1
    "$bin" --no-defaults "$mroonga" --datadir="$dir/data" --socket="$dir/mariadbd.sock" --port="$port" \
        --bind-address=127.0.0.1 --user="$(id -un)" --pid-file="$dir/mariadbd.pid" \
        --log-error="$dir/error.log" --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --skip-log-bin --innodb-buffer-pool-size=256M --max-connections=500 \
        --innodb-flush-log-at-trx-commit=2 --innodb-file-per-table=OFF >/dev/null 2>&1 &
    wait_for 30 "MariaDB on port $port" mariadb-admin --no-defaults --socket="$dir/mariadbd.sock" -uroot ping
    mariadb --no-defaults --socket="$dir/mariadbd.sock" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASSWORD';
CREATE USER IF NOT EXISTS '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$DB_USER'@'localhost';
SQL
    echo "stack: MariaDB on 127.0.0.1:$port (data in $dir/data)"
}

stop_pidfile() { # stop_pidfile FILE NAME
    local pidfile=$1 name=$2
    [ -f "$pidfile" ] || return 0
    local pid
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && { echo "stack: $name did not stop, killing" >&2; kill -KILL "$pid" 2>/dev/null || true; }
    fi
    rm -f "$pidfile"
    echo "stack: $name stopped"
}

stop_db() { stop_pidfile "$1/mariadb/mariadbd.pid" MariaDB; }

start_redis() {
    local dir=$1/redis port=$2
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
        echo "stack: Redis already running (pid $(cat "$dir/redis.pid"))"
        return 0
    fi
    local sock=()
    [ ${#dir} -lt 96 ] && sock=(--unixsocket "$dir/redis.sock" --unixsocketperm 700) # sun_path holds 108 bytes
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly yes --dir "$dir" "${sock[@]}" \
        --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    wait_for 15 "Redis on port $port" redis-cli -p "$port" ping
    echo "stack: Redis on 127.0.0.1:$port (AOF in $dir)"
}

stop_redis() { stop_pidfile "$1/redis/redis.pid" Redis; }

cmd=${1-}
case "$cmd" in
    start) [ $# -eq 4 ] || die "usage: stack.sh start DIR DB_PORT REDIS_PORT"; start_db "$2" "$3"; start_redis "$2" "$4" ;;
    stop) [ $# -eq 2 ] || die "usage: stack.sh stop DIR"; stop_db "$2"; stop_redis "$2" ;;
    start-db) start_db "$2" "$3" ;;
    stop-db) stop_db "$2" ;;
    start-redis) start_redis "$2" "$3" ;;
    stop-redis) stop_redis "$2" ;;
    *) die "usage: stack.sh start|stop|start-db|stop-db|start-redis|stop-redis DIR [PORTS]" ;;
esac
