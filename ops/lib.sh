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

# The flash benchmarks' steps (ops/bench-flash.sh, ops/bench-rtflash.sh,
# and bench_buyers for ops/bench-rt.sh), against the stack's shop
# (SHOP_URL), MariaDB (DB_PORT, FARMLIVE_DB_*) and Redis (REDIS_PORT).

# bench_sql SQL -> its rows, tab-separated, no header
bench_sql() {
    mariadb --no-defaults -N -B -h 127.0.0.1 -P "${DB_PORT:-3307}" -u "${FARMLIVE_DB_USER:-farmlive}" \
        -p"${FARMLIVE_DB_PASSWORD:-farmlive}" "${FARMLIVE_DB_NAME:-farmlive}" -e "$1"
}

# bench_api METHOD PATH TOKEN [BODY] -> the shop's answer
bench_api() {
    curl -sS -X "$1" -H "Authorization: Bearer $3" ${4:+-H 'Content-Type: application/json' --data-binary "$4"} \
        "$SHOP_URL$2"
}

# bench_admin -> a session token of the demo Anyuan admin; fails without one
bench_admin() {
    local t
    t=$(curl -sS -H 'Content-Type: application/json' \
        -d '{"login":"admin@anyuan.example.com","password":"farmlive-demo"}' "$SHOP_URL/api/v1/sessions" | jq -r .token)
    [ -n "$t" ] && [ "$t" != null ] && echo "$t"
}

# bench_sku TOKEN NAME -> a new listed product NAME of the token's (first)
# cooperative; prints its SKU's id, fails without one
bench_sku() {
    local coop sku
    coop=$(bench_api GET /api/v1/me "$1" | jq -r '.memberships[0].coop_id')
    sku=$(bench_api POST /api/v1/products "$1" "$(jq -nc --argjson c "$coop" --arg n "$2" \
        '{coop_id:$c, name_zh:$n, category:"eggs", status:"listed", skus:[{spec:"30枚", unit:"盒", price_fen:3990, weight_g:1800}]}')" |
        jq -r '.skus[0].id')
    [ -n "$sku" ] && [ "$sku" != null ] && echo "$sku"
}

# bench_sold SALE -> "ORDERS UNITS" of flash sale SALE, from MariaDB's
# orders and their order lines
bench_sold() {
    bench_sql "SELECT (SELECT COUNT(*) FROM orders WHERE flash_sale_id = $1),
               (SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id
                WHERE o.flash_sale_id = $1)"
}

# bench_buyers RUN N FILE -> N accounts (RUN-k@example.com), each with a
# session made directly in Redis, as "account_id token sha256(token)"
# lines in FILE (bench-flash_load's tokens file); fails unless all N were
# made.
bench_buyers() {
    bench_sql "INSERT INTO accounts (email, display_name, password_hash)
         SELECT CONCAT('$1-', seq, '@example.com'), CONCAT('bench ', seq), 'x' FROM seq_1_to_$2" || return 1
    bench_sql "SELECT id, t, SHA2(t, 256) FROM (SELECT id, SHA2(CONCAT('$1', id), 256) t FROM accounts
         WHERE email LIKE '$1-%@example.com') x ORDER BY id" >"$3" || return 1
    awk '{ printf "HSET sess:%s account_id %s platform_admin 0 csrf %s\nEXPIRE sess:%s 3600\n", $3, $1, $2, $3 }' \
        "$3" | redis-cli -h 127.0.0.1 -p "${REDIS_PORT:-6380}" >/dev/null
    [ "$(wc -l <"$3")" -eq "$2" ]
}
