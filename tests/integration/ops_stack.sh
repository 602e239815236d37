#!/usr/bin/env bash
# ops_stack.sh - the local stack's own commands, as a developer runs them:
# `make up` twice leaves the first stack alone and says so, `make down`
# stops everything that runs (and only ours, trusting no stale pid file),
# `make up` fails when a process it starts dies, and the local stack can
# pay a demo order with bin/pay-notify (its development payment secret).
# Runs ops/run.sh on a stack of its own (own folder, own free ports).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../../ops/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
V=$(mktemp -d /tmp/farmlive-ops.XXXXXX)
export FARMLIVE_VAR_DIR=$V FARMLIVE_SHOP_PORT=$(free_port) FARMLIVE_DB_PORT=$(free_port)
export FARMLIVE_REDIS_PORT=$(free_port) FARMLIVE_RTMP_PORT=$(free_port) FARMLIVE_RELAY_HTTP_PORT=$(free_port)
unset FARMLIVE_INTERNAL_SECRET FARMLIVE_PAYMENT_SECRET FARMLIVE_RELAY_URL SHOP_URL FARMLIVE_DB_SOCKET FARMLIVE_REDIS_SOCKET
export BIN=$BIN_DIR
OPS_URL=http://127.0.0.1:$FARMLIVE_SHOP_PORT
cleanup_ops() {
    (cd "$ROOT" && ops/run.sh stop >/dev/null 2>&1)
    rm -rf "$V"
}
trap 'cleanup_ops; rm -rf "$_TMP"' EXIT

# pids of the processes of this stack (by their pid files and ports)
running() {
    local n=0 f
    for f in "$V/run/shop.pid" "$V/run/relay.pid" "$V/mariadb/mariadbd.pid" "$V/redis/redis.pid"; do
        [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && n=$((n + 1))
    done
    for p in $FARMLIVE_SHOP_PORT $FARMLIVE_DB_PORT $FARMLIVE_REDIS_PORT $FARMLIVE_RTMP_PORT $FARMLIVE_RELAY_HTTP_PORT; do
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && n=$((n + 1))
    done
    echo $n
}

out=$(cd "$ROOT" && ops/run.sh background 2>&1)
rc=$?
check "make up starts the stack (exit $rc)" test $rc = 0
check "the shop answers /healthz" curl -fsS -o /dev/null "$OPS_URL/healthz"
check "the relay answers /healthz" curl -fsS -o /dev/null "http://127.0.0.1:$FARMLIVE_RELAY_HTTP_PORT/healthz"
SHOP1=$(cat "$V/run/shop.pid" 2>/dev/null)
RELAY1=$(cat "$V/run/relay.pid" 2>/dev/null)

out=$(cd "$ROOT" && ops/run.sh background 2>&1)
rc=$?
check "make up on a running stack exits 0 (got $rc)" test $rc = 0
check "and says the stack is already up" sh -c "printf '%s' \"\$0\" | grep -q 'already up'" "$out"
check "and prints no success banner" sh -c "! printf '%s' \"\$0\" | grep -q 'Demo logins'" "$out"
check "the shop's pid file still names the first shop" test "$(cat "$V/run/shop.pid")" = "$SHOP1"
check "the relay's pid file still names the first relay" test "$(cat "$V/run/relay.pid")" = "$RELAY1"
check "the first shop still runs" kill -0 "$SHOP1"

# the development payment secret: an online order paid as the provider would
TOKEN=$(SHOP_URL=$OPS_URL login buyer@example.com "$DEMO_PASSWORD")
check "demo buyer signs in" test -n "$TOKEN"
SKU=$(mariadb --no-defaults -N -B -h 127.0.0.1 -P "$FARMLIVE_DB_PORT" -u farmlive -pfarmlive farmlive -e \
    "SELECT s.id FROM skus s JOIN products p ON p.id = s.product_id JOIN lots l ON l.sku_id = s.id
     WHERE s.active = 1 AND p.status = 'listed' AND l.remaining > 0 ORDER BY s.id LIMIT 1")
SHOP_URL=$OPS_URL api PUT "/api/v1/cart/items/$SKU" '{"quantity":1}'
expect_status 200 "a demo SKU in the cart"
SHOP_URL=$OPS_URL api POST /api/v1/orders \
    '{"payment_method":"online","address":{"name":"王丽","phone":"13800000000","province":"江西省","city":"萍乡市","county":"安源区","detail":"大城镇 1 号"}}' \
    -H "Idempotency-Key: ops-$(uniq_suffix)"
expect_status 201 "an online order"
OID=$(jqr '.orders[0].id')
TOTAL=$(jqr '.orders[0].total_fen')
pay=$(cd "$ROOT" && SHOP_URL=$OPS_URL "$BIN_DIR/pay-notify" "$OID" "$TOTAL" 2>&1)
check "pay-notify finds the local stack's secret and is accepted ($pay)" test $? = 0
SHOP_URL=$OPS_URL api GET "/api/v1/orders/$OID"
expect_status 200 "the paid order"
expect_jq .status paid "the order is paid"

out=$(cd "$ROOT" && ops/run.sh stop 2>&1)
check "make down exits 0" test $? = 0
check "nothing of the stack runs after make down ($(running) left)" test "$(running)" = 0
check "the first shop is gone" sh -c "! kill -0 $SHOP1 2>/dev/null"

# a stale pid file naming another program is not trusted
sleep 300 &
OTHER=$!
mkdir -p "$V/run"
echo "$OTHER" >"$V/run/shop.pid"
out=$(cd "$ROOT" && ops/run.sh stop 2>&1)
check "make down leaves a process that is not our shop alone" kill -0 "$OTHER"
check "and says the pid file was stale" sh -c "printf '%s' \"\$0\" | grep -q stale" "$out"
kill "$OTHER" 2>/dev/null
wait "$OTHER" 2>/dev/null

# a shop that dies at start (it cannot bind its address) fails make up,
# which then leaves nothing running
out=$(cd "$ROOT" && FARMLIVE_SHOP_HOST=203.0.113.7 ops/run.sh background 2>&1)
rc=$?
check "make up fails when the shop it starts dies (exit $rc)" test $rc != 0
check "and says the shop exited" sh -c "printf '%s' \"\$0\" | grep -q 'shop exited'" "$out"
check "nothing of the stack runs after the failed start ($(running) left)" test "$(running)" = 0

# a port taken by another program: make up refuses before starting anything
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $FARMLIVE_SHOP_PORT)); s.listen(1); time.sleep(60)" &
HOLD=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$FARMLIVE_SHOP_PORT") 2>/dev/null && break; sleep 0.1; done
out=$(cd "$ROOT" && ops/run.sh background 2>&1)
rc=$?
check "make up fails when the shop's port is taken (exit $rc)" test $rc != 0
check "and names the port" sh -c "printf '%s' \"\$0\" | grep -q 'port $FARMLIVE_SHOP_PORT'" "$out"
kill "$HOLD" 2>/dev/null
wait "$HOLD" 2>/dev/null
check "nothing of ours runs after the refusal ($(running) left)" test "$(running)" = 0
finish
