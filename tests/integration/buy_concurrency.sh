#!/usr/bin/env bash
# buy_concurrency.sh - the flash-sale guarantees under concurrency.
#
# 1,000 buyers (own accounts and sessions) press buy at once on a 300-unit
# sale, spread over TWO extra shop processes started here on free ports and
# sharing the stack's MariaDB and Redis (the main test shop is left alone).
#   sale 1: one of the two shops is killed (-9) mid-sale and restarted;
#           unanswered requests are retried with the same Idempotency-Key
#   sale 2: Redis is FLUSHALLed mid-sale (sessions restored right after)
# Each time: exactly 300 orders, 0 oversold, at most one order per buyer,
# retries answer the first order (no duplicates), every 201 is in MariaDB.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/buy/helpers.sh"
. "$(dirname "$0")/../../ops/lib.sh"
: "${SHOP_BIN:?SHOP_BIN must name the shop binary}"
N=${BUY_CONC_BUYERS:-1000}
UNITS=300
W=$_TMP/conc
mkdir -p "$W"
PIDS=()

cleanup_shops() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$_TMP"
}
trap cleanup_shops EXIT

start_shop() { # start_shop NAME PORT -> sets LAST_PID
    FARMLIVE_SHOP_PORT=$2 "$SHOP_BIN" serve >>"$W/shop-$1.log" 2>&1 &
    LAST_PID=$!
    PIDS+=("$LAST_PID")
    wait_http "http://127.0.0.1:$2/healthz" 30 "$LAST_PID" || { tail -n 20 "$W/shop-$1.log" >&2; return 1; }
}

PORT_A=$(free_port)
PORT_B=$(free_port)
while [ "$PORT_B" = "$PORT_A" ]; do PORT_B=$(free_port); done
start_shop a "$PORT_A" && PID_A=$LAST_PID
start_shop b "$PORT_B" && PID_B=$LAST_PID
check "two extra shops started on ports $PORT_A and $PORT_B" test -n "${PID_A-}" -a -n "${PID_B-}"

buy_logins
as "$AY_ADMIN"
SKU=$(new_sku "$AY" 3990)
LOT=$(restock "$SKU" $((2 * UNITS)))
bulk_buyers "$N" "conc$S" "$W/buyers"
check "$N buyers with sessions" test "$(wc -l <"$W/buyers")" -eq "$N"
addr_body online >"$W/body.json"

new_sale() {
    as "$AY_ADMIN"
    api POST /api/v1/flash-sales "$(jq -nc --argjson sku "$SKU" --argjson q "$UNITS" \
        --arg s "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)" --arg e "$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)" \
        '{sku_id:$sku, price_fen:1990, quantity:$q, per_buyer_limit:1, starts_at:$s, ends_at:$e}')"
    jqr .id
}

# wave SALE KEYPREFIX LIST OUTDIR -> one curl, every buyer of LIST (line numbers
# of the buyers file) at once, alternating shops; prints "n code" lines
wave() {
    local sale=$1 kp=$2 list=$3 out=$4
    mkdir -p "$out"
    awk -v sale="$sale" -v kp="$kp" -v out="$out" -v a="$PORT_A" -v b="$PORT_B" -v body="$W/body.json" '
        NR == FNR { tok[FNR] = $2; next }
        { n = $1; port = (n % 2) ? a : b
          printf "next\nurl = \"http://127.0.0.1:%s/api/v1/flash-sales/%s/orders\"\n", port, sale
          printf "header = \"Authorization: Bearer %s\"\nheader = \"Idempotency-Key: %s-%s\"\n", tok[n], kp, n
          printf "header = \"Content-Type: application/json\"\ndata-binary = \"@%s\"\n", body
          printf "output = \"%s/%s\"\nwrite-out = \"%s %%{http_code}\\n\"\nmax-time = 60\n", out, n, n }
    ' "$W/buyers" "$list" | sed 1d >"$out.cfg"
    local t0=$(date +%s.%N)
    curl -s --no-progress-meter --parallel --parallel-immediate --parallel-max 1000 -K "$out.cfg" || true
    echo "wave $kp $(wc -l <"$list"): $(echo "$(date +%s.%N) - $t0" | bc) s" >&2
}

# settle SALE KEYPREFIX CODES OUTDIR: retries (same key) every buyer whose answer
# was not definitive (not 201/409) until all are; CODES gets the final answers
settle() {
    local sale=$1 kp=$2 codes=$3 out=$4 round
    for round in 1 2 3 4 5 6 7 8; do
        awk '$2 != 201 && $2 != 409 { print $1 }' "$codes" >"$W/retry"
        [ -s "$W/retry" ] || return 0
        sleep 1
        wave "$sale" "$kp" "$W/retry" "$out.r$round" >"$W/retry.codes"
        cp "$out.r$round"/* "$out"/ 2>/dev/null
        awk 'NR == FNR { c[$1] = $2; next } { if ($1 in c) $2 = c[$1]; print }' "$W/retry.codes" "$codes" >"$codes.new"
        mv "$codes.new" "$codes"
    done
}

# verify SALE DESC: the invariants in MariaDB
verify() {
    local sale=$1 desc=$2
    check "$desc: exactly $UNITS orders" test "$(sql "SELECT COUNT(*) FROM orders WHERE flash_sale_id = $sale")" = "$UNITS"
    check "$desc: 0 oversold (units in orders = $UNITS)" test "$(sql "SELECT SUM(l.quantity) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.flash_sale_id = $sale")" = "$UNITS"
    check "$desc: every slot held by one order" test "$(sql "SELECT COUNT(DISTINCT order_id) FROM flash_slots WHERE sale_id = $sale")" = "$UNITS"
    check "$desc: no buyer holds two orders" test "$(sql "SELECT COUNT(*) FROM (SELECT buyer_account_id FROM orders WHERE flash_sale_id = $sale GROUP BY buyer_account_id HAVING COUNT(*) > 1) x")" = 0
    check "$desc: the ledger reserved exactly $UNITS for the sale" test "$(sql "SELECT -SUM(delta) FROM inventory_ledger WHERE note = 'flash sale $sale'")" = "$UNITS"
    check "$desc: every order line names a slot's lot" test "$(sql "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.flash_sale_id = $sale AND l.lot_id <> $LOT")" = 0
}

# answered_ok SALE CODES OUTDIR: every 201 body is an order of that buyer in MariaDB
answered_ok() {
    local sale=$1 codes=$2 out=$3 missing
    awk '$2 == 201 { print $1 }' "$codes" >"$W/won"
    sql "SELECT id, buyer_account_id FROM orders WHERE flash_sale_id = $sale" >"$W/db_orders"
    ids_of "$out" "$W/won" >"$W/won_ids"
    # n -> order id (answer) -> buyer in MariaDB, compared with buyer n
    missing=$(awk 'FILENAME == ARGV[1] { acct[FNR] = $1; next }
                   FILENAME == ARGV[2] { owner[$1] = $2; next }
                   { if (owner[$2] != acct[$1]) m++ } END { print m + 0 }' "$W/buyers" "$W/db_orders" "$W/won_ids")
    check "every confirmed (201) order is in MariaDB for its buyer ($missing missing)" test "$missing" = 0
}

seq 1 "$N" >"$W/all"

# ids_of DIR LIST -> "n order_id" for every n of LIST (one jq for all)
ids_of() {
    (cd "$1" && xargs jq -r '"\(input_filename) \(.id)"' <"$2") 2>/dev/null
}

# when_sold SALE COUNT CMD... -> runs CMD once COUNT orders of SALE exist (mid-sale)
when_sold() {
    local sale=$1 count=$2
    shift 2
    for _ in $(seq 1 600); do
        [ "$(sql "SELECT COUNT(*) FROM orders WHERE flash_sale_id = $sale")" -ge "$count" ] && break
        sleep 0.02
    done
    "$@"
}

# again SALE CODES OUTDIR ROUND: buyers without an order press buy again (new keys)
again() {
    local sale=$1 codes=$2 out=$3 round=$4
    awk 'NR == FNR { if ($2 == 201) won[$1] = 1; next } !($1 in won)' "$codes" "$W/all" >"$W/again"
    wave "$sale" "again$round" "$W/again" "$out.again$round" >"$W/again.codes"
    awk '$2 == 201 { print $1 }' "$W/again.codes" | (cd "$out.again$round" && xargs -r cp -t "$out"/)
    awk 'NR == FNR { if ($2 == 201) c[$1] = 201; next } { if ($1 in c) $2 = 201; print }' "$W/again.codes" "$codes" >"$codes.new"
    mv "$codes.new" "$codes"
}

# ---------------------------------------------------------------- sale 1: kill -9
SALE1=$(new_sale)
when_sold "$SALE1" 100 kill -9 "$PID_A" &
KILLER=$!
wave "$SALE1" "k1" "$W/all" "$W/s1" >"$W/s1.codes"
wait "$KILLER"
check "shop A was killed mid-sale" test "$(kill -0 "$PID_A" 2>/dev/null && echo alive || echo dead)" = dead
start_shop a "$PORT_A" && PID_A=$LAST_PID
unans=$(awk '$2 != 201 && $2 != 409' "$W/s1.codes" | wc -l)
echo "sale 1: $(awk '$2 == 201' "$W/s1.codes" | wc -l) orders, $unans unanswered after the kill" >&2
settle "$SALE1" "k1" "$W/s1.codes" "$W/s1"
check "every attempt got an answer after retries" test "$(awk '$2 != 201 && $2 != 409' "$W/s1.codes" | wc -l)" = 0
# retried keys answer the first order
awk '$2 == 201 { print $1 }' "$W/s1.codes" | head -n 100 >"$W/replay"
wave "$SALE1" "k1" "$W/replay" "$W/s1.replay" >"$W/s1.replay.codes"
same=$(join <(ids_of "$W/s1" "$W/replay" | sort) <(ids_of "$W/s1.replay" "$W/replay" | sort) | awk '$2 == $3' | wc -l)
check "retried keys answer the same order ($same of $(wc -l <"$W/replay"))" test "$same" = "$(wc -l <"$W/replay")"
# units whose take died with shop A come back when the flash_counters job corrects the
# counter; buyers without an order press again (new keys) until sold out
for round in 1 2 3 4 5 6; do
    sold=$(sql "SELECT COUNT(*) FROM orders WHERE flash_sale_id = $SALE1")
    [ "$sold" = "$UNITS" ] && break
    sleep 4
    again "$SALE1" "$W/s1.codes" "$W/s1" "$round"
done
verify "$SALE1" "kill -9 mid-sale"
answered_ok "$SALE1" "$W/s1.codes" "$W/s1"

# ---------------------------------------------------------------- sale 2: FLUSHALL
SALE2=$(new_sale)
flush() { rcli FLUSHALL >/dev/null; sessions_write "$W/buyers"; }
when_sold "$SALE2" 100 flush &
FLUSHER=$!
wave "$SALE2" "k2" "$W/all" "$W/s2" >"$W/s2.codes"
wait "$FLUSHER"
echo "sale 2: $(awk '$2 == 201' "$W/s2.codes" | wc -l) orders in the first wave, $(awk '$2 != 201 && $2 != 409' "$W/s2.codes" | wc -l) to retry" >&2
settle "$SALE2" "k2" "$W/s2.codes" "$W/s2"
check "every attempt got an answer after the flush" test "$(awk '$2 != 201 && $2 != 409' "$W/s2.codes" | wc -l)" = 0
check "the counter came back from MariaDB" test -n "$(rcli GET "flash:{$SALE2}:stock")"
for round in 1 2 3 4 5 6; do
    sold=$(sql "SELECT COUNT(*) FROM orders WHERE flash_sale_id = $SALE2")
    [ "$sold" = "$UNITS" ] && break
    sleep 4
    again "$SALE2" "$W/s2.codes" "$W/s2" "$round"
done
verify "$SALE2" "Redis FLUSHALL mid-sale"
answered_ok "$SALE2" "$W/s2.codes" "$W/s2"
check "the lot holds what was not sold" test "$(sql "SELECT remaining FROM lots WHERE id = $LOT")" = 0
# each extra shop stops on SIGTERM: exit status 0 and its "stopped" line
# (shop A's log also holds the process killed with -9, which wrote none)
for name in a b; do
    pid=${PID_A-}
    [ "$name" = b ] && pid=${PID_B-}
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    check "extra shop $name exits 0 on SIGTERM (exit status $rc)" test "$rc" = 0
    check "extra shop $name logs that it stopped" test "$(grep -c '"event":"stopped"' "$W/shop-$name.log")" = 1
done
PIDS=()

finish
