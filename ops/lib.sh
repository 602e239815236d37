# lib.sh - shell helpers shared by ops/ and tests/ scripts (sourced).

# free_port -> prints a loopback TCP port nobody listens on
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768-60999)
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
    done
}

# wait_http URL SECONDS [PID] -> 0 once URL answers 2xx; fails early if PID dies
wait_http() {
    local url=$1 secs=$2 pid=${3-}
    for _ in $(seq 1 $((secs * 10))); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
        sleep 0.1
    done
    return 1
}

# wrk_figures FILE -> from wrk --latency's output in FILE sets RPS, P50,
# P99 (with their units) and ERRS (non-2xx answers and socket errors)
wrk_figures() {
    RPS=$(awk '/^Requests\/sec:/ {print $2}' "$1")
    P50=$(awk '$1 == "50%" {print $2}' "$1")
    P99=$(awk '$1 == "99%" {print $2}' "$1")
    ERRS=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {
                 for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { sub(",", "", $i); n += $i } }
               END {print n + 0}' "$1")
}

# nginx_temps DIR -> the http-block lines that keep an nginx run's temporary
# files under DIR (the benchmarks' generated nginx.conf files)
nginx_temps() {
    local k
    for k in client_body proxy fastcgi uwsgi scgi; do printf '    %s_temp_path %s/%s;\n' "$k" "$1" "${k#client_}"; done
}

# bench_buyers RUN N FILE -> N accounts (RUN-k@example.com), each with a
# session made directly in Redis, as "account_id token sha256(token)"
# lines in FILE (bench-flash_load's tokens file); fails unless all N were
# made. The caller defines sql (its MariaDB) and REDIS_PORT.
bench_buyers() {
    sql "INSERT INTO accounts (email, display_name, password_hash)
         SELECT CONCAT('$1-', seq, '@example.com'), CONCAT('bench ', seq), 'x' FROM seq_1_to_$2" || return 1
    sql "SELECT id, t, SHA2(t, 256) FROM (SELECT id, SHA2(CONCAT('$1', id), 256) t FROM accounts
         WHERE email LIKE '$1-%@example.com') x ORDER BY id" >"$3" || return 1
    awk '{ printf "HSET sess:%s account_id %s platform_admin 0 csrf %s\nEXPIRE sess:%s 3600\n", $3, $1, $2, $3 }' \
        "$3" | redis-cli -h 127.0.0.1 -p "$REDIS_PORT" >/dev/null
    [ "$(wc -l <"$3")" -eq "$2" ]
}
